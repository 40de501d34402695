// Everything a List method shares: the `filter` grammar (a subset of
// AIP-160), `order_by` on creation time, page sizes, and keyset page tokens
// bound to the query they came from.
//
// Filter grammar: `term (AND term)*`, where `term` is `field OP value`, OP
// one of `=`, `!=`, `<`, `<=`, `>`, `>=`, and `value` a bare word (letters,
// digits, `_ - . : @ /`) or a double-quoted string with `\"` and `\\`
// escapes. Which operators a field takes is the caller's to check.
//   status = OPEN AND account = "accounts/01J..."
#ifndef TANDEM_COMMON_LISTING_H_
#define TANDEM_COMMON_LISTING_H_

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pagination.h"

namespace tandem {

// A filter comparison.
enum class FilterOp { kEq, kNe, kLt, kLe, kGt, kGe };

// One `field op value` condition of a filter.
struct FilterTerm {
  std::string field;
  FilterOp op = FilterOp::kEq;
  std::string value;

  friend bool operator==(const FilterTerm&, const FilterTerm&) = default;
};

// Returns INVALID_ARGUMENT on `filter` unless the term uses `=` or `!=`.
absl::Status RequireEquality(const FilterTerm& term);

// Returns the term's value, an RFC 3339 time such as
// "2026-11-01T00:00:00Z", as a UTC DATETIME(6) text; INVALID_ARGUMENT on
// `filter` otherwise.
absl::StatusOr<std::string> TimeFilterValue(const FilterTerm& term);

// Parses `filter`; fields must be in `allowed`. Errors are INVALID_ARGUMENT
// on `filter` saying what was expected where.
absl::StatusOr<std::vector<FilterTerm>> ParseFilter(absl::string_view filter,
                                                    const std::set<std::string>& allowed);

// Returns the number, as text, of the enum value a filter term names
// (e.g. "OPEN"), or INVALID_ARGUMENT on `filter` listing the valid names.
absl::StatusOr<std::string> EnumFilterValue(const FilterTerm& term,
                                            const google::protobuf::EnumDescriptor& values);

// Where a page starts: after the item with this creation time and id.
struct KeysetPosition {
  absl::Time create_time;
  std::string id;
};

// A validated List request, ready for a store.
struct ListPlan {
  int page_size = 0;
  bool newest_first = true;
  std::vector<FilterTerm> terms;
  std::optional<KeysetPosition> after;
  std::string query_fingerprint;
};

// The paging fields of a List request.
struct ListParams {
  int page_size = 0;
  std::string page_token{};
  std::string filter{};
  std::string order_by{};
};

// Validates `params` for `tenant`: the filter against `allowed_fields`,
// `order_by` (`create_time desc` by default, or `create_time [asc]`), the
// page size (0 → `default_size`, capped at `max_size`) and the page token.
absl::StatusOr<ListPlan> PlanList(const PageTokenCodec& codec, absl::string_view tenant,
                                  const ListParams& params,
                                  const std::set<std::string>& allowed_fields,
                                  int default_size = 50, int max_size = 500);

// The most bytes of messages one page should carry: well under gRPC's
// default 4 MiB message limit, whatever the page size asked for.
inline constexpr size_t kPageByteBudget = 1024 * 1024;

// Keeps the longest prefix of `items` whose serialized size fits in
// `budget` (always at least one item); returns true if it dropped any, so
// the caller knows another page follows.
template <typename Message>
bool FitToByteBudget(std::vector<Message>& items, size_t budget = kPageByteBudget) {
  size_t total = 0;
  for (size_t i = 0; i < items.size(); ++i) {
    total += items[i].ByteSizeLong();
    if (i > 0 && total > budget) {
      items.erase(items.begin() + static_cast<std::ptrdiff_t>(i), items.end());
      return true;
    }
  }
  return false;
}

// Returns the token for the page after the item at `last`.
std::string NextPageToken(const PageTokenCodec& codec, const ListPlan& plan,
                          const KeysetPosition& last);

}  // namespace tandem

#endif  // TANDEM_COMMON_LISTING_H_

// Keyset pagination with opaque, tamper-evident page tokens.
//
// A token holds the sort keys of the last item of the page, a fingerprint of
// the query it belongs to (filter, order, tenant) and an HMAC over both. A
// token that was edited, forged, or sent with a different query is rejected
// as INVALID_ARGUMENT on `page_token`.
#ifndef TANDEM_COMMON_PAGINATION_H_
#define TANDEM_COMMON_PAGINATION_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem {

// Encodes and decodes page tokens under one secret key.
class PageTokenCodec {
 public:
  // `key` must be kept secret and shared by every replica of a service.
  explicit PageTokenCodec(std::string key) : key_(std::move(key)) {}

  // Returns a token that resumes after the item whose sort keys are `keys`.
  std::string Encode(absl::string_view query_fingerprint,
                     const std::vector<std::string>& keys) const;

  // Returns the sort keys in `token`. An empty token yields an empty vector
  // (the first page). Fails with INVALID_ARGUMENT if the token is malformed,
  // was not made with this key, or belongs to another query.
  absl::StatusOr<std::vector<std::string>> Decode(absl::string_view token,
                                                  absl::string_view query_fingerprint) const;

 private:
  std::string key_;
};

// Returns a short fingerprint of everything that defines a list query
// except its page size and token, e.g. {tenant, filter, order_by}.
std::string QueryFingerprint(const std::vector<std::string>& parts);

// Validates a requested page size: negative is INVALID_ARGUMENT on
// `page_size`, 0 becomes `default_size`, above `max_size` becomes `max_size`.
absl::StatusOr<int> NormalizePageSize(int requested, int default_size, int max_size);

}  // namespace tandem

#endif  // TANDEM_COMMON_PAGINATION_H_

#include "services/success/lifecycle_listing.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "common/status.h"

namespace tandem::success {

absl::StatusOr<ListPlan> PlanLifecycleList(const PageTokenCodec& codec, absl::string_view tenant,
                                           const ListParams& params,
                                           const std::set<std::string>& allowed_fields,
                                           const std::vector<std::string>& query_parts,
                                           const std::vector<std::string>& order_columns,
                                           std::string& order_column) {
  std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(params.order_by));
  bool descending = true;
  order_column = order_columns.front();
  if (!order.empty()) {
    absl::string_view column = order;
    descending = false;
    if (absl::ConsumeSuffix(&column, " desc")) {
      descending = true;
    } else {
      absl::ConsumeSuffix(&column, " asc");
    }
    column = absl::StripAsciiWhitespace(column);
    if (std::find(order_columns.begin(), order_columns.end(), column) == order_columns.end()) {
      return InvalidField("order_by",
                          absl::StrCat("must be one of ", absl::StrJoin(order_columns, ", "),
                                       ", optionally followed by asc or desc"));
    }
    order_column = std::string(column);
  }
  ListParams first_page = params;
  first_page.page_token.clear();
  first_page.order_by = descending ? "create_time desc" : "create_time";
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(codec, tenant, first_page, allowed_fields));
  std::vector<std::string> parts = {std::string(tenant), params.filter, order_column,
                                    descending ? "desc" : "asc"};
  parts.insert(parts.end(), query_parts.begin(), query_parts.end());
  plan.query_fingerprint = QueryFingerprint(parts);
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   codec.Decode(params.page_token, plan.query_fingerprint));
  if (!keys.empty()) {
    int64_t micros = 0;
    if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &micros) || !IsValidId(keys[1])) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    plan.after = KeysetPosition{absl::FromUnixMicros(micros), keys[1]};
  }
  return plan;
}

absl::StatusOr<std::vector<FilterTerm>> NormalizeTerms(
    const std::vector<FilterTerm>& terms,
    const std::vector<std::pair<std::string, const google::protobuf::EnumDescriptor*>>& enums,
    const std::set<std::string>& times, const std::set<std::string>& booleans) {
  std::vector<FilterTerm> out;
  for (const FilterTerm& term : terms) {
    FilterTerm normalized = term;
    if (times.contains(term.field)) {
      ASSIGN_OR_RETURN(normalized.value, TimeFilterValue(term));
      out.push_back(std::move(normalized));
      continue;
    }
    RETURN_IF_ERROR(RequireEquality(term));
    if (booleans.contains(term.field)) {
      if (term.value != "true" && term.value != "false") {
        return InvalidField("filter", absl::StrCat(term.field, " must be true or false"));
      }
      normalized.value = term.value == "true" ? "1" : "0";
    }
    for (const auto& [field, values] : enums) {
      if (field == term.field) {
        ASSIGN_OR_RETURN(normalized.value, EnumFilterValue(term, *values));
      }
    }
    out.push_back(std::move(normalized));
  }
  return out;
}

}  // namespace tandem::success

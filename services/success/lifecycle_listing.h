// List plans for the lifecycle's Lists, whose page tokens are bound to the
// parent (one account or `accounts/-`) and every other query field as well
// as to the filter and order, and whose order may be on a time column
// other than the creation time (renewals by due time).
#ifndef TANDEM_SERVICES_SUCCESS_LIFECYCLE_LISTING_H_
#define TANDEM_SERVICES_SUCCESS_LIFECYCLE_LISTING_H_

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/listing.h"
#include "common/pagination.h"

namespace tandem::success {

// Plans a List like PlanList, ordered on `order_column` (a time column:
// `order_by` may name it with `asc` or `desc`; the plan's `after` then holds
// that column's value in `create_time`), with tokens bound to
// `query_parts` too. `order_columns` lists the columns `order_by` may
// name, the first being the default (descending).
absl::StatusOr<ListPlan> PlanLifecycleList(const PageTokenCodec& codec, absl::string_view tenant,
                                           const ListParams& params,
                                           const std::set<std::string>& allowed_fields,
                                           const std::vector<std::string>& query_parts,
                                           const std::vector<std::string>& order_columns,
                                           std::string& order_column);

// Converts a List's filter terms for a store: enum fields (by name in
// `enums`) to numbers, time fields (in `times`) to DATETIME text, boolean
// fields (in `booleans`) to "1"/"0"; every other field must use `=`/`!=`.
absl::StatusOr<std::vector<FilterTerm>> NormalizeTerms(
    const std::vector<FilterTerm>& terms,
    const std::vector<std::pair<std::string, const google::protobuf::EnumDescriptor*>>& enums,
    const std::set<std::string>& times, const std::set<std::string>& booleans);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_LIFECYCLE_LISTING_H_

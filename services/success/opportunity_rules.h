// The rules of opportunities, apart from storage: which fields are valid,
// and what an update does (WON and LOST are final; moving to WON records a
// movement). Pure functions.
#ifndef TANDEM_SERVICES_SUCCESS_OPPORTUNITY_RULES_H_
#define TANDEM_SERVICES_SUCCESS_OPPORTUNITY_RULES_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "services/success/revenue_store.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::success {

// The fields UpdateOpportunity may change.
const std::set<std::string>& UpdatableOpportunityFields();

// Adds a violation ("opportunity.<field>") for each field of `opportunity`
// that `paths` names (every settable field when `creating`) and that is
// wrong on its own. At creation the stage may be unset or an open stage,
// never WON or LOST.
void CheckOpportunityFields(const v1::Opportunity& opportunity, const std::set<std::string>& paths,
                            bool creating, absl::Time now, FieldViolations& violations);

// Returns the opportunity to create from a request's: trimmed, stage
// PROSPECTING unless an open stage was given, output-only fields cleared,
// with `name` and times set.
v1::Opportunity NewOpportunity(const v1::Opportunity& requested, const std::string& name,
                               absl::Time now);

// Decides an update of `current` by the fields `paths` names in
// `requested` (already checked with CheckOpportunityFields) at `now`.
// FAILED_PRECONDITION once `current` is WON or LOST; INVALID_ARGUMENT on
// `opportunity.close_time` when it is set without moving to WON or LOST.
// Moving to WON or LOST sets the close time (the requested one, else
// `now`); moving to WON marks the update `won`.
absl::StatusOr<OpportunityUpdate> DecideOpportunityUpdate(const v1::Opportunity& current,
                                                          const v1::Opportunity& requested,
                                                          const std::set<std::string>& paths,
                                                          absl::Time now,
                                                          const std::string& next_etag);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_OPPORTUNITY_RULES_H_

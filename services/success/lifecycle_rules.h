// The rules of the customer lifecycle, apart from transport and storage:
// onboarding templates and the plans made from them (due dates, progress,
// time to value, overdue milestones), success plan goals and their
// progress, and renewals (what may be set, how one closes). Pure
// functions, unit-tested in tests/unit/lifecycle_rules_test.cc.
#ifndef TANDEM_SERVICES_SUCCESS_LIFECYCLE_RULES_H_
#define TANDEM_SERVICES_SUCCESS_LIFECYCLE_RULES_H_

#include <functional>
#include <initializer_list>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/status.h"
#include "tandem/success/v1/lifecycle.pb.h"

namespace tandem::success {

// Says whether a field (by its name in the resource, e.g. "title") is to be
// checked: all of them on create, the update mask's on update.
using FieldSelector = std::function<bool(absl::string_view)>;

// Returns the ids in a nested resource name such as
// "accounts/{a}/renewals/{r}" given the collections {"accounts",
// "renewals"}, or INVALID_ARGUMENT on `field` naming the expected shape.
absl::StatusOr<std::vector<std::string>> ParseNestedName(
    absl::string_view field, absl::string_view name,
    std::initializer_list<absl::string_view> collections);

// Returns the account id of a List parent: "" for "accounts/-" (every
// account), the id for "accounts/{id}"; INVALID_ARGUMENT on `parent`
// otherwise.
absl::StatusOr<std::string> ParseListParent(absl::string_view parent);

// Checks a time a caller records as having happened: a valid timestamp, at
// most a day after `now` and at most 10 years before it.
void CheckRecordedTime(const std::string& field, const google::protobuf::Timestamp& time,
                       absl::Time now, FieldViolations& violations);

// ---- Onboarding ---------------------------------------------------------

// The built-in template used when a plan names none: Kickoff (day 0),
// Initial setup (day 7, first value), Training (day 14), Goals and action
// plan (day 30).
const v1::OnboardingTemplate& DefaultOnboardingTemplate();

// Checks the fields of `tmpl` that `checked` selects, as
// "onboarding_template.<field>".
void CheckOnboardingTemplate(const v1::OnboardingTemplate& tmpl, const FieldSelector& checked,
                             FieldViolations& violations);

// Makes a plan's milestones from `tmpl`: in order, PENDING, each due at
// `start` + its offset, with ids made at `now` under `plan_name`.
std::vector<v1::Milestone> MilestonesFromTemplate(const v1::OnboardingTemplate& tmpl,
                                                  const std::string& plan_name, absl::Time start,
                                                  absl::Time now);

// Fills the plan's derived fields as of `now`: each milestone's `overdue`,
// the plan's `progress`, `overdue_milestone_count`, `first_value_time` and
// `time_to_value`.
void FillPlanProgress(v1::OnboardingPlan& plan, absl::Time now);

// Returns true when every milestone is DONE or SKIPPED.
bool AllMilestonesFinished(const v1::OnboardingPlan& plan);

// The fields of a milestone UpdateMilestone may change.
const std::set<std::string>& UpdatableMilestoneFields();

// Checks the fields of a milestone update named in `paths`, as
// "milestone.<field>".
void CheckMilestoneUpdate(const v1::Milestone& milestone, const std::set<std::string>& paths,
                          absl::Time now, FieldViolations& violations);

// Applies the fields in `paths` of `requested` to `current`, a milestone of
// a plan that started at `plan_start`, at `now`: DONE sets `complete_time`
// (the requested one, or now), leaving DONE clears it. INVALID_ARGUMENT on
// "milestone.complete_time" for a completion before the plan's start, or a
// complete time without the DONE state.
absl::StatusOr<v1::Milestone> ApplyMilestoneUpdate(const v1::Milestone& current,
                                                   const v1::Milestone& requested,
                                                   const std::set<std::string>& paths,
                                                   absl::Time plan_start, absl::Time now);

// ---- Success plans ------------------------------------------------------

// How far `goal`'s current value has moved from baseline to target, 0..1.
double GoalProgress(const v1::SuccessGoal& goal);

// Fills the plan's derived fields: each goal's `progress` and `achieved`,
// the plan's `progress` (mean of its goals) and `done_action_items`.
void FillSuccessPlanProgress(v1::SuccessPlan& plan);

// The fields of a success plan UpdateSuccessPlan may change.
const std::set<std::string>& UpdatableSuccessPlanFields();

// Checks the fields of `plan` that `checked` selects, as
// "success_plan.<field>".
void CheckSuccessPlan(const v1::SuccessPlan& plan, const FieldSelector& checked, absl::Time now,
                      FieldViolations& violations);

// Sets each action item's `done_time`: kept when done and given, `now` when
// done without one, cleared when not done.
void StampActionItems(v1::SuccessPlan& plan, absl::Time now);

// ---- Renewals -----------------------------------------------------------

// The fields of a renewal UpdateRenewal may change.
const std::set<std::string>& UpdatableRenewalFields();

// Checks the fields of `renewal` that `checked` selects, as
// "renewal.<field>".
void CheckRenewal(const v1::Renewal& renewal, const FieldSelector& checked, absl::Time now,
                  FieldViolations& violations);

// Checks a CloseRenewal request's own fields (not the renewal's state).
void CheckCloseRenewal(const v1::CloseRenewalRequest& request, absl::Time now,
                       FieldViolations& violations);

// Returns `current` closed as `request` says at `now`, or
// FAILED_PRECONDITION if it is already closed. Checks of the request's
// fields are CheckCloseRenewal's.
absl::StatusOr<v1::Renewal> CloseRenewal(const v1::Renewal& current,
                                         const v1::CloseRenewalRequest& request, absl::Time now);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_LIFECYCLE_RULES_H_

// Storage of the customer lifecycle (onboarding templates and plans,
// success plans, renewals), behind an interface so the managers can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_LIFECYCLE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_LIFECYCLE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/lifecycle.pb.h"

namespace tandem::success {

// A List condition on a resource field by its API name (e.g. "state",
// "due_time"), its value already normalized: enums as their numbers, times
// as UTC DATETIME(6) text, booleans as "0"/"1". The store maps names to
// columns and refuses none: the managers allow only the fields each List
// documents.
using LifecycleCondition = FilterTerm;

// A page of resources and whether another follows.
template <typename Resource>
struct LifecyclePage {
  std::vector<Resource> items;
  bool has_more = false;
};

// What an update decided: the resource after it and whether anything
// changed (if not, nothing is written and the etag stays).
template <typename Resource>
struct LifecycleUpdate {
  Resource after;
  bool changed = false;
};

// Makes the resource to create from the account it belongs to, as it is
// inside the create's transaction; its error (e.g. FAILED_PRECONDITION for
// a churned account) is returned with nothing written.
template <typename Resource>
using CreateFromAccount =
    std::function<absl::StatusOr<Resource>(const v1::LifecycleAccountSnapshot& account)>;

// Makes a plan from the template it names (nullopt for the built-in
// default) and the account.
using PlanFromTemplate = std::function<absl::StatusOr<v1::OnboardingPlan>(
    const std::optional<v1::OnboardingTemplate>& tmpl,
    const v1::LifecycleAccountSnapshot& account)>;

// Decides an update of `current` (locked) given the etag it will have once
// stored. Runs inside the store's transaction, so it must not block.
template <typename Resource>
using LifecycleDecision = std::function<absl::StatusOr<LifecycleUpdate<Resource>>(
    const Resource& current, const std::string& next_etag)>;

// Decides a milestone update: the milestone after it, given the plan (with
// progress as of the decision's time) and the milestone as they are.
using MilestoneDecision = std::function<absl::StatusOr<LifecycleUpdate<v1::Milestone>>(
    const v1::OnboardingPlan& plan, const v1::Milestone& current)>;

// A renewal update, which may be the renewal's close.
struct RenewalUpdate {
  v1::Renewal after{};
  bool changed = false;
  bool closed = false;                        // emit RenewalClosed, not RenewalUpdated
  std::vector<std::string> changed_fields{};  // for RenewalUpdated
};

// Decides a renewal update, like LifecycleDecision.
using RenewalDecision = std::function<absl::StatusOr<RenewalUpdate>(const v1::Renewal& current,
                                                                    const std::string& next_etag)>;

// How a renewal list is ordered: by creation (the ListPlan's direction) or
// by due time.
enum class RenewalOrder { kCreateTime, kDueTime };

// Reads and writes one tenant's lifecycle at a time. Account ids are bare;
// a create's `name` is the new resource's full name, made by the caller.
// Every write stores its event in the same transaction; writes that can
// move an account's health or fire a playbook (onboarding, milestones,
// renewals) also queue the account for review. NOT_FOUND for an account,
// or a resource, that the tenant does not have.
class LifecycleStore {
 public:
  virtual ~LifecycleStore() = default;

  // ---- Onboarding templates ----

  // Stores a complete new template. ALREADY_EXISTS for a taken display
  // name; idempotent by `key`.
  virtual absl::StatusOr<v1::OnboardingTemplate> CreateTemplate(const std::string& tenant,
                                                                const v1::OnboardingTemplate& tmpl,
                                                                const CreateKey& key,
                                                                absl::Time deadline) = 0;

  // Returns the template with `id`.
  virtual absl::StatusOr<v1::OnboardingTemplate> GetTemplate(const std::string& tenant,
                                                             const std::string& id,
                                                             absl::Time deadline) = 0;

  // Returns one page of templates matching every condition.
  virtual absl::StatusOr<LifecyclePage<v1::OnboardingTemplate>> ListTemplates(
      const std::string& tenant, const std::vector<LifecycleCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the template, runs `decide` and stores the outcome.
  virtual absl::StatusOr<v1::OnboardingTemplate> UpdateTemplate(
      const std::string& tenant, const std::string& id,
      const LifecycleDecision<v1::OnboardingTemplate>& decide, absl::Time deadline) = 0;

  // Deletes the template; ABORTED if `etag` is set and stale.
  virtual absl::Status DeleteTemplate(const std::string& tenant, const std::string& id,
                                      const std::string& etag, absl::Time now,
                                      absl::Time deadline) = 0;

  // ---- Onboarding plans ----

  // Loads the account and the template `template_id` (none when empty:
  // INVALID_ARGUMENT on `template` if it does not exist), runs `build` and
  // stores the plan. FAILED_PRECONDITION if the account has an ACTIVE plan.
  // Idempotent by `key`.
  virtual absl::StatusOr<v1::OnboardingPlan> StartOnboarding(
      const std::string& tenant, const std::string& account_id, const std::string& name,
      const std::string& template_id, const PlanFromTemplate& build, const CreateKey& key,
      absl::Time now, absl::Time deadline) = 0;

  // Returns the plan with its milestones and progress as of `now`.
  virtual absl::StatusOr<v1::OnboardingPlan> GetPlan(const std::string& tenant,
                                                     const std::string& account_id,
                                                     const std::string& plan_id, absl::Time now,
                                                     absl::Time deadline) = 0;

  // Returns one page of plans of `account_id` (every account when empty).
  // Condition `overdue` ("1") keeps plans with an overdue milestone at
  // `now`.
  virtual absl::StatusOr<LifecyclePage<v1::OnboardingPlan>> ListPlans(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, absl::Time now,
      absl::Time deadline) = 0;

  // Cancels an ACTIVE plan at `now`. FAILED_PRECONDITION if it is not
  // ACTIVE; ABORTED if `etag` is set and stale.
  virtual absl::StatusOr<v1::OnboardingPlan> CancelPlan(const std::string& tenant,
                                                        const std::string& account_id,
                                                        const std::string& plan_id,
                                                        const std::string& etag, absl::Time now,
                                                        absl::Time deadline) = 0;

  // Locks the plan, runs `decide` on the milestone and stores it; completes
  // the plan when every milestone is DONE or SKIPPED. FAILED_PRECONDITION if
  // the plan is not ACTIVE. Returns the plan as of `now`.
  virtual absl::StatusOr<v1::OnboardingPlan> UpdateMilestone(
      const std::string& tenant, const std::string& account_id, const std::string& plan_id,
      const std::string& milestone_id, const MilestoneDecision& decide, absl::Time now,
      absl::Time deadline) = 0;

  // ---- Success plans ----

  // Runs `build` on the account and stores the plan; idempotent by `key`.
  virtual absl::StatusOr<v1::SuccessPlan> CreateSuccessPlan(
      const std::string& tenant, const std::string& account_id, const std::string& name,
      const CreateFromAccount<v1::SuccessPlan>& build, const CreateKey& key,
      absl::Time deadline) = 0;

  // Returns the plan with its goals and action items.
  virtual absl::StatusOr<v1::SuccessPlan> GetSuccessPlan(const std::string& tenant,
                                                         const std::string& account_id,
                                                         const std::string& plan_id,
                                                         absl::Time deadline) = 0;

  // Returns one page of plans of `account_id` (every account when empty).
  virtual absl::StatusOr<LifecyclePage<v1::SuccessPlan>> ListSuccessPlans(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) = 0;

  // Locks the plan, runs `decide` and stores the outcome.
  virtual absl::StatusOr<v1::SuccessPlan> UpdateSuccessPlan(
      const std::string& tenant, const std::string& account_id, const std::string& plan_id,
      const LifecycleDecision<v1::SuccessPlan>& decide, absl::Time now, absl::Time deadline) = 0;

  // Deletes the plan; ABORTED if `etag` is set and stale.
  virtual absl::Status DeleteSuccessPlan(const std::string& tenant, const std::string& account_id,
                                         const std::string& plan_id, const std::string& etag,
                                         absl::Time now, absl::Time deadline) = 0;

  // ---- Renewals ----

  // Runs `build` on the account and stores the renewal; idempotent by
  // `key`.
  virtual absl::StatusOr<v1::Renewal> CreateRenewal(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::string& name,
                                                    const CreateFromAccount<v1::Renewal>& build,
                                                    const CreateKey& key, absl::Time deadline) = 0;

  // Returns the renewal.
  virtual absl::StatusOr<v1::Renewal> GetRenewal(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const std::string& renewal_id,
                                                 absl::Time deadline) = 0;

  // Returns one page of renewals of `account_id` (every account when
  // empty) in `order`. Condition `due_time` takes comparisons.
  virtual absl::StatusOr<LifecyclePage<v1::Renewal>> ListRenewals(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, RenewalOrder order,
      absl::Time deadline) = 0;

  // Locks the renewal, runs `decide` and stores the outcome with its event.
  virtual absl::StatusOr<v1::Renewal> UpdateRenewal(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::string& renewal_id,
                                                    const RenewalDecision& decide, absl::Time now,
                                                    absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_LIFECYCLE_STORE_H_

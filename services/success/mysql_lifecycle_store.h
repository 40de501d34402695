// LifecycleStore on MySQL/MariaDB (tables `onboarding_templates`,
// `onboarding_plans`, `onboarding_milestones`, `success_plans`,
// `success_goals`, `success_action_items`, `renewals`), with outbox events
// and account reviews written in the same transaction; and
// LoadLifecycleSignals, which the account review calls inside its own
// transaction.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_LIFECYCLE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_LIFECYCLE_STORE_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/account_signals.h"
#include "services/success/lifecycle_store.h"

namespace tandem::success {

class MysqlLifecycleStore final : public LifecycleStore {
 public:
  MysqlLifecycleStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::OnboardingTemplate> CreateTemplate(const std::string& tenant,
                                                        const v1::OnboardingTemplate& tmpl,
                                                        const CreateKey& key,
                                                        absl::Time deadline) override;
  absl::StatusOr<v1::OnboardingTemplate> GetTemplate(const std::string& tenant,
                                                     const std::string& id,
                                                     absl::Time deadline) override;
  absl::StatusOr<LifecyclePage<v1::OnboardingTemplate>> ListTemplates(
      const std::string& tenant, const std::vector<LifecycleCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::OnboardingTemplate> UpdateTemplate(
      const std::string& tenant, const std::string& id,
      const LifecycleDecision<v1::OnboardingTemplate>& decide, absl::Time deadline) override;
  absl::Status DeleteTemplate(const std::string& tenant, const std::string& id,
                              const std::string& etag, absl::Time now,
                              absl::Time deadline) override;

  absl::StatusOr<v1::OnboardingPlan> StartOnboarding(
      const std::string& tenant, const std::string& account_id, const std::string& name,
      const std::string& template_id, const PlanFromTemplate& build, const CreateKey& key,
      absl::Time now, absl::Time deadline) override;
  absl::StatusOr<v1::OnboardingPlan> GetPlan(const std::string& tenant,
                                             const std::string& account_id,
                                             const std::string& plan_id, absl::Time now,
                                             absl::Time deadline) override;
  absl::StatusOr<LifecyclePage<v1::OnboardingPlan>> ListPlans(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, absl::Time now,
      absl::Time deadline) override;
  absl::StatusOr<v1::OnboardingPlan> CancelPlan(const std::string& tenant,
                                                const std::string& account_id,
                                                const std::string& plan_id, const std::string& etag,
                                                absl::Time now, absl::Time deadline) override;
  absl::StatusOr<v1::OnboardingPlan> UpdateMilestone(const std::string& tenant,
                                                     const std::string& account_id,
                                                     const std::string& plan_id,
                                                     const std::string& milestone_id,
                                                     const MilestoneDecision& decide,
                                                     absl::Time now, absl::Time deadline) override;

  absl::StatusOr<v1::SuccessPlan> CreateSuccessPlan(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::string& name,
                                                    const CreateFromAccount<v1::SuccessPlan>& build,
                                                    const CreateKey& key,
                                                    absl::Time deadline) override;
  absl::StatusOr<v1::SuccessPlan> GetSuccessPlan(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const std::string& plan_id,
                                                 absl::Time deadline) override;
  absl::StatusOr<LifecyclePage<v1::SuccessPlan>> ListSuccessPlans(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) override;
  absl::StatusOr<v1::SuccessPlan> UpdateSuccessPlan(
      const std::string& tenant, const std::string& account_id, const std::string& plan_id,
      const LifecycleDecision<v1::SuccessPlan>& decide, absl::Time now,
      absl::Time deadline) override;
  absl::Status DeleteSuccessPlan(const std::string& tenant, const std::string& account_id,
                                 const std::string& plan_id, const std::string& etag,
                                 absl::Time now, absl::Time deadline) override;

  absl::StatusOr<v1::Renewal> CreateRenewal(const std::string& tenant,
                                            const std::string& account_id, const std::string& name,
                                            const CreateFromAccount<v1::Renewal>& build,
                                            const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Renewal> GetRenewal(const std::string& tenant, const std::string& account_id,
                                         const std::string& renewal_id,
                                         absl::Time deadline) override;
  absl::StatusOr<LifecyclePage<v1::Renewal>> ListRenewals(
      const std::string& tenant, const std::string& account_id,
      const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, RenewalOrder order,
      absl::Time deadline) override;
  absl::StatusOr<v1::Renewal> UpdateRenewal(const std::string& tenant,
                                            const std::string& account_id,
                                            const std::string& renewal_id,
                                            const RenewalDecision& decide, absl::Time now,
                                            absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// Fills `out` (the review's lifecycle section) for the account as of
// `now`, reading inside the caller's transaction without locking: the
// progress of its current onboarding plan (the ACTIVE one, else the newest
// COMPLETED one; empty without either), the ACTIVE plan's overdue
// milestones (count, and the one due first), and its earliest open
// renewal. An account without any of these leaves `out` as it was.
absl::Status LoadLifecycleSignals(mysql::Transaction& tx, const std::string& tenant,
                                  const std::string& account_id, absl::Time now,
                                  LifecycleSignals& out);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_LIFECYCLE_STORE_H_

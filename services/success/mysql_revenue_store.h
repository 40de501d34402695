// RevenueStore on MySQL/MariaDB (tables `mrr_movements`,
// `segmentation_policies`, `tier_changes`, `opportunities`, and the MRR,
// stage, churn and tier columns of `accounts`), with outbox events written
// in the same transaction; and the ledger functions other parts of Success
// call inside their own transactions.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_REVENUE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_REVENUE_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/revenue_store.h"

namespace tandem::success {

class MysqlRevenueStore final : public RevenueStore {
 public:
  // `reapply_batch` is how many accounts one transaction of a policy
  // change re-segments; UpdatePolicy stops re-segmenting `reapply_reserve`
  // before its deadline and answers (ResumeReapplies finishes the rest).
  MysqlRevenueStore(mysql::Pool* pool, feed::Outbox* outbox, int reapply_batch = 200,
                    absl::Duration reapply_reserve = absl::Seconds(1))
      : pool_(pool),
        outbox_(outbox),
        reapply_batch_(reapply_batch),
        reapply_reserve_(reapply_reserve) {}

  // Finishes every tenant's re-segmentation that its policy update could
  // not finish within its call (it ran out of time, or the process
  // stopped), recording the tier changes at `now` by whoever changed the
  // policy. For a periodic task; returns how many tenants it finished (a
  // tenant that fails is logged and left for the next pass).
  absl::StatusOr<int> ResumeReapplies(absl::Time now, absl::Time deadline);

  absl::StatusOr<v1::MrrMovement> RecordMovement(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const v1::MrrMovement& movement,
                                                 const CreateKey& key,
                                                 absl::Time deadline) override;
  absl::StatusOr<v1::MrrMovement> GetMovement(const std::string& tenant,
                                              const std::string& account_id, const std::string& id,
                                              absl::Time deadline) override;
  absl::StatusOr<MovementPage> ListMovements(const std::string& tenant,
                                             const std::string& account_id,
                                             const std::vector<MovementCondition>& conditions,
                                             const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::SegmentationPolicy> GetPolicy(const std::string& tenant,
                                                   absl::Time deadline) override;
  absl::StatusOr<v1::SegmentationPolicy> UpdatePolicy(const std::string& tenant,
                                                      const PolicyUpdateDecision& decide,
                                                      const std::string& actor, absl::Time now,
                                                      absl::Time deadline) override;
  absl::StatusOr<v1::Account> OverrideTier(const std::string& tenant, const TierOverride& change,
                                           absl::Time deadline) override;
  absl::StatusOr<TierChangePage> ListTierChanges(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const ListPlan& plan,
                                                 absl::Time deadline) override;
  absl::StatusOr<v1::Opportunity> CreateOpportunity(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const v1::Opportunity& opportunity,
                                                    const CreateKey& key,
                                                    absl::Time deadline) override;
  absl::StatusOr<v1::Opportunity> GetOpportunity(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const std::string& id,
                                                 absl::Time deadline) override;
  absl::StatusOr<OpportunityPage> ListOpportunities(
      const std::string& tenant, const std::string& account_id,
      const std::vector<OpportunityCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) override;
  absl::StatusOr<v1::Opportunity> UpdateOpportunity(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::string& id,
                                                    const OpportunityUpdateDecision& decide,
                                                    const std::string& actor, absl::Time now,
                                                    absl::Time deadline) override;

 private:
  // Runs ReapplyBatch until the tenant's accounts are all done;
  // DEADLINE_EXCEEDED when `deadline` passes first (progress is kept).
  absl::Status FinishReapply(const std::string& tenant, absl::Time now, absl::Time deadline);

  // Re-segments one batch of the tenant's accounts after a policy change,
  // recording tier changes by the policy's changer at `now`; returns false
  // once every account is done.
  absl::StatusOr<bool> ReapplyBatch(const std::string& tenant, absl::Time now, absl::Time deadline);

  mysql::Pool* pool_;
  feed::Outbox* outbox_;
  int reapply_batch_;
  absl::Duration reapply_reserve_;
};

// ---- Inside the caller's transaction ------------------------------------

// Records `movement` in account `account_id`'s ledger inside the caller's
// transaction: locks the account row, checks the movement against the
// ledger's rules (ApplyMovement), writes the movement and the account's new
// MRR (and for CHURN stage CHURNED, churn time = effective time and churn
// reason = the movement's reason; for REACTIVATION stage ADOPTION, churn
// cleared), re-applies the tenant's segmentation policy to the account, and
// appends MrrMovementRecorded (and AccountChurned, StageChanged,
// TierChanged) events; queues the account's review. `movement` must have
// its name (`accounts/{a}/mrrMovements/{id}`), type, delta, effective time,
// actor and create time set and its fields checked (CheckMovementFields);
// `opportunity` may name the won opportunity. Returns the movement as
// stored. NOT_FOUND without the account; FAILED_PRECONDITION when the
// ledger refuses it (the caller then rolls back).
// Other parts may call it, e.g. a renewal closed as CHURNED:
//   ASSIGN_OR_RETURN(v1::MrrMovement churn,
//                    RecordMrrMovementInTransaction(tx, outbox, tenant, account_id, movement));
absl::StatusOr<v1::MrrMovement> RecordMrrMovementInTransaction(mysql::Transaction& tx,
                                                               feed::Outbox& outbox,
                                                               const std::string& tenant,
                                                               const std::string& account_id,
                                                               const v1::MrrMovement& movement);

// Records that `account_after` (as now stored) moved from `from` to its
// current tier and source at `change_time`, inside the caller's
// transaction: a tier_changes row, a TierChanged event stamped
// `change_time`, and a review of the account. E.g. a manual tier at create:
//   RETURN_IF_ERROR(RecordTierChange(tx, outbox, tenant, created, v1::TOUCH_TIER_UNSPECIFIED,
//                                    "set at create", actor, now, now));
absl::Status RecordTierChange(mysql::Transaction& tx, feed::Outbox& outbox,
                              const std::string& tenant, const v1::Account& account_after,
                              v1::TouchTier from, absl::string_view reason, absl::string_view actor,
                              absl::Time change_time, absl::Time now);

// Returns the tenant's segmentation policy (the default when it has none),
// read inside the caller's transaction without locking.
absl::StatusOr<v1::SegmentationPolicy> LoadSegmentationPolicy(mysql::Transaction& tx,
                                                              const std::string& tenant);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_REVENUE_STORE_H_

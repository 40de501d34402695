// Storage of the revenue ledger, segmentation policies, tier changes and
// opportunities, behind an interface so RevenueManager can be tested
// without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_REVENUE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_REVENUE_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::success {

// A movement field a List may filter on.
enum class MovementField { kType, kEffectiveTime };

// One typed movement filter condition: the type as its proto number, the
// effective time as UTC DATETIME(6) text.
struct MovementCondition {
  MovementField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// An opportunity field a List may filter on (equality only).
enum class OpportunityField { kStage, kKind, kOwner };

// One typed opportunity filter condition; enums as proto numbers.
struct OpportunityCondition {
  OpportunityField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of movements and whether another follows. Pages of movements and
// tier changes are keyset-paged on their own time (effective time, change
// time) and id, carried in ListPlan's KeysetPosition.
struct MovementPage {
  std::vector<v1::MrrMovement> movements;
  bool has_more = false;
};

// A page of tier changes, newest first.
struct TierChangePage {
  std::vector<v1::TierChange> changes;
  bool has_more = false;
};

// A page of opportunities.
struct OpportunityPage {
  std::vector<v1::Opportunity> opportunities;
  bool has_more = false;
};

// What an opportunity update decided: the opportunity after it, the fields
// that changed (nothing is written when empty), and whether it was just
// won (the store then records the movement in the same transaction).
struct OpportunityUpdate {
  v1::Opportunity opportunity;
  std::vector<std::string> changed_fields;
  bool won = false;
};

// Decides an opportunity update given the current opportunity and the etag
// it will have once stored. Runs inside the store's transaction with the
// opportunity locked, so it must not block or call out.
using OpportunityUpdateDecision = std::function<absl::StatusOr<OpportunityUpdate>(
    const v1::Opportunity& current, const std::string& next_etag)>;

// Decides a policy update given the current policy (the default if the
// tenant has none); returns the complete new policy.
using PolicyUpdateDecision =
    std::function<absl::StatusOr<v1::SegmentationPolicy>(const v1::SegmentationPolicy& current)>;

// A manual tier change: set `tier`, or clear the override when unset.
struct TierOverride {
  std::string account_id;
  std::optional<v1::TouchTier> tier;
  std::string reason;
  std::string etag;  // of the account; empty: no check
  std::string actor;
  absl::Time now;
};

// Reads and writes the revenue data of one tenant at a time.
class RevenueStore {
 public:
  virtual ~RevenueStore() = default;

  // Records `movement` (name, type, delta, effective time, reason, actor
  // and create time set; fields already checked) in account `account_id`'s
  // ledger, with everything it implies, in one transaction; see
  // RecordMrrMovementInTransaction. NOT_FOUND without the account. With a
  // request id already used by an identical request, returns that movement.
  virtual absl::StatusOr<v1::MrrMovement> RecordMovement(const std::string& tenant,
                                                         const std::string& account_id,
                                                         const v1::MrrMovement& movement,
                                                         const CreateKey& key,
                                                         absl::Time deadline) = 0;

  // Returns movement `id` of account `account_id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::MrrMovement> GetMovement(const std::string& tenant,
                                                      const std::string& account_id,
                                                      const std::string& id,
                                                      absl::Time deadline) = 0;

  // Returns one page of the movements of account `account_id` (every
  // account when empty) matching every condition, by effective time.
  virtual absl::StatusOr<MovementPage> ListMovements(
      const std::string& tenant, const std::string& account_id,
      const std::vector<MovementCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) = 0;

  // Returns the tenant's policy, or the default when it has none.
  virtual absl::StatusOr<v1::SegmentationPolicy> GetPolicy(const std::string& tenant,
                                                           absl::Time deadline) = 0;

  // Locks the tenant's policy, runs `decide` and stores the result, then
  // re-applies it to every account without a manual tier in batches (one
  // transaction each), recording tier changes by `actor` at `now`, while
  // the call has time. The answer does not wait for a large tenant's last
  // batch: progress is kept with the policy and a background pass finishes
  // it.
  virtual absl::StatusOr<v1::SegmentationPolicy> UpdatePolicy(const std::string& tenant,
                                                              const PolicyUpdateDecision& decide,
                                                              const std::string& actor,
                                                              absl::Time now,
                                                              absl::Time deadline) = 0;

  // Sets or clears a manual tier, recording the change; returns the
  // account. NOT_FOUND without the account; ABORTED for a stale etag;
  // FAILED_PRECONDITION when clearing a tier that is not manual.
  virtual absl::StatusOr<v1::Account> OverrideTier(const std::string& tenant,
                                                   const TierOverride& change,
                                                   absl::Time deadline) = 0;

  // Returns one page of tier changes of account `account_id` (every
  // account when empty), newest first.
  virtual absl::StatusOr<TierChangePage> ListTierChanges(const std::string& tenant,
                                                         const std::string& account_id,
                                                         const ListPlan& plan,
                                                         absl::Time deadline) = 0;

  // Stores a new opportunity of account `account_id` (its currency, and
  // its owner unless the opportunity names one, filled in here) and its
  // event. NOT_FOUND without the account. Idempotent by `key`.
  virtual absl::StatusOr<v1::Opportunity> CreateOpportunity(const std::string& tenant,
                                                            const std::string& account_id,
                                                            const v1::Opportunity& opportunity,
                                                            const CreateKey& key,
                                                            absl::Time deadline) = 0;

  // Returns opportunity `id` of account `account_id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Opportunity> GetOpportunity(const std::string& tenant,
                                                         const std::string& account_id,
                                                         const std::string& id,
                                                         absl::Time deadline) = 0;

  // Returns one page of opportunities of account `account_id` (every
  // account when empty) matching every condition, by creation time.
  virtual absl::StatusOr<OpportunityPage> ListOpportunities(
      const std::string& tenant, const std::string& account_id,
      const std::vector<OpportunityCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) = 0;

  // Locks the opportunity (and its account), runs `decide` and stores the
  // outcome with its event; a win records the movement (by `actor`, at
  // `now`) in the same transaction, and the ledger's refusal rolls it all
  // back. NOT_FOUND if the opportunity does not exist.
  virtual absl::StatusOr<v1::Opportunity> UpdateOpportunity(
      const std::string& tenant, const std::string& account_id, const std::string& id,
      const OpportunityUpdateDecision& decide, const std::string& actor, absl::Time now,
      absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_REVENUE_STORE_H_

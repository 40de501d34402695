// Storage of scorecards and health history, behind an interface so
// HealthManager can be tested without a database and the MySQL store
// chosen in main.cc. Scoring itself happens in the account review
// (RescoreHealth in mysql_health_store.h).
#ifndef TANDEM_SERVICES_SUCCESS_HEALTH_STORE_H_
#define TANDEM_SERVICES_SUCCESS_HEALTH_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/listing.h"
#include "tandem/success/v1/health.pb.h"

namespace tandem::success {

// A history field a List may filter on.
enum class HistoryField { kComputeTime, kBand };

// One typed history filter condition: the time as UTC DATETIME text, the
// band as its proto number.
struct HistoryCondition {
  HistoryField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of stored scorings and whether another follows.
struct HistoryPage {
  std::vector<v1::AccountHealth> scorings;
  bool has_more = false;
};

// The scoring in force at a time and the latest one.
struct HealthThenAndNow {
  std::optional<v1::AccountHealth> then;
  std::optional<v1::AccountHealth> now;
};

// Decides the new scorecard given the current one (checking the etag);
// runs inside the store's transaction with the scorecard locked.
using ScorecardDecision =
    std::function<absl::StatusOr<v1::Scorecard>(const v1::Scorecard& current)>;

// Reads and writes one tenant's scorecard and health history at a time.
class HealthStore {
 public:
  virtual ~HealthStore() = default;

  // Returns the tenant's scorecard, normalized (the defaults with the etag
  // of version 0 until first changed).
  virtual absl::StatusOr<v1::Scorecard> GetScorecard(const std::string& tenant,
                                                     absl::Time deadline) = 0;

  // Locks the scorecard, runs `decide` and stores its answer at `now`
  // (unless unchanged), queuing a review of every account of the tenant
  // that has not churned.
  virtual absl::StatusOr<v1::Scorecard> UpdateScorecard(const std::string& tenant,
                                                        const ScorecardDecision& decide,
                                                        absl::Time now, absl::Time deadline) = 0;

  // Returns the account's latest scoring (band unspecified and no
  // breakdown when never scored); NOT_FOUND without the account.
  virtual absl::StatusOr<v1::AccountHealth> GetAccountHealth(const std::string& tenant,
                                                             const std::string& account_id,
                                                             absl::Time deadline) = 0;

  // Returns a page of the account's stored scorings; NOT_FOUND without
  // the account.
  virtual absl::StatusOr<HistoryPage> ListHistory(const std::string& tenant,
                                                  const std::string& account_id,
                                                  const std::vector<HistoryCondition>& conditions,
                                                  const ListPlan& plan, absl::Time deadline) = 0;

  // Returns the scoring in force at `since` (the latest at or before it)
  // and the latest; NOT_FOUND without the account.
  virtual absl::StatusOr<HealthThenAndNow> GetThenAndNow(const std::string& tenant,
                                                         const std::string& account_id,
                                                         absl::Time since, absl::Time deadline) = 0;

  // Queues the account's review at `now` with reason "recompute";
  // NOT_FOUND without the account.
  virtual absl::Status QueueRecompute(const std::string& tenant, const std::string& account_id,
                                      absl::Time now, absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_HEALTH_STORE_H_

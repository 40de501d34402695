// HealthStore on MySQL/MariaDB (tables `health_scorecards`,
// `health_history`, and the health_* / seats_active columns of
// `accounts`), and the two functions the account review calls inside its
// transaction: LoadUsageSignals and RescoreHealth.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_HEALTH_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_HEALTH_STORE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/account_signals.h"
#include "services/success/health_store.h"

namespace tandem::success {

class MysqlHealthStore final : public HealthStore {
 public:
  explicit MysqlHealthStore(mysql::Pool* pool) : pool_(pool) {}

  absl::StatusOr<v1::Scorecard> GetScorecard(const std::string& tenant,
                                             absl::Time deadline) override;
  absl::StatusOr<v1::Scorecard> UpdateScorecard(const std::string& tenant,
                                                const ScorecardDecision& decide, absl::Time now,
                                                absl::Time deadline) override;
  absl::StatusOr<v1::AccountHealth> GetAccountHealth(const std::string& tenant,
                                                     const std::string& account_id,
                                                     absl::Time deadline) override;
  absl::StatusOr<HistoryPage> ListHistory(const std::string& tenant, const std::string& account_id,
                                          const std::vector<HistoryCondition>& conditions,
                                          const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<HealthThenAndNow> GetThenAndNow(const std::string& tenant,
                                                 const std::string& account_id, absl::Time since,
                                                 absl::Time deadline) override;
  absl::Status QueueRecompute(const std::string& tenant, const std::string& account_id,
                              absl::Time now, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
};

// ---- The account review, inside its transaction --------------------------

// Fills `out` with the account's usage signals as of `now` (windows end at
// `now`; see usage_rules.h). NOT_FOUND without the account.
absl::Status LoadUsageSignals(mysql::Transaction& tx, const std::string& tenant,
                              const std::string& account_id, absl::Time now, UsageSignals& out);

// Scores `signals` on the tenant's scorecard as of `signals.as_of` and
// records the outcome: a health_history row when the score, band or
// breakdown moved (or the latest row is a day old), the account's
// health_score / health_band / health_trend / health_update_time and
// seats_active (the account's version and etag do not change: health is
// computed, not edited), and a HealthChanged event when the score or band
// moved. `cause` is the review's reason (e.g. "support:SlaBreached").
// When no weighted measure has data the account keeps its previous
// health (only seats_active is updated). NOT_FOUND without the account.
absl::StatusOr<HealthChange> RescoreHealth(mysql::Transaction& tx, feed::Outbox& outbox,
                                           const AccountSignals& signals, absl::string_view cause);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_HEALTH_STORE_H_

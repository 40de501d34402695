// UsageStore on MySQL/MariaDB (tables `usage_events`, `usage_rollups`,
// `usage_account_days`, `usage_feature_users`, `usage_account_users`,
// `usage_key_features`), with events and review requests written in the
// same transaction as the usage.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_USAGE_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_USAGE_STORE_H_

#include <string>

#include "common/feed/outbox.h"
#include "common/mysql/connection.h"
#include "common/mysql/pool.h"
#include "services/success/usage_store.h"

namespace tandem::success {

class MysqlUsageStore final : public UsageStore {
 public:
  MysqlUsageStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<IngestResult> Ingest(const std::string& tenant,
                                      const std::vector<UsageRecord>& records, absl::Time now,
                                      absl::Time deadline) override;
  absl::StatusOr<RollupPage> ListRollups(const std::string& tenant, const std::string& account_id,
                                         const RollupQuery& query, absl::Time deadline) override;
  absl::StatusOr<v1::KeyFeatures> GetKeyFeatures(const std::string& tenant,
                                                 absl::Time deadline) override;
  absl::StatusOr<v1::KeyFeatures> UpdateKeyFeatures(const std::string& tenant,
                                                    const KeyFeaturesDecision& decide,
                                                    absl::Time now, absl::Time deadline) override;
  absl::StatusOr<UsageFacts> GetUsageFacts(const std::string& tenant, const std::string& account_id,
                                           absl::Time now, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// Reads what is known of an account's usage as of `now` on `db` (a
// transaction's connection or a plain one); NOT_FOUND without the account.
absl::Status LoadUsageFacts(mysql::Connection& db, const std::string& tenant,
                            const std::string& account_id, absl::Time now, UsageFacts& out);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_USAGE_STORE_H_

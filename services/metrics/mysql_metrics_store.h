// Metrics' MySQL storage: definitions, feed positions, and the rollup that
// consumed events are applied to.
#ifndef TANDEM_SERVICES_METRICS_MYSQL_METRICS_STORE_H_
#define TANDEM_SERVICES_METRICS_MYSQL_METRICS_STORE_H_

#include "common/feed/consumer.h"
#include "common/mysql/pool.h"
#include "services/metrics/metrics_store.h"

namespace tandem::metrics {

class MysqlMetricsStore final : public MetricsStore {
 public:
  explicit MysqlMetricsStore(mysql::Pool* pool) : pool_(pool) {}

  absl::StatusOr<std::vector<v1::MetricDefinition>> ListDefinitions(const std::string& after_name,
                                                                    int limit,
                                                                    absl::Time deadline) override;
  absl::StatusOr<std::vector<feed::FeedPosition>> FeedPositions(
      const std::vector<std::string>& feeds, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
};

// Counts each consumed event into `event_counts` (tenant, source, type,
// UTC day), in the consumer's transaction: one multi-row upsert per page.
class EventCountRollup final : public feed::EventApplier {
 public:
  absl::Status Apply(mysql::Transaction& tx, const tandem::common::v1::Event& event) override;
  absl::Status ApplyBatch(mysql::Transaction& tx,
                          const std::vector<const tandem::common::v1::Event*>& events) override;
  // Deletes `tenant`'s counts (a rebuild then counts its events again).
  static absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant);
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_MYSQL_METRICS_STORE_H_

// Applies a page of consumed events: each keeper folds the events it
// handles into its facts and returns the change of its contributions, and
// the sum is added to the rollup cells, all in the consumer's transaction.
// Every event is also counted into `event_counts` (EventCountRollup).
#ifndef TANDEM_SERVICES_METRICS_METRICS_APPLIER_H_
#define TANDEM_SERVICES_METRICS_METRICS_APPLIER_H_

#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/feed/consumer.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/mysql_metrics_store.h"
#include "services/metrics/rollup_store.h"

namespace tandem::metrics {

class MetricsApplier final : public feed::EventApplier {
 public:
  MetricsApplier(std::vector<FactKeeper*> keepers, RollupStore* rollups)
      : keepers_(std::move(keepers)), rollups_(rollups) {}

  // A page of one event.
  absl::Status Apply(mysql::Transaction& tx, const tandem::common::v1::Event& event) override;

  // Hands each keeper, in feed order, the events of `events` it handles,
  // under each tenant's calendar scheme (its time zone setting, read in
  // `tx`), adds the summed contribution changes to the rollups, and counts
  // every event into `event_counts`. Events no keeper handles are only
  // counted.
  // Each tenant's scheme is its effective zone (MysqlSettingsStore::
  // EffectiveTimeZone), the zone its cells are in.
  absl::Status ApplyBatch(mysql::Transaction& tx,
                          const std::vector<const tandem::common::v1::Event*>& events) override;

  // As ApplyBatch, but with `tenant`'s events under `zone_name`: a rebuild
  // replays into fresh cells in the requested zone, which becomes the
  // effective one when the rebuild commits.
  absl::Status ApplyBatchInZone(mysql::Transaction& tx,
                                const std::vector<const tandem::common::v1::Event*>& events,
                                const std::string& tenant, const std::string& zone_name);

 private:
  // The calendar scheme of `zone_name`, loaded once; UTC, with a warning,
  // for a zone the system cannot load (as the reads do).
  const PeriodScheme& SchemeFor(const std::string& zone_name);
  // `zones` overrides the stored effective zones of its tenants.
  absl::Status ApplyWithZones(mysql::Transaction& tx,
                              const std::vector<const tandem::common::v1::Event*>& events,
                              const absl::flat_hash_map<std::string, std::string>& zones);

  const std::vector<FactKeeper*> keepers_;
  RollupStore* rollups_;
  EventCountRollup counts_;
  std::mutex mu_;
  absl::flat_hash_map<std::string, std::unique_ptr<PeriodScheme>> schemes_;  // guarded by mu_
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_APPLIER_H_

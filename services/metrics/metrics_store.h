// Storage behind Metrics: KPI definitions, rollups and feed positions.
#ifndef TANDEM_SERVICES_METRICS_METRICS_STORE_H_
#define TANDEM_SERVICES_METRICS_METRICS_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/feed/consumer.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::metrics {

// Reads what Metrics has stored.
class MetricsStore {
 public:
  virtual ~MetricsStore() = default;

  // Returns up to `limit` definitions whose name sorts after `after_name`.
  virtual absl::StatusOr<std::vector<v1::MetricDefinition>> ListDefinitions(
      const std::string& after_name, int limit, absl::Time deadline) = 0;

  // Returns the stored position of each named feed (zero if never polled).
  virtual absl::StatusOr<std::vector<feed::FeedPosition>> FeedPositions(
      const std::vector<std::string>& feeds, absl::Time deadline) = 0;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_STORE_H_

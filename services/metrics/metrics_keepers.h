// Every fact keeper Metrics runs, built in one place for main.cc and the
// test harness, so both run the same set in the same order.
#ifndef TANDEM_SERVICES_METRICS_METRICS_KEEPERS_H_
#define TANDEM_SERVICES_METRICS_METRICS_KEEPERS_H_

#include <memory>
#include <vector>

#include "common/mysql/pool.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/metrics_parts.h"

namespace tandem::metrics {

// The keepers and the key-feature source (which one of them also is).
class MetricsKeepers {
 public:
  // Builds every keeper; `pool` serves the reads some keepers make outside
  // a page (key features).
  explicit MetricsKeepers(mysql::Pool* pool);
  ~MetricsKeepers();

  // The keepers, in the order pages are handed to them.
  std::vector<FactKeeper*> keepers() const;
  // Where the tenant's key features come from.
  KeyFeatureSource* key_features() const { return key_features_; }

 private:
  std::vector<std::unique_ptr<FactKeeper>> owned_;
  KeyFeatureSource* key_features_ = nullptr;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_KEEPERS_H_

// Metrics' read side: KPI definitions and feed freshness.
#ifndef TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_
#define TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/metrics/metrics_store.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::metrics {

// Answers Metrics' queries for one caller at a time.
class MetricsManager {
 public:
  // `feeds` names the consumed feeds, in the order they are reported.
  MetricsManager(MetricsStore* store, const PageTokenCodec* page_tokens, const Clock* clock,
                 std::vector<std::string> feeds)
      : store_(store), page_tokens_(page_tokens), clock_(clock), feeds_(std::move(feeds)) {}

  // Lists definitions in name order.
  absl::StatusOr<v1::ListMetricDefinitionsResponse> ListMetricDefinitions(
      const Principal& caller, const v1::ListMetricDefinitionsRequest& request,
      absl::Time deadline);

  // Reports each consumed feed's cursor, head and lag.
  absl::StatusOr<v1::Freshness> GetFreshness(const Principal& caller, absl::Time deadline);

 private:
  MetricsStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
  std::vector<std::string> feeds_;
};

// Builds the freshness entry of one feed as seen at `now`.
v1::FeedFreshness FreshnessOf(const feed::FeedPosition& position, absl::Time now);

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_

// Metrics' read side: KPI definitions, KPI values for any window and
// segment, series, dashboards, cohorts, freshness, settings and rebuilds.
#ifndef TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_
#define TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/mysql/pool.h"
#include "common/pagination.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/metrics_parts.h"
#include "services/metrics/metrics_store.h"
#include "services/metrics/mysql_settings_store.h"
#include "services/metrics/rollup_store.h"
#include "tandem/metrics/v1/metrics_service.pb.h"

namespace tandem::metrics {

// What the manager reads from.
struct MetricsDeps {
  MetricsStore* store = nullptr;  // definitions, feed positions
  RollupStore* rollups = nullptr;
  // Settings as the tenant set them, and the effective time zone reads use.
  MysqlSettingsStore* settings = nullptr;
  RebuildRunner* rebuilds = nullptr;
  KeyFeatureSource* key_features = nullptr;
  std::vector<FactKeeper*> keepers;  // for windows that are not calendar periods
  mysql::Pool* pool = nullptr;       // connections for the keepers' window measures
  const PageTokenCodec* page_tokens = nullptr;
  const Clock* clock = nullptr;
  std::vector<std::string> feeds;  // consumed feeds, in the order reported
};

// Answers Metrics' queries for one caller at a time.
class MetricsManager {
 public:
  explicit MetricsManager(MetricsDeps deps) : deps_(std::move(deps)) {}

  absl::StatusOr<v1::ListMetricDefinitionsResponse> ListMetricDefinitions(
      const Principal& caller, const v1::ListMetricDefinitionsRequest& request,
      absl::Time deadline);
  absl::StatusOr<v1::MetricDefinition> GetMetricDefinition(
      const Principal& caller, const v1::GetMetricDefinitionRequest& request,
      absl::Time deadline);
  absl::StatusOr<v1::MetricValue> GetMetric(const Principal& caller,
                                            const v1::GetMetricRequest& request,
                                            absl::Time deadline);
  absl::StatusOr<v1::MetricSeries> GetMetricSeries(const Principal& caller,
                                                   const v1::GetMetricSeriesRequest& request,
                                                   absl::Time deadline);
  absl::StatusOr<v1::Dashboard> GetDashboard(const Principal& caller,
                                             const v1::GetDashboardRequest& request,
                                             absl::Time deadline);
  absl::StatusOr<v1::CohortRetention> GetCohortRetention(
      const Principal& caller, const v1::GetCohortRetentionRequest& request,
      absl::Time deadline);
  absl::StatusOr<v1::Freshness> GetFreshness(const Principal& caller, absl::Time deadline);
  absl::StatusOr<v1::MetricSettings> GetMetricSettings(const Principal& caller,
                                                       absl::Time deadline);
  absl::StatusOr<v1::MetricSettings> UpdateMetricSettings(
      const Principal& caller, const v1::UpdateMetricSettingsRequest& request,
      absl::Time deadline);
  absl::StatusOr<v1::RollupRebuild> RebuildRollups(const Principal& caller,
                                                   const v1::RebuildRollupsRequest& request,
                                                   absl::Time deadline);

 private:
  // The stored definitions by id, checked once against the formulas this
  // server computes (kpi_catalog.h); an error names a definition stored
  // with another version than its code implements. Once checked, the map
  // never changes.
  absl::StatusOr<const std::map<std::string, v1::MetricDefinition>*> CheckedDefinitions(
      absl::Time deadline);

  MetricsDeps deps_;
  std::mutex definitions_mu_;
  std::optional<std::map<std::string, v1::MetricDefinition>> definitions_;  // by definitions_mu_
};

// Builds the freshness entry of one feed as seen at `now`.
v1::FeedFreshness FreshnessOf(const feed::FeedPosition& position, absl::Time now);

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_MANAGER_H_

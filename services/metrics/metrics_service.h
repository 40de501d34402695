// The gRPC adapter for tandem.metrics.v1.MetricsService: authenticates,
// checks the caller's role and hands each call to MetricsManager.
#ifndef TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_
#define TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_

#include "common/auth.h"
#include "services/metrics/metrics_manager.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"

namespace tandem::metrics {

// Every role may read metrics; only `admin` may change settings or rebuild.
class MetricsServiceImpl final : public v1::MetricsService::Service {
 public:
  MetricsServiceImpl(const Authenticator* auth, MetricsManager* metrics)
      : auth_(auth), metrics_(metrics) {}

  grpc::Status ListMetricDefinitions(grpc::ServerContext* context,
                                     const v1::ListMetricDefinitionsRequest* request,
                                     v1::ListMetricDefinitionsResponse* response) override;
  grpc::Status GetMetricDefinition(grpc::ServerContext* context,
                                   const v1::GetMetricDefinitionRequest* request,
                                   v1::MetricDefinition* response) override;
  grpc::Status GetMetric(grpc::ServerContext* context, const v1::GetMetricRequest* request,
                         v1::MetricValue* response) override;
  grpc::Status GetMetricSeries(grpc::ServerContext* context,
                               const v1::GetMetricSeriesRequest* request,
                               v1::MetricSeries* response) override;
  grpc::Status GetDashboard(grpc::ServerContext* context, const v1::GetDashboardRequest* request,
                            v1::Dashboard* response) override;
  grpc::Status GetCohortRetention(grpc::ServerContext* context,
                                  const v1::GetCohortRetentionRequest* request,
                                  v1::CohortRetention* response) override;
  grpc::Status GetFreshness(grpc::ServerContext* context, const v1::GetFreshnessRequest* request,
                            v1::Freshness* response) override;
  grpc::Status GetMetricSettings(grpc::ServerContext* context,
                                 const v1::GetMetricSettingsRequest* request,
                                 v1::MetricSettings* response) override;
  grpc::Status UpdateMetricSettings(grpc::ServerContext* context,
                                    const v1::UpdateMetricSettingsRequest* request,
                                    v1::MetricSettings* response) override;
  grpc::Status RebuildRollups(grpc::ServerContext* context,
                              const v1::RebuildRollupsRequest* request,
                              v1::RollupRebuild* response) override;

 private:
  const Authenticator* auth_;
  MetricsManager* metrics_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_

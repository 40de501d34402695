// The gRPC adapter for tandem.metrics.v1.MetricsService.
#ifndef TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_
#define TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_

#include "common/auth.h"
#include "services/metrics/metrics_manager.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"

namespace tandem::metrics {

class MetricsServiceImpl final : public v1::MetricsService::Service {
 public:
  MetricsServiceImpl(const Authenticator* auth, MetricsManager* metrics)
      : auth_(auth), metrics_(metrics) {}

  grpc::Status ListMetricDefinitions(grpc::ServerContext* context,
                                     const v1::ListMetricDefinitionsRequest* request,
                                     v1::ListMetricDefinitionsResponse* response) override;
  grpc::Status GetFreshness(grpc::ServerContext* context, const v1::GetFreshnessRequest* request,
                            v1::Freshness* response) override;

 private:
  const Authenticator* auth_;
  MetricsManager* metrics_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_METRICS_SERVICE_H_

#include "services/metrics/metrics_service.h"

#include "common/handler.h"

namespace tandem::metrics {
namespace {

// Everyone who may sign in may read metrics.
constexpr std::initializer_list<absl::string_view> kReaders = {"agent", "csm", kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status MetricsServiceImpl::ListMetricDefinitions(
    grpc::ServerContext* context, const v1::ListMetricDefinitionsRequest* request,
    v1::ListMetricDefinitionsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       metrics_->ListMetricDefinitions(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status MetricsServiceImpl::GetFreshness(grpc::ServerContext* context,
                                              const v1::GetFreshnessRequest* request,
                                              v1::Freshness* response) {
  (void)request;  // the request has no fields
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, metrics_->GetFreshness(caller, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::metrics

#include "services/metrics/metrics_service.h"

#include "common/handler.h"

namespace tandem::metrics {
namespace {

// Everyone who may sign in may read metrics ("agent" and "csm" have no
// constant in common/auth.h).
constexpr std::initializer_list<absl::string_view> kReaders = {"agent", "csm", kRoleViewer,
                                                               kRoleService};
// Settings and rebuilds change every figure of the tenant: admins only.
constexpr std::initializer_list<absl::string_view> kAdmins = {kRoleAdmin};

// Runs `call(caller, deadline)` for a caller with one of `roles` and moves
// its answer into `response`.
template <typename Response, typename Call>
grpc::Status Answer(grpc::ServerContext& context, const Authenticator& auth,
                    std::initializer_list<absl::string_view> roles, Response& response, Call call) {
  return HandleCall(context, auth, roles,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(response, call(caller, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace

grpc::Status MetricsServiceImpl::ListMetricDefinitions(
    grpc::ServerContext* context, const v1::ListMetricDefinitionsRequest* request,
    v1::ListMetricDefinitionsResponse* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->ListMetricDefinitions(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetMetricDefinition(grpc::ServerContext* context,
                                                     const v1::GetMetricDefinitionRequest* request,
                                                     v1::MetricDefinition* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetMetricDefinition(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetMetric(grpc::ServerContext* context,
                                           const v1::GetMetricRequest* request,
                                           v1::MetricValue* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetMetric(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetMetricSeries(grpc::ServerContext* context,
                                                 const v1::GetMetricSeriesRequest* request,
                                                 v1::MetricSeries* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetMetricSeries(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetDashboard(grpc::ServerContext* context,
                                              const v1::GetDashboardRequest* request,
                                              v1::Dashboard* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetDashboard(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetCohortRetention(grpc::ServerContext* context,
                                                    const v1::GetCohortRetentionRequest* request,
                                                    v1::CohortRetention* response) {
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetCohortRetention(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::GetFreshness(grpc::ServerContext* context,
                                              const v1::GetFreshnessRequest* request,
                                              v1::Freshness* response) {
  (void)request;  // the request has no fields
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetFreshness(caller, d);
  });
}

grpc::Status MetricsServiceImpl::GetMetricSettings(grpc::ServerContext* context,
                                                   const v1::GetMetricSettingsRequest* request,
                                                   v1::MetricSettings* response) {
  (void)request;  // the request has no fields
  return Answer(*context, *auth_, kReaders, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->GetMetricSettings(caller, d);
  });
}

grpc::Status MetricsServiceImpl::UpdateMetricSettings(
    grpc::ServerContext* context, const v1::UpdateMetricSettingsRequest* request,
    v1::MetricSettings* response) {
  return Answer(*context, *auth_, kAdmins, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->UpdateMetricSettings(caller, *request, d);
  });
}

grpc::Status MetricsServiceImpl::RebuildRollups(grpc::ServerContext* context,
                                                const v1::RebuildRollupsRequest* request,
                                                v1::RollupRebuild* response) {
  return Answer(*context, *auth_, kAdmins, *response, [&](const Principal& caller, absl::Time d) {
    return metrics_->RebuildRollups(caller, *request, d);
  });
}

}  // namespace tandem::metrics

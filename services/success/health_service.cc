#include "services/success/health_service.h"

#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {
namespace {

// Who may read health; `csm` changes the scorecard and asks for
// recomputes, `admin` may do anything.
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status HealthServiceImpl::GetScorecard(grpc::ServerContext* context,
                                             const v1::GetScorecardRequest* request,
                                             v1::Scorecard* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->GetScorecard(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status HealthServiceImpl::UpdateScorecard(grpc::ServerContext* context,
                                                const v1::UpdateScorecardRequest* request,
                                                v1::Scorecard* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->UpdateScorecard(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status HealthServiceImpl::GetAccountHealth(grpc::ServerContext* context,
                                                 const v1::GetAccountHealthRequest* request,
                                                 v1::AccountHealth* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->GetAccountHealth(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status HealthServiceImpl::ListHealthHistory(grpc::ServerContext* context,
                                                  const v1::ListHealthHistoryRequest* request,
                                                  v1::ListHealthHistoryResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->ListHealthHistory(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status HealthServiceImpl::CompareAccountHealth(grpc::ServerContext* context,
                                                     const v1::CompareAccountHealthRequest* request,
                                                     v1::HealthComparison* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->CompareAccountHealth(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status HealthServiceImpl::RecomputeAccountHealth(
    grpc::ServerContext* context, const v1::RecomputeAccountHealthRequest* request,
    v1::RecomputeAccountHealthResponse* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       health_->RecomputeAccountHealth(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::success

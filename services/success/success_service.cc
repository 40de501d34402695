#include "services/success/success_service.h"

#include "common/handler.h"

namespace tandem::success {

grpc::Status SuccessServiceImpl::CreateAccount(grpc::ServerContext* context,
                                               const v1::CreateAccountRequest* request,
                                               v1::Account* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->CreateAccount(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::GetAccount(grpc::ServerContext* context,
                                            const v1::GetAccountRequest* request,
                                            v1::Account* response) {
  return HandleCall(*context, *auth_, {kRoleCsm, kRoleAgent, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->GetAccount(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::ListAccounts(grpc::ServerContext* context,
                                              const v1::ListAccountsRequest* request,
                                              v1::ListAccountsResponse* response) {
  return HandleCall(*context, *auth_, {kRoleCsm, kRoleAgent, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->ListAccounts(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::success

// The gRPC adapter for tandem.success.v1.SuccessService: authenticates,
// checks roles, and hands each call to AccountManager.
#ifndef TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_

#include "common/auth.h"
#include "services/success/account_manager.h"
#include "tandem/success/v1/success_service.grpc.pb.h"

namespace tandem::success {

class SuccessServiceImpl final : public v1::SuccessService::Service {
 public:
  SuccessServiceImpl(const Authenticator* auth, AccountManager* accounts)
      : auth_(auth), accounts_(accounts) {}

  grpc::Status CreateAccount(grpc::ServerContext* context,
                             const v1::CreateAccountRequest* request,
                             v1::Account* response) override;
  grpc::Status GetAccount(grpc::ServerContext* context, const v1::GetAccountRequest* request,
                          v1::Account* response) override;
  grpc::Status ListAccounts(grpc::ServerContext* context, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override;

 private:
  const Authenticator* auth_;
  AccountManager* accounts_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_

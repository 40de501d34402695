// The gRPC adapter for tandem.success.v1.SuccessService: authenticates,
// checks roles, and hands each call to AccountManager or ContactManager.
#ifndef TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_

#include "common/auth.h"
#include "services/success/account_manager.h"
#include "services/success/contact_manager.h"
#include "tandem/success/v1/success_service.grpc.pb.h"

namespace tandem::success {

// Serves accounts, their stage history and their contacts.
class SuccessServiceImpl final : public v1::SuccessService::Service {
 public:
  SuccessServiceImpl(const Authenticator* auth, AccountManager* accounts, ContactManager* contacts)
      : auth_(auth), accounts_(accounts), contacts_(contacts) {}

  grpc::Status CreateAccount(grpc::ServerContext* context, const v1::CreateAccountRequest* request,
                             v1::Account* response) override;
  grpc::Status GetAccount(grpc::ServerContext* context, const v1::GetAccountRequest* request,
                          v1::Account* response) override;
  grpc::Status ListAccounts(grpc::ServerContext* context, const v1::ListAccountsRequest* request,
                            v1::ListAccountsResponse* response) override;
  grpc::Status UpdateAccount(grpc::ServerContext* context, const v1::UpdateAccountRequest* request,
                             v1::Account* response) override;
  grpc::Status DeleteAccount(grpc::ServerContext* context, const v1::DeleteAccountRequest* request,
                             google::protobuf::Empty* response) override;
  grpc::Status ListStageChanges(grpc::ServerContext* context,
                                const v1::ListStageChangesRequest* request,
                                v1::ListStageChangesResponse* response) override;
  grpc::Status CreateContact(grpc::ServerContext* context, const v1::CreateContactRequest* request,
                             v1::Contact* response) override;
  grpc::Status GetContact(grpc::ServerContext* context, const v1::GetContactRequest* request,
                          v1::Contact* response) override;
  grpc::Status ListContacts(grpc::ServerContext* context, const v1::ListContactsRequest* request,
                            v1::ListContactsResponse* response) override;
  grpc::Status UpdateContact(grpc::ServerContext* context, const v1::UpdateContactRequest* request,
                             v1::Contact* response) override;
  grpc::Status DeleteContact(grpc::ServerContext* context, const v1::DeleteContactRequest* request,
                             google::protobuf::Empty* response) override;

 private:
  const Authenticator* auth_;
  AccountManager* accounts_;
  ContactManager* contacts_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_SUCCESS_SERVICE_H_

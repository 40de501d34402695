#include "services/success/success_service.h"

#include "common/handler.h"

namespace tandem::success {
namespace {

// Who may change success data (`admin`, which HandleCall always admits, too).
constexpr std::initializer_list<absl::string_view> kWriters = {kRoleCsm};
// Who may read it: Support reads accounts with role `service`.
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status SuccessServiceImpl::CreateAccount(grpc::ServerContext* context,
                                               const v1::CreateAccountRequest* request,
                                               v1::Account* response) {
  return HandleCall(*context, *auth_, kWriters,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->CreateAccount(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::GetAccount(grpc::ServerContext* context,
                                            const v1::GetAccountRequest* request,
                                            v1::Account* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->GetAccount(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::ListAccounts(grpc::ServerContext* context,
                                              const v1::ListAccountsRequest* request,
                                              v1::ListAccountsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->ListAccounts(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::UpdateAccount(grpc::ServerContext* context,
                                               const v1::UpdateAccountRequest* request,
                                               v1::Account* response) {
  return HandleCall(*context, *auth_, kWriters,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->UpdateAccount(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::DeleteAccount(grpc::ServerContext* context,
                                               const v1::DeleteAccountRequest* request,
                                               google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, kWriters, [&](const Principal& caller, absl::Time deadline) {
    return accounts_->DeleteAccount(caller, *request, deadline);
  });
}

grpc::Status SuccessServiceImpl::ListStageChanges(grpc::ServerContext* context,
                                                  const v1::ListStageChangesRequest* request,
                                                  v1::ListStageChangesResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       accounts_->ListStageChanges(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::CreateContact(grpc::ServerContext* context,
                                               const v1::CreateContactRequest* request,
                                               v1::Contact* response) {
  return HandleCall(*context, *auth_, kWriters,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       contacts_->CreateContact(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::GetContact(grpc::ServerContext* context,
                                            const v1::GetContactRequest* request,
                                            v1::Contact* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       contacts_->GetContact(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::ListContacts(grpc::ServerContext* context,
                                              const v1::ListContactsRequest* request,
                                              v1::ListContactsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       contacts_->ListContacts(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::UpdateContact(grpc::ServerContext* context,
                                               const v1::UpdateContactRequest* request,
                                               v1::Contact* response) {
  return HandleCall(*context, *auth_, kWriters,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       contacts_->UpdateContact(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SuccessServiceImpl::DeleteContact(grpc::ServerContext* context,
                                               const v1::DeleteContactRequest* request,
                                               google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, kWriters, [&](const Principal& caller, absl::Time deadline) {
    return contacts_->DeleteContact(caller, *request, deadline);
  });
}

}  // namespace tandem::success

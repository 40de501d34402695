#include "services/support/account_directory.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status.h"

namespace tandem::support {

absl::StatusOr<AccountFacts> GrpcAccountDirectory::Lookup(const std::string& tenant,
                                                          const std::string& account_name,
                                                          absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string token, tokens_->For(tenant));
  grpc::ClientContext context;
  PreparePeerCall(context, token, std::min(deadline, absl::Now() + timeout_));
  success::v1::GetAccountRequest request;
  request.set_name(account_name);
  success::v1::Account account;
  grpc::Status status = stub_->GetAccount(&context, request, &account);
  if (status.ok()) return AccountFacts{account.touch_tier()};
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::NotFoundError(absl::StrCat("Success has no account ", account_name));
  }
  return absl::UnavailableError(absl::StrCat("Success did not answer: ", status.error_message()));
}

absl::Status GrpcAccountDirectory::CheckContact(const std::string& tenant,
                                                const std::string& contact_name,
                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string token, tokens_->For(tenant));
  grpc::ClientContext context;
  PreparePeerCall(context, token, std::min(deadline, absl::Now() + timeout_));
  success::v1::GetContactRequest request;
  request.set_name(contact_name);
  success::v1::Contact contact;
  grpc::Status status = stub_->GetContact(&context, request, &contact);
  if (status.ok()) return absl::OkStatus();
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) {
    return absl::NotFoundError(absl::StrCat("Success has no contact ", contact_name));
  }
  return absl::UnavailableError(absl::StrCat("Success did not answer: ", status.error_message()));
}

}  // namespace tandem::support

#include "services/success/playbook_service.h"

#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {
namespace {

// Who may read; writes are for `csm` (and `admin`, whom HandleCall always
// admits).
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status PlaybookServiceImpl::CreatePlaybook(grpc::ServerContext* context,
                                                 const v1::CreatePlaybookRequest* request,
                                                 v1::Playbook* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->CreatePlaybook(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::GetPlaybook(grpc::ServerContext* context,
                                              const v1::GetPlaybookRequest* request,
                                              v1::Playbook* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->GetPlaybook(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::ListPlaybooks(grpc::ServerContext* context,
                                                const v1::ListPlaybooksRequest* request,
                                                v1::ListPlaybooksResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->ListPlaybooks(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::UpdatePlaybook(grpc::ServerContext* context,
                                                 const v1::UpdatePlaybookRequest* request,
                                                 v1::Playbook* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->UpdatePlaybook(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::DeletePlaybook(grpc::ServerContext* context,
                                                 const v1::DeletePlaybookRequest* request,
                                                 google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) {
                      return playbooks_->DeletePlaybook(caller, *request, deadline);
                    });
}

grpc::Status PlaybookServiceImpl::CreateCta(grpc::ServerContext* context,
                                            const v1::CreateCtaRequest* request,
                                            v1::Cta* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->CreateCta(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::GetCta(grpc::ServerContext* context,
                                         const v1::GetCtaRequest* request, v1::Cta* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, playbooks_->GetCta(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::ListCtas(grpc::ServerContext* context,
                                           const v1::ListCtasRequest* request,
                                           v1::ListCtasResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, playbooks_->ListCtas(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::UpdateCta(grpc::ServerContext* context,
                                            const v1::UpdateCtaRequest* request,
                                            v1::Cta* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->UpdateCta(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::CloseCta(grpc::ServerContext* context,
                                           const v1::CloseCtaRequest* request, v1::Cta* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, playbooks_->CloseCta(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::ListEnrolments(grpc::ServerContext* context,
                                                 const v1::ListEnrolmentsRequest* request,
                                                 v1::ListEnrolmentsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       playbooks_->ListEnrolments(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status PlaybookServiceImpl::ListOutreachMessages(
    grpc::ServerContext* context, const v1::ListOutreachMessagesRequest* request,
    v1::ListOutreachMessagesResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          *response, playbooks_->ListOutreachMessages(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::success

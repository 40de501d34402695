#include "services/support/support_service.h"

#include "common/handler.h"

namespace tandem::support {

grpc::Status SupportServiceImpl::CreateTicket(grpc::ServerContext* context,
                                              const v1::CreateTicketRequest* request,
                                              v1::Ticket* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->CreateTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::GetTicket(grpc::ServerContext* context,
                                           const v1::GetTicketRequest* request,
                                           v1::Ticket* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, tickets_->GetTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ListTickets(grpc::ServerContext* context,
                                             const v1::ListTicketsRequest* request,
                                             v1::ListTicketsResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ListTickets(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::UpdateTicket(grpc::ServerContext* context,
                                              const v1::UpdateTicketRequest* request,
                                              v1::Ticket* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->UpdateTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ListTicketChanges(grpc::ServerContext* context,
                                                   const v1::ListTicketChangesRequest* request,
                                                   v1::ListTicketChangesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ListTicketChanges(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::CreateMessage(grpc::ServerContext* context,
                                               const v1::CreateMessageRequest* request,
                                               v1::Message* response) {
  // `service` is for gateways that post customers' e-mails and chats.
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->CreateMessage(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ListMessages(grpc::ServerContext* context,
                                              const v1::ListMessagesRequest* request,
                                              v1::ListMessagesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ListMessages(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::EscalateTicket(grpc::ServerContext* context,
                                                const v1::EscalateTicketRequest* request,
                                                v1::Ticket* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->EscalateTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::RateTicket(grpc::ServerContext* context,
                                            const v1::RateTicketRequest* request,
                                            v1::Ticket* response) {
  // `service` is for the survey page or portal that collects the rating.
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, tickets_->RateTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::GetAccountSupportSummary(
    grpc::ServerContext* context, const v1::GetAccountSupportSummaryRequest* request,
    v1::AccountSupportSummary* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, tickets_->GetAccountSupportSummary(
                                                      caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::MergeTicket(grpc::ServerContext* context,
                                             const v1::MergeTicketRequest* request,
                                             v1::MergeTicketResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, tickets_->MergeTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ImportTicket(grpc::ServerContext* context,
                                              const v1::ImportTicketRequest* request,
                                              v1::Ticket* response) {
  // Rewriting history is for the team's administrators only.
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ImportTicket(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ExplainTicketSla(grpc::ServerContext* context,
                                                  const v1::ExplainTicketSlaRequest* request,
                                                  v1::SlaExplanation* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ExplainTicketSla(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::CreateCustomStatus(grpc::ServerContext* context,
                                                    const v1::CreateCustomStatusRequest* request,
                                                    v1::CustomStatus* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->CreateCustomStatus(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::ListCustomStatuses(grpc::ServerContext* context,
                                                    const v1::ListCustomStatusesRequest* request,
                                                    v1::ListCustomStatusesResponse* response) {
  return HandleCall(*context, *auth_, {kRoleAgent, kRoleCsm, kRoleViewer, kRoleService},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->ListCustomStatuses(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SupportServiceImpl::UpdateCustomStatus(grpc::ServerContext* context,
                                                    const v1::UpdateCustomStatusRequest* request,
                                                    v1::CustomStatus* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       tickets_->UpdateCustomStatus(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::support

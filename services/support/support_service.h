// The gRPC adapter for tandem.support.v1.SupportService: authenticates,
// checks roles, and hands each call to TicketManager.
#ifndef TANDEM_SERVICES_SUPPORT_SUPPORT_SERVICE_H_
#define TANDEM_SERVICES_SUPPORT_SUPPORT_SERVICE_H_

#include "common/auth.h"
#include "services/support/ticket_manager.h"
#include "tandem/support/v1/support_service.grpc.pb.h"

namespace tandem::support {

class SupportServiceImpl final : public v1::SupportService::Service {
 public:
  SupportServiceImpl(const Authenticator* auth, TicketManager* tickets)
      : auth_(auth), tickets_(tickets) {}

  grpc::Status CreateTicket(grpc::ServerContext* context, const v1::CreateTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status GetTicket(grpc::ServerContext* context, const v1::GetTicketRequest* request,
                         v1::Ticket* response) override;
  grpc::Status ListTickets(grpc::ServerContext* context, const v1::ListTicketsRequest* request,
                           v1::ListTicketsResponse* response) override;
  grpc::Status UpdateTicket(grpc::ServerContext* context, const v1::UpdateTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status ListTicketChanges(grpc::ServerContext* context,
                                 const v1::ListTicketChangesRequest* request,
                                 v1::ListTicketChangesResponse* response) override;
  grpc::Status CreateMessage(grpc::ServerContext* context, const v1::CreateMessageRequest* request,
                             v1::Message* response) override;
  grpc::Status ListMessages(grpc::ServerContext* context, const v1::ListMessagesRequest* request,
                            v1::ListMessagesResponse* response) override;
  grpc::Status EscalateTicket(grpc::ServerContext* context,
                              const v1::EscalateTicketRequest* request,
                              v1::Ticket* response) override;
  grpc::Status RateTicket(grpc::ServerContext* context, const v1::RateTicketRequest* request,
                          v1::Ticket* response) override;
  grpc::Status GetAccountSupportSummary(grpc::ServerContext* context,
                                        const v1::GetAccountSupportSummaryRequest* request,
                                        v1::AccountSupportSummary* response) override;
  grpc::Status MergeTicket(grpc::ServerContext* context, const v1::MergeTicketRequest* request,
                           v1::MergeTicketResponse* response) override;
  grpc::Status ImportTicket(grpc::ServerContext* context, const v1::ImportTicketRequest* request,
                            v1::Ticket* response) override;
  grpc::Status ExplainTicketSla(grpc::ServerContext* context,
                                const v1::ExplainTicketSlaRequest* request,
                                v1::SlaExplanation* response) override;
  grpc::Status CreateCustomStatus(grpc::ServerContext* context,
                                  const v1::CreateCustomStatusRequest* request,
                                  v1::CustomStatus* response) override;
  grpc::Status ListCustomStatuses(grpc::ServerContext* context,
                                  const v1::ListCustomStatusesRequest* request,
                                  v1::ListCustomStatusesResponse* response) override;
  grpc::Status UpdateCustomStatus(grpc::ServerContext* context,
                                  const v1::UpdateCustomStatusRequest* request,
                                  v1::CustomStatus* response) override;

 private:
  const Authenticator* auth_;
  TicketManager* tickets_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SUPPORT_SERVICE_H_

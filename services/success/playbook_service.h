// The gRPC adapter for tandem.success.v1.PlaybookService: authenticates,
// checks roles, and hands each call to PlaybookManager.
#ifndef TANDEM_SERVICES_SUCCESS_PLAYBOOK_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_PLAYBOOK_SERVICE_H_

#include "common/auth.h"
#include "services/success/playbook_manager.h"
#include "tandem/success/v1/playbook.grpc.pb.h"

namespace tandem::success {

// Serves playbooks, CTAs, enrolments and outreach messages. Writes are for
// `csm`; reads also for `agent`, `viewer` and `service` (`admin` may call
// everything).
class PlaybookServiceImpl final : public v1::PlaybookService::Service {
 public:
  PlaybookServiceImpl(const Authenticator* auth, PlaybookManager* playbooks)
      : auth_(auth), playbooks_(playbooks) {}
  grpc::Status CreatePlaybook(grpc::ServerContext* context,
                              const v1::CreatePlaybookRequest* request,
                              v1::Playbook* response) override;
  grpc::Status GetPlaybook(grpc::ServerContext* context, const v1::GetPlaybookRequest* request,
                           v1::Playbook* response) override;
  grpc::Status ListPlaybooks(grpc::ServerContext* context, const v1::ListPlaybooksRequest* request,
                             v1::ListPlaybooksResponse* response) override;
  grpc::Status UpdatePlaybook(grpc::ServerContext* context,
                              const v1::UpdatePlaybookRequest* request,
                              v1::Playbook* response) override;
  grpc::Status DeletePlaybook(grpc::ServerContext* context,
                              const v1::DeletePlaybookRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status CreateCta(grpc::ServerContext* context, const v1::CreateCtaRequest* request,
                         v1::Cta* response) override;
  grpc::Status GetCta(grpc::ServerContext* context, const v1::GetCtaRequest* request,
                      v1::Cta* response) override;
  grpc::Status ListCtas(grpc::ServerContext* context, const v1::ListCtasRequest* request,
                        v1::ListCtasResponse* response) override;
  grpc::Status UpdateCta(grpc::ServerContext* context, const v1::UpdateCtaRequest* request,
                         v1::Cta* response) override;
  grpc::Status CloseCta(grpc::ServerContext* context, const v1::CloseCtaRequest* request,
                        v1::Cta* response) override;
  grpc::Status ListEnrolments(grpc::ServerContext* context,
                              const v1::ListEnrolmentsRequest* request,
                              v1::ListEnrolmentsResponse* response) override;
  grpc::Status ListOutreachMessages(grpc::ServerContext* context,
                                    const v1::ListOutreachMessagesRequest* request,
                                    v1::ListOutreachMessagesResponse* response) override;

 private:
  const Authenticator* auth_;
  PlaybookManager* playbooks_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_PLAYBOOK_SERVICE_H_

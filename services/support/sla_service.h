// The gRPC adapter for tandem.support.v1.SlaService: authenticates, checks
// roles (reads: agent, csm, viewer, service; changes: admin), and hands
// each call to SlaManager.
#ifndef TANDEM_SERVICES_SUPPORT_SLA_SERVICE_H_
#define TANDEM_SERVICES_SUPPORT_SLA_SERVICE_H_

#include "common/auth.h"
#include "services/support/sla_manager.h"
#include "tandem/support/v1/sla.grpc.pb.h"

namespace tandem::support {

class SlaServiceImpl final : public v1::SlaService::Service {
 public:
  SlaServiceImpl(const Authenticator* auth, SlaManager* sla) : auth_(auth), sla_(sla) {}

  grpc::Status CreateBusinessCalendar(grpc::ServerContext* context,
                                      const v1::CreateBusinessCalendarRequest* request,
                                      v1::BusinessCalendar* response) override;
  grpc::Status GetBusinessCalendar(grpc::ServerContext* context,
                                   const v1::GetBusinessCalendarRequest* request,
                                   v1::BusinessCalendar* response) override;
  grpc::Status ListBusinessCalendars(grpc::ServerContext* context,
                                     const v1::ListBusinessCalendarsRequest* request,
                                     v1::ListBusinessCalendarsResponse* response) override;
  grpc::Status UpdateBusinessCalendar(grpc::ServerContext* context,
                                      const v1::UpdateBusinessCalendarRequest* request,
                                      v1::BusinessCalendar* response) override;
  grpc::Status DeleteBusinessCalendar(grpc::ServerContext* context,
                                      const v1::DeleteBusinessCalendarRequest* request,
                                      google::protobuf::Empty* response) override;
  grpc::Status CreateSlaPolicy(grpc::ServerContext* context,
                               const v1::CreateSlaPolicyRequest* request,
                               v1::SlaPolicy* response) override;
  grpc::Status GetSlaPolicy(grpc::ServerContext* context, const v1::GetSlaPolicyRequest* request,
                            v1::SlaPolicy* response) override;
  grpc::Status ListSlaPolicies(grpc::ServerContext* context,
                               const v1::ListSlaPoliciesRequest* request,
                               v1::ListSlaPoliciesResponse* response) override;
  grpc::Status UpdateSlaPolicy(grpc::ServerContext* context,
                               const v1::UpdateSlaPolicyRequest* request,
                               v1::SlaPolicy* response) override;
  grpc::Status DeleteSlaPolicy(grpc::ServerContext* context,
                               const v1::DeleteSlaPolicyRequest* request,
                               google::protobuf::Empty* response) override;

 private:
  const Authenticator* auth_;
  SlaManager* sla_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SLA_SERVICE_H_

// The gRPC adapter for tandem.success.v1.RevenueService: authenticates,
// checks roles (writes `csm`; reads also `agent`, `viewer`, `service`;
// `admin` everything), and hands each call to RevenueManager.
#ifndef TANDEM_SERVICES_SUCCESS_REVENUE_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_REVENUE_SERVICE_H_

#include "common/auth.h"
#include "services/success/revenue_manager.h"
#include "tandem/success/v1/revenue.grpc.pb.h"

namespace tandem::success {

class RevenueServiceImpl final : public v1::RevenueService::Service {
 public:
  RevenueServiceImpl(const Authenticator* auth, RevenueManager* revenue)
      : auth_(auth), revenue_(revenue) {}

  grpc::Status RecordMrrMovement(grpc::ServerContext* context,
                                 const v1::RecordMrrMovementRequest* request,
                                 v1::MrrMovement* response) override;
  grpc::Status GetMrrMovement(grpc::ServerContext* context,
                              const v1::GetMrrMovementRequest* request,
                              v1::MrrMovement* response) override;
  grpc::Status ListMrrMovements(grpc::ServerContext* context,
                                const v1::ListMrrMovementsRequest* request,
                                v1::ListMrrMovementsResponse* response) override;
  grpc::Status GetSegmentationPolicy(grpc::ServerContext* context,
                                     const v1::GetSegmentationPolicyRequest* request,
                                     v1::SegmentationPolicy* response) override;
  grpc::Status UpdateSegmentationPolicy(grpc::ServerContext* context,
                                        const v1::UpdateSegmentationPolicyRequest* request,
                                        v1::SegmentationPolicy* response) override;
  grpc::Status SetAccountTier(grpc::ServerContext* context,
                              const v1::SetAccountTierRequest* request,
                              v1::Account* response) override;
  grpc::Status ClearTierOverride(grpc::ServerContext* context,
                                 const v1::ClearTierOverrideRequest* request,
                                 v1::Account* response) override;
  grpc::Status ListTierChanges(grpc::ServerContext* context,
                               const v1::ListTierChangesRequest* request,
                               v1::ListTierChangesResponse* response) override;
  grpc::Status CreateOpportunity(grpc::ServerContext* context,
                                 const v1::CreateOpportunityRequest* request,
                                 v1::Opportunity* response) override;
  grpc::Status GetOpportunity(grpc::ServerContext* context,
                              const v1::GetOpportunityRequest* request,
                              v1::Opportunity* response) override;
  grpc::Status ListOpportunities(grpc::ServerContext* context,
                                 const v1::ListOpportunitiesRequest* request,
                                 v1::ListOpportunitiesResponse* response) override;
  grpc::Status UpdateOpportunity(grpc::ServerContext* context,
                                 const v1::UpdateOpportunityRequest* request,
                                 v1::Opportunity* response) override;

 private:
  // Runs `(revenue_->*method)(caller, request, deadline)` for a caller
  // holding one of the write (csm) or read roles, into `response`.
  template <typename Request, typename Response>
  grpc::Status Serve(grpc::ServerContext* context, bool write, const Request& request,
                     Response* response,
                     absl::StatusOr<Response> (RevenueManager::*method)(const Principal&,
                                                                        const Request&,
                                                                        absl::Time));

  const Authenticator* auth_;
  RevenueManager* revenue_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_REVENUE_SERVICE_H_

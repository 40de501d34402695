#include "services/success/revenue_service.h"

#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {

template <typename Request, typename Response>
grpc::Status RevenueServiceImpl::Serve(grpc::ServerContext* context, bool write,
                                       const Request& request, Response* response,
                                       absl::StatusOr<Response> (RevenueManager::*method)(
                                           const Principal&, const Request&, absl::Time)) {
  // Explicit captures: with `[&]`, GCC 12's ASan build read a wrong `this`
  // through the member-function pointer call (SEGV in every call).
  RevenueManager* revenue = revenue_;
  auto body = [revenue, method, &request, response](const Principal& caller,
                                                    absl::Time deadline) -> absl::Status {
    ASSIGN_OR_RETURN(*response, (revenue->*method)(caller, request, deadline));
    return absl::OkStatus();
  };
  if (write) return HandleCall(*context, *auth_, {kRoleCsm}, body);
  return HandleCall(*context, *auth_, {kRoleCsm, kRoleAgent, kRoleViewer, kRoleService}, body);
}

grpc::Status RevenueServiceImpl::RecordMrrMovement(grpc::ServerContext* context,
                                                   const v1::RecordMrrMovementRequest* request,
                                                   v1::MrrMovement* response) {
  return Serve(context, true, *request, response, &RevenueManager::RecordMrrMovement);
}

grpc::Status RevenueServiceImpl::GetMrrMovement(grpc::ServerContext* context,
                                                const v1::GetMrrMovementRequest* request,
                                                v1::MrrMovement* response) {
  return Serve(context, false, *request, response, &RevenueManager::GetMrrMovement);
}

grpc::Status RevenueServiceImpl::ListMrrMovements(grpc::ServerContext* context,
                                                  const v1::ListMrrMovementsRequest* request,
                                                  v1::ListMrrMovementsResponse* response) {
  return Serve(context, false, *request, response, &RevenueManager::ListMrrMovements);
}

grpc::Status RevenueServiceImpl::GetSegmentationPolicy(
    grpc::ServerContext* context, const v1::GetSegmentationPolicyRequest* request,
    v1::SegmentationPolicy* response) {
  return Serve(context, false, *request, response, &RevenueManager::GetSegmentationPolicy);
}

grpc::Status RevenueServiceImpl::UpdateSegmentationPolicy(
    grpc::ServerContext* context, const v1::UpdateSegmentationPolicyRequest* request,
    v1::SegmentationPolicy* response) {
  return Serve(context, true, *request, response, &RevenueManager::UpdateSegmentationPolicy);
}

grpc::Status RevenueServiceImpl::SetAccountTier(grpc::ServerContext* context,
                                                const v1::SetAccountTierRequest* request,
                                                v1::Account* response) {
  return Serve(context, true, *request, response, &RevenueManager::SetAccountTier);
}

grpc::Status RevenueServiceImpl::ClearTierOverride(grpc::ServerContext* context,
                                                   const v1::ClearTierOverrideRequest* request,
                                                   v1::Account* response) {
  return Serve(context, true, *request, response, &RevenueManager::ClearTierOverride);
}

grpc::Status RevenueServiceImpl::ListTierChanges(grpc::ServerContext* context,
                                                 const v1::ListTierChangesRequest* request,
                                                 v1::ListTierChangesResponse* response) {
  return Serve(context, false, *request, response, &RevenueManager::ListTierChanges);
}

grpc::Status RevenueServiceImpl::CreateOpportunity(grpc::ServerContext* context,
                                                   const v1::CreateOpportunityRequest* request,
                                                   v1::Opportunity* response) {
  return Serve(context, true, *request, response, &RevenueManager::CreateOpportunity);
}

grpc::Status RevenueServiceImpl::GetOpportunity(grpc::ServerContext* context,
                                                const v1::GetOpportunityRequest* request,
                                                v1::Opportunity* response) {
  return Serve(context, false, *request, response, &RevenueManager::GetOpportunity);
}

grpc::Status RevenueServiceImpl::ListOpportunities(grpc::ServerContext* context,
                                                   const v1::ListOpportunitiesRequest* request,
                                                   v1::ListOpportunitiesResponse* response) {
  return Serve(context, false, *request, response, &RevenueManager::ListOpportunities);
}

grpc::Status RevenueServiceImpl::UpdateOpportunity(grpc::ServerContext* context,
                                                   const v1::UpdateOpportunityRequest* request,
                                                   v1::Opportunity* response) {
  return Serve(context, true, *request, response, &RevenueManager::UpdateOpportunity);
}

}  // namespace tandem::success

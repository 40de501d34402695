// The gRPC adapter for tandem.success.v1.HealthService: authenticates,
// checks roles, and hands each call to HealthManager.
#ifndef TANDEM_SERVICES_SUCCESS_HEALTH_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_HEALTH_SERVICE_H_

#include "common/auth.h"
#include "services/success/health_manager.h"
#include "tandem/success/v1/health.grpc.pb.h"

namespace tandem::success {

class HealthServiceImpl final : public v1::HealthService::Service {
 public:
  HealthServiceImpl(const Authenticator* auth, HealthManager* health)
      : auth_(auth), health_(health) {}

  grpc::Status GetScorecard(grpc::ServerContext* context, const v1::GetScorecardRequest* request,
                            v1::Scorecard* response) override;
  grpc::Status UpdateScorecard(grpc::ServerContext* context,
                               const v1::UpdateScorecardRequest* request,
                               v1::Scorecard* response) override;
  grpc::Status GetAccountHealth(grpc::ServerContext* context,
                                const v1::GetAccountHealthRequest* request,
                                v1::AccountHealth* response) override;
  grpc::Status ListHealthHistory(grpc::ServerContext* context,
                                 const v1::ListHealthHistoryRequest* request,
                                 v1::ListHealthHistoryResponse* response) override;
  grpc::Status CompareAccountHealth(grpc::ServerContext* context,
                                    const v1::CompareAccountHealthRequest* request,
                                    v1::HealthComparison* response) override;
  grpc::Status RecomputeAccountHealth(grpc::ServerContext* context,
                                      const v1::RecomputeAccountHealthRequest* request,
                                      v1::RecomputeAccountHealthResponse* response) override;

 private:
  const Authenticator* auth_;
  HealthManager* health_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_HEALTH_SERVICE_H_

// The gRPC adapter for tandem.success.v1.UsageService: authenticates,
// checks roles, and hands each call (each stream message) to UsageManager.
#ifndef TANDEM_SERVICES_SUCCESS_USAGE_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_USAGE_SERVICE_H_

#include "common/auth.h"
#include "services/success/usage_manager.h"
#include "tandem/success/v1/usage.grpc.pb.h"

namespace tandem::success {

class UsageServiceImpl final : public v1::UsageService::Service {
 public:
  UsageServiceImpl(const Authenticator* auth, UsageManager* usage) : auth_(auth), usage_(usage) {}

  grpc::Status IngestUsageEvents(grpc::ServerContext* context,
                                 const v1::IngestUsageEventsRequest* request,
                                 v1::IngestUsageEventsResponse* response) override;
  grpc::Status StreamUsageEvents(grpc::ServerContext* context,
                                 grpc::ServerReader<v1::StreamUsageEventsRequest>* reader,
                                 v1::IngestUsageEventsResponse* response) override;
  grpc::Status ListUsageRollups(grpc::ServerContext* context,
                                const v1::ListUsageRollupsRequest* request,
                                v1::ListUsageRollupsResponse* response) override;
  grpc::Status GetKeyFeatures(grpc::ServerContext* context,
                              const v1::GetKeyFeaturesRequest* request,
                              v1::KeyFeatures* response) override;
  grpc::Status UpdateKeyFeatures(grpc::ServerContext* context,
                                 const v1::UpdateKeyFeaturesRequest* request,
                                 v1::KeyFeatures* response) override;
  grpc::Status GetAccountAdoption(grpc::ServerContext* context,
                                  const v1::GetAccountAdoptionRequest* request,
                                  v1::AccountAdoption* response) override;

 private:
  const Authenticator* auth_;
  UsageManager* usage_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_USAGE_SERVICE_H_

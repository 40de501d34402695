// The gRPC adapter for tandem.success.v1.EngagementService: authenticates,
// checks roles, and hands each call to EngagementManager.
#ifndef TANDEM_SERVICES_SUCCESS_ENGAGEMENT_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_ENGAGEMENT_SERVICE_H_

#include "common/auth.h"
#include "services/success/engagement_manager.h"
#include "tandem/success/v1/engagement.grpc.pb.h"

namespace tandem::success {

class EngagementServiceImpl final : public v1::EngagementService::Service {
 public:
  EngagementServiceImpl(const Authenticator* auth, EngagementManager* engagement)
      : auth_(auth), engagement_(engagement) {}

  grpc::Status CreateActivity(grpc::ServerContext* context,
                              const v1::CreateActivityRequest* request,
                              v1::Activity* response) override;
  grpc::Status GetActivity(grpc::ServerContext* context, const v1::GetActivityRequest* request,
                           v1::Activity* response) override;
  grpc::Status ListActivities(grpc::ServerContext* context,
                              const v1::ListActivitiesRequest* request,
                              v1::ListActivitiesResponse* response) override;
  grpc::Status UpdateActivity(grpc::ServerContext* context,
                              const v1::UpdateActivityRequest* request,
                              v1::Activity* response) override;
  grpc::Status DeleteActivity(grpc::ServerContext* context,
                              const v1::DeleteActivityRequest* request,
                              google::protobuf::Empty* response) override;
  grpc::Status ListTimeline(grpc::ServerContext* context, const v1::ListTimelineRequest* request,
                            v1::ListTimelineResponse* response) override;
  grpc::Status RecordNpsResponse(grpc::ServerContext* context,
                                 const v1::RecordNpsResponseRequest* request,
                                 v1::NpsResponse* response) override;
  grpc::Status GetNpsResponse(grpc::ServerContext* context,
                              const v1::GetNpsResponseRequest* request,
                              v1::NpsResponse* response) override;
  grpc::Status ListNpsResponses(grpc::ServerContext* context,
                                const v1::ListNpsResponsesRequest* request,
                                v1::ListNpsResponsesResponse* response) override;
  grpc::Status CreateFeedback(grpc::ServerContext* context,
                              const v1::CreateFeedbackRequest* request,
                              v1::Feedback* response) override;
  grpc::Status GetFeedback(grpc::ServerContext* context, const v1::GetFeedbackRequest* request,
                           v1::Feedback* response) override;
  grpc::Status ListFeedback(grpc::ServerContext* context, const v1::ListFeedbackRequest* request,
                            v1::ListFeedbackResponse* response) override;
  grpc::Status UpdateFeedback(grpc::ServerContext* context,
                              const v1::UpdateFeedbackRequest* request,
                              v1::Feedback* response) override;
  grpc::Status AddFeedbackAccount(grpc::ServerContext* context,
                                  const v1::AddFeedbackAccountRequest* request,
                                  v1::Feedback* response) override;

 private:
  // Runs `method` of the manager for a caller holding one of `roles`.
  template <typename Request, typename Response, typename Method>
  grpc::Status Handle(grpc::ServerContext* context, bool write, Method method,
                      const Request* request, Response* response);

  const Authenticator* auth_;
  EngagementManager* engagement_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ENGAGEMENT_SERVICE_H_

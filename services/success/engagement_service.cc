#include "services/success/engagement_service.h"

#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {
namespace {

// Who may change engagement data (`admin`, which HandleCall always admits,
// too).
constexpr std::initializer_list<absl::string_view> kWriters = {kRoleCsm};
// Who may read it.
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};

}  // namespace

template <typename Request, typename Response, typename Method>
grpc::Status EngagementServiceImpl::Handle(grpc::ServerContext* context, bool write, Method method,
                                           const Request* request, Response* response) {
  // Explicit captures: with `[&]`, GCC 12's ASan build read a wrong `this`
  // through the member-function pointer call (SEGV in every call).
  EngagementManager* engagement = engagement_;
  return HandleCall(*context, *auth_, write ? kWriters : kReaders,
                    [engagement, method, request, response](const Principal& caller,
                                                            absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       (engagement->*method)(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status EngagementServiceImpl::CreateActivity(grpc::ServerContext* context,
                                                   const v1::CreateActivityRequest* request,
                                                   v1::Activity* response) {
  return Handle(context, true, &EngagementManager::CreateActivity, request, response);
}

grpc::Status EngagementServiceImpl::GetActivity(grpc::ServerContext* context,
                                                const v1::GetActivityRequest* request,
                                                v1::Activity* response) {
  return Handle(context, false, &EngagementManager::GetActivity, request, response);
}

grpc::Status EngagementServiceImpl::ListActivities(grpc::ServerContext* context,
                                                   const v1::ListActivitiesRequest* request,
                                                   v1::ListActivitiesResponse* response) {
  return Handle(context, false, &EngagementManager::ListActivities, request, response);
}

grpc::Status EngagementServiceImpl::UpdateActivity(grpc::ServerContext* context,
                                                   const v1::UpdateActivityRequest* request,
                                                   v1::Activity* response) {
  return Handle(context, true, &EngagementManager::UpdateActivity, request, response);
}

grpc::Status EngagementServiceImpl::DeleteActivity(grpc::ServerContext* context,
                                                   const v1::DeleteActivityRequest* request,
                                                   google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, kWriters, [&](const Principal& caller, absl::Time deadline) {
    return engagement_->DeleteActivity(caller, *request, deadline);
  });
}

grpc::Status EngagementServiceImpl::ListTimeline(grpc::ServerContext* context,
                                                 const v1::ListTimelineRequest* request,
                                                 v1::ListTimelineResponse* response) {
  return Handle(context, false, &EngagementManager::ListTimeline, request, response);
}

grpc::Status EngagementServiceImpl::RecordNpsResponse(grpc::ServerContext* context,
                                                      const v1::RecordNpsResponseRequest* request,
                                                      v1::NpsResponse* response) {
  return Handle(context, true, &EngagementManager::RecordNpsResponse, request, response);
}

grpc::Status EngagementServiceImpl::GetNpsResponse(grpc::ServerContext* context,
                                                   const v1::GetNpsResponseRequest* request,
                                                   v1::NpsResponse* response) {
  return Handle(context, false, &EngagementManager::GetNpsResponse, request, response);
}

grpc::Status EngagementServiceImpl::ListNpsResponses(grpc::ServerContext* context,
                                                     const v1::ListNpsResponsesRequest* request,
                                                     v1::ListNpsResponsesResponse* response) {
  return Handle(context, false, &EngagementManager::ListNpsResponses, request, response);
}

grpc::Status EngagementServiceImpl::CreateFeedback(grpc::ServerContext* context,
                                                   const v1::CreateFeedbackRequest* request,
                                                   v1::Feedback* response) {
  return Handle(context, true, &EngagementManager::CreateFeedback, request, response);
}

grpc::Status EngagementServiceImpl::GetFeedback(grpc::ServerContext* context,
                                                const v1::GetFeedbackRequest* request,
                                                v1::Feedback* response) {
  return Handle(context, false, &EngagementManager::GetFeedback, request, response);
}

grpc::Status EngagementServiceImpl::ListFeedback(grpc::ServerContext* context,
                                                 const v1::ListFeedbackRequest* request,
                                                 v1::ListFeedbackResponse* response) {
  return Handle(context, false, &EngagementManager::ListFeedback, request, response);
}

grpc::Status EngagementServiceImpl::UpdateFeedback(grpc::ServerContext* context,
                                                   const v1::UpdateFeedbackRequest* request,
                                                   v1::Feedback* response) {
  return Handle(context, true, &EngagementManager::UpdateFeedback, request, response);
}

grpc::Status EngagementServiceImpl::AddFeedbackAccount(grpc::ServerContext* context,
                                                       const v1::AddFeedbackAccountRequest* request,
                                                       v1::Feedback* response) {
  return Handle(context, true, &EngagementManager::AddFeedbackAccount, request, response);
}

}  // namespace tandem::success

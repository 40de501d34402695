// The rules of the timeline, NPS responses and product feedback, apart
// from transport and storage: validation, defaults, resource names, and how
// List requests become store queries.
#ifndef TANDEM_SERVICES_SUCCESS_ENGAGEMENT_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_ENGAGEMENT_MANAGER_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "common/status.h"
#include "services/success/engagement_store.h"
#include "tandem/success/v1/engagement.pb.h"

namespace tandem::success {

// Serves EngagementService's calls for one caller at a time; the gRPC
// adapter checks roles.
class EngagementManager {
 public:
  EngagementManager(EngagementStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and logs an activity; see EngagementService.CreateActivity.
  absl::StatusOr<v1::Activity> CreateActivity(const Principal& caller,
                                              const v1::CreateActivityRequest& request,
                                              absl::Time deadline);

  // Returns an activity of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Activity> GetActivity(const Principal& caller,
                                           const v1::GetActivityRequest& request,
                                           absl::Time deadline);

  // Lists activities; see EngagementService.ListActivities.
  absl::StatusOr<v1::ListActivitiesResponse> ListActivities(
      const Principal& caller, const v1::ListActivitiesRequest& request, absl::Time deadline);

  // Changes the fields named in the mask; see EngagementService.UpdateActivity.
  absl::StatusOr<v1::Activity> UpdateActivity(const Principal& caller,
                                              const v1::UpdateActivityRequest& request,
                                              absl::Time deadline);

  // Deletes an activity; see EngagementService.DeleteActivity.
  absl::Status DeleteActivity(const Principal& caller, const v1::DeleteActivityRequest& request,
                              absl::Time deadline);

  // Lists an account's timeline; see EngagementService.ListTimeline.
  absl::StatusOr<v1::ListTimelineResponse> ListTimeline(const Principal& caller,
                                                        const v1::ListTimelineRequest& request,
                                                        absl::Time deadline);

  // Validates and records an NPS response; see
  // EngagementService.RecordNpsResponse.
  absl::StatusOr<v1::NpsResponse> RecordNpsResponse(const Principal& caller,
                                                    const v1::RecordNpsResponseRequest& request,
                                                    absl::Time deadline);

  // Returns an NPS response of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::NpsResponse> GetNpsResponse(const Principal& caller,
                                                 const v1::GetNpsResponseRequest& request,
                                                 absl::Time deadline);

  // Lists NPS responses; see EngagementService.ListNpsResponses.
  absl::StatusOr<v1::ListNpsResponsesResponse> ListNpsResponses(
      const Principal& caller, const v1::ListNpsResponsesRequest& request, absl::Time deadline);

  // Validates and submits a feedback item; see EngagementService.CreateFeedback.
  absl::StatusOr<v1::Feedback> CreateFeedback(const Principal& caller,
                                              const v1::CreateFeedbackRequest& request,
                                              absl::Time deadline);

  // Returns a feedback item of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Feedback> GetFeedback(const Principal& caller,
                                           const v1::GetFeedbackRequest& request,
                                           absl::Time deadline);

  // Lists feedback items; see EngagementService.ListFeedback.
  absl::StatusOr<v1::ListFeedbackResponse> ListFeedback(const Principal& caller,
                                                        const v1::ListFeedbackRequest& request,
                                                        absl::Time deadline);

  // Changes the fields named in the mask; see EngagementService.UpdateFeedback.
  absl::StatusOr<v1::Feedback> UpdateFeedback(const Principal& caller,
                                              const v1::UpdateFeedbackRequest& request,
                                              absl::Time deadline);

  // Adds an account asking; see EngagementService.AddFeedbackAccount.
  absl::StatusOr<v1::Feedback> AddFeedbackAccount(const Principal& caller,
                                                  const v1::AddFeedbackAccountRequest& request,
                                                  absl::Time deadline);

 private:
  EngagementStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// The id parts of `accounts/{account}/{collection}/{id}`.
struct ChildName {
  std::string account_id;
  std::string id;
};

// Parses `accounts/{account}/{collection}/{id}`, or INVALID_ARGUMENT on
// `field`.
absl::StatusOr<ChildName> ParseChildName(absl::string_view field, absl::string_view collection,
                                         absl::string_view name);

// Parses a parent `accounts/{account}` into its id; with `allow_all`,
// `accounts/-` is every account (an empty id). INVALID_ARGUMENT on `field`
// otherwise.
absl::StatusOr<std::string> ParseAccountParent(absl::string_view field, absl::string_view parent,
                                               bool allow_all);

// Returns the NPS category of a 0-10 score: 0-6 DETRACTOR, 7-8 PASSIVE,
// 9-10 PROMOTER.
v1::NpsResponse::Category NpsCategory(int32_t score);

// Checks the fields of an activity that `all` or the mask's `paths` name,
// as "activity.<field>", against `now` (times at most a day ahead, not
// before 2000).
void CheckActivity(const v1::Activity& activity, const std::set<std::string>* paths, absl::Time now,
                   FieldViolations& violations);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ENGAGEMENT_MANAGER_H_

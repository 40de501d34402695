// Storage of the timeline (activities and support events), NPS responses
// and product feedback, behind an interface so EngagementManager can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_ENGAGEMENT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_ENGAGEMENT_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/engagement.pb.h"

namespace tandem::success {

// An activity field a List may filter on.
enum class ActivityField { kKind, kMeetingType, kAuthor, kActivityTime };

// One typed activity condition: enums as proto numbers, times as UTC
// DATETIME(6) text.
struct ActivityCondition {
  ActivityField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// An NPS response field a List may filter on.
enum class NpsField { kCategory, kScore, kResponseTime };

// One typed NPS condition: the category as its proto number, the score as
// a number, times as UTC DATETIME(6) text.
struct NpsCondition {
  NpsField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A feedback field a List may filter on.
enum class FeedbackField { kStatus, kSource, kAccount };

// One typed feedback condition: enums as proto numbers, the account as its
// bare id ("asked for by").
struct FeedbackCondition {
  FeedbackField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// How feedback lists are ordered.
enum class FeedbackOrder {
  // Summed ARR of the accounts asking, highest first; the plan's keyset
  // position carries the ARR as its time's Unix microseconds.
  kRequestedArr,
  // By creation time, as the plan says.
  kCreateTime,
};

// Which entries a timeline shows, and the conditions on their time.
struct TimelineQuery {
  bool activities = true;
  bool support_events = true;
  // Conditions on the entry's time; `value` is UTC DATETIME(6) text.
  std::vector<FilterTerm> time_terms;
};

// What an update decided: the resource after it, whether anything changed
// (if not, nothing is written and the etag stays) and which fields did.
template <typename Resource>
struct EngagementUpdate {
  Resource resource;
  bool changed = false;
  std::vector<std::string> changed_fields;
};

// Decides an update given the current resource and the etag it will have
// once stored. Runs inside the store's transaction with the row locked, so
// it must not block or call out.
template <typename Resource>
using EngagementDecision = std::function<absl::StatusOr<EngagementUpdate<Resource>>(
    const Resource& current, const std::string& next_etag)>;

// A page of items and whether another follows.
template <typename Item>
struct EngagementPage {
  std::vector<Item> items;
  bool has_more = false;
};

// Reads and writes one tenant's timeline, NPS responses and feedback.
// Account ids are bare (no `accounts/`). Every write stores its event in
// the same transaction, and writes that may move an account's health queue
// it for review.
class EngagementStore {
 public:
  virtual ~EngagementStore() = default;

  // Stores a complete new activity (name, times, author set) of an
  // account, with its ActivityRecorded event. NOT_FOUND if the account does
  // not exist. Idempotent by `key`.
  virtual absl::StatusOr<v1::Activity> CreateActivity(const std::string& tenant,
                                                      const std::string& account_id,
                                                      const v1::Activity& activity,
                                                      const CreateKey& key,
                                                      absl::Time deadline) = 0;

  // Returns the account's activity with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Activity> GetActivity(const std::string& tenant,
                                                   const std::string& account_id,
                                                   const std::string& id, absl::Time deadline) = 0;

  // Returns one page of the account's (every account's, when empty)
  // activities by activity time. NOT_FOUND if the account does not exist.
  virtual absl::StatusOr<EngagementPage<v1::Activity>> ListActivities(
      const std::string& tenant, const std::string& account_id,
      const std::vector<ActivityCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) = 0;

  // Locks the activity, runs `decide` and stores the outcome with an
  // ActivityUpdated event. NOT_FOUND if it does not exist.
  virtual absl::StatusOr<v1::Activity> UpdateActivity(
      const std::string& tenant, const std::string& account_id, const std::string& id,
      const EngagementDecision<v1::Activity>& decide, absl::Time deadline) = 0;

  // Deletes the activity with an ActivityDeleted event by `actor`.
  // NOT_FOUND if it does not exist; ABORTED if `etag` is set and stale.
  virtual absl::Status DeleteActivity(const std::string& tenant, const std::string& account_id,
                                      const std::string& id, const std::string& etag,
                                      const std::string& actor, absl::Time now,
                                      absl::Time deadline) = 0;

  // Returns one page of the account's timeline, newest first (the plan's
  // keyset position is the entry's time and id). NOT_FOUND if the account
  // does not exist.
  virtual absl::StatusOr<EngagementPage<v1::TimelineEntry>> ListTimeline(
      const std::string& tenant, const std::string& account_id, const TimelineQuery& query,
      const ListPlan& plan, absl::Time deadline) = 0;

  // Stores a complete new NPS response with its NpsRecorded event. NOT_FOUND
  // if the account does not exist; INVALID_ARGUMENT on
  // `nps_response.contact` if the contact is not the account's. Idempotent
  // by `key`.
  virtual absl::StatusOr<v1::NpsResponse> RecordNpsResponse(const std::string& tenant,
                                                            const std::string& account_id,
                                                            const v1::NpsResponse& response,
                                                            const CreateKey& key,
                                                            absl::Time deadline) = 0;

  // Returns the account's NPS response with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::NpsResponse> GetNpsResponse(const std::string& tenant,
                                                         const std::string& account_id,
                                                         const std::string& id,
                                                         absl::Time deadline) = 0;

  // Returns one page of the account's (every account's, when empty) NPS
  // responses by response time. NOT_FOUND if the account does not exist.
  virtual absl::StatusOr<EngagementPage<v1::NpsResponse>> ListNpsResponses(
      const std::string& tenant, const std::string& account_id,
      const std::vector<NpsCondition>& conditions, const ListPlan& plan, absl::Time deadline) = 0;

  // Stores a complete new feedback item and the accounts asking (bare ids
  // in `account_ids`, de-duplicated) with its FeedbackSubmitted event.
  // INVALID_ARGUMENT on `feedback.accounts[i]` (its place in
  // `account_ids`) for an account that does not exist. Idempotent by `key`.
  virtual absl::StatusOr<v1::Feedback> CreateFeedback(const std::string& tenant,
                                                      const v1::Feedback& feedback,
                                                      const std::vector<std::string>& account_ids,
                                                      const CreateKey& key,
                                                      absl::Time deadline) = 0;

  // Returns the feedback item with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Feedback> GetFeedback(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) = 0;

  // Returns one page of feedback items in `order`.
  virtual absl::StatusOr<EngagementPage<v1::Feedback>> ListFeedback(
      const std::string& tenant, const std::vector<FeedbackCondition>& conditions,
      FeedbackOrder order, const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the item, runs `decide` and stores the outcome with a
  // FeedbackUpdated event by `actor`. NOT_FOUND if it does not exist.
  virtual absl::StatusOr<v1::Feedback> UpdateFeedback(
      const std::string& tenant, const std::string& id, const std::string& actor,
      const EngagementDecision<v1::Feedback>& decide, absl::Time deadline) = 0;

  // Adds `account_id` to the accounts asking for item `id` (a new version
  // and a FeedbackUpdated event by `actor`), or changes nothing if it is
  // already there. NOT_FOUND if the item does not exist; INVALID_ARGUMENT on
  // `account` if the account does not.
  virtual absl::StatusOr<v1::Feedback> AddFeedbackAccount(const std::string& tenant,
                                                          const std::string& id,
                                                          const std::string& account_id,
                                                          const std::string& actor, absl::Time now,
                                                          absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ENGAGEMENT_STORE_H_

// EngagementStore on MySQL/MariaDB (tables `activities`, `support_events`,
// `nps_responses`, `feedback`, `feedback_accounts`), and the statements
// other parts of Success run inside their own transactions: the account
// review's loaders of support and engagement signals, and the feedback item
// the support-signal applier makes from a FEATURE_REQUEST ticket.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_ENGAGEMENT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_ENGAGEMENT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/account_signals.h"
#include "services/success/engagement_store.h"

namespace tandem::success {

class MysqlEngagementStore final : public EngagementStore {
 public:
  MysqlEngagementStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Activity> CreateActivity(const std::string& tenant,
                                              const std::string& account_id,
                                              const v1::Activity& activity, const CreateKey& key,
                                              absl::Time deadline) override;
  absl::StatusOr<v1::Activity> GetActivity(const std::string& tenant, const std::string& account_id,
                                           const std::string& id, absl::Time deadline) override;
  absl::StatusOr<EngagementPage<v1::Activity>> ListActivities(
      const std::string& tenant, const std::string& account_id,
      const std::vector<ActivityCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) override;
  absl::StatusOr<v1::Activity> UpdateActivity(const std::string& tenant,
                                              const std::string& account_id, const std::string& id,
                                              const EngagementDecision<v1::Activity>& decide,
                                              absl::Time deadline) override;
  absl::Status DeleteActivity(const std::string& tenant, const std::string& account_id,
                              const std::string& id, const std::string& etag,
                              const std::string& actor, absl::Time now,
                              absl::Time deadline) override;
  absl::StatusOr<EngagementPage<v1::TimelineEntry>> ListTimeline(const std::string& tenant,
                                                                 const std::string& account_id,
                                                                 const TimelineQuery& query,
                                                                 const ListPlan& plan,
                                                                 absl::Time deadline) override;
  absl::StatusOr<v1::NpsResponse> RecordNpsResponse(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const v1::NpsResponse& response,
                                                    const CreateKey& key,
                                                    absl::Time deadline) override;
  absl::StatusOr<v1::NpsResponse> GetNpsResponse(const std::string& tenant,
                                                 const std::string& account_id,
                                                 const std::string& id,
                                                 absl::Time deadline) override;
  absl::StatusOr<EngagementPage<v1::NpsResponse>> ListNpsResponses(
      const std::string& tenant, const std::string& account_id,
      const std::vector<NpsCondition>& conditions, const ListPlan& plan,
      absl::Time deadline) override;
  absl::StatusOr<v1::Feedback> CreateFeedback(const std::string& tenant,
                                              const v1::Feedback& feedback,
                                              const std::vector<std::string>& account_ids,
                                              const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Feedback> GetFeedback(const std::string& tenant, const std::string& id,
                                           absl::Time deadline) override;
  absl::StatusOr<EngagementPage<v1::Feedback>> ListFeedback(
      const std::string& tenant, const std::vector<FeedbackCondition>& conditions,
      FeedbackOrder order, const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::Feedback> UpdateFeedback(const std::string& tenant, const std::string& id,
                                              const std::string& actor,
                                              const EngagementDecision<v1::Feedback>& decide,
                                              absl::Time deadline) override;
  absl::StatusOr<v1::Feedback> AddFeedbackAccount(const std::string& tenant, const std::string& id,
                                                  const std::string& account_id,
                                                  const std::string& actor, absl::Time now,
                                                  absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// ---- Inside the caller's transaction ------------------------------------

// Fills `out` with what Support heard from the account, as of `now`:
// tickets ever seen and open now (NEW, OPEN, PENDING, ON_HOLD), tickets,
// complaints, escalations and SLA breaches dated in the 30 days before
// `now` (the newest of each with its ticket, `tickets/{id}`), and the share
// of satisfied ratings (4 or 5 of 5) among tickets rated in the last 90
// days (empty when none was).
absl::Status LoadSupportSignals(mysql::Transaction& tx, const std::string& tenant,
                                const std::string& account_id, absl::Time now, SupportSignals& out);

// Fills `out` with the account's newest NPS response (score, time, name)
// and its newest meeting, call or e-mail at or before `now` (notes do not
// count as engagement).
absl::Status LoadEngagementSignals(mysql::Transaction& tx, const std::string& tenant,
                                   const std::string& account_id, absl::Time now,
                                   EngagementSignals& out);

// Makes the feedback item of Support ticket `ticket_id` (bare id), a
// FEATURE_REQUEST of account `account_id` (empty: of no account, the item
// then has no accounts): source SUPPORT_TICKET, the
// ticket's subject and description, created by "system:support-feed" at
// `time`, with its FeedbackSubmitted event. Does nothing if the ticket
// already has one.
absl::Status InsertTicketFeedback(mysql::Transaction& tx, feed::Outbox& outbox,
                                  const std::string& tenant, const std::string& ticket_id,
                                  const std::string& account_id, const std::string& title,
                                  const std::string& description, absl::Time time);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_ENGAGEMENT_STORE_H_

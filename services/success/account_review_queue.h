// The queue of accounts waiting for a review (re-scoring their health, then
// running the playbooks). Writers queue an account inside the transaction
// of the change that may move its health, so a committed change is always
// followed by a review, and a rolled-back one never is.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEW_QUEUE_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEW_QUEUE_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql/transaction.h"

namespace tandem::success {

// Queues `account_id` of `tenant` for review at `due_time` (now, unless a
// change wants a later look), keeping an earlier due time already queued.
// `reason` says what changed, e.g. "usage" or "support:TicketEscalated";
// the health history records it as the cause.
absl::Status QueueAccountReview(mysql::Transaction& tx, absl::string_view tenant,
                                absl::string_view account_id, absl::string_view reason,
                                absl::Time due_time);

// Queues every account of `account_ids` as QueueAccountReview does, with
// a few multi-row statements instead of one each: for changes that touch
// a whole tenant (a new scorecard, new key features).
absl::Status QueueAccountReviews(mysql::Transaction& tx, absl::string_view tenant,
                                 const std::vector<std::string>& account_ids,
                                 absl::string_view reason, absl::Time due_time);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEW_QUEUE_H_

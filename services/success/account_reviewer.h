// The account review: for each account in the review queue, gathers what
// every part of Success knows about it (AccountSignals), re-scores its
// health, then runs the playbooks on the result, all in one transaction
// that also takes the account off the queue. So a burst of changes to one
// account costs one review, and a review that fails is retried whole.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEWER_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEWER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "services/success/account_signals.h"

namespace tandem::success {

// Drains the review queue; safe to run on every replica at once (each
// queued account is reviewed by whichever replica locks it first).
class AccountReviewer {
 public:
  AccountReviewer(mysql::Pool* pool, feed::Outbox* outbox, const Clock* clock)
      : pool_(pool), outbox_(outbox), clock_(clock) {}

  // Reviews up to `limit` accounts whose review is due; returns how many
  // it reviewed. One account's failure is logged and its review put back
  // by a minute, so it cannot hold up the others. An account another
  // transaction holds is left queued for the next round.
  absl::StatusOr<int> ReviewDue(int limit, absl::Time deadline);

  // Queues every account that has not churned for a review now (the daily
  // pass that catches time-based triggers: renewals coming due, milestones
  // going overdue, usage and engagement ageing). Returns how many.
  absl::StatusOr<int> QueueAll(absl::string_view reason, absl::Time deadline);

  // Runs QueueAll(`pass`) when the pass last ran `every` or longer ago (by
  // the review_passes table, so a restart does not postpone it and one
  // replica runs it); returns how many it queued, 0 when not due.
  absl::StatusOr<int> QueueAllIfDue(const std::string& pass, absl::Duration every,
                                    absl::Time deadline);

 private:
  // Reviews one queued account; returns false when another transaction
  // holds it or it was no longer due.
  absl::StatusOr<bool> ReviewOne(const std::string& tenant, const std::string& account_id,
                                 absl::Time deadline);

  mysql::Pool* pool_;
  feed::Outbox* outbox_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_REVIEWER_H_

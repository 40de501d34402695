#include "services/success/account_review_queue.h"

namespace tandem::success {

absl::Status QueueAccountReview(mysql::Transaction& tx, absl::string_view tenant,
                                absl::string_view account_id, absl::string_view reason,
                                absl::Time due_time) {
  // On a repeat the earlier due time wins, and with it its reason.
  return tx
      ->Execute(
          "INSERT INTO account_reviews (tenant_id, account_id, reason, due_time) "
          "VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "reason = IF(VALUES(due_time) < due_time, VALUES(reason), reason), "
          "due_time = LEAST(due_time, VALUES(due_time))",
          {std::string(tenant), std::string(account_id), std::string(reason.substr(0, 64)),
           due_time})
      .status();
}

}  // namespace tandem::success

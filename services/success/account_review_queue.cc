#include "services/success/account_review_queue.h"

#include "common/mysql/insert_rows.h"

namespace tandem::success {

absl::Status QueueAccountReview(mysql::Transaction& tx, absl::string_view tenant,
                                absl::string_view account_id, absl::string_view reason,
                                absl::Time due_time) {
  return QueueAccountReviews(tx, tenant, {std::string(account_id)}, reason, due_time);
}

absl::Status QueueAccountReviews(mysql::Transaction& tx, absl::string_view tenant,
                                 const std::vector<std::string>& account_ids,
                                 absl::string_view reason, absl::Time due_time) {
  const std::string stored_reason(reason.substr(0, 64));
  std::vector<mysql::Value> params;
  params.reserve(account_ids.size() * 4);
  for (const std::string& account_id : account_ids) {
    params.insert(params.end(), {std::string(tenant), account_id, stored_reason, due_time});
  }
  // On a repeat the earlier due time wins, and with it its reason; so a
  // padding repeat changes nothing.
  return mysql::InsertRows(tx.connection(),
                           "INSERT INTO account_reviews (tenant_id, account_id, reason, due_time)",
                           4, params,
                           " ON DUPLICATE KEY UPDATE "
                           "reason = IF(VALUES(due_time) < due_time, VALUES(reason), reason), "
                           "due_time = LEAST(due_time, VALUES(due_time))",
                           {.pad_to_power_of_two = true});
}

}  // namespace tandem::success

// AccountStore on MySQL/MariaDB: the `accounts` and `stage_changes`
// tables, with outbox events written in the same transaction; and the
// account functions other parts of Success call inside their own
// transactions.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/feed/outbox.h"
#include "common/mysql/connection.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/account_signals.h"
#include "services/success/account_store.h"

namespace tandem::success {

class MysqlAccountStore final : public AccountStore {
 public:
  MysqlAccountStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Account> Create(const std::string& tenant, const v1::Account& account,
                                     const CreateKey& key, const std::string& actor,
                                     absl::Time deadline) override;
  absl::StatusOr<v1::Account> Get(const std::string& tenant, const std::string& id,
                                  absl::Time deadline) override;
  absl::StatusOr<AccountPage> List(const std::string& tenant, const AccountQuery& query,
                                   absl::Time deadline) override;
  absl::StatusOr<v1::Account> Update(const std::string& tenant, const std::string& id,
                                     const AccountUpdateDecision& decide, const std::string& actor,
                                     absl::Time deadline) override;
  absl::Status Delete(const std::string& tenant, const std::string& id, const std::string& etag,
                      const AccountDeleteCheck& check, const std::string& actor, absl::Time now,
                      absl::Time deadline) override;
  absl::StatusOr<StageChangePage> ListStageChanges(const std::string& tenant,
                                                   const std::string& account_id,
                                                   const ListPlan& plan,
                                                   absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// NOT_FOUND "account accounts/{account_id} does not exist": what every
// part answers when a request names an account the tenant does not have.
absl::Status AccountNotFound(absl::string_view account_id);

// Whether the tenant has the account; with `lock`, also share-locks its row
// (LOCK IN SHARE MODE) so it cannot be deleted before the caller commits.
absl::StatusOr<bool> AccountExists(mysql::Connection& db, const std::string& tenant,
                                   const std::string& account_id, bool lock = false);

// OK if the tenant has the account, else AccountNotFound(account_id); `lock`
// as in AccountExists.
absl::Status CheckAccountExists(mysql::Connection& db, const std::string& tenant,
                                const std::string& account_id, bool lock = false);

// Fills `out` with the account's own facts (the review's first section),
// reading inside the caller's transaction without locking. NOT_FOUND if the
// account does not exist.
absl::Status LoadAccountFacts(mysql::Transaction& tx, const std::string& tenant,
                              const std::string& account_id, AccountFacts& out);

// Locks the account's row (SELECT ... FOR UPDATE) inside the caller's
// transaction and returns it whole, etag included. NOT_FOUND if it does not
// exist. For parts that change account columns (revenue: mrr_minor, tier,
// stage, churn; health: health_*, seats_active): lock first, then update.
absl::StatusOr<v1::Account> LockAccount(mysql::Transaction& tx, const std::string& tenant,
                                        const std::string& account_id);

// Records, inside the caller's transaction, that the account moved from
// `from` to `account_after.lifecycle_stage()` (which the caller has
// already written to `accounts`): a `stage_changes` row, a StageChanged
// event carrying `account_after`, and a review of the account. `actor` is
// who moved it (a subject, or e.g. "system:revenue"); `change_time` when
// it took effect (a CHURN's effective time may lie in the past).
//   RETURN_IF_ERROR(RecordStageChange(tx, outbox, tenant, after, v1::Account::ADOPTION,
//                                     "system:revenue", movement.reason(), effective, now));
absl::Status RecordStageChange(mysql::Transaction& tx, feed::Outbox& outbox,
                               const std::string& tenant, const v1::Account& account_after,
                               v1::Account::LifecycleStage from, absl::string_view actor,
                               absl::string_view reason, absl::Time change_time, absl::Time now);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_

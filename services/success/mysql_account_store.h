// AccountStore on MySQL/MariaDB: the `accounts` table, with the outbox
// event written in the same transaction.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_

#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "services/success/account_store.h"

namespace tandem::success {

class MysqlAccountStore final : public AccountStore {
 public:
  MysqlAccountStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Account> Create(const std::string& tenant, const v1::Account& account,
                                     const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Account> Get(const std::string& tenant, const std::string& id,
                                  absl::Time deadline) override;
  absl::StatusOr<AccountPage> List(const std::string& tenant,
                                   const std::vector<AccountCondition>& conditions,
                                   const ListPlan& plan, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_ACCOUNT_STORE_H_

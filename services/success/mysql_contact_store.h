// ContactStore on MySQL/MariaDB: the `contacts` table, with outbox events
// in the same transaction; and the contact reads other parts of Success
// make inside their own transactions.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_CONTACT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_CONTACT_STORE_H_

#include <string>
#include <vector>

#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/contact_store.h"

namespace tandem::success {

class MysqlContactStore final : public ContactStore {
 public:
  MysqlContactStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Contact> Create(const std::string& tenant, const std::string& account_id,
                                     const v1::Contact& contact, const CreateKey& key,
                                     absl::Time deadline) override;
  absl::StatusOr<v1::Contact> Get(const std::string& tenant, const std::string& account_id,
                                  const std::string& id, absl::Time deadline) override;
  absl::StatusOr<ContactPage> List(const std::string& tenant, const std::string& account_id,
                                   const std::vector<ContactCondition>& conditions,
                                   const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::Contact> Update(const std::string& tenant, const std::string& account_id,
                                     const std::string& id, const ContactUpdateDecision& decide,
                                     absl::Time deadline) override;
  absl::Status Delete(const std::string& tenant, const std::string& account_id,
                      const std::string& id, const std::string& etag, absl::Time now,
                      absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// Returns every contact of the account, oldest first, inside the caller's
// transaction (e.g. outreach recipients: those with a role in `roles`, or
// all when `roles` is empty). An unknown account has no contacts.
absl::StatusOr<std::vector<v1::Contact>> LoadAccountContacts(
    mysql::Transaction& tx, const std::string& tenant, const std::string& account_id,
    const std::vector<v1::Contact::Role>& roles = {});

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_CONTACT_STORE_H_

// TicketStore on MySQL/MariaDB: the `tickets` table, with the outbox event
// written in the same transaction.
#ifndef TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_
#define TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_

#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "services/support/ticket_store.h"

namespace tandem::support {

class MysqlTicketStore final : public TicketStore {
 public:
  MysqlTicketStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Ticket> Create(const std::string& tenant, const std::string& actor,
                                    const v1::Ticket& ticket, const CreateKey& key,
                                    absl::Time deadline) override;
  absl::StatusOr<v1::Ticket> Update(const std::string& tenant, const std::string& id,
                                    const TicketUpdateDecision& decide,
                                    absl::Time deadline) override;
  absl::StatusOr<TicketChangePage> ListChanges(const std::string& tenant,
                                               const std::string& ticket_id,
                                               const std::string& after_id, int limit,
                                               absl::Time deadline) override;
  absl::StatusOr<std::optional<v1::Ticket>> FindCreated(const std::string& tenant,
                                                        const CreateKey& key,
                                                        absl::Time deadline) override;
  absl::StatusOr<v1::Ticket> Get(const std::string& tenant, const std::string& id,
                                 absl::Time deadline) override;
  absl::StatusOr<TicketPage> List(const std::string& tenant,
                                  const std::vector<TicketCondition>& conditions,
                                  const ListPlan& plan, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_

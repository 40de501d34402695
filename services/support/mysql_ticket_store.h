// TicketStore on MySQL/MariaDB: the `tickets` table, with the outbox event
// written in the same transaction.
#ifndef TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_
#define TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_

#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "services/support/sla_rule_cache.h"
#include "services/support/ticket_sla.h"
#include "services/support/ticket_store.h"

namespace tandem::support {

class MysqlTicketStore final : public TicketStore {
 public:
  // `rule_cache`, if given, keeps the tenants' SLA rules between writes.
  MysqlTicketStore(mysql::Pool* pool, feed::Outbox* outbox, SlaRuleCache* rule_cache = nullptr)
      : pool_(pool), outbox_(outbox), rule_cache_(rule_cache) {}

  absl::StatusOr<v1::Ticket> Create(const std::string& tenant, const std::string& actor,
                                    const v1::Ticket& ticket, const CreateKey& key,
                                    absl::Time deadline) override;
  absl::StatusOr<v1::Ticket> Update(const std::string& tenant, const std::string& id,
                                    const TicketUpdateDecision& decide,
                                    absl::Time deadline) override;
  absl::StatusOr<v1::Message> AddMessage(const std::string& tenant, const std::string& ticket_id,
                                         const CreateKey& key, const std::string& message_name,
                                         const MessageDecision& decide,
                                         absl::Time deadline) override;
  absl::StatusOr<MessagePage> ListMessages(const std::string& tenant, const std::string& ticket_id,
                                           const std::string& after_id, int limit,
                                           bool public_only, absl::Time deadline) override;
  absl::Status SummarizeAccount(const std::string& tenant, const std::string& account_id,
                                absl::Time now, v1::AccountSupportSummary& summary,
                                absl::Time deadline) override;
  absl::StatusOr<std::vector<std::pair<std::string, v1::Ticket>>> FindPendingAccountChecks(
      int limit, absl::Time deadline) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> FindSolvedBefore(
      absl::Time cutoff, int limit, absl::Time deadline) override;
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> FindSlaDue(
      absl::Time now, int limit, absl::Time deadline) override;
  absl::StatusOr<std::vector<StoredSlaPolicy>> LoadSlaPolicies(const std::string& tenant,
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
  absl::StatusOr<std::pair<v1::Ticket, v1::Ticket>> Merge(const std::string& tenant,
                                                          const std::string& source_id,
                                                          const std::string& target_id,
                                                          const MergeDecision& decide,
                                                          absl::Time deadline) override;
  absl::StatusOr<v1::Ticket> Import(const std::string& tenant, const TicketImport& import,
                                    const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<std::optional<v1::Ticket>> FindImported(const std::string& tenant,
                                                         const CreateKey& key,
                                                         absl::Time deadline) override;
  absl::StatusOr<v1::CustomStatus> CreateCustomStatus(const std::string& tenant,
                                                      const v1::CustomStatus& status,
                                                      const CreateKey& key, int max_per_tenant,
                                                      absl::Time deadline) override;
  absl::StatusOr<v1::CustomStatus> GetCustomStatus(const std::string& tenant,
                                                   const std::string& id,
                                                   absl::Time deadline) override;
  absl::StatusOr<std::vector<v1::CustomStatus>> ListCustomStatuses(const std::string& tenant,
                                                                   bool include_inactive,
                                                                   absl::Time deadline) override;
  absl::StatusOr<v1::CustomStatus> UpdateCustomStatus(const std::string& tenant,
                                                      const std::string& id,
                                                      const CustomStatusDecision& decide,
                                                      absl::Time deadline) override;

 private:
  // Reads a ticket and its row version under a row lock.
  absl::StatusOr<std::pair<v1::Ticket, int64_t>> Lock(mysql::Transaction& tx,
                                                      const std::string& tenant,
                                                      const std::string& id);
  // Writes `update` for a ticket locked at `version`: the row (if
  // `ticket_changed`), the history and the events (at `event_time`).
  absl::Status Apply(mysql::Transaction& tx, const std::string& tenant, const std::string& id,
                     int64_t version, const TicketUpdate& update, bool ticket_changed,
                     absl::Time event_time);
  // Checks a ticket's group and explicit assignee going from `before`
  // (nullptr: a new ticket) to `after`, and auto-assigns it to the
  // least-loaded agent of its group when it enters one without an assignee
  // (if `may_auto_assign`). Returns true if it auto-assigned.
  absl::StatusOr<bool> Route(mysql::Transaction& tx, const std::string& tenant,
                             const v1::Ticket* before, v1::Ticket& after, bool may_auto_assign);
  // Runs what follows every decided change inside its transaction:
  // routing, the SLA (with the tenant's policies), and the events'
  // snapshots. Returns true if either changed the ticket.
  absl::StatusOr<bool> Settle(mysql::Transaction& tx, const std::string& tenant,
                              const v1::Ticket& before, TicketUpdate& update,
                              PostedMessage posted, absl::Time now);
  // Returns the tenant's SLA rules, from the cache when there is one.
  absl::StatusOr<SlaRuleCache::Rules> LoadRules(mysql::Connection& tx, const std::string& tenant);
  // Inserts a ticket row with all its columns, at row version 1.
  absl::Status InsertTicket(mysql::Transaction& tx, const std::string& tenant,
                            const v1::Ticket& ticket);

  mysql::Pool* pool_;
  feed::Outbox* outbox_;
  SlaRuleCache* rule_cache_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_MYSQL_TICKET_STORE_H_

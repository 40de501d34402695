// SlaStore on MySQL/MariaDB: the `sla_calendars` and `sla_policies`
// tables.
#ifndef TANDEM_SERVICES_SUPPORT_MYSQL_SLA_STORE_H_
#define TANDEM_SERVICES_SUPPORT_MYSQL_SLA_STORE_H_

#include "common/mysql/connection.h"
#include "common/mysql/pool.h"
#include "services/support/sla_store.h"

namespace tandem::support {

class MysqlSlaStore final : public SlaStore {
 public:
  explicit MysqlSlaStore(mysql::Pool* pool) : pool_(pool) {}

  // Returns every policy of `tenant` with its calendar, in the order they
  // are tried, on `db`: inside the caller's open transaction (e.g. the
  // ticket store's, so a ticket matches its policy in the transaction that
  // writes it). One query; takes no locks.
  static absl::StatusOr<std::vector<StoredSlaPolicy>> LoadPolicies(mysql::Connection& db,
                                                                   const std::string& tenant);

  absl::StatusOr<v1::BusinessCalendar> CreateCalendar(const std::string& tenant,
                                                      const v1::BusinessCalendar& calendar,
                                                      const CreateKey& key,
                                                      absl::Time deadline) override;
  absl::StatusOr<v1::BusinessCalendar> GetCalendar(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) override;
  absl::StatusOr<CalendarPage> ListCalendars(const std::string& tenant,
                                             const std::vector<CalendarCondition>& conditions,
                                             const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::BusinessCalendar> UpdateCalendar(const std::string& tenant,
                                                      const std::string& id,
                                                      const CalendarUpdateDecision& decide,
                                                      absl::Time deadline) override;
  absl::Status DeleteCalendar(const std::string& tenant, const std::string& id,
                              const std::string& etag, absl::Time deadline) override;
  absl::StatusOr<v1::SlaPolicy> CreatePolicy(const std::string& tenant, const v1::SlaPolicy& policy,
                                             const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::SlaPolicy> GetPolicy(const std::string& tenant, const std::string& id,
                                          absl::Time deadline) override;
  absl::StatusOr<PolicyPage> ListPolicies(const std::string& tenant,
                                          const std::optional<PolicyCalendarCondition>& calendar,
                                          const std::optional<PolicyPosition>& after, int limit,
                                          absl::Time deadline) override;
  absl::StatusOr<v1::SlaPolicy> UpdatePolicy(const std::string& tenant, const std::string& id,
                                             const PolicyUpdateDecision& decide,
                                             absl::Time deadline) override;
  absl::Status DeletePolicy(const std::string& tenant, const std::string& id,
                            const std::string& etag, absl::Time deadline) override;
  absl::StatusOr<std::vector<StoredSlaPolicy>> LoadPolicies(const std::string& tenant,
                                                            absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_MYSQL_SLA_STORE_H_

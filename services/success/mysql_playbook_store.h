// PlaybookStore on MySQL/MariaDB (tables `playbooks`, `playbook_tenants`,
// `playbook_firings`, `ctas`, `enrolments`, `outreach_messages`; see
// migrations/0051_playbooks.sql), and RunPlaybooks, the playbook step of
// the account review, which runs inside the reviewer's transaction.
#ifndef TANDEM_SERVICES_SUCCESS_MYSQL_PLAYBOOK_STORE_H_
#define TANDEM_SERVICES_SUCCESS_MYSQL_PLAYBOOK_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/mysql/transaction.h"
#include "services/success/account_signals.h"
#include "services/success/playbook_store.h"

namespace tandem::success {

class MysqlPlaybookStore final : public PlaybookStore {
 public:
  MysqlPlaybookStore(mysql::Pool* pool, feed::Outbox* outbox) : pool_(pool), outbox_(outbox) {}

  absl::StatusOr<v1::Playbook> CreatePlaybook(const std::string& tenant,
                                              const v1::Playbook& playbook, const CreateKey& key,
                                              absl::Time deadline) override;
  absl::StatusOr<v1::Playbook> GetPlaybook(const std::string& tenant, const std::string& id,
                                           absl::Time deadline) override;
  absl::StatusOr<PlaybookPage<v1::Playbook>> ListPlaybooks(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time now, absl::Time deadline) override;
  absl::StatusOr<v1::Playbook> UpdatePlaybook(const std::string& tenant, const std::string& id,
                                              const PlaybookUpdateDecision& decide,
                                              absl::Time deadline) override;
  absl::Status DeletePlaybook(const std::string& tenant, const std::string& id,
                              const std::string& etag, absl::Time now,
                              absl::Time deadline) override;
  absl::StatusOr<v1::Cta> CreateCta(const std::string& tenant, const v1::Cta& cta,
                                    const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Cta> GetCta(const std::string& tenant, const std::string& id,
                                 absl::Time deadline) override;
  absl::StatusOr<PlaybookPage<v1::Cta>> ListCtas(const std::string& tenant,
                                                 const std::vector<PlaybookCondition>& conditions,
                                                 const ListPlan& plan, absl::Time now,
                                                 absl::Time deadline) override;
  absl::StatusOr<v1::Cta> UpdateCta(const std::string& tenant, const std::string& id,
                                    const CtaUpdateDecision& decide, absl::Time now,
                                    absl::Time deadline) override;
  absl::StatusOr<PlaybookPage<v1::Enrolment>> ListEnrolments(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<PlaybookPage<v1::OutreachMessage>> ListOutreachMessages(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
  feed::Outbox* outbox_;
};

// Runs the tenant's playbooks for the account of `signals` after its health
// review `health`, inside the caller's transaction (the account review's),
// as of `signals.as_of`. Gives the tenant the built-in playbooks first if it
// never had any. Each firing whose (playbook, occurrence) has not fired
// before for the account is recorded and acted on for the account's tier:
//  - HIGH_TOUCH: opens a CTA for the account's owner (CtaOpened), or, when
//    the account already has an open CTA of that type, adds the reason to
//    it (CtaUpdated, raising priority / pulling the due time earlier);
//  - LOW_TOUCH: enrols the account in the program (AccountEnrolled), once
//    per program;
//  - TECH_TOUCH: queues an outreach message to the account's contacts
//    (OutreachRequested).
// NOT_FOUND if the account does not exist.
absl::Status RunPlaybooks(mysql::Transaction& tx, feed::Outbox& outbox,
                          const AccountSignals& signals, const HealthChange& health);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_MYSQL_PLAYBOOK_STORE_H_

// tandem-support: wires Support's parts together and serves them.
#include <iostream>

#include "common/service_process.h"
#include "common/periodic.h"
#include "common/server.h"
#include "common_migrations.h"
#include "services/support/account_directory.h"
#include "services/support/agent_manager.h"
#include "services/support/agent_service.h"
#include "services/support/knowledge_base_manager.h"
#include "services/support/knowledge_base_service.h"
#include "services/support/mysql_article_store.h"
#include "services/support/mysql_agent_store.h"
#include "services/support/mysql_sla_store.h"
#include "services/support/mysql_ticket_store.h"
#include "services/support/sla_manager.h"
#include "services/support/sla_service.h"
#include "services/support/support_service.h"
#include "services/support/ticket_manager.h"
#include "support_migrations.h"

int main(int argc, char** argv) {
  using namespace tandem;
  BlockTerminationSignals();
  ServiceProcess process("support", 50051, 9461);
  process.flags().AddString("success-address", "127.0.0.1:50052",
                            "Success service address, host:port.");
  process.flags().AddDuration("success-timeout", absl::Milliseconds(800),
                              "Longest wait for Success when checking a ticket's account.");
  process.flags().AddDuration("auto-close-after", absl::Hours(4 * 24),
                              "How long a SOLVED ticket stays solved before it closes.");
  process.flags().AddDuration("account-recheck-interval", absl::Seconds(30),
                              "How often tickets whose account Success could not confirm are "
                              "checked again.");
  process.flags().AddDuration("auto-close-interval", absl::Minutes(1),
                              "How often the auto-close sweeper looks for due tickets.");
  process.flags().AddDuration("sla-sweep-interval", absl::Seconds(30),
                              "How often the SLA sweeper marks targets past their due time.");
  process.flags().AddDuration("sla-at-risk-window", absl::Hours(1),
                              "How close to its due time an SLA target counts as at risk.");
  process.flags().AddDuration("sla-rule-cache-ttl", absl::Seconds(5),
                              "How long a tenant's compiled SLA policies are reused by ticket "
                              "writes (this server's own policy changes apply at once).");
  if (auto exit_code = process.Init(argc, argv, {CommonMigrations(), SupportMigrations()})) {
    return *exit_code;
  }
  auto success_channel = process.PeerChannel("success-address");
  if (!success_channel.ok()) {
    std::cerr << "tandem-support: " << success_channel.status().message() << "\n";
    return 2;
  }
  support::GrpcAccountDirectory accounts(success::v1::SuccessService::NewStub(*success_channel),
                                         &process.service_tokens(),
                                         process.flags().GetDuration("success-timeout"));
  support::SlaRuleCache sla_rules(&process.clock(),
                                  process.flags().GetDuration("sla-rule-cache-ttl"));
  support::MysqlTicketStore tickets(&process.pool(), &process.outbox(), &sla_rules);
  support::TicketManager manager(&tickets, &accounts, &process.page_tokens(), &process.clock(),
                                 process.flags().GetDuration("sla-at-risk-window"));
  support::SupportServiceImpl service(&process.auth(), &manager);
  support::MysqlAgentStore agent_store(&process.pool());
  support::AgentManager agents(&agent_store, &process.page_tokens(), &process.clock());
  support::AgentServiceImpl agent_service(&process.auth(), &agents);
  support::MysqlArticleStore article_store(&process.pool(), &process.outbox());
  support::KnowledgeBaseManager knowledge_base(&article_store, &process.page_tokens(),
                                               &process.clock());
  support::KnowledgeBaseServiceImpl knowledge_base_service(&process.auth(), &knowledge_base);
  support::MysqlSlaStore sla_store(&process.pool());
  support::SlaManager sla(&sla_store, &process.page_tokens(), &process.clock(),
                          [&sla_rules](const std::string& tenant) { sla_rules.Invalidate(tenant); });
  support::SlaServiceImpl sla_service(&process.auth(), &sla);
  const absl::Duration auto_close_after = process.flags().GetDuration("auto-close-after");
  PeriodicTask auto_close("auto-close", process.flags().GetDuration("auto-close-interval"), [&] {
    constexpr int kBatch = 200;
    absl::StatusOr<int> closed;
    do {  // drain whole batches, then wait for the next round
      closed = manager.CloseSolvedTickets(auto_close_after, kBatch, absl::Now() + absl::Minutes(1));
    } while (closed.ok() && *closed == kBatch);
    return closed.status();
  });
  auto_close.Start();
  // Tickets taken while Success was unreachable get their account checked
  // again once it answers.
  PeriodicTask account_recheck(
      "account-recheck", process.flags().GetDuration("account-recheck-interval"), [&] {
        return manager.RecheckPendingAccounts(100, absl::Now() + absl::Seconds(30)).status();
      });
  account_recheck.Start();
  // Marks breaches of tickets nobody touches (a change marks its own).
  PeriodicTask sla_sweep("sla-sweep", process.flags().GetDuration("sla-sweep-interval"), [&] {
    constexpr int kBatch = 200;
    absl::StatusOr<int> marked;
    do {
      marked = manager.SweepSlaBreaches(kBatch, absl::Now() + absl::Minutes(1));
    } while (marked.ok() && *marked == kBatch);
    return marked.status();
  });
  sla_sweep.Start();
  process.OnShutdown([&auto_close, &account_recheck, &sla_sweep] {
    auto_close.Stop();
    account_recheck.Stop();
    sla_sweep.Stop();
  });
  return process.Serve({&service, &agent_service, &knowledge_base_service, &sla_service});
}

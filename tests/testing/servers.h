// Success and Support as in-process gRPC servers on free ports, each over
// a database of its own, for integration tests that call them through the
// generated stubs.
#ifndef TANDEM_TESTS_TESTING_SERVERS_H_
#define TANDEM_TESTS_TESTING_SERVERS_H_

#include <memory>
#include <string>

#include "common/auth.h"
#include "common/clock.h"
#include "common/feed/outbox.h"
#include "common/pagination.h"
#include "common/peer.h"
#include "common/server.h"
#include "common_migrations.h"
#include "services/success/account_manager.h"
#include "services/success/engagement_manager.h"
#include "services/success/engagement_service.h"
#include "services/success/mysql_engagement_store.h"
#include "services/success/support_signal_applier.h"
#include "services/success/contact_manager.h"
#include "services/success/mysql_account_store.h"
#include "services/success/mysql_contact_store.h"
#include "services/success/mysql_playbook_store.h"
#include "services/success/playbook_manager.h"
#include "services/success/playbook_service.h"
#include "services/success/mysql_revenue_store.h"
#include "services/success/revenue_manager.h"
#include "services/success/revenue_service.h"
#include "services/success/success_service.h"
#include "services/success/health_manager.h"
#include "services/success/health_service.h"
#include "services/success/lifecycle_service.h"
#include "services/success/mysql_lifecycle_store.h"
#include "services/success/mysql_health_store.h"
#include "services/success/mysql_usage_store.h"
#include "services/success/usage_manager.h"
#include "services/success/usage_service.h"
#include "services/support/account_directory.h"
#include "services/support/agent_manager.h"
#include "services/support/agent_service.h"
#include "services/support/mysql_agent_store.h"
#include "services/support/mysql_sla_store.h"
#include "services/support/sla_manager.h"
#include "services/support/sla_service.h"
#include "services/support/mysql_ticket_store.h"
#include "services/support/support_service.h"
#include "success_migrations.h"
#include "support_migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem::testing {

// Success: its database, store, logic, adapter and server.
struct SuccessServer {
  SuccessServer() : outbox(&database.pool()), store(&database.pool(), &outbox),
                    manager(&store, &codec, &SystemClock::Get()),
                    contact_store(&database.pool(), &outbox),
                    contacts(&contact_store, &codec, &SystemClock::Get()),
                    service(auth.get(), &manager, &contacts) {
    database.Migrate({CommonMigrations(), SuccessMigrations()});
    runner.AddService(&service);
    runner.AddService(&usage_service);
    runner.AddService(&health_service);
    runner.AddService(&lifecycle_service);
    runner.AddService(&revenue_service);
    runner.AddService(&playbook_service);
    runner.AddService(&engagement_service);
    EXPECT_OK(runner.Start());
  }
  TestDatabase database{"svc_success"};
  std::unique_ptr<Authenticator> auth = TestAuthenticator();
  PageTokenCodec codec{kTestPageTokenKey};
  feed::Outbox outbox;
  success::MysqlAccountStore store;
  success::AccountManager manager;
  success::MysqlContactStore contact_store;
  success::ContactManager contacts;
  success::SuccessServiceImpl service;
  success::MysqlPlaybookStore playbook_store{&database.pool(), &outbox};
  success::PlaybookManager playbooks{&playbook_store, &codec, &SystemClock::Get()};
  success::PlaybookServiceImpl playbook_service{auth.get(), &playbooks};
  success::MysqlRevenueStore revenue_store{&database.pool(), &outbox};
  success::RevenueManager revenue{&revenue_store, &codec, &SystemClock::Get()};
  success::RevenueServiceImpl revenue_service{auth.get(), &revenue};
  success::MysqlEngagementStore engagement_store{&database.pool(), &outbox};
  success::EngagementManager engagement{&engagement_store, &codec, &SystemClock::Get()};
  success::EngagementServiceImpl engagement_service{auth.get(), &engagement};
  // Applies Support's events; a test drives a feed::FeedConsumer with it.
  success::SupportSignalApplier support_applier{&outbox, &SystemClock::Get()};
  success::MysqlUsageStore usage_store{&database.pool(), &outbox};
  success::UsageManager usage{&usage_store, &codec, &SystemClock::Get()};
  success::UsageServiceImpl usage_service{auth.get(), &usage};
  success::MysqlHealthStore health_store{&database.pool()};
  success::HealthManager health{&health_store, &codec, &SystemClock::Get()};
  success::HealthServiceImpl health_service{auth.get(), &health};
  success::MysqlLifecycleStore lifecycle_store{&database.pool(), &outbox};
  success::OnboardingManager onboarding{&lifecycle_store, &codec, &SystemClock::Get()};
  success::SuccessPlanManager success_plans{&lifecycle_store, &codec, &SystemClock::Get()};
  success::RenewalManager renewals{&lifecycle_store, &codec, &SystemClock::Get()};
  success::LifecycleServiceImpl lifecycle_service{auth.get(), &onboarding, &success_plans,
                                                  &renewals};
  ServerRunner runner{ServerOptions{.name = "success"}};
};

// Support, calling the given Success address.
struct SupportServer {
  explicit SupportServer(const std::string& success_address)
      : outbox(&database.pool()),
        rule_cache(&SystemClock::Get(), absl::Seconds(5)),
        store(&database.pool(), &outbox, &rule_cache),
        signer(std::move(*TokenSigner::Create(TestJwtSettings()))),
        tokens(signer.get(), "support", &SystemClock::Get()),
        directory(success::v1::SuccessService::NewStub(*MakePeerChannel(success_address, {})), &tokens,
                  absl::Milliseconds(500)),
        manager(&store, &directory, &codec, &SystemClock::Get()),
        service(auth.get(), &manager),
        agent_store(&database.pool()),
        agents(&agent_store, &codec, &SystemClock::Get()),
        agent_service(auth.get(), &agents),
        sla_store(&database.pool()),
        sla(&sla_store, &codec, &SystemClock::Get(),
            [this](const std::string& tenant) { rule_cache.Invalidate(tenant); }),
        sla_service(auth.get(), &sla) {
    database.Migrate({CommonMigrations(), SupportMigrations()});
    runner.AddService(&service);
    runner.AddService(&agent_service);
    runner.AddService(&sla_service);
    EXPECT_OK(runner.Start());
  }
  TestDatabase database{"svc_support"};
  std::unique_ptr<Authenticator> auth = TestAuthenticator();
  PageTokenCodec codec{kTestPageTokenKey};
  feed::Outbox outbox;
  support::SlaRuleCache rule_cache;
  support::MysqlTicketStore store;
  std::unique_ptr<TokenSigner> signer;
  ServiceTokens tokens;
  support::GrpcAccountDirectory directory;
  support::TicketManager manager;
  support::SupportServiceImpl service;
  support::MysqlAgentStore agent_store;
  support::AgentManager agents;
  support::AgentServiceImpl agent_service;
  support::MysqlSlaStore sla_store;
  support::SlaManager sla;
  support::SlaServiceImpl sla_service;
  ServerRunner runner{ServerOptions{.name = "support"}};
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_SERVERS_H_

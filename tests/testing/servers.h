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
#include "services/success/mysql_account_store.h"
#include "services/success/success_service.h"
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
                    manager(&store, &codec, &SystemClock::Get()), service(auth.get(), &manager) {
    database.Migrate({CommonMigrations(), SuccessMigrations()});
    runner.AddService(&service);
    EXPECT_OK(runner.Start());
  }
  TestDatabase database{"svc_success"};
  std::unique_ptr<Authenticator> auth = TestAuthenticator();
  PageTokenCodec codec{kTestPageTokenKey};
  feed::Outbox outbox;
  success::MysqlAccountStore store;
  success::AccountManager manager;
  success::SuccessServiceImpl service;
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

// The three real server binaries, started as processes on free ports with
// their own databases and users, called through the C++ stubs, gRPC health
// and reflection, /metrics, and the Node.js client.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/mysql/connection.h"
#include "common/proto_time.h"
#include "common/server.h"
#include "common/status.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"
#include "tandem/success/v1/revenue.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/support/v1/support_service.grpc.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

using ::tandem::testing::Authorize;
using ::tandem::testing::ChildProcess;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;
using ::testing::Contains;
using ::testing::HasSubstr;
namespace sv1 = ::tandem::support::v1;
namespace cv1 = ::tandem::success::v1;
namespace mv1 = ::tandem::metrics::v1;
using HealthResponse = ::grpc::health::v1::HealthCheckResponse;

constexpr absl::Duration kStartTimeout = absl::Seconds(60);

// One running server binary.
struct Server {
  ChildProcess process;
  int grpc_port = 0;
  int metrics_port = 0;
  std::string address() const { return absl::StrCat("127.0.0.1:", grpc_port); }
};

// Starts `binary` (e.g. "support") with `flags` on gRPC port `port` (0: any
// free one); fails the test if it does not become ready.
absl::StatusOr<Server> StartServer(const std::string& name, const std::string& dir,
                                   const std::string& db_url, std::vector<std::string> flags,
                                   int port = 0) {
  const std::string ready = absl::StrCat(dir, "/", name, ".ready");
  std::filesystem::remove(ready);
  std::vector<std::string> argv = {
      absl::StrCat(testing::BuildDir(), "/services/", name, "/tandem-", name),
      absl::StrCat("--listen=127.0.0.1:", port), "--metrics-listen=127.0.0.1:0",
      "--ready-file=" + ready, "--drain-timeout=5s"};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::map<std::string, std::string> env = {{"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
                                            {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey},
                                            {absl::StrCat("TANDEM_",
                                                          name == "support"   ? "SUPPORT"
                                                          : name == "success" ? "SUCCESS"
                                                                              : "METRICS",
                                                          "_DB_DSN"),
                                             db_url}};
  ASSIGN_OR_RETURN(ChildProcess process,
                   ChildProcess::Start(argv, env, absl::StrCat(dir, "/", name, ".log")));
  ASSIGN_OR_RETURN(auto ports, testing::WaitForReadyFile(ready, process, kStartTimeout));
  return Server{std::move(process), ports.first, ports.second};
}

std::shared_ptr<grpc::Channel> ChannelTo(const Server& server) {
  return grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
}

// Returns the server's health for `name` ("" is the overall health), or
// UNKNOWN if it does not answer.
HealthResponse::ServingStatus Health(const std::string& address, const std::string& name = "") {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(name);
  HealthResponse response;
  if (!stub->Check(&context, request, &response).ok()) return HealthResponse::UNKNOWN;
  return response.status();
}

// Waits (bounded) until the server's health is `wanted`.
bool AwaitHealth(const std::string& address, HealthResponse::ServingStatus wanted,
                 absl::Duration timeout) {
  const absl::Time give_up = absl::Now() + timeout;
  while (absl::Now() < give_up) {
    if (Health(address) == wanted) return true;
    absl::SleepFor(absl::Milliseconds(100));
  }
  return false;
}

class SystemTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tandem-e2e");
    // Success reads no feed here (SuccessScenarioTest wires it to Support).
    ASSERT_OK_AND_ASSIGN(success_,
                         StartServer("success", dir_, success_db_.url(), {"--support-address="}));
    ASSERT_OK_AND_ASSIGN(support_, StartServer("support", dir_, support_db_.url(),
                                               {"--success-address=" + success_.address()}));
    ASSERT_OK_AND_ASSIGN(metrics_, StartServer("metrics", dir_, metrics_db_.url(),
                                               {"--support-address=" + support_.address(),
                                                "--success-address=" + success_.address(),
                                                "--poll-interval=100ms"}));
    tickets_ = sv1::SupportService::NewStub(ChannelTo(support_));
    accounts_ = cv1::SuccessService::NewStub(ChannelTo(success_));
  }

  void TearDown() override {
    for (Server* server : {&metrics_, &support_, &success_}) server->process.Signal(SIGTERM);
    for (Server* server : {&metrics_, &support_, &success_}) {
      absl::StatusOr<int> code = server->process.Wait(absl::Seconds(20));
      EXPECT_THAT(code, testing::IsOkAndHolds(0)) << testing::TailOf(server->process.log_file());
    }
    if (!HasFailure() && std::getenv("TANDEM_KEEP_TEST_DIRS") == nullptr) {
      std::filesystem::remove_all(dir_);
    }
  }

  cv1::Account CreateAccount(const std::string& tenant, cv1::TouchTier tier) {
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    cv1::CreateAccountRequest request;
    request.mutable_account()->set_display_name("Initech");
    request.mutable_account()->set_touch_tier(tier);
    cv1::Account account;
    grpc::Status status = accounts_->CreateAccount(&context, request, &account);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return account;
  }

  grpc::Status CreateTicket(const std::string& subject, const std::string& account,
                            sv1::Ticket* ticket) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject(subject);
    request.mutable_ticket()->set_account(account);
    return tickets_->CreateTicket(&context, request, ticket);
  }

  std::string dir_;
  TestDatabase success_db_{"e2e_success"};
  TestDatabase support_db_{"e2e_support"};
  TestDatabase metrics_db_{"e2e_metrics"};
  Server success_, support_, metrics_;
  std::unique_ptr<sv1::SupportService::Stub> tickets_;
  std::unique_ptr<cv1::SuccessService::Stub> accounts_;
};

// Each server answers health SERVING (overall and for the names Kubernetes
// probes use; an unknown name is UNKNOWN), lists its services by reflection,
// and counts RPCs per method at /metrics.
TEST_F(SystemTest, ServersServeHealthReflectionAndMetrics) {
  for (const Server* server : {&success_, &support_, &metrics_}) {
    EXPECT_EQ(Health(server->address()), HealthResponse::SERVING);
    EXPECT_EQ(Health(server->address(), kLivenessHealthName), HealthResponse::SERVING);
    EXPECT_EQ(Health(server->address(), kReadinessHealthName), HealthResponse::SERVING);
    EXPECT_EQ(Health(server->address(), "no-such-name"), HealthResponse::UNKNOWN);
  }
  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(ChannelTo(support_));
  grpc::ClientContext context;
  auto stream = reflection->ServerReflectionInfo(&context);
  grpc::reflection::v1alpha::ServerReflectionRequest request;
  request.set_list_services("*");
  ASSERT_TRUE(stream->Write(request));
  grpc::reflection::v1alpha::ServerReflectionResponse response;
  ASSERT_TRUE(stream->Read(&response));
  std::vector<std::string> services;
  for (const auto& service : response.list_services_response().service()) {
    services.push_back(service.name());
  }
  stream->WritesDone();
  EXPECT_TRUE(stream->Finish().ok());
  EXPECT_THAT(services, Contains("tandem.support.v1.SupportService"));
  EXPECT_THAT(services, Contains("tandem.common.v1.EventFeed"));
  EXPECT_THAT(services, Contains("grpc.health.v1.Health"));

  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket("Counted", "", &ticket).ok());
  ASSERT_OK_AND_ASSIGN(std::string page, testing::HttpGet(support_.metrics_port, "/metrics"));
  EXPECT_THAT(page, HasSubstr("tandem_grpc_server_handled_total{"));
  EXPECT_THAT(page, HasSubstr("grpc_method=\"CreateTicket\""));
  EXPECT_THAT(page, HasSubstr("tandem_grpc_server_handling_seconds_bucket{"));
  EXPECT_THAT(page, HasSubstr("tandem_db_pool_connections{"));
}

// An account and a ticket for it flow through all three services: the
// ticket gets the tier, and Metrics consumes both feeds to the head.
TEST_F(SystemTest, AccountAndTicketFlowIntoMetrics) {
  cv1::Account account = CreateAccount("acme", cv1::HIGH_TOUCH);
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket("Cannot log in", account.name(), &ticket).ok());
  EXPECT_EQ(ticket.account_tier(), cv1::HIGH_TOUCH);
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::VERIFIED);

  auto metrics = mv1::MetricsService::NewStub(ChannelTo(metrics_));
  const absl::Time give_up = absl::Now() + absl::Seconds(20);
  mv1::Freshness freshness;
  bool caught_up = false;
  while (!caught_up && absl::Now() < give_up) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"viewer"}));
    ASSERT_TRUE(metrics->GetFreshness(&context, {}, &freshness).ok());
    caught_up = freshness.feeds_size() == 2;
    for (const auto& feed : freshness.feeds()) {
      caught_up = caught_up && feed.cursor() >= 1 && feed.lag_events() == 0;
    }
    if (!caught_up) absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_TRUE(caught_up) << freshness.DebugString();
  EXPECT_EQ(freshness.feeds(0).feed(), "support");
  EXPECT_EQ(freshness.feeds(1).feed(), "success");
}

// Support keeps taking tickets while Success is stopped.
TEST_F(SystemTest, SupportCreatesTicketsWhileSuccessIsStopped) {
  cv1::Account account = CreateAccount("acme", cv1::LOW_TOUCH);
  success_.process.Signal(SIGTERM);
  ASSERT_THAT(success_.process.Wait(absl::Seconds(20)), testing::IsOkAndHolds(0));
  sv1::Ticket ticket;
  grpc::Status status = CreateTicket("Success is down", account.name(), &ticket);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::PENDING_VERIFICATION);
}

// SIGTERM turns health off, ends long-lived streams, drains and exits 0.
TEST_F(SystemTest, SigtermDrainsAndExitsZero) {
  auto feed = tandem::common::v1::EventFeed::NewStub(ChannelTo(support_));
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"admin"}), absl::Seconds(30));
  auto stream = feed->WatchEvents(&context, {});
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket("Streamed", "", &ticket).ok());
  tandem::common::v1::Event event;
  ASSERT_TRUE(stream->Read(&event));
  EXPECT_EQ(event.type(), "TicketCreated");

  const absl::Time start = absl::Now();
  support_.process.Signal(SIGTERM);
  while (stream->Read(&event)) {
  }
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(support_.process.Wait(absl::Seconds(15)), testing::IsOkAndHolds(0));
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
  EXPECT_THAT(testing::TailOf(support_.process.log_file()), HasSubstr("\"msg\":\"stopped\""));
}

// The Node.js client (tests/e2e/node) walks the API through @grpc/grpc-js,
// and lives a whole ticket's life.
TEST_F(SystemTest, NodeClientWalkthrough) {
  const char* node_modules = std::getenv("TANDEM_TEST_NODE_MODULES");
  ASSERT_NE(node_modules, nullptr) << "TANDEM_TEST_NODE_MODULES is not set: run ./tests/run.sh";
  const char* node_env = std::getenv("TANDEM_TEST_NODE");
  const std::string node = node_env != nullptr ? node_env : "/usr/bin/node";
  const std::string log = dir_ + "/node.log";
  ASSERT_OK_AND_ASSIGN(
      ChildProcess client,
      ChildProcess::Start(
          {node, "--test", testing::SourceDir() + "/tests/e2e/node/walkthrough.test.mjs",
           testing::SourceDir() + "/tests/e2e/node/ticket_life.test.mjs"},
          {{"NODE_PATH", node_modules},
           {"TANDEM_SUPPORT_ADDRESS", support_.address()},
           {"TANDEM_SUCCESS_ADDRESS", success_.address()},
           {"TANDEM_METRICS_ADDRESS", metrics_.address()},
           {"TANDEM_TOKEN", TestToken("node-a", {"admin"})},
           {"TANDEM_TOKEN_OTHER_TENANT", TestToken("node-b", {"admin"})},
           {"TANDEM_TOKEN_VIEWER", TestToken("node-a", {"viewer"})},
           {"TANDEM_PROTO_PATH", testing::SourceDir() + "/protos"},
           {"TANDEM_GOOGLEAPIS_PROTO_PATH", GOOGLEAPIS_PROTO_DIR}},
          log));
  absl::StatusOr<int> code = client.Wait(absl::Seconds(120));
  EXPECT_THAT(code, testing::IsOkAndHolds(0)) << testing::TailOf(log);
}

// tandemctl, the people's CLI, mints a token and works the API.
TEST_F(SystemTest, CliCreatesAndListsTickets) {
  const std::string ctl = testing::BuildDir() + "/tools/tandemctl/tandemctl";
  const std::string out = dir_ + "/ctl.out";
  auto run = [&](std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), ctl);
    std::filesystem::remove(out);
    auto child = ChildProcess::Start(args, env, out);
    if (!child.ok()) return -1;
    auto code = child->Wait(absl::Seconds(30));
    return code.ok() ? *code : -1;
  };
  ASSERT_EQ(run({"token", "--tenant", "cli", "--role", "admin"},
                {{"TANDEM_JWT_SECRET", testing::kTestJwtSecret}}),
            0)
      << testing::TailOf(out);
  std::string token = testing::TailOf(out);
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  const std::map<std::string, std::string> env = {{"TANDEM_TOKEN", token},
                                                  {"TANDEM_SUPPORT_ADDRESS", support_.address()},
                                                  {"TANDEM_SUCCESS_ADDRESS", success_.address()},
                                                  {"TANDEM_METRICS_ADDRESS", metrics_.address()}};
  ASSERT_EQ(
      run({"--json", "tickets", "create", "--subject", "From the CLI", "--priority", "URGENT"},
          env),
      0)
      << testing::TailOf(out);
  const std::string created = testing::TailOf(out);
  const size_t at = created.find("tickets/");
  ASSERT_NE(at, std::string::npos) << created;
  const std::string name = created.substr(at, std::string("tickets/").size() + 26);
  ASSERT_EQ(run({"tickets", "reply", name, "--body", "On it"}, env), 0) << testing::TailOf(out);
  ASSERT_EQ(run({"tickets", "update", name, "--status", "SOLVED"}, env), 0) << testing::TailOf(out);
  ASSERT_EQ(run({"tickets", "history", name}, env), 0);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("SOLVED"));
  ASSERT_EQ(run({"tickets", "messages", name}, env), 0);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("On it"));
  EXPECT_EQ(run({"tickets", "update", name, "--status", "NEW"}, env), 1);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("FAILED_PRECONDITION"));
  ASSERT_EQ(run({"--json", "tickets", "list", "--filter", "priority = URGENT"}, env), 0);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("From the CLI"));
  EXPECT_EQ(run({"tickets", "create", "--subject", ""}, env), 1);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("ticket.subject"));
  ASSERT_EQ(run({"tickets", "rate", name, "--score", "4", "--comment", "quick"}, env), 0)
      << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("quick"));

  // Two more tickets: one is escalated, labelled, then merged into the other.
  auto create = [&](const std::string& subject) {
    EXPECT_EQ(run({"--json", "tickets", "create", "--subject", subject}, env), 0);
    const std::string json = testing::TailOf(out);
    const size_t found = json.find("tickets/");
    return found == std::string::npos ? std::string()
                                      : json.substr(found, std::string("tickets/").size() + 26);
  };
  const std::string keep = create("VPN down");
  const std::string dup = create("VPN down again");
  ASSERT_EQ(run({"tickets", "escalate", dup, "--reason", "Network team"}, env), 0)
      << testing::TailOf(out);
  ASSERT_EQ(
      run({"--json", "statuses", "create", "--category", "ON_HOLD", "--label", "Waiting for ISP"},
          env),
      0)
      << testing::TailOf(out);
  const std::string label_json = testing::TailOf(out);
  const size_t label_at = label_json.find("customStatuses/");
  ASSERT_NE(label_at, std::string::npos) << label_json;
  const std::string label = label_json.substr(label_at, std::string("customStatuses/").size() + 26);
  ASSERT_EQ(run({"tickets", "update", dup, "--custom-status", label}, env), 0)
      << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("ON_HOLD"));
  ASSERT_EQ(run({"statuses", "list"}, env), 0);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("Waiting for ISP"));
  ASSERT_EQ(run({"tickets", "sla", keep}, env), 0) << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr(keep));
  ASSERT_EQ(run({"tickets", "merge", dup, "--into", keep}, env), 0) << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("CLOSED"));

  // An import from a JSON file, twice: one ticket.
  const std::string file = dir_ + "/import.json";
  std::ofstream(file) << R"({"external_id": "freshdesk:9", "ticket": {"subject": "Old one",
      "create_time": "2026-01-05T09:00:00Z"}, "messages": [{"author_type": "AGENT",
      "body": "Hello", "create_time": "2026-01-05T09:30:00Z"}], "status_changes": [
      {"status": "SOLVED", "change_time": "2026-01-05T10:00:00Z"}]})";
  ASSERT_EQ(run({"--json", "tickets", "import", file}, env), 0) << testing::TailOf(out);
  const std::string imported = testing::TailOf(out);
  EXPECT_THAT(imported, HasSubstr("2026-01-05T09:30:00Z"));  // first response, original time
  ASSERT_EQ(run({"--json", "tickets", "import", file}, env), 0) << testing::TailOf(out);
  EXPECT_EQ(testing::TailOf(out), imported);
  EXPECT_EQ(run({"tickets", "import", dir_ + "/missing.json"}, env), 2);
  EXPECT_EQ(run({"health"}, env), 0) << testing::TailOf(out);
}

// Support and Success wired both ways as a team runs them: Success reads
// Support's event feed and reviews accounts, Support asks Success for
// accounts. Success listens on a port picked before Support starts, so each
// can be told the other's address; the feed poll, account review and SLA
// sweep run at fractions of a second so a scenario settles in seconds.
class SuccessScenarioTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tandem-success-e2e");
    success_port_ = testing::PickFreePort();
    ASSERT_OK_AND_ASSIGN(support_,
                         StartServer("support", dir_, support_db_.url(),
                                     {absl::StrCat("--success-address=127.0.0.1:", success_port_),
                                      "--sla-sweep-interval=500ms"}));
    ASSERT_OK(StartSuccess());
  }

  void TearDown() override {
    for (Server* server : {&success_, &support_}) server->process.Signal(SIGTERM);
    for (Server* server : {&success_, &support_}) {
      absl::StatusOr<int> code = server->process.Wait(absl::Seconds(20));
      EXPECT_THAT(code, testing::IsOkAndHolds(0)) << testing::TailOf(server->process.log_file());
    }
    if (!HasFailure() && std::getenv("TANDEM_KEEP_TEST_DIRS") == nullptr) {
      std::filesystem::remove_all(dir_);
    }
  }

  // Starts (or restarts) Success on its port over the same database.
  absl::Status StartSuccess() {
    ASSIGN_OR_RETURN(
        success_, StartServer("success", dir_, success_db_.url(),
                              {"--support-address=" + support_.address(),
                               "--support-poll-interval=100ms", "--account-review-interval=200ms"},
                              success_port_));
    return absl::OkStatus();
  }

  std::string dir_;
  int success_port_ = 0;
  TestDatabase success_db_{"e2e_success_scenario"};
  TestDatabase support_db_{"e2e_support_scenario"};
  Server success_, support_;
};

// The judged scenario (tests/e2e/node/success_playbooks.test.mjs): Support's
// complaints and SLA breaches move a high-touch account's health and open
// one risk CTA; a tech-touch account gets outreach; renewals and seat
// utilisation open their CTAs.
TEST_F(SuccessScenarioTest, NodeClientSeesPlaybooksActOnSupportSignals) {
  const char* node_modules = std::getenv("TANDEM_TEST_NODE_MODULES");
  ASSERT_NE(node_modules, nullptr) << "TANDEM_TEST_NODE_MODULES is not set: run ./tests/run.sh";
  const char* node_env = std::getenv("TANDEM_TEST_NODE");
  const std::string node = node_env != nullptr ? node_env : "/usr/bin/node";
  const std::string log = dir_ + "/node.log";
  ASSERT_OK_AND_ASSIGN(
      ChildProcess client,
      ChildProcess::Start(
          {node, "--test", testing::SourceDir() + "/tests/e2e/node/success_playbooks.test.mjs"},
          {{"NODE_PATH", node_modules},
           {"TANDEM_SUPPORT_ADDRESS", support_.address()},
           {"TANDEM_SUCCESS_ADDRESS", success_.address()},
           // Not started here; the client only connects when called.
           {"TANDEM_METRICS_ADDRESS", "127.0.0.1:1"},
           {"TANDEM_TOKEN", TestToken("node-success", {"admin"})},
           {"TANDEM_PROTO_PATH", testing::SourceDir() + "/protos"},
           {"TANDEM_GOOGLEAPIS_PROTO_PATH", GOOGLEAPIS_PROTO_DIR}},
          log));
  absl::StatusOr<int> code = client.Wait(absl::Seconds(240));
  EXPECT_THAT(code, testing::IsOkAndHolds(0)) << testing::TailOf(log);
}

// Success killed (SIGKILL, no drain) and restarted while Support's events
// stream in: once it has caught up, every Support event about its
// accounts' tickets is stored exactly once — none lost in the crash, none
// applied twice after the restart.
TEST_F(SuccessScenarioTest, RestartMidStreamLosesAndDuplicatesNoSupportEvent) {
  auto accounts = cv1::SuccessService::NewStub(ChannelTo(success_));
  std::vector<std::string> account_names;
  for (const char* company : {"Umbrella", "Hooli", "Vandelay"}) {
    grpc::ClientContext context;
    Authorize(context, TestToken("restart", {"csm"}));
    cv1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(company);
    cv1::Account account;
    ASSERT_TRUE(accounts->CreateAccount(&context, request, &account).ok());
    account_names.push_back(account.name());
  }

  // Tickets, replies and escalations from a writer thread, while the main
  // thread kills Success after the first third and starts it again.
  auto tickets = sv1::SupportService::NewStub(ChannelTo(support_));
  std::map<std::string, std::string> account_of;  // ticket -> account
  std::mutex mu;
  std::atomic<int> written{0};
  constexpr int kTickets = 90;
  std::thread writer([&] {
    for (int i = 0; i < kTickets; ++i) {
      sv1::Ticket ticket;
      {
        grpc::ClientContext context;
        Authorize(context, TestToken("restart", {"agent"}));
        sv1::CreateTicketRequest request;
        request.mutable_ticket()->set_subject(absl::StrCat("Ticket ", i));
        request.mutable_ticket()->set_account(account_names[i % account_names.size()]);
        request.mutable_ticket()->set_type(i % 3 == 0 ? sv1::Ticket::COMPLAINT
                                                      : sv1::Ticket::QUESTION);
        if (!tickets->CreateTicket(&context, request, &ticket).ok()) continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        account_of[ticket.name()] = ticket.account();
      }
      grpc::ClientContext reply_context;
      Authorize(reply_context, TestToken("restart", {"agent"}));
      sv1::CreateMessageRequest reply;
      reply.set_parent(ticket.name());
      reply.mutable_message()->set_author_type(sv1::Message::AGENT);
      reply.mutable_message()->set_body("Looking into it");
      sv1::Message message;
      (void)tickets->CreateMessage(&reply_context, reply, &message);
      if (i % 5 == 0) {
        grpc::ClientContext escalate_context;
        Authorize(escalate_context, TestToken("restart", {"agent"}));
        sv1::EscalateTicketRequest escalate;
        escalate.set_name(ticket.name());
        escalate.set_reason("Needs tier 2");
        (void)tickets->EscalateTicket(&escalate_context, escalate, &ticket);
      }
      written.fetch_add(1);
    }
  });
  while (written.load() < kTickets / 3) absl::SleepFor(absl::Milliseconds(20));
  success_.process.Signal(SIGKILL);
  (void)success_.process.Wait(absl::Seconds(20));
  absl::SleepFor(absl::Milliseconds(300));  // Support's events pile up meanwhile
  ASSERT_OK(StartSuccess());
  writer.join();
  ASSERT_EQ(written.load(), kTickets);

  // Support's events about these tickets, per account, from its feed.
  auto feed = tandem::common::v1::EventFeed::NewStub(ChannelTo(support_));
  std::map<std::string, int> expected;  // account id -> events
  int64_t head = 0;
  for (int64_t after = 0;;) {
    grpc::ClientContext context;
    Authorize(context, TestToken("restart", {"admin"}));
    tandem::common::v1::ListEventsRequest request;
    request.set_after_cursor(after);
    request.set_page_size(1000);
    tandem::common::v1::ListEventsResponse page;
    ASSERT_TRUE(feed->ListEvents(&context, request, &page).ok());
    head = std::max(head, page.head_cursor());
    if (page.events().empty()) break;
    for (const auto& event : page.events()) {
      auto found = account_of.find(event.subject());
      if (found != account_of.end()) ++expected[found->second.substr(found->second.find('/') + 1)];
    }
    after = page.events().rbegin()->cursor();
  }
  ASSERT_EQ(expected.size(), account_names.size());

  // Success catches up, then holds exactly those events.
  auto stored = [&]() -> absl::StatusOr<std::map<std::string, int>> {
    ASSIGN_OR_RETURN(auto connection, success_db_.pool().Acquire());
    ASSIGN_OR_RETURN(auto rows,
                     connection->Query("SELECT account_id, COUNT(*) FROM support_events "
                                       "WHERE tenant_id = 'restart' GROUP BY account_id"));
    std::map<std::string, int> counts;
    for (const auto& row : rows) counts[row.String(0)] = static_cast<int>(row.Int(1));
    return counts;
  };
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  absl::StatusOr<std::map<std::string, int>> counts;
  do {
    absl::SleepFor(absl::Milliseconds(200));
    counts = stored();
  } while ((!counts.ok() || *counts != expected) && absl::Now() < give_up);
  ASSERT_OK(counts.status());
  EXPECT_EQ(*counts, expected);
  // And stays so: nothing is applied a second time after the catch-up.
  absl::SleepFor(absl::Seconds(1));
  ASSERT_OK_AND_ASSIGN(auto settled, stored());
  EXPECT_EQ(settled, expected);
  EXPECT_GT(head, 0);
}

// tandemctl works a CSM's book of business against the real servers: an
// account with revenue and a renewal date, the book, renewals due, the
// renewal CTA the playbooks open, and completing it.
TEST_F(SuccessScenarioTest, CliWorksTheBookOfBusiness) {
  const std::string ctl = testing::BuildDir() + "/tools/tandemctl/tandemctl";
  const std::string out = dir_ + "/ctl.out";
  std::map<std::string, std::string> env = {{"TANDEM_JWT_SECRET", testing::kTestJwtSecret}};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), ctl);
    std::filesystem::remove(out);
    auto child = ChildProcess::Start(args, env, out);
    if (!child.ok()) return -1;
    auto code = child->Wait(absl::Seconds(30));
    return code.ok() ? *code : -1;
  };
  // Reads "<collection>/<26-char id>" from the last output.
  auto name_in_output = [&](const std::string& collection) {
    const std::string output = testing::TailOf(out);
    const size_t at = output.find(collection + "/");
    return at == std::string::npos ? std::string() : output.substr(at, collection.size() + 1 + 26);
  };
  ASSERT_EQ(run({"token", "--tenant", "cli-book", "--role", "csm", "--subject", "csm-kai"}), 0)
      << testing::TailOf(out);
  std::string token = testing::TailOf(out);
  while (!token.empty() && (token.back() == '\n' || token.back() == ' ')) token.pop_back();
  env = {{"TANDEM_TOKEN", token},
         {"TANDEM_SUPPORT_ADDRESS", support_.address()},
         {"TANDEM_SUCCESS_ADDRESS", success_.address()},
         {"TANDEM_METRICS_ADDRESS", "127.0.0.1:1"}};

  ASSERT_EQ(run({"--json", "accounts", "create", "--display-name", "Globex", "--owner", "csm-kai",
                 "--tier", "HIGH_TOUCH"}),
            0)
      << testing::TailOf(out);
  const std::string account = name_in_output("accounts");
  ASSERT_FALSE(account.empty()) << testing::TailOf(out);
  ASSERT_EQ(run({"accounts", "update", account, "--seats", "25", "--renewal", "60d"}), 0)
      << testing::TailOf(out);
  ASSERT_EQ(run({"success", "mrr", "record", account, "--type", "NEW", "--amount", "1200.00",
                 "--effective", "30d"}),
            0)
      << testing::TailOf(out);
  ASSERT_EQ(run({"--json", "success", "book", "--mine"}), 0) << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("120000"));
  ASSERT_EQ(run({"success", "renewals", "--within", "90"}), 0) << testing::TailOf(out);
  EXPECT_THAT(testing::TailOf(out), HasSubstr("Globex"));
  // Bad input: an amount that is not money.
  EXPECT_EQ(run({"success", "mrr", "record", account, "--type", "EXPANSION", "--amount", "lots"}),
            2);

  // The renewal 60 days out opens a renewal CTA for csm-kai: "my open CTAs".
  std::string cta;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (cta.empty() && absl::Now() < give_up) {
    ASSERT_EQ(run({"--json", "success", "ctas", "--type", "RENEWAL"}), 0) << testing::TailOf(out);
    cta = name_in_output("ctas");
    if (cta.empty()) absl::SleepFor(absl::Milliseconds(200));
  }
  ASSERT_FALSE(cta.empty()) << "no renewal CTA: " << testing::TailOf(out);
  ASSERT_EQ(run({"success", "cta", "complete", cta, "--note", "Renewal call booked"}), 0)
      << testing::TailOf(out);
  EXPECT_EQ(run({"success", "cta", "complete", cta, "--note", "again"}), 1);
  ASSERT_EQ(run({"--json", "success", "ctas", "--type", "RENEWAL"}), 0);
  EXPECT_EQ(name_in_output("ctas"), "") << "a completed CTA is not open";
}

// Metrics consumes both feeds while it is killed (SIGKILL) twice and
// restarted over the same database; a second Metrics that reads the same
// feeds from scratch afterwards must report the same figures.
class MetricsRestartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("tandem-metrics-e2e");
    ASSERT_OK_AND_ASSIGN(success_,
                         StartServer("success", dir_, success_db_.url(), {"--support-address="}));
    ASSERT_OK_AND_ASSIGN(support_, StartServer("support", dir_, support_db_.url(),
                                               {"--success-address=" + success_.address()}));
    metrics_port_ = testing::PickFreePort();
    ASSERT_OK(StartMetrics(metrics_, metrics_db_, metrics_port_));
  }

  void TearDown() override {
    for (Server* server : {&fresh_, &metrics_, &support_, &success_}) {
      if (server->process.pid() > 0) server->process.Signal(SIGTERM);
    }
    for (Server* server : {&fresh_, &metrics_, &support_, &success_}) {
      if (server->process.pid() <= 0) continue;
      absl::StatusOr<int> code = server->process.Wait(absl::Seconds(20));
      EXPECT_THAT(code, testing::IsOkAndHolds(0)) << testing::TailOf(server->process.log_file());
    }
    if (!HasFailure() && std::getenv("TANDEM_KEEP_TEST_DIRS") == nullptr) {
      std::filesystem::remove_all(dir_);
    }
  }

  absl::Status StartMetrics(Server& server, TestDatabase& database, int port) {
    ASSIGN_OR_RETURN(server, StartServer("metrics", dir_, database.url(),
                                         {"--support-address=" + support_.address(),
                                          "--success-address=" + success_.address(),
                                          "--poll-interval=100ms"},
                                         port));
    return absl::OkStatus();
  }

  // Waits until `server` has applied both feeds up to their current heads.
  void AwaitCaughtUp(const Server& server) {
    auto metrics = mv1::MetricsService::NewStub(ChannelTo(server));
    const absl::Time give_up = absl::Now() + absl::Seconds(60);
    mv1::Freshness freshness;
    while (absl::Now() < give_up) {
      grpc::ClientContext context;
      Authorize(context, TestToken(kTenant, {"viewer"}));
      if (metrics->GetFreshness(&context, {}, &freshness).ok() && freshness.feeds_size() == 2 &&
          freshness.feeds(0).lag_events() == 0 && freshness.feeds(1).lag_events() == 0 &&
          freshness.feeds(0).head_cursor() == SupportHead() &&
          freshness.feeds(1).head_cursor() == SuccessHead()) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(200));
    }
    ADD_FAILURE() << "metrics did not catch up: " << freshness.DebugString();
  }

  int64_t HeadOf(const Server& producer) {
    auto feed = tandem::common::v1::EventFeed::NewStub(ChannelTo(producer));
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"admin"}));  // only this tenant writes here
    tandem::common::v1::ListEventsRequest request;
    request.set_page_size(1);
    request.set_after_cursor(1 << 30);
    tandem::common::v1::ListEventsResponse page;
    EXPECT_TRUE(feed->ListEvents(&context, request, &page).ok());
    return page.head_cursor();
  }
  int64_t SupportHead() { return HeadOf(support_); }
  int64_t SuccessHead() { return HeadOf(success_); }

  mv1::Dashboard DashboardOf(const Server& server, const std::string& period) {
    auto metrics = mv1::MetricsService::NewStub(ChannelTo(server));
    grpc::ClientContext context;
    Authorize(context, TestToken(kTenant, {"viewer"}));
    mv1::GetDashboardRequest request;
    request.mutable_window()->set_period(period);
    mv1::Dashboard dashboard;
    grpc::Status status = metrics->GetDashboard(&context, request, &dashboard);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return dashboard;
  }

  static constexpr char kTenant[] = "restart";
  std::string dir_;
  int metrics_port_ = 0;
  TestDatabase success_db_{"e2e_m_success"};
  TestDatabase support_db_{"e2e_m_support"};
  TestDatabase metrics_db_{"e2e_m_metrics"};
  TestDatabase fresh_db_{"e2e_m_fresh"};
  Server success_, support_, metrics_, fresh_;
};

TEST_F(MetricsRestartTest, KilledMidStreamChangesNoFigure) {
  auto accounts = cv1::SuccessService::NewStub(ChannelTo(success_));
  auto revenue = cv1::RevenueService::NewStub(ChannelTo(success_));
  auto tickets = sv1::SupportService::NewStub(ChannelTo(support_));
  std::atomic<int> written{0};
  constexpr int kRounds = 60;
  // Each round: an account with a NEW movement (every third expands, every
  // fifth churns), and a ticket that gets a reply, a solve and a rating.
  std::thread writer([&] {
    for (int i = 0; i < kRounds; ++i) {
      cv1::Account account;
      {
        grpc::ClientContext context;
        Authorize(context, TestToken(kTenant, {"csm"}));
        cv1::CreateAccountRequest request;
        request.mutable_account()->set_display_name(absl::StrCat("Customer ", i));
        request.mutable_account()->set_touch_tier(i % 2 == 0 ? cv1::HIGH_TOUCH : cv1::LOW_TOUCH);
        if (!accounts->CreateAccount(&context, request, &account).ok()) continue;
      }
      const auto record = [&](cv1::MrrMovement::Type type, int64_t delta) {
        grpc::ClientContext context;
        Authorize(context, TestToken(kTenant, {"csm"}));
        cv1::RecordMrrMovementRequest request;
        request.set_parent(account.name());
        request.mutable_mrr_movement()->set_type(type);
        request.mutable_mrr_movement()->set_mrr_delta_minor(delta);
        request.mutable_mrr_movement()->set_currency_code("USD");
        *request.mutable_mrr_movement()->mutable_effective_time() = ToProtoTime(absl::Now());
        cv1::MrrMovement movement;
        grpc::Status status = revenue->RecordMrrMovement(&context, request, &movement);
        EXPECT_TRUE(status.ok()) << status.error_message();
      };
      record(cv1::MrrMovement::NEW, 10000 + 100 * i);
      if (i % 3 == 0) record(cv1::MrrMovement::EXPANSION, 2500);
      if (i % 5 == 0) record(cv1::MrrMovement::CHURN, i % 3 == 0 ? -(12500 + 100 * i) : -(10000 + 100 * i));

      sv1::Ticket ticket;
      {
        grpc::ClientContext context;
        Authorize(context, TestToken(kTenant, {"agent"}));
        sv1::CreateTicketRequest request;
        request.mutable_ticket()->set_subject(absl::StrCat("Question ", i));
        request.mutable_ticket()->set_account(account.name());
        request.mutable_ticket()->set_channel(i % 2 == 0 ? sv1::Ticket::EMAIL : sv1::Ticket::CHAT);
        if (!tickets->CreateTicket(&context, request, &ticket).ok()) continue;
      }
      {
        grpc::ClientContext context;
        Authorize(context, TestToken(kTenant, {"agent"}));
        sv1::CreateMessageRequest request;
        request.set_parent(ticket.name());
        request.mutable_message()->set_author_type(sv1::Message::AGENT);
        request.mutable_message()->set_body("Here is how.");
        sv1::Message message;
        (void)tickets->CreateMessage(&context, request, &message);
      }
      if (i % 4 != 3) {
        grpc::ClientContext context;
        Authorize(context, TestToken(kTenant, {"agent"}));
        sv1::UpdateTicketRequest request;
        request.mutable_ticket()->set_name(ticket.name());
        request.mutable_ticket()->set_status(sv1::Ticket::SOLVED);
        request.mutable_update_mask()->add_paths("status");
        (void)tickets->UpdateTicket(&context, request, &ticket);
        grpc::ClientContext rate_context;
        Authorize(rate_context, TestToken(kTenant, {"agent"}));
        sv1::RateTicketRequest rate;
        rate.set_name(ticket.name());
        rate.mutable_rating()->set_score(1 + i % 5);
        (void)tickets->RateTicket(&rate_context, rate, &ticket);
      }
      written.fetch_add(1);
    }
  });
  for (int kill = 1; kill <= 2; ++kill) {
    while (written.load() < kill * kRounds / 3) absl::SleepFor(absl::Milliseconds(20));
    metrics_.process.Signal(SIGKILL);
    (void)metrics_.process.Wait(absl::Seconds(20));
    absl::SleepFor(absl::Milliseconds(300));  // the feeds grow meanwhile
    ASSERT_OK(StartMetrics(metrics_, metrics_db_, metrics_port_));
  }
  writer.join();
  ASSERT_EQ(written.load(), kRounds);
  AwaitCaughtUp(metrics_);

  // A Metrics that never crashed, reading everything from the start.
  ASSERT_OK(StartMetrics(fresh_, fresh_db_, 0));
  AwaitCaughtUp(fresh_);

  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  for (const std::string& period : std::vector<std::string>
       {absl::StrFormat("%04d-%02d", today.year(), today.month()), absl::StrCat(today.year())}) {
    const mv1::Dashboard survived = DashboardOf(metrics_, period);
    const mv1::Dashboard reference = DashboardOf(fresh_, period);
    EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(survived, reference))
        << period << "\nafter restarts:\n"
        << survived.DebugString() << "\nfrom scratch:\n"
        << reference.DebugString();
    // The figures are not empty: every ticket and customer is counted.
    bool saw_volume = false;
    for (const auto& value : reference.support()) {
      if (value.metric() == "metricDefinitions/ticket_volume") {
        saw_volume = true;
        EXPECT_EQ(value.value(), kRounds) << period;
      }
    }
    EXPECT_TRUE(saw_volume) << reference.DebugString();
  }
}

// --migrate-only applies the schema and exits 0 without serving; it needs
// the database only (the Kubernetes migration Job gets no token keys).
TEST(ServerStartTest, MigrateOnlyAppliesSchemaAndExits) {
  TestDatabase database("e2e_migrate");
  const std::string dir = testing::MakeTempDir("tandem-migrate");
  ASSERT_OK_AND_ASSIGN(
      ChildProcess process,
      ChildProcess::Start({testing::BuildDir() + "/services/support/tandem-support",
                           "--migrate-only", "--listen=127.0.0.1:0", "--metrics-listen="},
                          {{"TANDEM_SUPPORT_DB_DSN", database.url()},
                           {"TANDEM_JWT_SECRET", ""},
                           {"TANDEM_PAGE_TOKEN_KEY", ""}},
                          dir + "/migrate.log"));
  EXPECT_THAT(process.Wait(absl::Seconds(60)), testing::IsOkAndHolds(0))
      << testing::TailOf(dir + "/migrate.log");
  ASSERT_OK_AND_ASSIGN(auto db, database.pool().Acquire());
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT COUNT(*) FROM schema_migrations "
                                            "WHERE component = 'support' AND NOT dirty"));
  EXPECT_GE(rows[0].Int(0), 1);
  EXPECT_THAT(testing::TailOf(dir + "/migrate.log"), ::testing::Not(HasSubstr("\"serving\"")));
  std::filesystem::remove_all(dir);
}

// With --health-listen, a server that is still waiting for its database
// already answers probes: alive (so Kubernetes does not restart it during a
// long wait or migration) but not ready; SIGTERM then ends it with 0.
TEST(ServerStartTest, HealthListenerAnswersWhileWaitingForTheDatabase) {
  const std::string dir = testing::MakeTempDir("tandem-early-health");
  const int closed_port = testing::PickFreePort();
  const int health_port = testing::PickFreePort();
  ASSERT_OK_AND_ASSIGN(
      ChildProcess process,
      ChildProcess::Start(
          {testing::BuildDir() + "/services/success/tandem-success", "--listen=127.0.0.1:0",
           "--metrics-listen=", absl::StrCat("--health-listen=127.0.0.1:", health_port),
           "--db-wait=60s", "--support-address="},
          {{"TANDEM_SUCCESS_DB_DSN", absl::StrCat("mysql://u:p@127.0.0.1:", closed_port, "/db")},
           {"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
           {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey}},
          dir + "/server.log"));
  const std::string health = absl::StrCat("127.0.0.1:", health_port);
  EXPECT_TRUE(AwaitHealth(health, HealthResponse::NOT_SERVING, absl::Seconds(20)))
      << testing::TailOf(dir + "/server.log");
  EXPECT_EQ(Health(health, kLivenessHealthName), HealthResponse::SERVING);
  EXPECT_EQ(Health(health, kReadinessHealthName), HealthResponse::NOT_SERVING);
  EXPECT_THAT(testing::TailOf(dir + "/server.log"), HasSubstr("database not ready"));
  process.Signal(SIGTERM);
  EXPECT_THAT(process.Wait(absl::Seconds(20)), testing::IsOkAndHolds(0))
      << testing::TailOf(dir + "/server.log");
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

// A missing or malformed setting stops the start at once, naming it.
TEST(ServerStartTest, BadSettingsFailFastNamingTheSetting) {
  const std::string dir = testing::MakeTempDir("tandem-badconfig");
  struct Case {
    std::map<std::string, std::string> env;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {{{"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
        {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey}},
       "TANDEM_SUCCESS_DB_DSN"},
      {{{"TANDEM_SUCCESS_DB_DSN", "postgres://x"},
        {"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
        {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey}},
       "--db-dsn"},
      {{{"TANDEM_SUCCESS_DB_DSN", "mysql://u:p@127.0.0.1:1/db"},
        {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey}},
       "--jwt-secret"},
      {{{"TANDEM_SUCCESS_DB_DSN", "mysql://u:p@127.0.0.1:1/db"},
        {"TANDEM_JWT_SECRET", testing::kTestJwtSecret}},
       "--page-token-key (or TANDEM_SUCCESS_PAGE_TOKEN_KEY, or TANDEM_PAGE_TOKEN_KEY)"},
      {{{"TANDEM_SUCCESS_DB_DSN", "mysql://u:p@127.0.0.1:1/db"},
        {"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
        {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey},
        {"TANDEM_SUCCESS_DB_POOL_SIZE", "lots"}},
       "TANDEM_SUCCESS_DB_POOL_SIZE"},
  };
  const mysql::Dsn server = testing::TestServerRootDsn();
  std::vector<Case> all = cases;
  // Refused credentials fail at once instead of waiting for the database.
  all.push_back({{{"TANDEM_SUCCESS_DB_DSN", absl::StrCat("mysql://nobody:wrong@", server.host, ":",
                                                         server.port, "/tandem_success")},
                  {"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
                  {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey}},
                 "--db-dsn"});
  for (size_t i = 0; i < all.size(); ++i) {
    const std::string log = absl::StrCat(dir, "/case", i, ".log");
    std::map<std::string, std::string> env = all[i].env;
    // Keep the developer's own environment from filling a gap on purpose.
    for (const char* name : {"TANDEM_SUCCESS_DB_DSN", "TANDEM_JWT_SECRET", "TANDEM_PAGE_TOKEN_KEY"}) {
      if (!env.contains(name)) env[name] = "";
    }
    ASSERT_OK_AND_ASSIGN(
        ChildProcess process,
        ChildProcess::Start({testing::BuildDir() + "/services/success/tandem-success",
                             "--listen=127.0.0.1:0", "--metrics-listen="},
                            env, log));
    EXPECT_THAT(process.Wait(absl::Seconds(10)), testing::IsOkAndHolds(2)) << testing::TailOf(log);
    EXPECT_THAT(testing::TailOf(log), HasSubstr(all[i].expected));
  }
  std::filesystem::remove_all(dir);
}

// With its database stopped, a server reports NOT_SERVING (overall and
// "readiness", so Kubernetes takes it out of rotation) but stays SERVING for
// "liveness" (so it is not restarted), and fails calls UNAVAILABLE; once the
// database is back it recovers without a restart.
TEST(DatabaseOutageTest, HealthFollowsDatabaseAndCallsRecover) {
  const std::string dir = testing::MakeTempDir("tandem-outage");
  const std::string script = testing::SourceDir() + "/deploy/local/mariadb.sh";
  const int db_port = testing::PickFreePort();
  const std::map<std::string, std::string> env = {{"MARIADB_ROOT_PASSWORD", "outage-root"}};
  auto run_script = [&](const std::vector<std::string>& args) {
    std::vector<std::string> argv = {"/bin/bash", script};
    argv.insert(argv.end(), args.begin(), args.end());
    auto child = ChildProcess::Start(argv, env, dir + "/mariadb-script.log");
    if (!child.ok()) return -1;
    auto code = child->Wait(absl::Seconds(120));
    return code.ok() ? *code : -1;
  };
  ASSERT_EQ(run_script({"start", dir, absl::StrCat(db_port)}), 0)
      << testing::TailOf(dir + "/mariadb-script.log");
  ASSERT_EQ(run_script({"provision", dir}), 0) << testing::TailOf(dir + "/mariadb-script.log");
  std::string password;
  {
    std::ifstream credentials(dir + "/credentials.env");
    std::string line;
    while (std::getline(credentials, line)) {
      const std::string key = "TANDEM_SUPPORT_DB_PASSWORD=";
      if (line.rfind(key, 0) == 0) password = line.substr(key.size());
    }
    // The file holds shell assignments; strip the quoting if any.
    if (password.size() >= 2 && password.front() == '\'' && password.back() == '\'') {
      password = password.substr(1, password.size() - 2);
    }
  }
  ASSERT_FALSE(password.empty());
  {
    // The provisioned support user cannot read the success database.
    mysql::Dsn dsn;
    dsn.host = "127.0.0.1";
    dsn.port = db_port;
    dsn.user = "tandem_support";
    dsn.password = password;
    dsn.database = "tandem_support";
    ASSERT_OK_AND_ASSIGN(auto connection, mysql::Connection::Open(dsn, {}));
    absl::StatusOr<std::vector<mysql::Row>> denied =
        connection->Query("SELECT COUNT(*) FROM tandem_success.schema_migrations");
    EXPECT_FALSE(denied.ok());
    EXPECT_THAT(std::string(denied.status().message()), HasSubstr("denied"));
  }
  const std::string url =
      absl::StrCat("mysql://tandem_support:", password, "@127.0.0.1:", db_port, "/tandem_support");
  ASSERT_OK_AND_ASSIGN(Server support,
                       StartServer("support", dir, url, {"--success-address=127.0.0.1:1"}));
  auto tickets = sv1::SupportService::NewStub(ChannelTo(support));
  auto create = [&] {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}), absl::Seconds(5));
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject("During the outage");
    sv1::Ticket ticket;
    return tickets->CreateTicket(&context, request, &ticket).error_code();
  };
  EXPECT_TRUE(AwaitHealth(support.address(), HealthResponse::SERVING, absl::Seconds(10)));
  EXPECT_EQ(create(), grpc::StatusCode::OK);

  EXPECT_EQ(Health(support.address(), kReadinessHealthName), HealthResponse::SERVING);
  EXPECT_EQ(Health(support.address(), kLivenessHealthName), HealthResponse::SERVING);

  ASSERT_EQ(run_script({"stop", dir}), 0);
  EXPECT_TRUE(AwaitHealth(support.address(), HealthResponse::NOT_SERVING, absl::Seconds(20)));
  EXPECT_EQ(Health(support.address(), kReadinessHealthName), HealthResponse::NOT_SERVING);
  EXPECT_EQ(Health(support.address(), kLivenessHealthName), HealthResponse::SERVING);
  EXPECT_EQ(create(), grpc::StatusCode::UNAVAILABLE);

  ASSERT_EQ(run_script({"start", dir, absl::StrCat(db_port)}), 0);
  EXPECT_TRUE(AwaitHealth(support.address(), HealthResponse::SERVING, absl::Seconds(30)));
  EXPECT_EQ(create(), grpc::StatusCode::OK);

  support.process.Signal(SIGTERM);
  EXPECT_THAT(support.process.Wait(absl::Seconds(20)), testing::IsOkAndHolds(0));
  run_script({"stop", dir});
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tandem

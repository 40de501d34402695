// Support and Success as in-process gRPC servers on free ports, over real
// databases, called through the generated C++ stubs.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/feed/outbox.h"
#include "common/peer.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/server.h"
#include "common/status.h"
#include "common_migrations.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "services/success/account_manager.h"
#include "services/success/mysql_account_store.h"
#include "services/success/success_service.h"
#include "services/support/account_directory.h"
#include "services/support/mysql_ticket_store.h"
#include "services/support/support_service.h"
#include "success_migrations.h"
#include "support_migrations.h"
#include "tests/testing/mocks.h"
#include "tests/testing/servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

using ::tandem::testing::Authorize;
using ::tandem::testing::TestDatabase;
using ::tandem::testing::TestToken;
using ::tandem::testing::SuccessServer;
using ::tandem::testing::SupportServer;
namespace sv1 = ::tandem::support::v1;
namespace cv1 = ::tandem::success::v1;

class ServicesTest : public ::testing::Test {
 protected:
  ServicesTest()
      : success_(std::make_unique<SuccessServer>()),
        support_(absl::StrCat("127.0.0.1:", success_->runner.grpc_port())) {
    tickets_ = sv1::SupportService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", support_.runner.grpc_port()), grpc::InsecureChannelCredentials()));
    sla_ = sv1::SlaService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", support_.runner.grpc_port()), grpc::InsecureChannelCredentials()));
    agents_ = sv1::AgentService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", support_.runner.grpc_port()), grpc::InsecureChannelCredentials()));
    accounts_ = cv1::SuccessService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", success_->runner.grpc_port()), grpc::InsecureChannelCredentials()));
  }

  grpc::Status CreateTicket(const std::string& token, const sv1::CreateTicketRequest& request,
                            sv1::Ticket* ticket) {
    grpc::ClientContext context;
    if (!token.empty()) Authorize(context, token);
    return tickets_->CreateTicket(&context, request, ticket);
  }

  grpc::Status GetTicket(const std::string& token, const std::string& name, sv1::Ticket* ticket) {
    grpc::ClientContext context;
    Authorize(context, token);
    sv1::GetTicketRequest request;
    request.set_name(name);
    return tickets_->GetTicket(&context, request, ticket);
  }

  static sv1::CreateTicketRequest TicketRequest(const std::string& subject,
                                                const std::string& account = "") {
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject(subject);
    request.mutable_ticket()->set_account(account);
    return request;
  }

  cv1::Account CreateAccount(const std::string& tenant, cv1::TouchTier tier) {
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    cv1::CreateAccountRequest request;
    request.mutable_account()->set_display_name("Acme");
    request.mutable_account()->set_touch_tier(tier);
    cv1::Account account;
    EXPECT_TRUE(accounts_->CreateAccount(&context, request, &account).ok());
    return account;
  }

  std::unique_ptr<SuccessServer> success_;
  SupportServer support_;
  std::unique_ptr<sv1::SupportService::Stub> tickets_;
  std::unique_ptr<sv1::AgentService::Stub> agents_;
  std::unique_ptr<sv1::SlaService::Stub> sla_;
  std::unique_ptr<cv1::SuccessService::Stub> accounts_;
};

// No token, an expired, a forged or an alg=none token: UNAUTHENTICATED.
TEST_F(ServicesTest, BadCredentialsAreUnauthenticated) {
  sv1::Ticket ticket;
  EXPECT_EQ(CreateTicket("", TicketRequest("x"), &ticket).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(CreateTicket(TestToken("acme", {"agent"}, -absl::Minutes(1)), TicketRequest("x"), &ticket)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  std::string forged = TestToken("acme", {"admin"});
  forged.back() = forged.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(CreateTicket(forged, TicketRequest("x"), &ticket).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const std::string none = absl::StrCat(
      "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.",  // {"alg":"none","typ":"JWT"}
      forged.substr(forged.find('.') + 1, forged.rfind('.') - forged.find('.') - 1), ".");
  EXPECT_EQ(CreateTicket(none, TicketRequest("x"), &ticket).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

// A viewer may read but not create.
TEST_F(ServicesTest, ViewerCreatingIsPermissionDenied) {
  sv1::Ticket ticket;
  grpc::Status status = CreateTicket(TestToken("acme", {"viewer"}), TicketRequest("x"), &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  sv1::ListTicketsResponse list;
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"viewer"}));
  EXPECT_TRUE(tickets_->ListTickets(&context, {}, &list).ok());
}

// Tenant B cannot see tenant A's ticket: NOT_FOUND, as for a missing one.
TEST_F(ServicesTest, OtherTenantsTicketIsNotFound) {
  sv1::Ticket created;
  ASSERT_TRUE(CreateTicket(TestToken("tenant-a", {"agent"}), TicketRequest("Private"), &created).ok());
  sv1::Ticket read;
  EXPECT_TRUE(GetTicket(TestToken("tenant-a", {"viewer"}), created.name(), &read).ok());
  EXPECT_EQ(GetTicket(TestToken("tenant-b", {"admin"}), created.name(), &read).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// A bad request answers INVALID_ARGUMENT with a BadRequest field violation.
TEST_F(ServicesTest, InvalidRequestCarriesFieldViolations) {
  sv1::Ticket ticket;
  grpc::Status status = CreateTicket(TestToken("acme", {"agent"}), TicketRequest(""), &ticket);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(status.error_details()));
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations(0).field(), "ticket.subject");
}

// The same request id twice yields one ticket.
TEST_F(ServicesTest, SameRequestIdTwiceCreatesOneTicket) {
  sv1::CreateTicketRequest request = TicketRequest("Once only");
  request.set_request_id("6f1c1f0e-8d4b-4a55-9a36-3c1d1f1f0a01");
  sv1::Ticket first, second;
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), request, &first).ok());
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), request, &second).ok());
  EXPECT_EQ(first.name(), second.name());
  sv1::ListTicketsResponse list;
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"agent"}));
  ASSERT_TRUE(tickets_->ListTickets(&context, {}, &list).ok());
  EXPECT_EQ(list.tickets_size(), 1);
}

// A ticket for a Success account carries the account's tier.
TEST_F(ServicesTest, TicketForAccountGetsTierFromSuccess) {
  cv1::Account account = CreateAccount("acme", cv1::HIGH_TOUCH);
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), TicketRequest("Help", account.name()),
                           &ticket)
                  .ok());
  EXPECT_EQ(ticket.account_tier(), cv1::HIGH_TOUCH);
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::VERIFIED);
  // Another tenant's account is unknown to this tenant.
  grpc::Status other = CreateTicket(TestToken("globex", {"agent"}),
                                    TicketRequest("Help", account.name()), &ticket);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

// With Success stopped, Support still creates tickets, pending verification.
TEST_F(ServicesTest, SupportCreatesTicketsWhileSuccessIsStopped) {
  cv1::Account account = CreateAccount("acme", cv1::LOW_TOUCH);
  success_.reset();
  sv1::Ticket ticket;
  const absl::Time start = absl::Now();
  grpc::Status status = CreateTicket(TestToken("acme", {"agent"}),
                                     TicketRequest("Still works", account.name()), &ticket);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::PENDING_VERIFICATION);
  EXPECT_EQ(ticket.account_tier(), cv1::TOUCH_TIER_UNSPECIFIED);
}

// A ticket's life through UpdateTicket: etags guard against stale writes,
// the workflow refuses illegal moves, and the history records who did what.
TEST_F(ServicesTest, UpdateTicketFollowsTheWorkflowAndRecordsHistory) {
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), TicketRequest("Printer on fire"), &ticket).ok());
  auto update = [&](const std::string& etag, sv1::Ticket::Status status, sv1::Ticket* out) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::UpdateTicketRequest request;
    request.mutable_ticket()->set_name(ticket.name());
    request.mutable_ticket()->set_etag(etag);
    request.mutable_ticket()->set_status(status);
    request.mutable_update_mask()->add_paths("status");
    return tickets_->UpdateTicket(&context, request, out).error_code();
  };
  sv1::Ticket solved;
  ASSERT_EQ(update(ticket.etag(), sv1::Ticket::SOLVED, &solved), grpc::StatusCode::OK);
  EXPECT_EQ(solved.status(), sv1::Ticket::SOLVED);
  EXPECT_TRUE(solved.has_solve_time());
  EXPECT_NE(solved.etag(), ticket.etag());
  sv1::Ticket ignored;
  EXPECT_EQ(update(ticket.etag(), sv1::Ticket::OPEN, &ignored), grpc::StatusCode::ABORTED);
  sv1::Ticket closed;
  ASSERT_EQ(update(solved.etag(), sv1::Ticket::CLOSED, &closed), grpc::StatusCode::OK);
  EXPECT_EQ(update("", sv1::Ticket::OPEN, &ignored), grpc::StatusCode::FAILED_PRECONDITION);
  // What is stored matches what was returned.
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(TestToken("acme", {"viewer"}), ticket.name(), &read).ok());
  EXPECT_EQ(read.status(), sv1::Ticket::CLOSED);
  EXPECT_EQ(read.etag(), closed.etag());
  EXPECT_TRUE(read.has_close_time());
  // Another tenant cannot touch it.
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("globex", {"agent"}));
    sv1::UpdateTicketRequest request;
    request.mutable_ticket()->set_name(ticket.name());
    request.mutable_update_mask()->add_paths("priority");
    request.mutable_ticket()->set_priority(sv1::Ticket::LOW);
    EXPECT_EQ(tickets_->UpdateTicket(&context, request, &ignored).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"viewer"}));
  sv1::ListTicketChangesRequest request;
  request.set_parent(ticket.name());
  sv1::ListTicketChangesResponse history;
  ASSERT_TRUE(tickets_->ListTicketChanges(&context, request, &history).ok());
  ASSERT_EQ(history.changes_size(), 3);
  EXPECT_EQ(history.changes(0).field(), "ticket");
  EXPECT_EQ(history.changes(1).new_value(), "SOLVED");
  EXPECT_EQ(history.changes(2).old_value(), "SOLVED");
  EXPECT_EQ(history.changes(2).new_value(), "CLOSED");
  EXPECT_EQ(history.changes(2).actor(), "tester");
}

// Messages: notes and replies are listed in order, the first public agent
// reply stamps first response, and a retried post is not duplicated.
TEST_F(ServicesTest, MessagesStampFirstResponseAndListInOrder) {
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), TicketRequest("Where is my order?"), &ticket).ok());
  auto post = [&](sv1::Message::AuthorType type, bool internal, const std::string& body,
                  const std::string& request_id, sv1::Message* out) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::CreateMessageRequest request;
    request.set_parent(ticket.name());
    request.set_request_id(request_id);
    request.mutable_message()->set_author_type(type);
    request.mutable_message()->set_internal(internal);
    request.mutable_message()->set_body(body);
    return tickets_->CreateMessage(&context, request, out).error_code();
  };
  sv1::Message note, reply, retried, customer;
  ASSERT_EQ(post(sv1::Message::AGENT, true, "Checking the warehouse", "", &note), grpc::StatusCode::OK);
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(TestToken("acme", {"viewer"}), ticket.name(), &read).ok());
  EXPECT_FALSE(read.has_first_response_time());
  ASSERT_EQ(post(sv1::Message::AGENT, false, "It ships today", "reply-1", &reply), grpc::StatusCode::OK);
  ASSERT_EQ(post(sv1::Message::AGENT, false, "It ships today", "reply-1", &retried), grpc::StatusCode::OK);
  EXPECT_EQ(retried.name(), reply.name());
  ASSERT_TRUE(GetTicket(TestToken("acme", {"viewer"}), ticket.name(), &read).ok());
  EXPECT_EQ(read.first_response_time().seconds(), reply.create_time().seconds());
  EXPECT_EQ(read.status(), sv1::Ticket::OPEN);
  EXPECT_EQ(read.agent_reply_count(), 1);
  ASSERT_EQ(post(sv1::Message::CUSTOMER, false, "Thanks!", "", &customer), grpc::StatusCode::OK);

  auto list = [&](bool public_only) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"viewer"}));
    sv1::ListMessagesRequest request;
    request.set_parent(ticket.name());
    request.set_public_only(public_only);
    sv1::ListMessagesResponse response;
    EXPECT_TRUE(tickets_->ListMessages(&context, request, &response).ok());
    std::vector<std::string> bodies;
    for (const auto& m : response.messages()) bodies.push_back(m.body());
    return bodies;
  };
  EXPECT_THAT(list(false), ::testing::ElementsAre("Checking the warehouse", "It ships today", "Thanks!"));
  EXPECT_THAT(list(true), ::testing::ElementsAre("It ships today", "Thanks!"));
  // A viewer cannot post; another tenant cannot see the ticket's messages.
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"viewer"}));
  sv1::CreateMessageRequest request;
  request.set_parent(ticket.name());
  request.mutable_message()->set_author_type(sv1::Message::AGENT);
  request.mutable_message()->set_body("x");
  EXPECT_EQ(tickets_->CreateMessage(&context, request, &note).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  grpc::ClientContext other;
  Authorize(other, TestToken("globex", {"viewer"}));
  sv1::ListMessagesRequest other_request;
  other_request.set_parent(ticket.name());
  sv1::ListMessagesResponse other_response;
  EXPECT_EQ(tickets_->ListMessages(&other, other_request, &other_response).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

// Assign, escalate, solve, rate, re-rate: each is stored and answered with
// the right codes.
TEST_F(ServicesTest, AssignEscalateSolveAndRate) {
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), TicketRequest("Refund please"), &ticket).ok());
  EXPECT_EQ(ticket.escalation_tier(), 1);
  auto update = [&](const std::string& path, const sv1::Ticket& values, sv1::Ticket* out) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::UpdateTicketRequest request;
    *request.mutable_ticket() = values;
    request.mutable_ticket()->set_name(ticket.name());
    request.mutable_update_mask()->add_paths(path);
    return tickets_->UpdateTicket(&context, request, out).error_code();
  };
  sv1::Agent alice;
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"admin"}));
    sv1::CreateAgentRequest request;
    request.mutable_agent()->set_display_name("Alice");
    request.mutable_agent()->set_email("alice@acme.example");
    ASSERT_TRUE(agents_->CreateAgent(&context, request, &alice).ok());
  }
  sv1::Ticket values, out;
  values.set_assignee("alice");
  EXPECT_EQ(update("assignee", values, &out), grpc::StatusCode::INVALID_ARGUMENT);
  values.set_assignee("agents/01JABCDEFGHJKMNPQRSTVWXYZ0");  // no such agent
  EXPECT_EQ(update("assignee", values, &out), grpc::StatusCode::INVALID_ARGUMENT);
  values.set_assignee(alice.name());
  ASSERT_EQ(update("assignee", values, &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.assignee(), alice.name());

  auto escalate = [&](int tier, sv1::Ticket* result) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::EscalateTicketRequest request;
    request.set_name(ticket.name());
    request.set_tier(tier);
    request.set_reason("Billing must approve");
    return tickets_->EscalateTicket(&context, request, result).error_code();
  };
  ASSERT_EQ(escalate(0, &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.escalation_tier(), 2);
  EXPECT_EQ(escalate(2, &out), grpc::StatusCode::FAILED_PRECONDITION);

  auto rate = [&](int score, sv1::Ticket* result) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"service"}));
    sv1::RateTicketRequest request;
    request.set_name(ticket.name());
    request.mutable_rating()->set_score(score);
    return tickets_->RateTicket(&context, request, result).error_code();
  };
  EXPECT_EQ(rate(5, &out), grpc::StatusCode::FAILED_PRECONDITION);  // not solved yet
  values.set_status(sv1::Ticket::SOLVED);
  ASSERT_EQ(update("status", values, &out), grpc::StatusCode::OK);
  ASSERT_EQ(rate(5, &out), grpc::StatusCode::OK);
  ASSERT_EQ(rate(3, &out), grpc::StatusCode::OK);
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(TestToken("acme", {"viewer"}), ticket.name(), &read).ok());
  EXPECT_EQ(read.satisfaction().score(), 3);
  EXPECT_EQ(read.satisfaction().rated_agent(), alice.name());
  EXPECT_EQ(read.escalation_tier(), 2);
  EXPECT_EQ(read.escalation_reason(), "Billing must approve");
  EXPECT_EQ(rate(0, &out), grpc::StatusCode::INVALID_ARGUMENT);
}

// The account summary counts open tickets, volume, escalations,
// complaints and CSAT for one account only.
TEST_F(ServicesTest, AccountSupportSummaryCountsTheAccountsTickets) {
  cv1::Account account = CreateAccount("acme", cv1::HIGH_TOUCH);
  cv1::Account other = CreateAccount("acme", cv1::LOW_TOUCH);
  auto create = [&](const std::string& account_name, sv1::Ticket::Type type) {
    sv1::CreateTicketRequest request = TicketRequest("Issue", account_name);
    request.mutable_ticket()->set_type(type);
    sv1::Ticket ticket;
    EXPECT_TRUE(CreateTicket(TestToken("acme", {"agent"}), request, &ticket).ok());
    return ticket;
  };
  const sv1::Ticket complaint = create(account.name(), sv1::Ticket::COMPLAINT);
  const sv1::Ticket question = create(account.name(), sv1::Ticket::QUESTION);
  create(other.name(), sv1::Ticket::COMPLAINT);
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::EscalateTicketRequest request;
    request.set_name(complaint.name());
    request.set_reason("Angry customer");
    sv1::Ticket out;
    ASSERT_TRUE(tickets_->EscalateTicket(&context, request, &out).ok());
  }
  for (int score : {2, 5}) {
    sv1::CreateTicketRequest request = TicketRequest("Rated", account.name());
    sv1::Ticket ticket, out;
    ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), request, &ticket).ok());
    grpc::ClientContext solve_context;
    Authorize(solve_context, TestToken("acme", {"agent"}));
    sv1::UpdateTicketRequest solve;
    solve.mutable_ticket()->set_name(ticket.name());
    solve.mutable_ticket()->set_status(sv1::Ticket::SOLVED);
    solve.mutable_update_mask()->add_paths("status");
    ASSERT_TRUE(tickets_->UpdateTicket(&solve_context, solve, &out).ok());
    grpc::ClientContext rate_context;
    Authorize(rate_context, TestToken("acme", {"service"}));
    sv1::RateTicketRequest rate;
    rate.set_name(ticket.name());
    rate.mutable_rating()->set_score(score);
    ASSERT_TRUE(tickets_->RateTicket(&rate_context, rate, &out).ok());
  }
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"service"}));
  sv1::GetAccountSupportSummaryRequest request;
  request.set_account(account.name());
  sv1::AccountSupportSummary summary;
  ASSERT_TRUE(tickets_->GetAccountSupportSummary(&context, request, &summary).ok());
  EXPECT_EQ(summary.open_tickets(), 2);  // the complaint and the question
  EXPECT_EQ(summary.tickets_last_30_days(), 4);
  EXPECT_EQ(summary.tickets_last_90_days(), 4);
  EXPECT_EQ(summary.escalated_last_90_days(), 1);
  EXPECT_EQ(summary.complaints_last_90_days(), 1);
  EXPECT_EQ(summary.ratings_last_90_days(), 2);
  EXPECT_DOUBLE_EQ(summary.csat_average_last_90_days(), 3.5);
  (void)question;
}

// Tickets taken while Success was down get their account checked again:
// nothing changes while it stays down; then known accounts are VERIFIED
// with their tier and unknown ones marked UNKNOWN_ACCOUNT.
TEST(AccountRecheckTest, SettlesPendingTicketsOnceSuccessAnswers) {
  TestDatabase database("account_recheck");
  database.Migrate({CommonMigrations(), SupportMigrations()});
  feed::Outbox outbox(&database.pool());
  support::MysqlTicketStore store(&database.pool(), &outbox);
  ::testing::NiceMock<testing::MockAccountDirectory> success;
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  PageTokenCodec codec("k");
  support::TicketManager manager(&store, &success, &codec, &clock);
  const Principal agent{"acme", "alice", {"agent"}};
  const std::string known = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ0";
  const std::string gone = "accounts/01JABCDEFGHJKMNPQRSTVWXYZ1";
  ON_CALL(success, Lookup).WillByDefault(::testing::Return(absl::UnavailableError("down")));
  auto create = [&](const std::string& account) {
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject("While Success was down");
    request.mutable_ticket()->set_account(account);
    auto ticket = manager.CreateTicket(agent, request, absl::InfiniteFuture());
    EXPECT_OK(ticket);
    EXPECT_EQ(ticket->account_check(), sv1::Ticket::PENDING_VERIFICATION);
    return ticket->name().substr(8);
  };
  const std::string first = create(known);
  const std::string second = create(gone);

  EXPECT_THAT(manager.RecheckPendingAccounts(10, absl::InfiniteFuture()),
              testing::StatusIs(absl::StatusCode::kUnavailable));
  ON_CALL(success, Lookup("acme", known, ::testing::_))
      .WillByDefault(::testing::Return(support::AccountFacts{cv1::HIGH_TOUCH}));
  ON_CALL(success, Lookup("acme", gone, ::testing::_))
      .WillByDefault(::testing::Return(absl::NotFoundError("no such account")));
  ASSERT_OK_AND_ASSIGN(int settled, manager.RecheckPendingAccounts(10, absl::InfiniteFuture()));
  EXPECT_EQ(settled, 2);
  ASSERT_OK_AND_ASSIGN(auto verified, store.Get("acme", first, absl::InfiniteFuture()));
  EXPECT_EQ(verified.account_check(), sv1::Ticket::VERIFIED);
  EXPECT_EQ(verified.account_tier(), cv1::HIGH_TOUCH);
  ASSERT_OK_AND_ASSIGN(auto unknown, store.Get("acme", second, absl::InfiniteFuture()));
  EXPECT_EQ(unknown.account_check(), sv1::Ticket::UNKNOWN_ACCOUNT);
  ASSERT_OK_AND_ASSIGN(auto history, store.ListChanges("acme", first, "", 10, absl::InfiniteFuture()));
  EXPECT_EQ(history.changes.back().actor(), support::kAccountCheckActor);
  EXPECT_EQ(history.changes.back().new_value(), "VERIFIED (HIGH_TOUCH)");
  ASSERT_OK_AND_ASSIGN(int again, manager.RecheckPendingAccounts(10, absl::InfiniteFuture()));
  EXPECT_EQ(again, 0);
}

// The auto-close sweeper closes SOLVED tickets once they are due, as the
// system, and leaves the others alone.
TEST(AutoCloseTest, ClosesDueSolvedTicketsOnly) {
  TestDatabase database("auto_close");
  database.Migrate({CommonMigrations(), SupportMigrations()});
  feed::Outbox outbox(&database.pool());
  support::MysqlTicketStore store(&database.pool(), &outbox);
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  PageTokenCodec codec("k");
  support::TicketManager manager(&store, nullptr, &codec, &clock);
  const Principal agent{"acme", "alice", {"agent"}};
  auto create_and_solve = [&](const std::string& subject) {
    sv1::CreateTicketRequest create;
    create.mutable_ticket()->set_subject(subject);
    auto ticket = manager.CreateTicket(agent, create, absl::InfiniteFuture());
    EXPECT_OK(ticket);
    sv1::UpdateTicketRequest solve;
    solve.mutable_ticket()->set_name(ticket->name());
    solve.mutable_ticket()->set_status(sv1::Ticket::SOLVED);
    solve.mutable_update_mask()->add_paths("status");
    EXPECT_OK(manager.UpdateTicket(agent, solve, absl::InfiniteFuture()));
    return ticket->name();
  };
  const std::string old_one = create_and_solve("Solved long ago");
  clock.Advance(absl::Hours(3 * 24));
  const std::string recent = create_and_solve("Solved just now");
  clock.Advance(absl::Hours(2 * 24));  // old_one: 5 days solved, recent: 2 days

  ASSERT_OK_AND_ASSIGN(int closed, manager.CloseSolvedTickets(absl::Hours(4 * 24), 100,
                                                              absl::InfiniteFuture()));
  EXPECT_EQ(closed, 1);
  ASSERT_OK_AND_ASSIGN(auto old_ticket, store.Get("acme", old_one.substr(8), absl::InfiniteFuture()));
  EXPECT_EQ(old_ticket.status(), sv1::Ticket::CLOSED);
  ASSERT_OK_AND_ASSIGN(auto recent_ticket, store.Get("acme", recent.substr(8), absl::InfiniteFuture()));
  EXPECT_EQ(recent_ticket.status(), sv1::Ticket::SOLVED);
  ASSERT_OK_AND_ASSIGN(auto history, store.ListChanges("acme", old_one.substr(8), "", 10,
                                                       absl::InfiniteFuture()));
  EXPECT_EQ(history.changes.back().actor(), support::kAutoCloseActor);
  // Running again closes nothing more.
  ASSERT_OK_AND_ASSIGN(int again, manager.CloseSolvedTickets(absl::Hours(4 * 24), 100,
                                                             absl::InfiniteFuture()));
  EXPECT_EQ(again, 0);
}

// Listing pages through every ticket once; a token from another filter is
// refused.
TEST_F(ServicesTest, ListPagesAndRejectsForeignTokens) {
  for (int i = 0; i < 7; ++i) {
    sv1::Ticket ticket;
    ASSERT_TRUE(CreateTicket(TestToken("acme", {"agent"}), TicketRequest(absl::StrCat("t", i)), &ticket).ok());
  }
  sv1::ListTicketsRequest request;
  request.set_page_size(3);
  std::set<std::string> names;
  std::string first_token;
  do {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"viewer"}));
    sv1::ListTicketsResponse page;
    ASSERT_TRUE(tickets_->ListTickets(&context, request, &page).ok());
    for (const auto& t : page.tickets()) names.insert(t.name());
    if (first_token.empty()) first_token = page.next_page_token();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(names.size(), 7u);

  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"viewer"}));
  sv1::ListTicketsRequest other;
  other.set_filter("priority = HIGH");
  other.set_page_token(first_token);
  sv1::ListTicketsResponse page;
  EXPECT_EQ(tickets_->ListTickets(&context, other, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

namespace merge_import {

// Reads the payloads of a subject's events from the outbox, in order.
std::vector<std::pair<std::string, absl::Time>> OutboxEvents(TestDatabase& database,
                                                             const std::string& subject) {
  std::vector<std::pair<std::string, absl::Time>> events;
  auto db = database.pool().Acquire(absl::Now() + absl::Seconds(5));
  EXPECT_OK(db.status());
  auto rows = (*db)->Query("SELECT event_type, occur_time FROM outbox WHERE subject = ? ORDER BY id",
                           {subject});
  EXPECT_OK(rows.status());
  for (const mysql::Row& row : *rows) events.emplace_back(row.String(0), row.Time(1));
  return events;
}

}  // namespace merge_import

// Merging closes the source with provenance on both tickets, adds the
// notes, and refuses closed tickets and other tenants' tickets.
TEST_F(ServicesTest, MergeClosesSourceAndKeepsProvenance) {
  const std::string agent = TestToken("acme", {"agent"});
  sv1::Ticket source, target;
  ASSERT_TRUE(CreateTicket(agent, TicketRequest("Printer down (dup)"), &source).ok());
  ASSERT_TRUE(CreateTicket(agent, TicketRequest("Printer down"), &target).ok());
  auto merge = [&](const std::string& token, const std::string& from, const std::string& into,
                   sv1::MergeTicketResponse* out) {
    grpc::ClientContext context;
    Authorize(context, token);
    sv1::MergeTicketRequest request;
    request.set_name(from);
    request.set_target(into);
    request.set_comment("Same printer");
    return tickets_->MergeTicket(&context, request, out).error_code();
  };
  sv1::MergeTicketResponse merged;
  EXPECT_EQ(merge(TestToken("globex", {"agent"}), source.name(), target.name(), &merged),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(merge(TestToken("acme", {"viewer"}), source.name(), target.name(), &merged),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(merge(agent, source.name(), source.name(), &merged),
            grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(merge(agent, source.name(), target.name(), &merged), grpc::StatusCode::OK);
  EXPECT_EQ(merged.source().status(), sv1::Ticket::CLOSED);
  EXPECT_EQ(merged.source().merged_into(), target.name());
  EXPECT_THAT(merged.target().merged_tickets(), ::testing::ElementsAre(source.name()));
  // Stored as returned.
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(agent, source.name(), &read).ok());
  EXPECT_EQ(read.merged_into(), target.name());
  EXPECT_EQ(read.etag(), merged.source().etag());
  ASSERT_TRUE(GetTicket(agent, target.name(), &read).ok());
  EXPECT_THAT(read.merged_tickets(), ::testing::ElementsAre(source.name()));
  // Each has an internal note.
  for (const std::string& name : {source.name(), target.name()}) {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::ListMessagesRequest request;
    request.set_parent(name);
    sv1::ListMessagesResponse messages;
    ASSERT_TRUE(tickets_->ListMessages(&context, request, &messages).ok());
    ASSERT_EQ(messages.messages_size(), 1);
    EXPECT_TRUE(messages.messages(0).internal());
    EXPECT_THAT(messages.messages(0).body(), ::testing::HasSubstr("Same printer"));
  }
  // A merged (closed) ticket cannot be merged again, nor be a target.
  sv1::Ticket third;
  ASSERT_TRUE(CreateTicket(agent, TicketRequest("Another"), &third).ok());
  EXPECT_EQ(merge(agent, source.name(), third.name(), &merged),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(merge(agent, third.name(), source.name(), &merged),
            grpc::StatusCode::FAILED_PRECONDITION);
  // An internal note on a ticket nobody touched for a while is an event of
  // now, not of the ticket's last update.
  {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::CreateMessageRequest request;
    request.set_parent(third.name());
    request.mutable_message()->set_author_type(sv1::Message::AGENT);
    request.mutable_message()->set_internal(true);
    request.mutable_message()->set_body("later");
    absl::SleepFor(absl::Milliseconds(50));
    sv1::Message note;
    ASSERT_TRUE(tickets_->CreateMessage(&context, request, &note).ok());
    auto third_events = merge_import::OutboxEvents(support_.database, third.name());
    ASSERT_FALSE(third_events.empty());
    EXPECT_EQ(third_events.back().first, "TicketReplied");
    EXPECT_EQ(third_events.back().second,
              absl::FromUnixMicros(absl::ToUnixMicros(FromProtoTime(note.create_time()))));
    EXPECT_GT(third_events.back().second, FromProtoTime(third.update_time()));
  }
  auto events = merge_import::OutboxEvents(support_.database, source.name());
  std::vector<std::string> types;
  for (const auto& [type, time] : events) types.push_back(type);
  EXPECT_THAT(types, ::testing::Contains("TicketMerged"));
  EXPECT_THAT(types, ::testing::Contains("TicketClosed"));
}

// Labels are created by admins, listed by category, set on tickets (which
// take the category), filtered on, and deactivated.
TEST_F(ServicesTest, CustomStatusLabelsTicketsInsideTheirCategory) {
  const std::string admin = TestToken("acme", {"admin"});
  const std::string agent = TestToken("acme", {"agent"});
  auto create = [&](const std::string& token, sv1::Ticket::Status category,
                    const std::string& label, sv1::CustomStatus* out) {
    grpc::ClientContext context;
    Authorize(context, token);
    sv1::CreateCustomStatusRequest request;
    request.mutable_custom_status()->set_category(category);
    request.mutable_custom_status()->set_agent_label(label);
    return tickets_->CreateCustomStatus(&context, request, out).error_code();
  };
  sv1::CustomStatus vendor, ignored;
  EXPECT_EQ(create(agent, sv1::Ticket::ON_HOLD, "Waiting for vendor", &ignored),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(create(admin, sv1::Ticket::ON_HOLD, "Waiting for vendor", &vendor),
            grpc::StatusCode::OK);
  EXPECT_TRUE(vendor.active());
  EXPECT_EQ(create(admin, sv1::Ticket::OPEN, "Waiting for vendor", &ignored),
            grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(create(admin, sv1::Ticket::CLOSED, "Archived", &ignored),
            grpc::StatusCode::INVALID_ARGUMENT);
  sv1::CustomStatus triage;
  ASSERT_EQ(create(admin, sv1::Ticket::OPEN, "Triage", &triage), grpc::StatusCode::OK);

  sv1::Ticket ticket, other, out;
  ASSERT_TRUE(CreateTicket(agent, TicketRequest("Router"), &ticket).ok());
  ASSERT_TRUE(CreateTicket(agent, TicketRequest("Switch"), &other).ok());
  auto label = [&](const std::string& token, const std::string& name, const std::string& status,
                   sv1::Ticket* result) {
    grpc::ClientContext context;
    Authorize(context, token);
    sv1::UpdateTicketRequest request;
    request.mutable_ticket()->set_name(name);
    request.mutable_ticket()->set_custom_status(status);
    request.mutable_update_mask()->add_paths("custom_status");
    return tickets_->UpdateTicket(&context, request, result).error_code();
  };
  ASSERT_EQ(label(agent, ticket.name(), vendor.name(), &out), grpc::StatusCode::OK);
  EXPECT_EQ(out.status(), sv1::Ticket::ON_HOLD);
  EXPECT_EQ(out.custom_status(), vendor.name());
  EXPECT_EQ(label(TestToken("globex", {"agent"}), ticket.name(), vendor.name(), &out),
            grpc::StatusCode::NOT_FOUND);
  // Another tenant's label does not exist here.
  sv1::CustomStatus foreign;
  ASSERT_EQ(create(TestToken("globex", {"admin"}), sv1::Ticket::OPEN, "Triage", &foreign),
            grpc::StatusCode::OK);
  EXPECT_EQ(label(agent, other.name(), foreign.name(), &out), grpc::StatusCode::INVALID_ARGUMENT);
  {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::ListTicketsRequest request;
    request.set_filter(absl::StrCat("custom_status = ", vendor.name()));
    sv1::ListTicketsResponse page;
    ASSERT_TRUE(tickets_->ListTickets(&context, request, &page).ok());
    ASSERT_EQ(page.tickets_size(), 1);
    EXPECT_EQ(page.tickets(0).name(), ticket.name());
  }
  // Deactivated: kept by the ticket that has it, refused to others.
  {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::UpdateCustomStatusRequest request;
    request.mutable_custom_status()->set_name(vendor.name());
    request.mutable_custom_status()->set_active(false);
    request.mutable_custom_status()->set_etag(vendor.etag());
    request.mutable_update_mask()->add_paths("active");
    sv1::CustomStatus updated;
    ASSERT_TRUE(tickets_->UpdateCustomStatus(&context, request, &updated).ok());
    EXPECT_FALSE(updated.active());
    grpc::ClientContext again;
    Authorize(again, admin);
    EXPECT_EQ(tickets_->UpdateCustomStatus(&again, request, &updated).error_code(),
              grpc::StatusCode::ABORTED);  // the etag is stale now
  }
  EXPECT_EQ(label(agent, other.name(), vendor.name(), &out),
            grpc::StatusCode::FAILED_PRECONDITION);
  ASSERT_TRUE(GetTicket(agent, ticket.name(), &out).ok());
  EXPECT_EQ(out.custom_status(), vendor.name());
  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"viewer"}));
  sv1::ListCustomStatusesRequest request;
  sv1::ListCustomStatusesResponse listed;
  ASSERT_TRUE(tickets_->ListCustomStatuses(&context, request, &listed).ok());
  ASSERT_EQ(listed.custom_statuses_size(), 1);  // the inactive one is left out
  EXPECT_EQ(listed.custom_statuses(0).name(), triage.name());
}

// An import stores the whole history at original times, publishes the
// live events marked imported, happens once per external id, and is for
// admins only.
TEST_F(ServicesTest, ImportStoresHistoryOnceWithOriginalTimes) {
  const absl::Time created = absl::Now() - absl::Hours(24 * 30);
  sv1::ImportTicketRequest request;
  request.set_external_id("zendesk:77");
  request.mutable_ticket()->set_subject("Old refund question");
  request.mutable_ticket()->set_channel(sv1::Ticket::EMAIL);
  *request.mutable_ticket()->mutable_create_time() = ToProtoTime(created);
  auto add_message = [&](sv1::Message::AuthorType type, absl::Duration at) {
    sv1::Message& message = *request.add_messages();
    message.set_author_type(type);
    message.set_body("text");
    *message.mutable_create_time() = ToProtoTime(created + at);
  };
  add_message(sv1::Message::AGENT, absl::Hours(1));
  add_message(sv1::Message::CUSTOMER, absl::Hours(2));
  sv1::ImportedStatusChange& solved = *request.add_status_changes();
  solved.set_status(sv1::Ticket::SOLVED);
  *solved.mutable_change_time() = ToProtoTime(created + absl::Hours(3));
  request.mutable_rating()->set_score(5);
  *request.mutable_rating()->mutable_rate_time() = ToProtoTime(created + absl::Hours(4));

  auto import = [&](const std::string& token, const sv1::ImportTicketRequest& r,
                    sv1::Ticket* out) {
    grpc::ClientContext context;
    Authorize(context, token);
    return tickets_->ImportTicket(&context, r, out).error_code();
  };
  sv1::Ticket ticket, again;
  EXPECT_EQ(import(TestToken("acme", {"agent"}), request, &ticket),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_EQ(import(TestToken("acme", {"admin"}), request, &ticket), grpc::StatusCode::OK);
  EXPECT_TRUE(ticket.imported());
  EXPECT_EQ(ticket.external_id(), "zendesk:77");
  EXPECT_EQ(ticket.status(), sv1::Ticket::SOLVED);
  EXPECT_EQ(FromProtoTime(ticket.create_time()), absl::FromUnixMicros(absl::ToUnixMicros(created)));
  EXPECT_EQ(ticket.satisfaction().score(), 5);
  ASSERT_EQ(import(TestToken("acme", {"admin"}), request, &again), grpc::StatusCode::OK);
  EXPECT_EQ(again.name(), ticket.name());
  sv1::ImportTicketRequest changed = request;
  changed.mutable_ticket()->set_subject("Edited");
  EXPECT_EQ(import(TestToken("acme", {"admin"}), changed, &again),
            grpc::StatusCode::ALREADY_EXISTS);
  // Another tenant may use the same external id.
  ASSERT_EQ(import(TestToken("globex", {"admin"}), request, &again), grpc::StatusCode::OK);
  EXPECT_NE(again.name(), ticket.name());
  // A bad history writes nothing.
  sv1::ImportTicketRequest bad = request;
  bad.set_external_id("zendesk:78");
  bad.mutable_status_changes(0)->set_status(sv1::Ticket::CLOSED);  // NEW cannot close
  EXPECT_EQ(import(TestToken("acme", {"admin"}), bad, &again), grpc::StatusCode::INVALID_ARGUMENT);

  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(TestToken("acme", {"viewer"}), ticket.name(), &read).ok());
  EXPECT_EQ(read.etag(), ticket.etag());
  EXPECT_EQ(FromProtoTime(read.first_response_time()),
            absl::FromUnixMicros(absl::ToUnixMicros(created + absl::Hours(1))));
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::ListTicketsRequest list;
    list.set_filter("imported = true");
    sv1::ListTicketsResponse page;
    ASSERT_TRUE(tickets_->ListTickets(&context, list, &page).ok());
    ASSERT_EQ(page.tickets_size(), 1);
  }
  auto events = merge_import::OutboxEvents(support_.database, ticket.name());
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().first, "TicketCreated");
  EXPECT_LT(events.front().second, absl::Now() - absl::Hours(24 * 29));
  bool rated = false;
  for (const auto& [type, time] : events) rated |= type == "TicketRated";
  EXPECT_TRUE(rated);
}


// Routing and the SLA on tickets: a ticket entering a group goes to its
// least-loaded available agent; the matching policy sets due times; a
// target passes unmet, the sweeper marks it once, and the breach shows in
// the filters, the explanation, the events and the account summary.
TEST_F(ServicesTest, TicketsAreRoutedAndTheirSlaIsSweptForBreaches) {
  const std::string admin = TestToken("acme", {"admin"});
  const std::string agent = TestToken("acme", {"agent"});
  sv1::Group billing;
  {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::CreateGroupRequest request;
    request.mutable_group()->set_display_name("Billing");
    ASSERT_TRUE(agents_->CreateGroup(&context, request, &billing).ok());
  }
  auto create_agent = [&](const std::string& name, sv1::Agent::Availability availability) {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::CreateAgentRequest request;
    request.mutable_agent()->set_display_name(name);
    request.mutable_agent()->set_email(name + "@acme.example");
    request.mutable_agent()->set_availability(availability);
    request.mutable_agent()->set_capacity(2);
    request.mutable_agent()->add_groups(billing.name());
    sv1::Agent created;
    EXPECT_TRUE(agents_->CreateAgent(&context, request, &created).ok());
    return created;
  };
  const sv1::Agent ana = create_agent("ana", sv1::Agent::AVAILABLE);
  const sv1::Agent ben = create_agent("ben", sv1::Agent::AVAILABLE);
  create_agent("cy", sv1::Agent::AWAY);
  // A ticket before the policy exists fills the rule cache; creating the
  // policy must reach the next ticket at once.
  sv1::Ticket before;
  {
    sv1::CreateTicketRequest request = TicketRequest("Before the policy");
    request.mutable_ticket()->set_channel(sv1::Ticket::EMAIL);
    ASSERT_TRUE(CreateTicket(agent, request, &before).ok());
    EXPECT_EQ(before.sla().policy(), "");
  }
  {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::CreateSlaPolicyRequest request;
    request.mutable_sla_policy()->set_display_name("Email, fast");
    request.mutable_sla_policy()->add_channels(sv1::Ticket::EMAIL);
    request.mutable_sla_policy()->mutable_first_response_target()->set_seconds(1);
    request.mutable_sla_policy()->mutable_resolution_target()->set_seconds(3600);
    sv1::SlaPolicy policy;
    ASSERT_TRUE(sla_->CreateSlaPolicy(&context, request, &policy).ok());
  }
  cv1::Account account = CreateAccount("acme", cv1::LOW_TOUCH);
  std::map<std::string, int> assigned;
  std::vector<sv1::Ticket> tickets;
  for (int i = 0; i < 5; ++i) {
    sv1::CreateTicketRequest request = TicketRequest(absl::StrCat("Invoice ", i), account.name());
    request.mutable_ticket()->set_channel(sv1::Ticket::EMAIL);
    request.mutable_ticket()->set_group(billing.name());
    sv1::Ticket ticket;
    ASSERT_TRUE(CreateTicket(agent, request, &ticket).ok());
    ++assigned[ticket.assignee()];
    tickets.push_back(ticket);
  }
  // Two each (their capacity), alternating; the away agent gets none; the
  // fifth waits unassigned in the group.
  EXPECT_EQ(assigned[ana.name()], 2);
  EXPECT_EQ(assigned[ben.name()], 2);
  EXPECT_EQ(assigned[""], 1);
  const sv1::Ticket& first = tickets[0];
  EXPECT_EQ(first.sla().policy().empty(), false);
  ASSERT_GE(first.sla().metrics_size(), 1);

  // A reply in time meets the first response of ticket 0 only.
  {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::CreateMessageRequest request;
    request.set_parent(first.name());
    request.mutable_message()->set_author_type(sv1::Message::AGENT);
    request.mutable_message()->set_body("On it");
    sv1::Message message;
    ASSERT_TRUE(tickets_->CreateMessage(&context, request, &message).ok());
  }
  absl::SleepFor(absl::Milliseconds(1200));
  ASSERT_OK_AND_ASSIGN(int swept, support_.manager.SweepSlaBreaches(100, absl::Now() +
                                                                            absl::Seconds(10)));
  EXPECT_EQ(swept, 4);
  ASSERT_OK_AND_ASSIGN(swept, support_.manager.SweepSlaBreaches(100, absl::Now() +
                                                                         absl::Seconds(10)));
  EXPECT_EQ(swept, 0);  // marked once

  auto list = [&](const std::string& filter) {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::ListTicketsRequest request;
    request.set_filter(filter);
    sv1::ListTicketsResponse page;
    EXPECT_TRUE(tickets_->ListTickets(&context, request, &page).ok()) << filter;
    std::set<std::string> names;
    for (const auto& ticket : page.tickets()) names.insert(ticket.name());
    return names;
  };
  EXPECT_EQ(list("sla_breached = true").size(), 4u);
  EXPECT_EQ(list("sla_breached = false"), (std::set<std::string>{first.name(), before.name()}));
  // Resolution (1 hour) is due within the default 1-hour window for all.
  EXPECT_EQ(list("sla_at_risk = true").size(), 5u);
  EXPECT_EQ(list(absl::StrCat("assignee = ", ana.name())).size(), 2u);
  EXPECT_EQ(list(absl::StrCat("group = ", billing.name())).size(), 5u);

  sv1::Ticket late;
  ASSERT_TRUE(GetTicket(agent, tickets[1].name(), &late).ok());
  bool breached = false;
  for (const auto& metric : late.sla().metrics()) {
    breached |= metric.kind() == sv1::SlaMetric::FIRST_RESPONSE && metric.breached();
  }
  EXPECT_TRUE(breached);
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"viewer"}));
    sv1::ExplainTicketSlaRequest request;
    request.set_name(late.name());
    sv1::SlaExplanation explanation;
    ASSERT_TRUE(tickets_->ExplainTicketSla(&context, request, &explanation).ok());
    EXPECT_EQ(explanation.ticket(), late.name());
    EXPECT_EQ(explanation.policy(), late.sla().policy());
    EXPECT_FALSE(explanation.metrics().empty());
    grpc::ClientContext other;
    Authorize(other, TestToken("globex", {"viewer"}));
    EXPECT_EQ(tickets_->ExplainTicketSla(&other, request, &explanation).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  auto events = merge_import::OutboxEvents(support_.database, late.name());
  int breaches = 0;
  for (const auto& [type, time] : events) breaches += type == "SlaBreached";
  EXPECT_EQ(breaches, 1);
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"csm"}));
    sv1::GetAccountSupportSummaryRequest request;
    request.set_account(account.name());
    sv1::AccountSupportSummary summary;
    ASSERT_TRUE(tickets_->GetAccountSupportSummary(&context, request, &summary).ok());
    EXPECT_EQ(summary.sla_breached_last_90_days(), 4);
  }
  // Solving one frees a slot: moving the waiting ticket out of and back into
  // the group assigns it.
  auto update = [&](const std::string& name, const std::string& path, const sv1::Ticket& values) {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::UpdateTicketRequest request;
    *request.mutable_ticket() = values;
    request.mutable_ticket()->set_name(name);
    request.mutable_update_mask()->add_paths(path);
    sv1::Ticket out;
    EXPECT_TRUE(tickets_->UpdateTicket(&context, request, &out).ok()) << path;
    return out;
  };
  sv1::Ticket solved;
  solved.set_status(sv1::Ticket::SOLVED);
  update(tickets[1].name(), "status", solved);
  const std::string waiting = tickets[4].name();
  update(waiting, "group", sv1::Ticket());
  sv1::Ticket regroup;
  regroup.set_group(billing.name());
  const sv1::Ticket routed = update(waiting, "group", regroup);
  EXPECT_EQ(routed.assignee(), tickets[1].assignee());
}

// The field a refused call names, and its description.
std::pair<std::string, std::string> ViolationOf(const grpc::Status& status) {
  google::rpc::Status rich;
  google::rpc::BadRequest bad_request;
  if (!rich.ParseFromString(status.error_details()) || rich.details_size() == 0 ||
      !rich.details(0).UnpackTo(&bad_request) || bad_request.field_violations_size() == 0) {
    return {};
  }
  return {bad_request.field_violations(0).field(), bad_request.field_violations(0).description()};
}

// Support tickets name Success contacts (`accounts/{account}/contacts/{contact}`).
class RequesterContactTest : public ServicesTest {
 protected:
  cv1::Contact CreateContact(const cv1::Account& account, const std::string& email) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"csm"}));
    cv1::CreateContactRequest request;
    request.set_parent(account.name());
    request.mutable_contact()->set_display_name(email.substr(0, email.find('@')));
    request.mutable_contact()->set_email(email);
    cv1::Contact contact;
    const grpc::Status status = accounts_->CreateContact(&context, request, &contact);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return contact;
  }

  grpc::Status SetContact(const std::string& ticket, const std::string& contact, sv1::Ticket* out) {
    grpc::ClientContext context;
    Authorize(context, agent_);
    sv1::UpdateTicketRequest update;
    update.mutable_ticket()->set_name(ticket);
    update.mutable_ticket()->set_requester_contact(contact);
    update.mutable_update_mask()->add_paths("requester_contact");
    return tickets_->UpdateTicket(&context, update, out);
  }

  std::vector<std::string> Listed(const std::string& filter) {
    grpc::ClientContext context;
    Authorize(context, agent_);
    sv1::ListTicketsRequest list;
    list.set_filter(filter);
    sv1::ListTicketsResponse page;
    const grpc::Status status = tickets_->ListTickets(&context, list, &page);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const sv1::Ticket& ticket : page.tickets()) names.push_back(ticket.name());
    return names;
  }

  static std::string ContactId(const cv1::Contact& contact) { return ResourceIdOf(contact.name()); }

  const std::string agent_ = TestToken("acme", {"agent"});
};

// A contact is stored, changed with a mask and filtered on by its Success
// name (or with `-` for any account); a ticket without an account takes
// the contact's, tier included.
TEST_F(RequesterContactTest, ContactIsStoredUpdatedAndFiltered) {
  const cv1::Account acme = CreateAccount("acme", cv1::HIGH_TOUCH);
  const cv1::Contact ada = CreateContact(acme, "ada@acme.test");
  const cv1::Contact bob = CreateContact(acme, "bob@acme.test");
  sv1::CreateTicketRequest request = TicketRequest("Export fails");
  request.mutable_ticket()->set_requester_contact(ada.name());
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(agent_, request, &ticket).ok());
  EXPECT_EQ(ticket.requester_contact(), ada.name());
  EXPECT_EQ(ticket.account(), acme.name());
  EXPECT_EQ(ticket.account_tier(), cv1::HIGH_TOUCH);
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::VERIFIED);
  sv1::Ticket other;
  ASSERT_TRUE(CreateTicket(agent_, TicketRequest("Other", acme.name()), &other).ok());

  EXPECT_THAT(Listed(absl::StrCat("requester_contact = \"", ada.name(), "\"")),
              ::testing::ElementsAre(ticket.name()));
  EXPECT_THAT(
      Listed(absl::StrCat("requester_contact = \"accounts/-/contacts/", ContactId(ada), "\"")),
      ::testing::ElementsAre(ticket.name()));
  EXPECT_THAT(Listed(absl::StrCat("requester_contact = \"", bob.name(), "\"")),
              ::testing::IsEmpty());

  sv1::Ticket updated;
  ASSERT_TRUE(SetContact(ticket.name(), bob.name(), &updated).ok());
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(agent_, ticket.name(), &read).ok());
  EXPECT_EQ(read.requester_contact(), bob.name());

  // A ticket that came in without an account takes the contact's on update.
  sv1::Ticket anonymous;
  ASSERT_TRUE(CreateTicket(agent_, TicketRequest("Who am I"), &anonymous).ok());
  ASSERT_TRUE(SetContact(anonymous.name(), ada.name(), &updated).ok());
  EXPECT_EQ(updated.account(), acme.name());
  EXPECT_EQ(updated.account_tier(), cv1::HIGH_TOUCH);
  EXPECT_EQ(updated.account_check(), sv1::Ticket::VERIFIED);
  ASSERT_TRUE(GetTicket(agent_, anonymous.name(), &read).ok());
  EXPECT_EQ(read.account(), acme.name());
  EXPECT_EQ(read.requester_contact(), ada.name());
}

// A contact of another account is refused on create and on update, naming
// ticket.requester_contact, and nothing is written.
TEST_F(RequesterContactTest, ContactOfAnotherAccountIsRefused) {
  const cv1::Account acme = CreateAccount("acme", cv1::LOW_TOUCH);
  const cv1::Account globex = CreateAccount("acme", cv1::LOW_TOUCH);
  const cv1::Contact carl = CreateContact(globex, "carl@globex.test");
  sv1::CreateTicketRequest request = TicketRequest("Help", acme.name());
  request.mutable_ticket()->set_requester_contact(carl.name());
  sv1::Ticket ticket;
  grpc::Status status = CreateTicket(agent_, request, &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationOf(status).first, "ticket.requester_contact");
  EXPECT_THAT(Listed(""), ::testing::IsEmpty());

  ASSERT_TRUE(CreateTicket(agent_, TicketRequest("Help", acme.name()), &ticket).ok());
  sv1::Ticket updated;
  status = SetContact(ticket.name(), carl.name(), &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationOf(status).first, "ticket.requester_contact");
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(agent_, ticket.name(), &read).ok());
  EXPECT_EQ(read.etag(), ticket.etag());
  EXPECT_TRUE(read.requester_contact().empty());
}

// A contact Success does not have (or another tenant's) is refused, saying
// so, on create and on update.
TEST_F(RequesterContactTest, UnknownContactIsRefused) {
  const cv1::Account acme = CreateAccount("acme", cv1::LOW_TOUCH);
  const cv1::Contact ada = CreateContact(acme, "ada@acme.test");
  const std::string missing = absl::StrCat(acme.name(), "/contacts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  sv1::CreateTicketRequest request = TicketRequest("Help", acme.name());
  request.mutable_ticket()->set_requester_contact(missing);
  sv1::Ticket ticket;
  grpc::Status status = CreateTicket(agent_, request, &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationOf(status).first, "ticket.requester_contact");
  EXPECT_THAT(ViolationOf(status).second, ::testing::HasSubstr("does not exist in Success"));
  EXPECT_THAT(Listed(""), ::testing::IsEmpty());
  // Another tenant's contact is unknown to this tenant.
  request.mutable_ticket()->set_requester_contact(ada.name());
  status = CreateTicket(TestToken("globex", {"agent"}), request, &ticket);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  ASSERT_TRUE(CreateTicket(agent_, TicketRequest("Help", acme.name()), &ticket).ok());
  sv1::Ticket updated;
  status = SetContact(ticket.name(), missing, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolationOf(status).first, "ticket.requester_contact");
  // The old `contacts/{id}` form is refused too.
  status = SetContact(ticket.name(), "contacts/01JABCDEFGHJKMNPQRSTVWXYZ0", &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(agent_, ticket.name(), &read).ok());
  EXPECT_EQ(read.etag(), ticket.etag());
}

// With Success stopped, a contact is taken as given, on create and update;
// the ticket's account (the contact's) waits for verification.
TEST_F(RequesterContactTest, ContactIsAcceptedWhileSuccessIsDown) {
  const cv1::Account acme = CreateAccount("acme", cv1::LOW_TOUCH);
  const cv1::Contact ada = CreateContact(acme, "ada@acme.test");
  const cv1::Contact bob = CreateContact(acme, "bob@acme.test");
  success_.reset();
  sv1::CreateTicketRequest request = TicketRequest("Still works");
  request.mutable_ticket()->set_requester_contact(ada.name());
  sv1::Ticket ticket;
  const absl::Time start = absl::Now();
  grpc::Status status = CreateTicket(agent_, request, &ticket);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(ticket.requester_contact(), ada.name());
  EXPECT_EQ(ticket.account(), acme.name());
  EXPECT_EQ(ticket.account_check(), sv1::Ticket::PENDING_VERIFICATION);
  sv1::Ticket updated;
  status = SetContact(ticket.name(), bob.name(), &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.requester_contact(), bob.name());
}

// A solved ticket whose group was deleted meanwhile leaves the group when
// the customer reopens it, instead of pointing at a group that is gone.
TEST_F(ServicesTest, ReopenedTicketLeavesADeletedGroup) {
  const std::string admin = TestToken("acme", {"admin"});
  const std::string agent = TestToken("acme", {"agent"});
  sv1::Group temporary;
  {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::CreateGroupRequest request;
    request.mutable_group()->set_display_name("Launch week");
    ASSERT_TRUE(agents_->CreateGroup(&context, request, &temporary).ok());
  }
  sv1::CreateTicketRequest request = TicketRequest("Launch question");
  request.mutable_ticket()->set_group(temporary.name());
  sv1::Ticket ticket;
  ASSERT_TRUE(CreateTicket(agent, request, &ticket).ok());
  EXPECT_EQ(ticket.assignee(), "");  // nobody in the group yet
  auto set_status = [&](sv1::Ticket::Status status) {
    grpc::ClientContext context;
    Authorize(context, agent);
    sv1::UpdateTicketRequest update;
    update.mutable_ticket()->set_name(ticket.name());
    update.mutable_ticket()->set_status(status);
    update.mutable_update_mask()->add_paths("status");
    sv1::Ticket out;
    EXPECT_TRUE(tickets_->UpdateTicket(&context, update, &out).ok());
    return out;
  };
  set_status(sv1::Ticket::SOLVED);
  {
    grpc::ClientContext context;
    Authorize(context, admin);
    sv1::DeleteGroupRequest deletion;
    deletion.set_name(temporary.name());
    google::protobuf::Empty empty;
    ASSERT_TRUE(agents_->DeleteGroup(&context, deletion, &empty).ok());
  }
  grpc::ClientContext context;
  Authorize(context, agent);
  sv1::CreateMessageRequest reply;
  reply.set_parent(ticket.name());
  reply.mutable_message()->set_author_type(sv1::Message::CUSTOMER);
  reply.mutable_message()->set_body("It broke again");
  sv1::Message message;
  ASSERT_TRUE(tickets_->CreateMessage(&context, reply, &message).ok());
  sv1::Ticket read;
  ASSERT_TRUE(GetTicket(agent, ticket.name(), &read).ok());
  EXPECT_EQ(read.status(), sv1::Ticket::OPEN);
  EXPECT_EQ(read.group(), "");
}

}  // namespace
}  // namespace tandem

// Support's event feed consumed into Success: real Support and Success
// servers on their own databases, Support's feed served over gRPC, and
// Success's FeedConsumer with the SupportSignalApplier. Checks the signals
// the account review reads, the timeline, feedback from FEATURE_REQUEST
// tickets, and that a replayed event changes nothing.
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "common/feed/consumer.h"
#include "common/feed/feed_service.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/rows.h"
#include "tests/testing/servers.h"

namespace tandem {
namespace {

using ::tandem::testing::Authorize;
using ::tandem::testing::TestToken;
using ::testing::ElementsAre;
namespace sv1 = ::tandem::support::v1;
namespace v1 = ::tandem::success::v1;

class SupportSignalsTest : public ::testing::Test {
 protected:
  SupportSignalsTest()
      : success_(std::make_unique<testing::SuccessServer>()),
        support_(absl::StrCat("127.0.0.1:", success_->runner.grpc_port())),
        success_channel_(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", success_->runner.grpc_port()),
                                grpc::InsecureChannelCredentials())),
        support_channel_(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", support_.runner.grpc_port()),
                                grpc::InsecureChannelCredentials())),
        accounts_(v1::SuccessService::NewStub(success_channel_)),
        engagement_(v1::EngagementService::NewStub(success_channel_)),
        tickets_(sv1::SupportService::NewStub(support_channel_)) {}

  void SetUp() override {
    feed_service_ = std::make_unique<feed::EventFeedService>(support_.auth.get(), &support_.outbox);
    feed_runner_ = std::make_unique<ServerRunner>(ServerOptions{.name = "support-feed"});
    feed_runner_->AddService(feed_service_.get());
    ASSERT_OK(feed_runner_->Start());
    feed_channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", feed_runner_->grpc_port()),
                                        grpc::InsecureChannelCredentials());
    consumer_ = MakeConsumer();
  }

  void TearDown() override { feed_runner_->Shutdown(); }

  std::unique_ptr<feed::FeedConsumer> MakeConsumer() {
    return std::make_unique<feed::FeedConsumer>(
        feed::ConsumerOptions{.feed = "support", .page_size = 7},
        common::v1::EventFeed::NewStub(feed_channel_),
        [] { return absl::StatusOr<std::string>(TestToken("*", {"service"})); },
        &success_->database.pool(), &success_->support_applier);
  }

  // Sequences Support's outbox and applies everything in it; returns how
  // many events were applied.
  int Drain(feed::FeedConsumer& consumer) {
    EXPECT_OK(support_.outbox.SequencePending(10000).status());
    int total = 0;
    while (true) {
      absl::StatusOr<int> applied = consumer.PollOnce();
      EXPECT_OK(applied.status());
      if (!applied.ok() || *applied == 0) return total;
      total += *applied;
    }
  }

  v1::Account NewAccount(const std::string& name, const std::string& tenant = "acme") {
    grpc::ClientContext context;
    Authorize(context, TestToken(tenant, {"csm"}));
    v1::CreateAccountRequest request;
    request.mutable_account()->set_display_name(name);
    v1::Account account;
    EXPECT_TRUE(accounts_->CreateAccount(&context, request, &account).ok());
    return account;
  }

  sv1::Ticket NewTicket(const std::string& account, sv1::Ticket::Type type,
                        const std::string& subject = "Help") {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::CreateTicketRequest request;
    request.mutable_ticket()->set_subject(subject);
    request.mutable_ticket()->set_description("Details of " + subject);
    request.mutable_ticket()->set_account(account);
    request.mutable_ticket()->set_type(type);
    sv1::Ticket ticket;
    const grpc::Status status = tickets_->CreateTicket(&context, request, &ticket);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return ticket;
  }

  sv1::Ticket Escalate(const sv1::Ticket& ticket, const std::string& reason) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::EscalateTicketRequest request;
    request.set_name(ticket.name());
    request.set_tier(2);
    request.set_reason(reason);
    sv1::Ticket escalated;
    const grpc::Status status = tickets_->EscalateTicket(&context, request, &escalated);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return escalated;
  }

  sv1::Ticket SolveAndRate(const sv1::Ticket& ticket, int score) {
    sv1::Ticket solved;
    {
      grpc::ClientContext context;
      Authorize(context, TestToken("acme", {"agent"}));
      sv1::UpdateTicketRequest request;
      request.mutable_ticket()->set_name(ticket.name());
      request.mutable_ticket()->set_status(sv1::Ticket::SOLVED);
      request.mutable_update_mask()->add_paths("status");
      const grpc::Status status = tickets_->UpdateTicket(&context, request, &solved);
      EXPECT_TRUE(status.ok()) << status.error_message();
    }
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::RateTicketRequest request;
    request.set_name(ticket.name());
    request.mutable_rating()->set_score(score);
    sv1::Ticket rated;
    const grpc::Status status = tickets_->RateTicket(&context, request, &rated);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return rated;
  }

  // Appends an SlaBreached event for `ticket` to Support's outbox, as its
  // SLA sweeper would.
  void Breach(const sv1::Ticket& ticket) {
    ASSERT_OK(mysql::RunInTransaction(
        support_.database.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
          sv1::SlaBreached breached;
          *breached.mutable_ticket() = ticket;
          breached.set_metric(sv1::SlaMetric::FIRST_RESPONSE);
          *breached.mutable_breach_time() = ToProtoTime(absl::Now());
          return support_.outbox.Append(tx, "acme", ticket.name(), breached, absl::Now());
        }));
  }

  success::SupportSignals Signals(const std::string& account_name) {
    success::SupportSignals signals;
    EXPECT_OK(mysql::RunInTransaction(
        success_->database.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
          return success::LoadSupportSignals(tx, "acme", account_name.substr(9), absl::Now(),
                                             signals);
        }));
    return signals;
  }

  int64_t Count(const std::string& sql) {
    return testing::CountRows(success_->database.pool(), sql);
  }

  // Everything the applier writes, summed: nothing may change on a replay.
  int64_t AppliedState() {
    return Count(
        "SELECT (SELECT COUNT(*) FROM support_tickets) + (SELECT COUNT(*) FROM support_signals) "
        "+ (SELECT COUNT(*) FROM support_events) + (SELECT COUNT(*) FROM feedback) + "
        "(SELECT COUNT(*) FROM feedback_accounts) + (SELECT COUNT(*) FROM outbox) + "
        "(SELECT COALESCE(SUM(score), 0) FROM support_signals) + "
        "(SELECT COALESCE(SUM(status), 0) FROM support_tickets)");
  }

  std::vector<v1::TimelineEntry> Timeline(const std::string& account) {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"viewer"}));
    v1::ListTimelineRequest request;
    request.set_parent(account);
    request.set_page_size(100);
    v1::ListTimelineResponse response;
    EXPECT_TRUE(engagement_->ListTimeline(&context, request, &response).ok());
    return {response.entries().begin(), response.entries().end()};
  }

  std::unique_ptr<testing::SuccessServer> success_;
  testing::SupportServer support_;
  std::shared_ptr<grpc::Channel> success_channel_;
  std::shared_ptr<grpc::Channel> support_channel_;
  std::unique_ptr<v1::SuccessService::Stub> accounts_;
  std::unique_ptr<v1::EngagementService::Stub> engagement_;
  std::unique_ptr<sv1::SupportService::Stub> tickets_;
  std::unique_ptr<feed::EventFeedService> feed_service_;
  std::unique_ptr<ServerRunner> feed_runner_;
  std::shared_ptr<grpc::Channel> feed_channel_;
  std::unique_ptr<feed::FeedConsumer> consumer_;
};

// The judged scenario's Success side: a COMPLAINT ticket, its escalation
// and an SLA breach in Support become dated signals the review reads, with
// the tickets named, and the account is queued for review.
TEST_F(SupportSignalsTest, ComplaintEscalationAndBreachBecomeSignalsAndQueueAReview) {
  const v1::Account account = NewAccount("Acme Corp");
  const sv1::Ticket complaint = NewTicket(account.name(), sv1::Ticket::COMPLAINT, "You broke it");
  const sv1::Ticket escalated = Escalate(complaint, "threatens to leave");
  Breach(escalated);
  const sv1::Ticket question = NewTicket(account.name(), sv1::Ticket::QUESTION, "How to export?");
  SolveAndRate(question, 2);
  ASSERT_GT(Drain(*consumer_), 0);

  const success::SupportSignals signals = Signals(account.name());
  EXPECT_TRUE(signals.has_tickets);
  EXPECT_EQ(signals.open_tickets, 1);
  EXPECT_EQ(signals.tickets_30d, 2);
  EXPECT_EQ(signals.complaints_30d, 1);
  EXPECT_EQ(signals.escalations_30d, 1);
  EXPECT_EQ(signals.sla_breaches_30d, 1);
  EXPECT_EQ(signals.last_complaint_ticket, complaint.name());
  EXPECT_EQ(signals.last_escalation_ticket, complaint.name());
  EXPECT_EQ(signals.last_sla_breach_ticket, complaint.name());
  ASSERT_TRUE(signals.csat_90d.has_value());
  EXPECT_DOUBLE_EQ(*signals.csat_90d, 0.0);
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM account_reviews WHERE tenant_id = 'acme' "
                               "AND account_id = '",
                               account.name().substr(9), "'")),
            1);

  // The timeline shows them newest first.
  std::vector<std::string> types;
  for (const v1::TimelineEntry& entry : Timeline(account.name())) {
    ASSERT_TRUE(entry.has_support_event());
    types.push_back(entry.support_event().type());
  }
  EXPECT_THAT(types, ElementsAre("TicketRated", "TicketSolved", "TicketCreated", "SlaBreached",
                                 "TicketEscalated", "TicketCreated"));
}

// Tickets without an account, or naming an account Success does not have,
// leave nothing behind.
TEST_F(SupportSignalsTest, TicketsWithoutAKnownAccountAreSkipped) {
  NewTicket("", sv1::Ticket::COMPLAINT);
  ASSERT_GT(Drain(*consumer_), 0);
  EXPECT_EQ(AppliedState(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews"), 0);
}

// Applying every event a second time (as a crash between apply and cursor
// could, were the consumer not transactional) changes nothing.
TEST_F(SupportSignalsTest, ReplayedEventsChangeNothing) {
  const v1::Account account = NewAccount("Acme Corp");
  const sv1::Ticket complaint = NewTicket(account.name(), sv1::Ticket::COMPLAINT);
  Escalate(complaint, "angry");
  Breach(complaint);
  SolveAndRate(NewTicket(account.name(), sv1::Ticket::FEATURE_REQUEST, "Dark mode"), 5);
  const int applied = Drain(*consumer_);
  ASSERT_GT(applied, 0);
  const int64_t before = AppliedState();
  const success::SupportSignals signals_before = Signals(account.name());

  ASSERT_OK_AND_ASSIGN(std::vector<common::v1::Event> events,
                       support_.outbox.Read(0, 1000, "", absl::InfiniteFuture()));
  ASSERT_EQ(static_cast<int>(events.size()), applied);
  ASSERT_OK(mysql::RunInTransaction(success_->database.pool(), absl::InfiniteFuture(),
                                    [&](mysql::Transaction& tx) {
                                      for (const common::v1::Event& event : events) {
                                        RETURN_IF_ERROR(success_->support_applier.Apply(tx, event));
                                      }
                                      return absl::OkStatus();
                                    }));
  EXPECT_EQ(AppliedState(), before);
  const success::SupportSignals signals_after = Signals(account.name());
  EXPECT_EQ(signals_after.complaints_30d, signals_before.complaints_30d);
  EXPECT_EQ(signals_after.escalations_30d, 1);
  EXPECT_EQ(signals_after.sla_breaches_30d, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM feedback"), 1);
}

// A FEATURE_REQUEST ticket becomes one feedback item, with its account
// asking, whatever else happens to the ticket; its FeedbackSubmitted event
// is written once.
TEST_F(SupportSignalsTest, FeatureRequestTicketBecomesOneFeedbackItem) {
  const v1::Account account = NewAccount("Acme Corp");
  const sv1::Ticket request = NewTicket(account.name(), sv1::Ticket::FEATURE_REQUEST, "Dark mode");
  Escalate(request, "big customer");
  SolveAndRate(request, 4);
  Drain(*consumer_);

  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"csm"}));
  v1::ListFeedbackResponse response;
  ASSERT_TRUE(engagement_->ListFeedback(&context, v1::ListFeedbackRequest(), &response).ok());
  ASSERT_EQ(response.feedback_size(), 1);
  const v1::Feedback& item = response.feedback(0);
  EXPECT_EQ(item.title(), "Dark mode");
  EXPECT_EQ(item.description(), "Details of Dark mode");
  EXPECT_EQ(item.source(), v1::Feedback::SUPPORT_TICKET);
  EXPECT_EQ(item.status(), v1::Feedback::NEW);
  EXPECT_EQ(item.source_ticket(), request.name());
  EXPECT_THAT(item.accounts(), ElementsAre(account.name()));
  EXPECT_EQ(item.creator(), "system:support-feed");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE event_type = 'FeedbackSubmitted'"), 1);
}

// A FEATURE_REQUEST ticket without an account, or naming one Success does
// not know, still becomes one feedback item, asked by no account; the rest
// of such tickets leaves nothing behind.
TEST_F(SupportSignalsTest, FeatureRequestWithoutAKnownAccountBecomesFeedbackWithNoAccounts) {
  const sv1::Ticket orphan = NewTicket("", sv1::Ticket::FEATURE_REQUEST, "Dark mode");
  SolveAndRate(orphan, 4);
  // Naming an account Success does not have: Support's feed as it would
  // carry one (its directory may not know the account either).
  sv1::Ticket stranger = NewTicket("", sv1::Ticket::QUESTION, "SSO");
  stranger.set_account("accounts/01ARZ3NDEKTSV4RRFFQ69G5FAV");
  stranger.set_type(sv1::Ticket::FEATURE_REQUEST);
  ASSERT_OK(mysql::RunInTransaction(
      support_.database.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
        sv1::TicketUpdated updated;
        *updated.mutable_ticket() = stranger;
        updated.add_changed_fields("account");
        updated.add_changed_fields("type");
        return support_.outbox.Append(tx, "acme", stranger.name(), updated, absl::Now());
      }));
  Escalate(stranger, "urgent");
  ASSERT_GT(Drain(*consumer_), 0);

  grpc::ClientContext context;
  Authorize(context, TestToken("acme", {"csm"}));
  v1::ListFeedbackResponse response;
  ASSERT_TRUE(engagement_->ListFeedback(&context, v1::ListFeedbackRequest(), &response).ok());
  ASSERT_EQ(response.feedback_size(), 2);
  std::set<std::string> tickets;
  for (const v1::Feedback& item : response.feedback()) {
    EXPECT_EQ(item.source(), v1::Feedback::SUPPORT_TICKET);
    EXPECT_THAT(item.accounts(), ::testing::IsEmpty());
    tickets.insert(item.source_ticket());
  }
  EXPECT_THAT(tickets, ::testing::UnorderedElementsAre(orphan.name(), stranger.name()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM outbox WHERE event_type = 'FeedbackSubmitted'"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM feedback_accounts"), 0);
  EXPECT_EQ(Count("SELECT (SELECT COUNT(*) FROM support_tickets) + "
                  "(SELECT COUNT(*) FROM support_signals) + (SELECT COUNT(*) FROM support_events)"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM account_reviews"), 0);
}

// A consumer started again (a restart) resumes at its stored cursor:
// nothing is applied twice, and what came since is applied once.
TEST_F(SupportSignalsTest, ConsumerResumesFromItsCursor) {
  const v1::Account account = NewAccount("Acme Corp");
  NewTicket(account.name(), sv1::Ticket::COMPLAINT);
  ASSERT_GT(Drain(*consumer_), 0);
  consumer_.reset();
  std::unique_ptr<feed::FeedConsumer> restarted = MakeConsumer();
  EXPECT_EQ(Drain(*restarted), 0);
  NewTicket(account.name(), sv1::Ticket::COMPLAINT);
  EXPECT_EQ(Drain(*restarted), 1);
  EXPECT_EQ(Signals(account.name()).complaints_30d, 2);
  ASSERT_OK_AND_ASSIGN(
      feed::FeedPosition position,
      feed::FeedConsumer::Position(success_->database.pool(), "support", absl::InfiniteFuture()));
  EXPECT_EQ(position.cursor, position.head_cursor);
}

// A ticket moved to another account (an event Support may send, e.g. from
// an import) takes its signals there.
TEST_F(SupportSignalsTest, TicketMovedToAnotherAccountTakesItsSignals) {
  const v1::Account first = NewAccount("First");
  const v1::Account second = NewAccount("Second");
  sv1::Ticket complaint = NewTicket(first.name(), sv1::Ticket::COMPLAINT);
  Drain(*consumer_);
  ASSERT_EQ(Signals(first.name()).complaints_30d, 1);
  complaint.set_account(second.name());
  ASSERT_OK(mysql::RunInTransaction(
      support_.database.pool(), absl::InfiniteFuture(), [&](mysql::Transaction& tx) {
        sv1::TicketUpdated updated;
        *updated.mutable_ticket() = complaint;
        updated.add_changed_fields("account");
        return support_.outbox.Append(tx, "acme", complaint.name(), updated, absl::Now());
      }));
  Drain(*consumer_);
  EXPECT_EQ(Signals(first.name()).complaints_30d, 0);
  EXPECT_FALSE(Signals(first.name()).has_tickets);
  EXPECT_EQ(Signals(second.name()).complaints_30d, 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT COUNT(*) FROM account_reviews WHERE account_id IN ('",
                               first.name().substr(9), "', '", second.name().substr(9), "')")),
            2);
}

// A merge updates both tickets; the timeline shows where the source went.
TEST_F(SupportSignalsTest, MergeUpdatesBothTicketsAndShowsOnTheSource) {
  const v1::Account account = NewAccount("Acme Corp");
  const sv1::Ticket source = NewTicket(account.name(), sv1::Ticket::QUESTION, "Dup");
  const sv1::Ticket target = NewTicket(account.name(), sv1::Ticket::QUESTION, "Original");
  {
    grpc::ClientContext context;
    Authorize(context, TestToken("acme", {"agent"}));
    sv1::MergeTicketRequest request;
    request.set_name(source.name());
    request.set_target(target.name());
    sv1::MergeTicketResponse response;
    const grpc::Status status = tickets_->MergeTicket(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  Drain(*consumer_);
  EXPECT_EQ(Signals(account.name()).open_tickets, 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM support_events WHERE event_type = 'TicketMerged'"), 2);
  std::vector<std::string> summaries;
  for (const v1::TimelineEntry& entry : Timeline(account.name())) {
    summaries.push_back(entry.support_event().summary());
  }
  EXPECT_THAT(summaries, ::testing::Contains("Merged into " + target.name()));
}

}  // namespace
}  // namespace tandem

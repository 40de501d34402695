// Merge, custom status labels and import as pure rules: what each decides
// from the tickets as they are, with no database.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "services/support/custom_statuses.h"
#include "services/support/ticket_import.h"
#include "services/support/ticket_rules.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using T = v1::Ticket;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

T Ticket(const std::string& id, T::Status status) {
  T ticket;
  ticket.set_name("tickets/" + id);
  ticket.set_subject("Subject of " + id);
  ticket.set_description("Description of " + id);
  ticket.set_status(status);
  ticket.set_etag("etag-" + id);
  *ticket.mutable_create_time() = ToProtoTime(kNow - absl::Hours(5));
  return ticket;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

template <typename Event>
std::vector<const Event*> EventsOf(const TicketUpdate& update) {
  std::vector<const Event*> found;
  for (const auto& event : update.events) {
    if (auto* typed = dynamic_cast<const Event*>(event.get())) found.push_back(typed);
  }
  return found;
}

// Ids are ULIDs, as resource names require.
constexpr char kA[] = "01JABCDEFGHJKMNPQRSTVWXYZA";
constexpr char kB[] = "01JABCDEFGHJKMNPQRSTVWXYZB";

v1::MergeTicketRequest MergeRequest(const std::string& source, const std::string& target) {
  v1::MergeTicketRequest request;
  request.set_name("tickets/" + source);
  request.set_target("tickets/" + target);
  return request;
}

TEST(ValidateMergeTicketTest, NeedsTwoDifferentTickets) {
  EXPECT_OK(ValidateMergeTicket(MergeRequest(kA, kB)));
  EXPECT_THAT(Fields(ValidateMergeTicket(MergeRequest(kA, kA))), ElementsAre("target"));
  v1::MergeTicketRequest request = MergeRequest(kA, kB);
  request.set_target("accounts/B");
  request.set_comment(std::string(2001, 'x'));
  EXPECT_THAT(Fields(ValidateMergeTicket(request)), ElementsAre("target", "comment"));
}

// The source closes (without a solve), points at the target; the target
// lists the source; both get an internal note and their history.
TEST(DecideMergeTest, ClosesSourceAndRecordsProvenanceOnBoth) {
  v1::MergeTicketRequest request = MergeRequest("A", "B");
  request.set_comment("Same outage");
  ASSERT_OK_AND_ASSIGN(MergeOutcome outcome,
                       DecideMerge(Ticket("A", T::OPEN), Ticket("B", T::PENDING), request,
                                   "alice", kNow, "etag-A2", "etag-B2", {"N1", "N2"}));
  const T& source = outcome.source.ticket;
  EXPECT_EQ(source.status(), T::CLOSED);
  EXPECT_EQ(source.merged_into(), "tickets/B");
  EXPECT_FALSE(source.has_solve_time());
  EXPECT_EQ(FromProtoTime(source.close_time()), kNow);
  EXPECT_EQ(source.etag(), "etag-A2");
  const T& target = outcome.target.ticket;
  EXPECT_THAT(target.merged_tickets(), ElementsAre("tickets/A"));
  EXPECT_EQ(target.status(), T::PENDING);
  EXPECT_EQ(target.etag(), "etag-B2");
  ASSERT_EQ(outcome.notes.size(), 2u);
  EXPECT_EQ(outcome.notes[0].name(), "tickets/A/messages/N1");
  EXPECT_EQ(outcome.notes[1].name(), "tickets/B/messages/N2");
  for (const v1::Message& note : outcome.notes) {
    EXPECT_TRUE(note.internal());
    EXPECT_EQ(note.author_type(), v1::Message::SYSTEM);
    EXPECT_THAT(note.body(), HasSubstr("Same outage"));
  }
  EXPECT_THAT(outcome.notes[1].body(), HasSubstr("Description of A"));
  ASSERT_EQ(outcome.source.changes.size(), 2u);
  EXPECT_EQ(outcome.source.changes[1].field(), "merged_into");
  EXPECT_EQ(outcome.target.changes[0].field(), "merged_tickets");
  EXPECT_EQ(EventsOf<v1::TicketClosed>(outcome.source).size(), 1u);
  ASSERT_EQ(EventsOf<v1::TicketMerged>(outcome.source).size(), 1u);
  EXPECT_EQ(EventsOf<v1::TicketMerged>(outcome.source)[0]->actor(), "alice");
  EXPECT_EQ(EventsOf<v1::TicketUpdated>(outcome.target).size(), 1u);
}

TEST(DecideMergeTest, RefusesClosedTicketsAndStaleEtags) {
  const v1::MergeTicketRequest request = MergeRequest("A", "B");
  EXPECT_THAT(DecideMerge(Ticket("A", T::CLOSED), Ticket("B", T::OPEN), request, "a", kNow, "",
                          "", {"1", "2"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(DecideMerge(Ticket("A", T::OPEN), Ticket("B", T::CLOSED), request, "a", kNow, "",
                          "", {"1", "2"}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::MergeTicketRequest stale = request;
  stale.set_etag("old");
  EXPECT_THAT(DecideMerge(Ticket("A", T::OPEN), Ticket("B", T::OPEN), stale, "a", kNow, "", "",
                          {"1", "2"}),
              StatusIs(absl::StatusCode::kAborted));
}

v1::CustomStatus Label(T::Status category, bool active = true) {
  v1::CustomStatus label;
  label.set_name("customStatuses/L1");
  label.set_category(category);
  label.set_agent_label("Waiting for vendor");
  label.set_active(active);
  return label;
}

v1::UpdateTicketRequest LabelUpdate(const std::string& label) {
  v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_name("tickets/A");
  request.mutable_ticket()->set_custom_status(label);
  request.mutable_update_mask()->add_paths("custom_status");
  return request;
}

// A label moves the ticket into its category, through the workflow; a
// plain status change later drops the label.
TEST(CustomStatusUpdateTest, LabelSetsCategoryAndStatusChangeClearsIt) {
  const v1::CustomStatus label = Label(T::ON_HOLD);
  ASSERT_OK_AND_ASSIGN(TicketUpdate labelled,
                       DecideTicketUpdate(Ticket("A", T::OPEN), LabelUpdate(label.name()), "bob",
                                          kNow, "e2", &label));
  EXPECT_EQ(labelled.ticket.status(), T::ON_HOLD);
  EXPECT_EQ(labelled.ticket.custom_status(), "customStatuses/L1");
  std::vector<std::string> fields;
  for (const auto& change : labelled.changes) fields.push_back(change.field());
  EXPECT_THAT(fields, ElementsAre("custom_status", "status"));

  v1::UpdateTicketRequest reopen;
  reopen.mutable_ticket()->set_status(T::OPEN);
  reopen.mutable_update_mask()->add_paths("status");
  ASSERT_OK_AND_ASSIGN(TicketUpdate plain,
                       DecideTicketUpdate(labelled.ticket, reopen, "bob", kNow, "e3"));
  EXPECT_EQ(plain.ticket.status(), T::OPEN);
  EXPECT_EQ(plain.ticket.custom_status(), "");
}

TEST(CustomStatusUpdateTest, RefusesInactiveLabelsContradictionsAndIllegalMoves) {
  const v1::CustomStatus inactive = Label(T::PENDING, /*active=*/false);
  EXPECT_THAT(DecideTicketUpdate(Ticket("A", T::OPEN), LabelUpdate(inactive.name()), "b", kNow,
                                 "e", &inactive),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  const v1::CustomStatus pending = Label(T::PENDING);
  v1::UpdateTicketRequest both = LabelUpdate(pending.name());
  both.mutable_ticket()->set_status(T::SOLVED);
  both.mutable_update_mask()->add_paths("status");
  EXPECT_THAT(DecideTicketUpdate(Ticket("A", T::OPEN), both, "b", kNow, "e", &pending),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // CLOSED cannot become PENDING, label or not.
  EXPECT_THAT(DecideTicketUpdate(Ticket("A", T::CLOSED), LabelUpdate(pending.name()), "b", kNow,
                                 "e", &pending),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(CustomStatusRulesTest, ValidatesCategoryLabelsAndMask) {
  v1::CreateCustomStatusRequest create;
  create.mutable_custom_status()->set_category(T::NEW);
  create.mutable_custom_status()->set_agent_label(" ");
  create.mutable_custom_status()->set_description(std::string(501, 'd'));
  EXPECT_THAT(Fields(ValidateCreateCustomStatus(create)),
              ElementsAre("custom_status.category", "custom_status.agent_label",
                          "custom_status.description"));
  v1::UpdateCustomStatusRequest update;
  update.mutable_custom_status()->set_name("customStatuses/01JABCDEFGHJKMNPQRSTVWXYZC");
  update.mutable_update_mask()->add_paths("category");
  EXPECT_THAT(Fields(ValidateUpdateCustomStatus(update)), ElementsAre("update_mask"));
  update.mutable_update_mask()->Clear();
  update.mutable_update_mask()->add_paths("active");
  EXPECT_OK(ValidateUpdateCustomStatus(update));
  v1::CustomStatus current = Label(T::OPEN);
  current.set_etag("e1");
  ASSERT_OK_AND_ASSIGN(v1::CustomStatus after,
                       DecideCustomStatusUpdate(current, update, kNow, "e2"));
  EXPECT_FALSE(after.active());
  EXPECT_EQ(after.etag(), "e2");
  update.mutable_custom_status()->set_etag("stale");
  EXPECT_THAT(DecideCustomStatusUpdate(current, update, kNow, "e2"),
              StatusIs(absl::StatusCode::kAborted));
}

// A Zendesk-like history: created, internal note, first reply, pending,
// customer reply, solved, rated, reopened by the customer, solved, closed.
v1::ImportTicketRequest History() {
  const absl::Time created = kNow - absl::Hours(100);
  v1::ImportTicketRequest request;
  request.set_external_id("zendesk:4512");
  v1::Ticket& ticket = *request.mutable_ticket();
  ticket.set_subject("Refund not received");
  ticket.set_channel(T::EMAIL);
  ticket.set_requester_email("kim@example.com");
  *ticket.mutable_create_time() = ToProtoTime(created);
  auto message = [&](v1::Message::AuthorType type, bool internal, absl::Duration at) {
    v1::Message& m = *request.add_messages();
    m.set_author_type(type);
    m.set_internal(internal);
    m.set_body("text");
    *m.mutable_create_time() = ToProtoTime(created + at);
  };
  auto status = [&](T::Status s, absl::Duration at) {
    v1::ImportedStatusChange& c = *request.add_status_changes();
    c.set_status(s);
    *c.mutable_change_time() = ToProtoTime(created + at);
  };
  message(v1::Message::AGENT, true, absl::Minutes(10));
  message(v1::Message::AGENT, false, absl::Minutes(30));   // first response
  status(T::PENDING, absl::Minutes(30));                   // same time: after the reply
  message(v1::Message::CUSTOMER, false, absl::Hours(2));   // opens it
  status(T::SOLVED, absl::Hours(3));
  request.mutable_rating()->set_score(4);
  *request.mutable_rating()->mutable_rate_time() = ToProtoTime(created + absl::Hours(4));
  message(v1::Message::CUSTOMER, false, absl::Hours(20));  // reopens it
  status(T::SOLVED, absl::Hours(21));
  status(T::CLOSED, absl::Hours(99));
  return request;
}

TEST(ImportTicketTest, ReplaysHistoryThroughTheLiveRules) {
  const v1::ImportTicketRequest request = History();
  ASSERT_OK(ValidateImportTicket(request, kNow));
  const absl::Time created = FromProtoTime(request.ticket().create_time());
  const T ticket = PrepareNewTicket(request.ticket(), "IMP1", created);
  int ids = 0;
  ASSERT_OK_AND_ASSIGN(TicketImport import,
                       ReplayImport(request, ticket, "admin-1", {},
                                    [&](absl::Time) { return "M" + std::to_string(++ids); }));
  const T& after = import.ticket;
  EXPECT_TRUE(after.imported());
  EXPECT_EQ(after.external_id(), "zendesk:4512");
  EXPECT_EQ(after.status(), T::CLOSED);
  EXPECT_EQ(FromProtoTime(after.first_response_time()), created + absl::Minutes(30));
  EXPECT_EQ(FromProtoTime(after.solve_time()), created + absl::Hours(21));
  EXPECT_EQ(FromProtoTime(after.close_time()), created + absl::Hours(99));
  EXPECT_EQ(FromProtoTime(after.update_time()), created + absl::Hours(99));
  EXPECT_EQ(after.reopen_count(), 1);
  EXPECT_EQ(after.agent_reply_count(), 1);
  EXPECT_EQ(after.satisfaction().score(), 4);
  EXPECT_EQ(import.messages.size(), 4u);
  EXPECT_EQ(import.messages[0].name(), "tickets/IMP1/messages/M1");
  // Events come in time order, all marked imported, at original times.
  ASSERT_FALSE(import.events.empty());
  std::vector<std::string> types;
  absl::Time previous = absl::InfinitePast();
  for (const TimedEvent& event : import.events) {
    EXPECT_GE(event.time, previous);
    previous = event.time;
    const auto* field = event.event->GetDescriptor()->FindFieldByName("imported");
    ASSERT_NE(field, nullptr) << event.event->GetTypeName();
    EXPECT_TRUE(event.event->GetReflection()->GetBool(*event.event, field));
    if (event.event->GetTypeName() != "tandem.support.v1.TicketUpdated") {
      types.push_back(event.event->GetDescriptor()->name());
    }
  }
  EXPECT_THAT(types, ElementsAre("TicketCreated", "TicketReplied", "TicketReplied",
                                 "TicketReplied", "TicketSolved", "TicketRated",
                                 "TicketReopened", "TicketReplied", "TicketSolved",
                                 "TicketClosed"));
  EXPECT_EQ(import.events.front().time, created);
  EXPECT_EQ(import.changes.front().actor(), "admin-1");
}

TEST(ImportTicketTest, RefusesStepsTheWorkflowForbids) {
  v1::ImportTicketRequest request = History();
  // A message after CLOSED.
  v1::Message& late = *request.add_messages();
  late.set_author_type(v1::Message::CUSTOMER);
  late.set_body("hello?");
  *late.mutable_create_time() =
      ToProtoTime(FromProtoTime(request.ticket().create_time()) + absl::Hours(99.5));
  const T ticket = PrepareNewTicket(request.ticket(), "IMP1",
                                    FromProtoTime(request.ticket().create_time()));
  auto ids = [](absl::Time) { return std::string("M"); };
  EXPECT_THAT(Fields(ReplayImport(request, ticket, "a", {}, ids).status()),
              ElementsAre("messages[4]"));
  // A rating of a ticket that is not solved at that time.
  request = History();
  *request.mutable_rating()->mutable_rate_time() = request.messages(1).create_time();
  EXPECT_THAT(Fields(ReplayImport(request, ticket, "a", {}, ids).status()), ElementsAre("rating"));
}

TEST(ImportTicketTest, ValidatesIdsTimesAndSizes) {
  v1::ImportTicketRequest request = History();
  request.set_external_id("zendesk 4512");
  request.mutable_messages(0)->clear_create_time();
  *request.mutable_status_changes(0)->mutable_change_time() = ToProtoTime(kNow + absl::Hours(1));
  request.mutable_status_changes(1)->set_status(T::NEW);
  request.mutable_rating()->set_score(6);
  EXPECT_THAT(Fields(ValidateImportTicket(request, kNow)),
              ElementsAre("external_id", "messages[0].create_time",
                          "status_changes[0].change_time", "status_changes[1].status",
                          "rating.score"));
  request = History();
  request.mutable_ticket()->clear_create_time();
  EXPECT_THAT(Fields(ValidateImportTicket(request, kNow)), ElementsAre("ticket.create_time"));
  request = History();
  for (int i = 0; i < 1001; ++i) *request.add_messages() = request.messages(0);
  EXPECT_THAT(Fields(ValidateImportTicket(request, kNow)), ElementsAre("messages"));
}

}  // namespace
}  // namespace tandem::support

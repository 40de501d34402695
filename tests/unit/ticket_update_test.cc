// The pure rules of a ticket update: validation, etag, state machine,
// lifecycle stamps, history and events.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "services/support/ticket_manager.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using T = v1::Ticket;

constexpr char kName[] = "tickets/01JABCDEFGHJKMNPQRSTVWXYZ0";
const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

T Current(T::Status status) {
  T ticket;
  ticket.set_name(kName);
  ticket.set_subject("Printer on fire");
  ticket.set_priority(T::NORMAL);
  ticket.set_type(T::INCIDENT);
  ticket.set_status(status);
  ticket.set_etag("etag-1");
  return ticket;
}

v1::UpdateTicketRequest Request(std::vector<std::string> paths) {
  v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_name(kName);
  for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
  return request;
}

std::vector<std::string> Fields(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const auto& v : FieldViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

// A mask must name updatable fields, and their new values must be valid.
TEST(ValidateUpdateTicketTest, ChecksMaskAndMaskedValues) {
  EXPECT_THAT(Fields(ValidateUpdateTicket(Request({}))), ElementsAre("update_mask"));
  EXPECT_THAT(Fields(ValidateUpdateTicket(Request({"channel"}))), ElementsAre("update_mask"));
  EXPECT_THAT(Fields(ValidateUpdateTicket(Request({"etag"}))), ElementsAre("update_mask"));
  v1::UpdateTicketRequest request = Request({"subject", "priority", "status"});
  request.mutable_ticket()->set_subject("");
  EXPECT_THAT(Fields(ValidateUpdateTicket(request)),
              ElementsAre("ticket.subject", "ticket.priority", "ticket.status"));
  request = Request({"description"});  // fields outside the mask are not checked
  request.mutable_ticket()->set_subject("");
  EXPECT_OK(ValidateUpdateTicket(request));
  request.mutable_ticket()->set_name("accounts/01JABCDEFGHJKMNPQRSTVWXYZ0");
  EXPECT_THAT(Fields(ValidateUpdateTicket(request)), ElementsAre("ticket.name"));
}

// A stale etag is ABORTED; the current one or none goes through.
TEST(DecideTicketUpdateTest, StaleEtagIsAborted) {
  v1::UpdateTicketRequest request = Request({"priority"});
  request.mutable_ticket()->set_priority(T::HIGH);
  request.mutable_ticket()->set_etag("etag-0");
  EXPECT_THAT(DecideTicketUpdate(Current(T::OPEN), request, "alice", kNow, "etag-2"),
              StatusIs(absl::StatusCode::kAborted));
  request.mutable_ticket()->set_etag("etag-1");
  ASSERT_OK_AND_ASSIGN(TicketUpdate update,
                       DecideTicketUpdate(Current(T::OPEN), request, "alice", kNow, "etag-2"));
  EXPECT_EQ(update.ticket.priority(), T::HIGH);
  EXPECT_EQ(update.ticket.etag(), "etag-2");
  ASSERT_EQ(update.changes.size(), 1u);
  EXPECT_EQ(update.changes[0].field(), "priority");
  EXPECT_EQ(update.changes[0].old_value(), "NORMAL");
  EXPECT_EQ(update.changes[0].new_value(), "HIGH");
  EXPECT_EQ(update.changes[0].actor(), "alice");
}

// A closed ticket cannot be reopened.
TEST(DecideTicketUpdateTest, IllegalStatusChangeIsFailedPrecondition) {
  v1::UpdateTicketRequest request = Request({"status"});
  request.mutable_ticket()->set_status(T::OPEN);
  EXPECT_THAT(DecideTicketUpdate(Current(T::CLOSED), request, "alice", kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

// Solving stamps the solve time and announces TicketSolved.
TEST(DecideTicketUpdateTest, SolveStampsTimeAndEmitsSolved) {
  v1::UpdateTicketRequest request = Request({"status"});
  request.mutable_ticket()->set_status(T::SOLVED);
  ASSERT_OK_AND_ASSIGN(TicketUpdate update,
                       DecideTicketUpdate(Current(T::OPEN), request, "alice", kNow, "e"));
  EXPECT_EQ(FromProtoTime(update.ticket.solve_time()), kNow);
  ASSERT_EQ(update.events.size(), 2u);
  EXPECT_EQ(update.events[0]->GetDescriptor()->name(), "TicketUpdated");
  EXPECT_EQ(update.events[1]->GetDescriptor()->name(), "TicketSolved");
  const auto& updated = static_cast<const v1::TicketUpdated&>(*update.events[0]);
  EXPECT_EQ(updated.previous_status(), T::OPEN);
  EXPECT_THAT(updated.changed_fields(), ElementsAre("status"));
}

// Reopening counts the reopen and clears the solve time; closing stamps
// the close time.
TEST(DecideTicketUpdateTest, ReopenCountsAndCloseStamps) {
  T solved = Current(T::SOLVED);
  *solved.mutable_solve_time() = ToProtoTime(kNow - absl::Hours(1));
  v1::UpdateTicketRequest reopen = Request({"status"});
  reopen.mutable_ticket()->set_status(T::OPEN);
  ASSERT_OK_AND_ASSIGN(TicketUpdate reopened,
                       DecideTicketUpdate(solved, reopen, "customer", kNow, "e"));
  EXPECT_EQ(reopened.ticket.reopen_count(), 1);
  EXPECT_FALSE(reopened.ticket.has_solve_time());
  EXPECT_EQ(reopened.events[1]->GetDescriptor()->name(), "TicketReopened");

  v1::UpdateTicketRequest close = Request({"status"});
  close.mutable_ticket()->set_status(T::CLOSED);
  ASSERT_OK_AND_ASSIGN(TicketUpdate closed, DecideTicketUpdate(solved, close, "system", kNow, "e"));
  EXPECT_EQ(FromProtoTime(closed.ticket.close_time()), kNow);
  EXPECT_EQ(closed.events[1]->GetDescriptor()->name(), "TicketClosed");
}

// Setting values a ticket already has records and announces nothing.
TEST(DecideTicketUpdateTest, NoOpUpdateWritesNothing) {
  v1::UpdateTicketRequest request = Request({"priority", "subject"});
  request.mutable_ticket()->set_priority(T::NORMAL);
  request.mutable_ticket()->set_subject(" Printer on fire ");
  ASSERT_OK_AND_ASSIGN(TicketUpdate update,
                       DecideTicketUpdate(Current(T::OPEN), request, "alice", kNow, "e"));
  EXPECT_TRUE(update.changes.empty());
  EXPECT_TRUE(update.events.empty());
}

// Tags are replaced as a set, sorted, and recorded as text.
TEST(DecideTicketUpdateTest, TagsAreReplacedAsASortedSet) {
  v1::UpdateTicketRequest request = Request({"tags"});
  for (const char* tag : {"vip", "billing", "vip"}) request.mutable_ticket()->add_tags(tag);
  ASSERT_OK_AND_ASSIGN(TicketUpdate update,
                       DecideTicketUpdate(Current(T::OPEN), request, "alice", kNow, "e"));
  EXPECT_THAT(update.ticket.tags(), ElementsAre("billing", "vip"));
  EXPECT_EQ(update.changes[0].new_value(), "billing,vip");
}

constexpr char kAccountA[] = "accounts/01JABCDEFGHJKMNPQRSTVWXYZA";
constexpr char kContactOfA[] =
    "accounts/01JABCDEFGHJKMNPQRSTVWXYZA/contacts/01JABCDEFGHJKMNPQRSTVWXYZC";
constexpr char kContactOfB[] =
    "accounts/01JABCDEFGHJKMNPQRSTVWXYZB/contacts/01JABCDEFGHJKMNPQRSTVWXYZC";

// Requester contacts are Success's names; the old `contacts/{id}` and the
// any-account `-` are refused on a ticket.
TEST(RequesterContactTest, OnlySuccessContactNamesAreTaken) {
  ASSERT_OK_AND_ASSIGN(RequesterContact contact,
                       ParseRequesterContact("f", kContactOfA, /*allow_any_account=*/false));
  EXPECT_EQ(contact.account_id, "01JABCDEFGHJKMNPQRSTVWXYZA");
  EXPECT_EQ(contact.contact_id, "01JABCDEFGHJKMNPQRSTVWXYZC");
  EXPECT_EQ(RequesterContactName(contact.account_id, contact.contact_id), kContactOfA);
  const std::string any = "accounts/-/contacts/01JABCDEFGHJKMNPQRSTVWXYZC";
  EXPECT_OK(ParseRequesterContact("f", any, /*allow_any_account=*/true));
  for (const std::string& bad : {any, std::string("contacts/01JABCDEFGHJKMNPQRSTVWXYZC"),
                                 std::string(kAccountA), std::string(kContactOfA) + "/x",
                                 std::string("accounts/x/contacts/01JABCDEFGHJKMNPQRSTVWXYZC")}) {
    EXPECT_THAT(ParseRequesterContact("f", bad, /*allow_any_account=*/false),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << bad;
  }
  v1::UpdateTicketRequest request = Request({"requester_contact"});
  request.mutable_ticket()->set_requester_contact("contacts/01JABCDEFGHJKMNPQRSTVWXYZC");
  EXPECT_THAT(Fields(ValidateUpdateTicket(request)), ElementsAre("ticket.requester_contact"));
}

// On create, the contact must be of the ticket's account; a ticket without
// an account takes the contact's.
TEST(RequesterContactTest, CreateNeedsTheTicketsAccountOrTakesTheContacts) {
  v1::CreateTicketRequest request;
  request.mutable_ticket()->set_subject("Help");
  request.mutable_ticket()->set_account(kAccountA);
  request.mutable_ticket()->set_requester_contact(kContactOfB);
  EXPECT_THAT(Fields(ValidateCreateTicket(request)), ElementsAre("ticket.requester_contact"));
  request.mutable_ticket()->set_requester_contact(kContactOfA);
  EXPECT_OK(ValidateCreateTicket(request));
  request.mutable_ticket()->clear_account();
  EXPECT_OK(ValidateCreateTicket(request));
  const T ticket = PrepareNewTicket(request.ticket(), "01JABCDEFGHJKMNPQRSTVWXYZ0", kNow);
  EXPECT_EQ(ticket.account(), kAccountA);
  EXPECT_EQ(ticket.requester_contact(), kContactOfA);
}

// On update, a contact of another account is refused; a ticket without an
// account takes the contact's, as looked up, and records it in history.
TEST(RequesterContactTest, UpdateChecksTheAccountOrAdoptsIt) {
  T current = Current(T::OPEN);
  current.set_account(kAccountA);
  v1::UpdateTicketRequest request = Request({"requester_contact"});
  request.mutable_ticket()->set_requester_contact(kContactOfB);
  absl::StatusOr<TicketUpdate> refused = DecideTicketUpdate(current, request, "alice", kNow, "e");
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(refused.status()), ElementsAre("ticket.requester_contact"));
  request.mutable_ticket()->set_requester_contact(kContactOfA);
  ASSERT_OK_AND_ASSIGN(TicketUpdate same, DecideTicketUpdate(current, request, "alice", kNow, "e"));
  EXPECT_EQ(same.ticket.requester_contact(), kContactOfA);
  EXPECT_EQ(same.ticket.account(), kAccountA);

  const T unowned = Current(T::OPEN);
  const AdoptedAccount adopted{
      .account = kAccountA, .tier = success::v1::HIGH_TOUCH, .check = T::VERIFIED};
  ASSERT_OK_AND_ASSIGN(TicketUpdate taken,
                       DecideTicketUpdate(unowned, request, "alice", kNow, "e", nullptr, &adopted));
  EXPECT_EQ(taken.ticket.account(), kAccountA);
  EXPECT_EQ(taken.ticket.account_tier(), success::v1::HIGH_TOUCH);
  EXPECT_EQ(taken.ticket.account_check(), T::VERIFIED);
  std::vector<std::string> changed;
  for (const auto& change : taken.changes) changed.push_back(change.field());
  EXPECT_THAT(changed, ::testing::UnorderedElementsAre("account", "requester_contact"));
  // Without the lookup (the ticket changed since) the rules refuse to guess.
  EXPECT_THAT(DecideTicketUpdate(unowned, request, "alice", kNow, "e"),
              StatusIs(absl::StatusCode::kAborted));
}

// The list filter takes Success's names: the account part filters on the
// ticket's account, `-` matches the contact under any account.
TEST(RequesterContactTest, FilterMatchesTheContactAndItsAccount) {
  std::vector<FilterTerm> terms = {{.field = "requester_contact", .value = kContactOfA}};
  ASSERT_OK_AND_ASSIGN(std::vector<TicketCondition> conditions, TicketConditions(terms, kNow));
  ASSERT_EQ(conditions.size(), 2);
  EXPECT_EQ(conditions[0].field, TicketField::kAccount);
  EXPECT_EQ(conditions[0].value, "01JABCDEFGHJKMNPQRSTVWXYZA");
  EXPECT_EQ(conditions[1].field, TicketField::kRequesterContact);
  EXPECT_EQ(conditions[1].value, "01JABCDEFGHJKMNPQRSTVWXYZC");
  terms[0].value = "accounts/-/contacts/01JABCDEFGHJKMNPQRSTVWXYZC";
  ASSERT_OK_AND_ASSIGN(conditions, TicketConditions(terms, kNow));
  ASSERT_EQ(conditions.size(), 1);
  EXPECT_EQ(conditions[0].value, "01JABCDEFGHJKMNPQRSTVWXYZC");
  terms[0] = {.field = "requester_contact", .op = FilterOp::kNe, .value = kContactOfA};
  ASSERT_OK_AND_ASSIGN(conditions, TicketConditions(terms, kNow));
  ASSERT_EQ(conditions.size(), 1);
  EXPECT_EQ(conditions[0].field, TicketField::kRequesterContact);
  terms[0] = {.field = "requester_contact", .value = "contacts/01JABCDEFGHJKMNPQRSTVWXYZC"};
  EXPECT_THAT(TicketConditions(terms, kNow), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem::support

namespace tandem::support {
namespace {

v1::Message Posted(v1::Message::AuthorType type, bool internal = false) {
  v1::Message message;
  message.set_name(std::string(kName) + "/messages/01JABCDEFGHJKMNPQRSTVWXYZ9");
  message.set_author_type(type);
  message.set_author(type == v1::Message::CUSTOMER ? "mail-gateway" : "alice");
  message.set_internal(internal);
  message.set_body("Hello");
  *message.mutable_create_time() = ToProtoTime(kNow);
  return message;
}

// The first public agent reply stamps first response and opens a NEW
// ticket; later replies only count.
TEST(DecideMessagePostingTest, FirstPublicAgentReplyStampsFirstResponse) {
  ASSERT_OK_AND_ASSIGN(MessagePosting first,
                       DecideMessagePosting(Current(T::NEW), Posted(v1::Message::AGENT), kNow, "e2"));
  EXPECT_TRUE(first.ticket_changed);
  EXPECT_EQ(FromProtoTime(first.ticket_update.ticket.first_response_time()), kNow);
  EXPECT_EQ(first.ticket_update.ticket.status(), T::OPEN);
  EXPECT_EQ(first.ticket_update.ticket.agent_reply_count(), 1);
  const auto& replied =
      static_cast<const v1::TicketReplied&>(*first.ticket_update.events.back());
  EXPECT_TRUE(replied.first_response());

  T answered = first.ticket_update.ticket;
  ASSERT_OK_AND_ASSIGN(MessagePosting second,
                       DecideMessagePosting(answered, Posted(v1::Message::AGENT),
                                            kNow + absl::Hours(1), "e3"));
  EXPECT_EQ(FromProtoTime(second.ticket_update.ticket.first_response_time()), kNow);
  EXPECT_EQ(second.ticket_update.ticket.agent_reply_count(), 2);
  EXPECT_FALSE(static_cast<const v1::TicketReplied&>(*second.ticket_update.events.back())
                   .first_response());
}

// Internal notes never count as a response and change nothing on the ticket.
TEST(DecideMessagePostingTest, InternalNoteIsNotAResponse) {
  ASSERT_OK_AND_ASSIGN(MessagePosting note,
                       DecideMessagePosting(Current(T::NEW), Posted(v1::Message::AGENT, true), kNow,
                                            "e2"));
  EXPECT_FALSE(note.ticket_changed);
  EXPECT_FALSE(note.ticket_update.ticket.has_first_response_time());
  EXPECT_EQ(note.ticket_update.ticket.status(), T::NEW);
  ASSERT_EQ(note.ticket_update.events.size(), 1u);  // TicketReplied only
}

// A customer's reply opens a PENDING ticket, and reopens a SOLVED one.
TEST(DecideMessagePostingTest, CustomerReplyOpensPendingAndReopensSolved) {
  ASSERT_OK_AND_ASSIGN(MessagePosting pending, DecideMessagePosting(Current(T::PENDING),
                                                                    Posted(v1::Message::CUSTOMER),
                                                                    kNow, "e2"));
  EXPECT_EQ(pending.ticket_update.ticket.status(), T::OPEN);
  EXPECT_EQ(pending.ticket_update.ticket.reopen_count(), 0);
  ASSERT_OK_AND_ASSIGN(MessagePosting solved, DecideMessagePosting(Current(T::SOLVED),
                                                                   Posted(v1::Message::CUSTOMER),
                                                                   kNow, "e2"));
  EXPECT_EQ(solved.ticket_update.ticket.status(), T::OPEN);
  EXPECT_EQ(solved.ticket_update.ticket.reopen_count(), 1);
  ASSERT_EQ(solved.ticket_update.changes.size(), 1u);
  EXPECT_EQ(solved.ticket_update.changes[0].actor(), "mail-gateway");
}

// A closed ticket takes no messages; a customer cannot write a note.
TEST(DecideMessagePostingTest, ClosedTicketRefusesMessages) {
  EXPECT_THAT(DecideMessagePosting(Current(T::CLOSED), Posted(v1::Message::CUSTOMER), kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  v1::CreateMessageRequest request;
  request.set_parent(kName);
  *request.mutable_message() = Posted(v1::Message::CUSTOMER, /*internal=*/true);
  request.mutable_message()->set_body("");
  EXPECT_THAT(Fields(ValidateCreateMessage(request)),
              ElementsAre("message.body", "message.internal"));
}

}  // namespace
}  // namespace tandem::support

namespace tandem::support {
namespace {

v1::EscalateTicketRequest Escalate(int tier, const std::string& reason = "Needs billing") {
  v1::EscalateTicketRequest request;
  request.set_name(kName);
  request.set_tier(tier);
  request.set_reason(reason);
  return request;
}

// Escalation goes up one tier by default, never down or past 3.
TEST(DecideEscalationTest, RaisesTierUpToThree) {
  T ticket = Current(T::OPEN);
  ticket.set_escalation_tier(1);
  ASSERT_OK_AND_ASSIGN(TicketUpdate next, DecideEscalation(ticket, Escalate(0), "alice", kNow, "e"));
  EXPECT_EQ(next.ticket.escalation_tier(), 2);
  EXPECT_EQ(next.ticket.escalation_reason(), "Needs billing");
  EXPECT_EQ(next.events.back()->GetDescriptor()->name(), "TicketEscalated");
  ASSERT_OK_AND_ASSIGN(TicketUpdate top, DecideEscalation(ticket, Escalate(3), "alice", kNow, "e"));
  EXPECT_EQ(top.ticket.escalation_tier(), 3);
  ticket.set_escalation_tier(3);
  EXPECT_THAT(DecideEscalation(ticket, Escalate(0), "alice", kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  ticket.set_escalation_tier(2);
  EXPECT_THAT(DecideEscalation(ticket, Escalate(2), "alice", kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(DecideEscalation(Current(T::SOLVED), Escalate(0), "alice", kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Fields(ValidateEscalateTicket(Escalate(7, " "))), ElementsAre("tier", "reason"));
}

// Ratings need a SOLVED ticket, count for the assignee, and re-rating
// replaces the score.
TEST(DecideRatingTest, RatesSolvedTicketsForTheAssignee) {
  v1::SatisfactionRating happy;
  happy.set_score(5);
  happy.set_comment("Quick and kind");
  EXPECT_THAT(DecideRating(Current(T::OPEN), happy, "portal", kNow, "e"),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  T solved = Current(T::SOLVED);
  solved.set_assignee("alice");
  ASSERT_OK_AND_ASSIGN(TicketUpdate rated, DecideRating(solved, happy, "portal", kNow, "e"));
  EXPECT_EQ(rated.ticket.satisfaction().score(), 5);
  EXPECT_EQ(rated.ticket.satisfaction().rated_agent(), "alice");
  EXPECT_EQ(FromProtoTime(rated.ticket.satisfaction().rate_time()), kNow);
  const auto& event = static_cast<const v1::TicketRated&>(*rated.events.back());
  EXPECT_EQ(event.previous_score(), 0);

  v1::SatisfactionRating unhappy;
  unhappy.set_score(2);
  ASSERT_OK_AND_ASSIGN(TicketUpdate rerated,
                       DecideRating(rated.ticket, unhappy, "portal", kNow, "e"));
  EXPECT_EQ(rerated.ticket.satisfaction().score(), 2);
  EXPECT_EQ(static_cast<const v1::TicketRated&>(*rerated.events.back()).previous_score(), 5);
  ASSERT_OK_AND_ASSIGN(TicketUpdate same, DecideRating(rated.ticket, happy, "portal", kNow, "e"));
  EXPECT_TRUE(same.changes.empty());

  v1::RateTicketRequest bad;
  bad.set_name(kName);
  bad.mutable_rating()->set_score(6);
  EXPECT_THAT(Fields(ValidateRateTicket(bad)), ElementsAre("rating.score"));
}

}  // namespace
}  // namespace tandem::support

// How ticket changes drive the SLA (ticket_sla.h): pauses, replies,
// re-matching on a priority change, breach events, the sweeper, and event
// snapshots that carry the ticket as stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "services/support/ticket_import.h"
#include "services/support/ticket_rules.h"
#include "services/support/ticket_sla.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::testing::ElementsAre;
using T = v1::Ticket;
using K = v1::SlaMetric;

const absl::Time kStart = absl::FromUnixSeconds(1'790'000'000);

// Urgent tickets: first response in 1 hour, resolution in 8; anything
// else: first response in 4 hours, around the clock.
std::vector<SlaRule> Rules() {
  SlaRule urgent;
  urgent.policy.set_name("slaPolicies/urgent");
  urgent.policy.set_position(1);
  urgent.policy.add_priorities(T::URGENT);
  *urgent.policy.mutable_first_response_target() = ToProtoDuration(absl::Hours(1));
  *urgent.policy.mutable_resolution_target() = ToProtoDuration(absl::Hours(8));
  SlaRule other;
  other.policy.set_name("slaPolicies/other");
  other.policy.set_position(2);
  *other.policy.mutable_first_response_target() = ToProtoDuration(absl::Hours(4));
  return {urgent, other};
}

T NewTicket(T::Priority priority) {
  T ticket;
  ticket.set_name("tickets/01JABCDEFGHJKMNPQRSTVWXYZ0");
  ticket.set_status(T::NEW);
  ticket.set_priority(priority);
  *ticket.mutable_create_time() = ToProtoTime(kStart);
  StartTicketSla(ticket, Rules(), kStart);
  return ticket;
}

TicketUpdate StatusChange(const T& current, T::Status status, absl::Time at) {
  v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_status(status);
  request.mutable_update_mask()->add_paths("status");
  auto update = DecideTicketUpdate(current, request, "agent-1", at, "e2");
  EXPECT_OK(update.status());
  return *std::move(update);
}

std::vector<K::Kind> Breaches(const TicketUpdate& update) {
  std::vector<K::Kind> kinds;
  for (const auto& event : update.events) {
    if (auto* breached = dynamic_cast<const v1::SlaBreached*>(event.get())) {
      kinds.push_back(breached->metric());
    }
  }
  return kinds;
}

TEST(TicketSlaTest, NewTicketTakesTheFirstMatchingPolicy) {
  const T urgent = NewTicket(T::URGENT);
  EXPECT_EQ(urgent.sla().policy(), "slaPolicies/urgent");
  const K* first = FindMetric(urgent.sla(), K::FIRST_RESPONSE);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(FromProtoTime(first->due_time()), kStart + absl::Hours(1));
  EXPECT_EQ(NewTicket(T::LOW).sla().policy(), "slaPolicies/other");
}

// PENDING stops the clock; the hour spent there does not count.
TEST(TicketSlaTest, PendingPausesAndOpenResumes) {
  T ticket = NewTicket(T::URGENT);
  TicketUpdate pending = StatusChange(ticket, T::PENDING, kStart + absl::Minutes(30));
  EXPECT_TRUE(AdvanceTicketSla(ticket, pending, Rules(), PostedMessage::kNone,
                               kStart + absl::Minutes(30)));
  EXPECT_EQ(FindMetric(pending.ticket.sla(), K::FIRST_RESPONSE)->stage(), K::PAUSED);
  TicketUpdate open = StatusChange(pending.ticket, T::OPEN, kStart + absl::Minutes(90));
  AdvanceTicketSla(pending.ticket, open, Rules(), PostedMessage::kNone,
                   kStart + absl::Minutes(90));
  const K* first = FindMetric(open.ticket.sla(), K::FIRST_RESPONSE);
  EXPECT_EQ(first->stage(), K::RUNNING);
  EXPECT_EQ(FromProtoTime(first->due_time()), kStart + absl::Minutes(120));
}

// A reply after the due time is a breach, reported by the change itself.
TEST(TicketSlaTest, LateReplyPublishesSlaBreached) {
  const T ticket = NewTicket(T::URGENT);
  TicketUpdate reply;
  reply.ticket = ticket;
  EXPECT_TRUE(AdvanceTicketSla(ticket, reply, Rules(), PostedMessage::kAgentReply,
                               kStart + absl::Minutes(75)));
  EXPECT_THAT(Breaches(reply), ElementsAre(K::FIRST_RESPONSE));
  EXPECT_TRUE(HasBreach(reply.ticket.sla()));
  ASSERT_EQ(reply.changes.size(), 1u);
  EXPECT_EQ(reply.changes[0].new_value(), "FIRST_RESPONSE breached");
}

// Raising the priority re-matches: the urgent policy applies to the time
// already run, so a ticket 2 hours old is breached at once.
TEST(TicketSlaTest, PriorityChangeRematchesKeepingElapsedTime) {
  const T ticket = NewTicket(T::LOW);
  v1::UpdateTicketRequest request;
  request.mutable_ticket()->set_priority(T::URGENT);
  request.mutable_update_mask()->add_paths("priority");
  ASSERT_OK_AND_ASSIGN(TicketUpdate update, DecideTicketUpdate(ticket, request, "a",
                                                               kStart + absl::Hours(2), "e2"));
  AdvanceTicketSla(ticket, update, Rules(), PostedMessage::kNone, kStart + absl::Hours(2));
  EXPECT_EQ(update.ticket.sla().policy(), "slaPolicies/urgent");
  EXPECT_THAT(Breaches(update), ElementsAre(K::FIRST_RESPONSE));
}

TEST(TicketSlaTest, SweeperMarksDueTargetsOnce) {
  const T ticket = NewTicket(T::URGENT);
  EXPECT_TRUE(DecideSlaSweep(ticket, Rules(), kStart + absl::Minutes(59), "e2").changes.empty());
  TicketUpdate swept = DecideSlaSweep(ticket, Rules(), kStart + absl::Minutes(61), "e2");
  EXPECT_THAT(Breaches(swept), ElementsAre(K::FIRST_RESPONSE));
  EXPECT_EQ(swept.ticket.etag(), "e2");
  EXPECT_EQ(swept.changes[0].actor(), "system:sla");
  EXPECT_TRUE(DecideSlaSweep(swept.ticket, Rules(), kStart + absl::Minutes(62), "e3").changes.empty());
}

// An admin relaxes the urgent first-response target to 2 hours: the
// sweeper, coming at the old due time, re-applies the policy and finds
// nothing missed (and records why the due time moved).
TEST(TicketSlaTest, SweeperAppliesEditedPoliciesBeforeMarking) {
  const T ticket = NewTicket(T::URGENT);
  std::vector<SlaRule> relaxed = Rules();
  *relaxed[0].policy.mutable_first_response_target() = ToProtoDuration(absl::Hours(2));
  TicketUpdate swept = DecideSlaSweep(ticket, relaxed, kStart + absl::Minutes(61), "e2");
  EXPECT_TRUE(Breaches(swept).empty());
  ASSERT_EQ(swept.changes.size(), 1u);
  EXPECT_EQ(swept.changes[0].new_value(), "due times recomputed with the current policy");
  EXPECT_EQ(FromProtoTime(FindMetric(swept.ticket.sla(), K::FIRST_RESPONSE)->due_time()),
            kStart + absl::Hours(2));
}

TEST(TicketSlaTest, EventSnapshotsCarryTheStoredTicket) {
  const T ticket = NewTicket(T::URGENT);
  TicketUpdate update = StatusChange(ticket, T::SOLVED, kStart + absl::Hours(2));
  update.ticket.set_assignee("agents/01JABCDEFGHJKMNPQRSTVWXYZ1");  // routing, after the rules
  AdvanceTicketSla(ticket, update, Rules(), PostedMessage::kNone, kStart + absl::Hours(2));
  RefreshEventSnapshots(update);
  ASSERT_FALSE(update.events.empty());
  for (const auto& event : update.events) {
    const auto* field = event->GetDescriptor()->FindFieldByName("ticket");
    ASSERT_NE(field, nullptr);
    const auto& carried =
        static_cast<const T&>(event->GetReflection()->GetMessage(*event, field));
    EXPECT_EQ(carried.assignee(), "agents/01JABCDEFGHJKMNPQRSTVWXYZ1");
    EXPECT_EQ(FindMetric(carried.sla(), K::RESOLUTION)->stage(), K::FULFILLED);
  }
}

// An imported history runs through the SLA too: the late first reply of
// an urgent ticket shows up as an imported SlaBreached at its own time.
TEST(TicketSlaTest, ImportedHistoryBreachesAtOriginalTimes) {
  v1::ImportTicketRequest request;
  request.set_external_id("zendesk:1");
  request.mutable_ticket()->set_subject("Down");
  request.mutable_ticket()->set_priority(T::URGENT);
  *request.mutable_ticket()->mutable_create_time() = ToProtoTime(kStart);
  v1::Message& reply = *request.add_messages();
  reply.set_author_type(v1::Message::AGENT);
  reply.set_body("Looking");
  *reply.mutable_create_time() = ToProtoTime(kStart + absl::Hours(3));
  const T ticket = PrepareNewTicket(request.ticket(), "01JABCDEFGHJKMNPQRSTVWXYZ0", kStart);
  ASSERT_OK_AND_ASSIGN(TicketImport import,
                       ReplayImport(request, ticket, "admin", Rules(),
                                    [](absl::Time) { return std::string("M1"); }));
  bool found = false;
  for (const TimedEvent& event : import.events) {
    if (auto* breached = dynamic_cast<const v1::SlaBreached*>(event.event.get())) {
      found = true;
      EXPECT_TRUE(breached->imported());
      EXPECT_EQ(event.time, kStart + absl::Hours(3));
      EXPECT_EQ(breached->metric(), K::FIRST_RESPONSE);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(HasBreach(import.ticket.sla()));
}

}  // namespace
}  // namespace tandem::support

// The pure rules of Success's support signals (support_signal_applier.h)
// and of engagement requests (engagement_manager.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "common/status.h"
#include "services/success/engagement_manager.h"
#include "services/success/support_signal_applier.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

namespace sv1 = ::tandem::support::v1;
using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kTicketId[] = "01JTTTTTTTTTTTTTTTTTTTTTTT";
constexpr char kAccountId[] = "01JAAAAAAAAAAAAAAAAAAAAAAA";
constexpr char kOtherAccountId[] = "01JAAAAAAAAAAAAAAAAAAAAAAB";
const absl::Time kCreated = absl::FromUnixSeconds(1'790'000'000);
const absl::Time kLater = kCreated + absl::Hours(5);

sv1::Ticket Ticket(sv1::Ticket::Type type, const std::string& account = kAccountId) {
  sv1::Ticket ticket;
  ticket.set_name(std::string("tickets/") + kTicketId);
  if (!account.empty()) ticket.set_account("accounts/" + account);
  ticket.set_subject("It broke");
  ticket.set_type(type);
  ticket.set_status(sv1::Ticket::NEW);
  ticket.set_escalation_tier(1);
  *ticket.mutable_create_time() = ToProtoTime(kCreated);
  return ticket;
}

SupportTicketEvent Event(const std::string& type, const sv1::Ticket& ticket, absl::Time at = kLater,
                         const std::string& id = "01JEVENT000000000000000000") {
  SupportTicketEvent event;
  event.record_id = id;
  event.type = type;
  event.occur_time = at;
  event.ticket = ticket;
  return event;
}

SupportTicketState StateOf(const sv1::Ticket& ticket) {
  SupportTicketState state;
  state.ticket_id = kTicketId;
  state.account_id = kAccountId;
  state.type = ticket.type();
  state.status = ticket.status();
  state.create_time = kCreated;
  return state;
}

std::vector<SupportSignalKind> Kinds(const TicketEffects& effects) {
  std::vector<SupportSignalKind> kinds;
  for (const SupportSignalRow& row : effects.signals) kinds.push_back(row.kind);
  return kinds;
}

// A complaint first seen counts as a ticket and a complaint, both dated at
// the ticket's creation (an imported one keeps its past date).
TEST(PlanTicketEventTest, FirstSeenComplaintAddsTicketAndComplaintAtCreation) {
  const TicketEffects effects =
      PlanTicketEvent(std::nullopt, Event("TicketCreated", Ticket(sv1::Ticket::COMPLAINT)));
  EXPECT_EQ(effects.account_id, kAccountId);
  EXPECT_THAT(Kinds(effects),
              ElementsAre(SupportSignalKind::kTicket, SupportSignalKind::kComplaint));
  EXPECT_EQ(effects.signals[1].time, kCreated);
  EXPECT_EQ(effects.signals[1].dedupe_key, kTicketId);
  EXPECT_THAT(effects.review_accounts, ElementsAre(kAccountId));
  EXPECT_TRUE(effects.on_timeline);
  EXPECT_EQ(effects.summary, "New COMPLAINT ticket: It broke");
}

// A question that becomes a complaint later counts once, at the change;
// further events of the complaint add no more complaints.
TEST(PlanTicketEventTest, TicketBecomingComplaintCountsOnceAtTheChange) {
  const sv1::Ticket question = Ticket(sv1::Ticket::QUESTION);
  const sv1::Ticket complaint = Ticket(sv1::Ticket::COMPLAINT);
  SupportTicketEvent changed = Event("TicketUpdated", complaint);
  changed.detail = "type,priority";
  TicketEffects effects = PlanTicketEvent(StateOf(question), changed);
  EXPECT_THAT(Kinds(effects), ElementsAre(SupportSignalKind::kComplaint));
  EXPECT_EQ(effects.signals[0].time, kLater);
  EXPECT_TRUE(effects.on_timeline);

  effects = PlanTicketEvent(StateOf(complaint), Event("TicketSolved", complaint));
  EXPECT_THAT(effects.signals, IsEmpty());
}

// Updates that do not change the type stay off the timeline.
TEST(PlanTicketEventTest, UpdatesOtherThanTypeStayOffTheTimeline) {
  SupportTicketEvent updated = Event("TicketUpdated", Ticket(sv1::Ticket::QUESTION));
  updated.detail = "priority";
  const TicketEffects effects = PlanTicketEvent(StateOf(updated.ticket), updated);
  EXPECT_FALSE(effects.on_timeline);
  EXPECT_THAT(effects.review_accounts, ElementsAre(kAccountId));
}

// Each escalation and each SLA breach is a signal of its own, keyed by its
// event; the breach is dated at its breach time.
TEST(PlanTicketEventTest, EscalationsAndBreachesAreOneSignalPerEvent) {
  const sv1::Ticket ticket = Ticket(sv1::Ticket::INCIDENT);
  SupportTicketEvent escalated =
      Event("TicketEscalated", ticket, kLater, "01JESCALATION0000000000000");
  escalated.number = 2;
  escalated.detail = "angry";
  TicketEffects effects = PlanTicketEvent(StateOf(ticket), escalated);
  ASSERT_THAT(Kinds(effects), ElementsAre(SupportSignalKind::kEscalation));
  EXPECT_EQ(effects.signals[0].dedupe_key, "01JESCALATION0000000000000");
  EXPECT_EQ(effects.summary, "Escalated to tier 2: angry");

  SupportTicketEvent breached = Event("SlaBreached", ticket, kLater, "01JBREACH00000000000000000");
  breached.detail = "FIRST_RESPONSE";
  breached.time = kLater - absl::Minutes(3);
  effects = PlanTicketEvent(StateOf(ticket), breached);
  ASSERT_THAT(Kinds(effects), ElementsAre(SupportSignalKind::kSlaBreach));
  EXPECT_EQ(effects.signals[0].time, kLater - absl::Minutes(3));
  EXPECT_TRUE(effects.state->sla_breached);
  EXPECT_EQ(effects.summary, "SLA breached: FIRST_RESPONSE target missed");
}

// A rating is one CSAT signal per ticket with its score (a re-rating
// replaces it, by the ticket key).
TEST(PlanTicketEventTest, RatingIsACsatSignalKeyedByTicket) {
  sv1::Ticket ticket = Ticket(sv1::Ticket::QUESTION);
  ticket.mutable_satisfaction()->set_score(2);
  SupportTicketEvent rated = Event("TicketRated", ticket);
  rated.number = 2;
  const TicketEffects effects = PlanTicketEvent(StateOf(ticket), rated);
  ASSERT_THAT(Kinds(effects), ElementsAre(SupportSignalKind::kCsat));
  EXPECT_EQ(effects.signals[0].dedupe_key, kTicketId);
  EXPECT_EQ(effects.signals[0].score, 2);
  EXPECT_EQ(effects.state->csat_score, 2);
}

// A ticket without an account is skipped; one that loses its account is
// forgotten, and its old account reviewed.
TEST(PlanTicketEventTest, TicketWithoutAccountIsSkippedAndLosingOneForgetsIt) {
  const sv1::Ticket orphan = Ticket(sv1::Ticket::COMPLAINT, "");
  TicketEffects effects = PlanTicketEvent(std::nullopt, Event("TicketCreated", orphan));
  EXPECT_TRUE(effects.account_id.empty());
  EXPECT_FALSE(effects.state.has_value());
  EXPECT_FALSE(effects.delete_state);
  EXPECT_THAT(effects.signals, IsEmpty());
  EXPECT_THAT(effects.review_accounts, IsEmpty());

  effects =
      PlanTicketEvent(StateOf(Ticket(sv1::Ticket::COMPLAINT)), Event("TicketUpdated", orphan));
  EXPECT_TRUE(effects.delete_state);
  EXPECT_THAT(effects.review_accounts, ElementsAre(kAccountId));
}

// A ticket moved to another account takes its signals along; both
// accounts are reviewed.
TEST(PlanTicketEventTest, MovedTicketReviewsBothAccounts) {
  const TicketEffects effects =
      PlanTicketEvent(StateOf(Ticket(sv1::Ticket::QUESTION)),
                      Event("TicketUpdated", Ticket(sv1::Ticket::QUESTION, kOtherAccountId)));
  EXPECT_EQ(effects.moved_from_account, kAccountId);
  EXPECT_THAT(effects.review_accounts, ElementsAre(kAccountId, kOtherAccountId));
  EXPECT_THAT(effects.signals, IsEmpty());
}

// A FEATURE_REQUEST becomes a feedback item when first seen as one, and
// only then.
TEST(PlanTicketEventTest, FeatureRequestMakesFeedbackOnce) {
  const sv1::Ticket request = Ticket(sv1::Ticket::FEATURE_REQUEST);
  EXPECT_TRUE(PlanTicketEvent(std::nullopt, Event("TicketCreated", request)).make_feedback);
  EXPECT_FALSE(PlanTicketEvent(StateOf(request), Event("TicketSolved", request)).make_feedback);
  EXPECT_TRUE(
      PlanTicketEvent(StateOf(Ticket(sv1::Ticket::QUESTION)), Event("TicketUpdated", request))
          .make_feedback);
}

// A FEATURE_REQUEST without an account still makes its feedback item
// (and nothing else); other tickets without one make none.
TEST(PlanTicketEventTest, FeatureRequestWithoutAccountStillMakesFeedback) {
  const TicketEffects effects = PlanTicketEvent(
      std::nullopt, Event("TicketCreated", Ticket(sv1::Ticket::FEATURE_REQUEST, "")));
  EXPECT_TRUE(effects.make_feedback);
  EXPECT_TRUE(effects.account_id.empty());
  EXPECT_FALSE(effects.state.has_value());
  EXPECT_THAT(effects.signals, IsEmpty());
  EXPECT_THAT(effects.review_accounts, IsEmpty());
  EXPECT_FALSE(
      PlanTicketEvent(std::nullopt, Event("TicketCreated", Ticket(sv1::Ticket::QUESTION, "")))
          .make_feedback);
}

// Internal notes stay off the timeline; public replies show.
TEST(PlanTicketEventTest, OnlyPublicRepliesShowOnTheTimeline) {
  const sv1::Ticket ticket = Ticket(sv1::Ticket::QUESTION);
  SupportTicketEvent reply = Event("TicketReplied", ticket);
  EXPECT_FALSE(PlanTicketEvent(StateOf(ticket), reply).on_timeline);
  reply.public_message = true;
  reply.customer_message = true;
  const TicketEffects effects = PlanTicketEvent(StateOf(ticket), reply);
  EXPECT_TRUE(effects.on_timeline);
  EXPECT_EQ(effects.summary, "Customer replied");
}

tandem::common::v1::Event FeedEvent(const google::protobuf::Message& payload,
                                    const std::string& source = "tandem.support.v1") {
  tandem::common::v1::Event event;
  event.set_event_id("01JEVENT000000000000000000");
  event.set_tenant("acme");
  event.set_type(payload.GetDescriptor()->name());
  event.set_source(source);
  *event.mutable_occur_time() = ToProtoTime(kLater);
  event.mutable_payload()->PackFrom(payload);
  return event;
}

// A merge is about two tickets: the source (which shows) and the target.
TEST(DecodeSupportEventTest, MergeYieldsSourceThenTarget) {
  sv1::TicketMerged merged;
  *merged.mutable_source() = Ticket(sv1::Ticket::QUESTION);
  *merged.mutable_target() = Ticket(sv1::Ticket::QUESTION);
  merged.mutable_target()->set_name("tickets/01JTARGET00000000000000000");
  const std::vector<SupportTicketEvent> events = DecodeSupportEvent(FeedEvent(merged));
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].detail, "tickets/01JTARGET00000000000000000");
  EXPECT_FALSE(events[0].merge_target);
  EXPECT_TRUE(events[1].merge_target);
  EXPECT_FALSE(PlanTicketEvent(std::nullopt, events[1]).on_timeline);
}

// Events of other sources and types are not Success's business.
TEST(DecodeSupportEventTest, IgnoresOtherSourcesAndTypes) {
  sv1::TicketCreated created;
  *created.mutable_ticket() = Ticket(sv1::Ticket::QUESTION);
  EXPECT_EQ(DecodeSupportEvent(FeedEvent(created)).size(), 1u);
  EXPECT_THAT(DecodeSupportEvent(FeedEvent(created, "tandem.success.v1")), IsEmpty());
  sv1::Ticket not_an_event;
  EXPECT_THAT(DecodeSupportEvent(FeedEvent(not_an_event)), IsEmpty());
}

// NPS categories follow the standard cut-offs.
TEST(NpsCategoryTest, FollowsTheStandardCutOffs) {
  EXPECT_EQ(NpsCategory(0), v1::NpsResponse::DETRACTOR);
  EXPECT_EQ(NpsCategory(6), v1::NpsResponse::DETRACTOR);
  EXPECT_EQ(NpsCategory(7), v1::NpsResponse::PASSIVE);
  EXPECT_EQ(NpsCategory(8), v1::NpsResponse::PASSIVE);
  EXPECT_EQ(NpsCategory(9), v1::NpsResponse::PROMOTER);
  EXPECT_EQ(NpsCategory(10), v1::NpsResponse::PROMOTER);
}

// Child names must be accounts/{id}/<collection>/{id} with real ids.
TEST(ParseChildNameTest, AcceptsOnlyTheCollectionsShape) {
  const std::string good = std::string("accounts/") + kAccountId + "/activities/" + kTicketId;
  ASSERT_OK_AND_ASSIGN(ChildName name, ParseChildName("name", "activities", good));
  EXPECT_EQ(name.account_id, kAccountId);
  EXPECT_EQ(name.id, kTicketId);
  EXPECT_THAT(ParseChildName("name", "npsResponses", good),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseChildName("name", "activities", "accounts/x/activities/y"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseAccountParent("parent", "accounts/-", true), ::tandem::testing::IsOk());
  EXPECT_THAT(ParseAccountParent("parent", "accounts/-", false),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// Past activity times are history; more than a day ahead is refused.
TEST(CheckActivityTest, PastIsHistoryButNotFarFuture) {
  v1::Activity activity;
  activity.set_kind(v1::Activity::CALL);
  activity.set_subject("Check-in");
  *activity.mutable_activity_time() = ToProtoTime(kCreated - absl::Hours(24 * 400));
  FieldViolations violations;
  CheckActivity(activity, nullptr, kCreated, violations);
  EXPECT_TRUE(violations.empty());
  *activity.mutable_activity_time() = ToProtoTime(kCreated + absl::Hours(25));
  activity.clear_subject();
  CheckActivity(activity, nullptr, kCreated, violations);
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(violations.ToStatus()))
    fields.push_back(v.field);
  EXPECT_THAT(fields, ElementsAre("activity.subject", "activity.activity_time"));
}

}  // namespace
}  // namespace tandem::success

// The SLA clock: policy order, starting, pausing, fulfilling, breaching,
// re-applying policies and explaining, in business hours of Asia/Tokyo
// and America/New_York (the 2026-03-08 DST change included).
#include "services/support/sla_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using Kind = v1::SlaMetric::Kind;
using v1::SlaMetric;
using v1::Ticket;

constexpr char kTokyo[] = "Asia/Tokyo";

absl::Duration FromProtoDuration(const google::protobuf::Duration& d) {
  return absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
}
constexpr char kNewYork[] = "America/New_York";

absl::Time Local(const std::string& zone, int y, int mo, int d, int h, int mi = 0) {
  absl::TimeZone tz;
  EXPECT_TRUE(absl::LoadTimeZone(zone, &tz));
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, 0), tz);
}

// Monday to Friday, 09:00-12:00 and 13:00-18:00 in `zone`, with holidays.
v1::BusinessCalendar Office(const std::string& zone, std::vector<std::string> holidays = {}) {
  v1::BusinessCalendar proto;
  proto.set_name(zone == kTokyo ? "calendars/01JTOKYO000000000000000000"
                                : "calendars/01JNEWYORK0000000000000000");
  proto.set_display_name(zone);
  proto.set_time_zone(zone);
  for (int day = v1::BusinessCalendar::MONDAY; day <= v1::BusinessCalendar::FRIDAY; ++day) {
    for (auto [start, end] : {std::pair{"09:00", "12:00"}, std::pair{"13:00", "18:00"}}) {
      auto& interval = *proto.add_business_hours();
      interval.set_weekday(static_cast<v1::BusinessCalendar::Weekday>(day));
      interval.set_start_time(start);
      interval.set_end_time(end);
    }
  }
  for (const std::string& date : holidays) proto.add_holidays()->set_date(date);
  return proto;
}

struct Targets {
  std::optional<absl::Duration> first{};
  std::optional<absl::Duration> next{};
  std::optional<absl::Duration> resolution{};
};

v1::SlaPolicy Policy(const std::string& id, int position, int64_t created, Targets targets = {}) {
  v1::SlaPolicy policy;
  policy.set_name("slaPolicies/" + id);
  policy.set_display_name(id);
  policy.set_position(position);
  policy.mutable_create_time()->set_seconds(created);
  if (targets.first) *policy.mutable_first_response_target() = ToProtoDuration(*targets.first);
  if (targets.next) *policy.mutable_next_response_target() = ToProtoDuration(*targets.next);
  if (targets.resolution)
    *policy.mutable_resolution_target() = ToProtoDuration(*targets.resolution);
  return policy;
}

std::vector<SlaRule> Compile(std::vector<StoredSlaPolicy> stored) {
  absl::StatusOr<std::vector<SlaRule>> rules = CompileRules(stored);
  EXPECT_OK(rules);
  return rules.ok() ? *std::move(rules) : std::vector<SlaRule>{};
}

// One policy in an office calendar.
std::vector<SlaRule> OneRule(const std::string& zone, Targets targets,
                             std::vector<std::string> holidays = {}) {
  return Compile({{Policy("01JPOLICY00000000000000000", 0, 1, targets), Office(zone, holidays)}});
}

TicketFacts Facts(Ticket::Priority priority, success::v1::TouchTier tier = success::v1::HIGH_TOUCH,
                  Ticket::Channel channel = Ticket::EMAIL, Ticket::Type type = Ticket::QUESTION) {
  return {priority, tier, channel, type};
}

absl::Time Due(const v1::TicketSla& sla, Kind kind) {
  const SlaMetric* metric = FindMetric(sla, kind);
  return metric != nullptr && metric->has_due_time() ? FromProtoTime(metric->due_time())
                                                     : absl::InfinitePast();
}

SlaMetric::Stage StageOf(const v1::TicketSla& sla, Kind kind) {
  const SlaMetric* metric = FindMetric(sla, kind);
  return metric != nullptr ? metric->stage() : SlaMetric::STAGE_UNSPECIFIED;
}

// Policies are tried by position, then by creation time, whatever order
// they come in; the first whose conditions all hold wins.
TEST(SlaClockTest, FirstMatchingPolicyInOrderWins) {
  v1::SlaPolicy urgent_only = Policy("urgent", 1, 100);
  urgent_only.add_priorities(Ticket::URGENT);
  v1::SlaPolicy high_touch_late = Policy("high-touch-late", 5, 300);
  high_touch_late.add_account_tiers(success::v1::HIGH_TOUCH);
  v1::SlaPolicy high_touch_early = Policy("high-touch-early", 5, 200);
  high_touch_early.add_account_tiers(success::v1::HIGH_TOUCH);
  v1::SlaPolicy phone = Policy("phone", 0, 50);
  phone.add_channels(Ticket::PHONE);
  v1::SlaPolicy everything = Policy("everything", 9, 10);
  const std::vector<SlaRule> rules = Compile({{everything, {}},
                                              {high_touch_late, {}},
                                              {urgent_only, {}},
                                              {high_touch_early, {}},
                                              {phone, {}}});
  std::vector<std::string> order;
  for (const SlaRule& rule : rules) order.push_back(rule.policy.display_name());
  EXPECT_THAT(order,
              ElementsAre("phone", "urgent", "high-touch-early", "high-touch-late", "everything"));

  EXPECT_EQ(MatchPolicy(rules, Facts(Ticket::URGENT))->policy.display_name(), "urgent");
  EXPECT_EQ(MatchPolicy(rules, Facts(Ticket::HIGH))->policy.display_name(), "high-touch-early");
  EXPECT_EQ(MatchPolicy(rules, Facts(Ticket::HIGH, success::v1::LOW_TOUCH, Ticket::PHONE))
                ->policy.display_name(),
            "phone");
  EXPECT_EQ(MatchPolicy(rules, Facts(Ticket::LOW, success::v1::TECH_TOUCH))->policy.display_name(),
            "everything");
  EXPECT_EQ(MatchPolicy({}, Facts(Ticket::LOW)), nullptr);
}

// Every condition must hold; a tier condition with TOUCH_TIER_UNSPECIFIED
// catches tickets whose account tier is unknown; mismatches say why.
TEST(SlaClockTest, AllConditionsMustHoldAndMismatchesSayWhy) {
  v1::SlaPolicy policy = Policy("vip-incidents", 0, 1);
  policy.add_priorities(Ticket::HIGH);
  policy.add_priorities(Ticket::URGENT);
  policy.add_types(Ticket::INCIDENT);
  EXPECT_THAT(PolicyMismatches(policy, Facts(Ticket::HIGH, success::v1::HIGH_TOUCH, Ticket::EMAIL,
                                             Ticket::INCIDENT)),
              IsEmpty());
  EXPECT_THAT(PolicyMismatches(policy, Facts(Ticket::NORMAL)),
              ElementsAre("priority NORMAL is not one of HIGH, URGENT",
                          "type QUESTION is not one of INCIDENT"));

  v1::SlaPolicy unknown_tier = Policy("unknown-tier", 0, 1);
  unknown_tier.add_account_tiers(success::v1::TOUCH_TIER_UNSPECIFIED);
  EXPECT_THAT(
      PolicyMismatches(unknown_tier, Facts(Ticket::LOW, success::v1::TOUCH_TIER_UNSPECIFIED)),
      IsEmpty());
  EXPECT_THAT(PolicyMismatches(unknown_tier, Facts(Ticket::LOW, success::v1::LOW_TOUCH)),
              ElementsAre("account tier LOW_TOUCH is not one of TOUCH_TIER_UNSPECIFIED"));
}

// A new ticket runs first response and resolution, due in Tokyo business
// hours: Friday 17:30 + 4h is Monday 13:30 (lunch skipped).
TEST(SlaClockTest, StartsFirstResponseAndResolutionInBusinessHours) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(4), .resolution = absl::Hours(16)});
  const absl::Time created = Local(kTokyo, 2026, 3, 6, 17, 30);
  const v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, created);
  EXPECT_EQ(sla.policy(), rules[0].policy.name());
  EXPECT_EQ(sla.calendar(), "calendars/01JTOKYO000000000000000000");
  EXPECT_EQ(StageOf(sla, SlaMetric::FIRST_RESPONSE), SlaMetric::RUNNING);
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE), Local(kTokyo, 2026, 3, 9, 13, 30));
  EXPECT_EQ(Due(sla, SlaMetric::RESOLUTION), Local(kTokyo, 2026, 3, 10, 17, 30));
  EXPECT_EQ(FindMetric(sla, SlaMetric::NEXT_RESPONSE), nullptr);
  EXPECT_EQ(NextDueTime(sla), Local(kTokyo, 2026, 3, 9, 13, 30));
}

// New York's spring-forward weekend: a ticket from Friday 17:00 EST with a
// 2-hour first response is due Monday 10:00 EDT (local hours kept).
TEST(SlaClockTest, DueTimeFollowsLocalHoursOverDstChange) {
  const auto rules = OneRule(kNewYork, {.first = absl::Hours(2)});
  const v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kNewYork, 2026, 3, 6, 17));
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE), Local(kNewYork, 2026, 3, 9, 10));
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE),
            absl::FromCivil(absl::CivilSecond(2026, 3, 9, 14, 0, 0), absl::UTCTimeZone()));
}

// PENDING pauses every running clock and OPEN resumes them: the paused
// stretch does not count and the due time moves out by it.
TEST(SlaClockTest, PausesWhilePendingAndResumesWhenOpen) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(4), .resolution = absl::Hours(8)});
  const SlaRule* rule = &rules[0];
  v1::TicketSla sla = StartSla(rule, Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));  // Monday
  EXPECT_EQ(Due(sla, SlaMetric::RESOLUTION), Local(kTokyo, 2026, 3, 2, 18));
  OnAgentReply(sla, rule, Local(kTokyo, 2026, 3, 2, 10));
  OnStatusChange(sla, rule, Ticket::NEW, Ticket::PENDING, Local(kTokyo, 2026, 3, 2, 10));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::PAUSED);
  EXPECT_FALSE(FindMetric(sla, SlaMetric::RESOLUTION)->has_due_time());
  EXPECT_EQ(FromProtoDuration(FindMetric(sla, SlaMetric::RESOLUTION)->business_time()),
            absl::Hours(1));
  EXPECT_EQ(NextDueTime(sla), std::nullopt);
  // Paused over a day; nothing falls due meanwhile.
  EXPECT_THAT(MarkBreaches(sla, Local(kTokyo, 2026, 3, 3, 9)).newly_breached, IsEmpty());
  OnStatusChange(sla, rule, Ticket::PENDING, Ticket::ON_HOLD, Local(kTokyo, 2026, 3, 2, 15));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::PAUSED);
  OnStatusChange(sla, rule, Ticket::ON_HOLD, Ticket::OPEN, Local(kTokyo, 2026, 3, 3, 9));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::RUNNING);
  // 1h used on Monday, 7h left from Tuesday 09:00: 09-12, 13-17.
  EXPECT_EQ(Due(sla, SlaMetric::RESOLUTION), Local(kTokyo, 2026, 3, 3, 17));
  EXPECT_EQ(FindMetric(sla, SlaMetric::RESOLUTION)->running_periods_size(), 2);
}

// A reply before the due time fulfils first response on time; the sweeper
// then finds nothing.
TEST(SlaClockTest, ReplyInTimeFulfilsWithoutBreach) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(1)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  const SlaOutcome outcome = OnAgentReply(sla, &rules[0], Local(kTokyo, 2026, 3, 2, 10));
  EXPECT_THAT(outcome.newly_breached, IsEmpty());  // exactly at the due time is on time
  const SlaMetric& first = *FindMetric(sla, SlaMetric::FIRST_RESPONSE);
  EXPECT_EQ(first.stage(), SlaMetric::FULFILLED);
  EXPECT_FALSE(first.breached());
  EXPECT_EQ(FromProtoTime(first.fulfill_time()), Local(kTokyo, 2026, 3, 2, 10));
  EXPECT_THAT(MarkBreaches(sla, Local(kTokyo, 2026, 3, 9, 10)).newly_breached, IsEmpty());
}

// The sweeper marks a metric once its due time passed, exactly once; a
// late reply then fulfils it but the breach stays.
TEST(SlaClockTest, SweeperMarksBreachOnceAndItSticks) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(1)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  EXPECT_THAT(DueBreaches(sla, Local(kTokyo, 2026, 3, 2, 10)), IsEmpty());
  EXPECT_THAT(MarkBreaches(sla, Local(kTokyo, 2026, 3, 2, 10, 1)).newly_breached,
              ElementsAre(SlaMetric::FIRST_RESPONSE));
  EXPECT_THAT(MarkBreaches(sla, Local(kTokyo, 2026, 3, 2, 11)).newly_breached, IsEmpty());
  EXPECT_TRUE(HasBreach(sla));
  EXPECT_EQ(NextDueTime(sla), std::nullopt);
  EXPECT_THAT(OnAgentReply(sla, &rules[0], Local(kTokyo, 2026, 3, 2, 12)).newly_breached,
              IsEmpty());
  const SlaMetric& first = *FindMetric(sla, SlaMetric::FIRST_RESPONSE);
  EXPECT_EQ(first.stage(), SlaMetric::FULFILLED);
  EXPECT_TRUE(first.breached());
  EXPECT_EQ(FromProtoTime(first.breach_time()), Local(kTokyo, 2026, 3, 2, 10));
}

// Without the sweeper, a late reply reports the breach itself, dated at
// the due time.
TEST(SlaClockTest, LateReplyReportsTheBreach) {
  const auto rules = OneRule(kNewYork, {.first = absl::Hours(1)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kNewYork, 2026, 3, 6, 17, 30));
  // 17:30-18:00 Friday, then 09:00-09:30 Monday (EDT by then).
  EXPECT_THAT(OnAgentReply(sla, &rules[0], Local(kNewYork, 2026, 3, 9, 11)).newly_breached,
              ElementsAre(SlaMetric::FIRST_RESPONSE));
  EXPECT_EQ(FromProtoTime(FindMetric(sla, SlaMetric::FIRST_RESPONSE)->breach_time()),
            Local(kNewYork, 2026, 3, 9, 9, 30));
}

// Next response: a customer message after the first reply starts it, more
// messages do not restart it, an agent reply fulfils it, and the next
// customer message starts a fresh cycle.
TEST(SlaClockTest, NextResponseCyclesBetweenCustomerAndAgent) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(4), .next = absl::Hours(2)});
  const SlaRule* rule = &rules[0];
  v1::TicketSla sla = StartSla(rule, Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  // Before the first reply, a customer follow-up is covered by first response.
  OnCustomerMessage(sla, rule, Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9, 30));
  EXPECT_EQ(FindMetric(sla, SlaMetric::NEXT_RESPONSE), nullptr);
  OnAgentReply(sla, rule, Local(kTokyo, 2026, 3, 2, 10));
  OnCustomerMessage(sla, rule, Ticket::OPEN, Local(kTokyo, 2026, 3, 2, 11));
  EXPECT_EQ(Due(sla, SlaMetric::NEXT_RESPONSE), Local(kTokyo, 2026, 3, 2, 14));  // lunch skipped
  OnCustomerMessage(sla, rule, Ticket::OPEN, Local(kTokyo, 2026, 3, 2, 11, 30));
  EXPECT_EQ(Due(sla, SlaMetric::NEXT_RESPONSE), Local(kTokyo, 2026, 3, 2, 14));
  OnAgentReply(sla, rule, Local(kTokyo, 2026, 3, 2, 13, 30));
  EXPECT_EQ(StageOf(sla, SlaMetric::NEXT_RESPONSE), SlaMetric::FULFILLED);
  OnCustomerMessage(sla, rule, Ticket::OPEN, Local(kTokyo, 2026, 3, 2, 17));
  EXPECT_EQ(StageOf(sla, SlaMetric::NEXT_RESPONSE), SlaMetric::RUNNING);
  EXPECT_EQ(Due(sla, SlaMetric::NEXT_RESPONSE), Local(kTokyo, 2026, 3, 3, 10));
  EXPECT_EQ(sla.metrics_size(), 3);  // one of each kind: the latest cycle
}

// Solving fulfils resolution and stops an open next response; reopening
// resumes resolution with the business time it had, not counting the
// solved stretch; closing stops everything.
TEST(SlaClockTest, SolveFulfilsResolutionAndReopenResumesIt) {
  const auto rules = OneRule(
      kTokyo, {.first = absl::Hours(4), .next = absl::Hours(2), .resolution = absl::Hours(8)});
  const SlaRule* rule = &rules[0];
  v1::TicketSla sla = StartSla(rule, Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  OnAgentReply(sla, rule, Local(kTokyo, 2026, 3, 2, 10));
  OnCustomerMessage(sla, rule, Ticket::OPEN, Local(kTokyo, 2026, 3, 2, 10, 30));
  OnStatusChange(sla, rule, Ticket::OPEN, Ticket::SOLVED, Local(kTokyo, 2026, 3, 2, 11));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::FULFILLED);
  EXPECT_EQ(StageOf(sla, SlaMetric::NEXT_RESPONSE), SlaMetric::STOPPED);
  EXPECT_EQ(StageOf(sla, SlaMetric::FIRST_RESPONSE), SlaMetric::FULFILLED);
  EXPECT_EQ(FromProtoDuration(FindMetric(sla, SlaMetric::RESOLUTION)->business_time()),
            absl::Hours(2));

  OnStatusChange(sla, rule, Ticket::SOLVED, Ticket::OPEN, Local(kTokyo, 2026, 3, 3, 9));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::RUNNING);
  EXPECT_FALSE(FindMetric(sla, SlaMetric::RESOLUTION)->has_fulfill_time());
  // 6h left from Tuesday 09:00: 09-12 and 13-16.
  EXPECT_EQ(Due(sla, SlaMetric::RESOLUTION), Local(kTokyo, 2026, 3, 3, 16));
  EXPECT_EQ(StageOf(sla, SlaMetric::NEXT_RESPONSE), SlaMetric::STOPPED);

  OnStatusChange(sla, rule, Ticket::OPEN, Ticket::SOLVED, Local(kTokyo, 2026, 3, 3, 10));
  OnStatusChange(sla, rule, Ticket::SOLVED, Ticket::CLOSED, Local(kTokyo, 2026, 3, 4, 10));
  EXPECT_EQ(StageOf(sla, SlaMetric::RESOLUTION), SlaMetric::FULFILLED);
  EXPECT_EQ(FromProtoDuration(FindMetric(sla, SlaMetric::RESOLUTION)->business_time()),
            absl::Hours(3));
}

// Solving without ever replying stops first response: neither met nor
// missed.
TEST(SlaClockTest, SolvingWithoutReplyStopsFirstResponse) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(4)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  OnStatusChange(sla, &rules[0], Ticket::NEW, Ticket::SOLVED, Local(kTokyo, 2026, 3, 2, 10));
  EXPECT_EQ(StageOf(sla, SlaMetric::FIRST_RESPONSE), SlaMetric::STOPPED);
  EXPECT_FALSE(HasBreach(sla));
  EXPECT_EQ(NextDueTime(sla), std::nullopt);
}

// When the priority changes, the newly matched policy applies to the time
// already run: 30 minutes used of a new 1-hour target leaves 30 minutes.
TEST(SlaClockTest, ReappliedPolicyKeepsElapsedBusinessTime) {
  v1::SlaPolicy urgent = Policy("urgent", 0, 1, {.first = absl::Hours(1)});
  urgent.add_priorities(Ticket::URGENT);
  v1::SlaPolicy normal = Policy("normal", 1, 1, {.first = absl::Hours(8)});
  const auto rules = Compile({{urgent, Office(kTokyo)}, {normal, Office(kTokyo)}});
  const absl::Time created = Local(kTokyo, 2026, 3, 2, 11, 30);
  v1::TicketSla sla = StartSla(MatchPolicy(rules, Facts(Ticket::NORMAL)), Ticket::NEW, created);
  EXPECT_EQ(sla.policy(), "slaPolicies/normal");
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE), Local(kTokyo, 2026, 3, 3, 11, 30));
  // At 11:50 the ticket becomes URGENT: 20 min used, 40 left, lunch skipped.
  const SlaOutcome outcome =
      ApplyRule(sla, MatchPolicy(rules, Facts(Ticket::URGENT)), Local(kTokyo, 2026, 3, 2, 11, 50));
  EXPECT_THAT(outcome.newly_breached, IsEmpty());
  EXPECT_EQ(sla.policy(), "slaPolicies/urgent");
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE), Local(kTokyo, 2026, 3, 2, 13, 30));
  // Made URGENT after 2 business hours: already overdue, reported at once.
  v1::TicketSla late = StartSla(MatchPolicy(rules, Facts(Ticket::NORMAL)), Ticket::NEW, created);
  EXPECT_THAT(ApplyRule(late, &rules[0], Local(kTokyo, 2026, 3, 2, 14, 30)).newly_breached,
              ElementsAre(SlaMetric::FIRST_RESPONSE));
  EXPECT_EQ(FromProtoTime(FindMetric(late, SlaMetric::FIRST_RESPONSE)->breach_time()),
            Local(kTokyo, 2026, 3, 2, 13, 30));
}

// With no matching policy the clocks still run, without targets; a policy
// matched later counts from the ticket's creation.
TEST(SlaClockTest, ClocksRunWithoutPolicyAndCountOnceOneMatches) {
  v1::TicketSla sla = StartSla(nullptr, Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  EXPECT_EQ(sla.policy(), "");
  EXPECT_FALSE(FindMetric(sla, SlaMetric::FIRST_RESPONSE)->has_target());
  EXPECT_EQ(NextDueTime(sla), std::nullopt);
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(4)});
  ApplyRule(sla, &rules[0], Local(kTokyo, 2026, 3, 2, 10));
  EXPECT_EQ(Due(sla, SlaMetric::FIRST_RESPONSE), Local(kTokyo, 2026, 3, 2, 14));
}

// At risk: a running metric due within the window (or overdue).
TEST(SlaClockTest, AtRiskWithinWindow) {
  const auto rules = OneRule(kTokyo, {.first = absl::Hours(2), .resolution = absl::Hours(40)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kTokyo, 2026, 3, 2, 9));
  EXPECT_FALSE(IsAtRisk(sla, Local(kTokyo, 2026, 3, 2, 9), absl::Minutes(30)));
  EXPECT_TRUE(IsAtRisk(sla, Local(kTokyo, 2026, 3, 2, 10, 30), absl::Minutes(30)));
  OnStatusChange(sla, &rules[0], Ticket::NEW, Ticket::PENDING, Local(kTokyo, 2026, 3, 2, 10, 30));
  EXPECT_FALSE(IsAtRisk(sla, Local(kTokyo, 2026, 3, 2, 10, 45), absl::Minutes(30)));  // paused
}

// The state survives a round trip through its stored bytes and advances
// the same way afterwards.
TEST(SlaClockTest, StoredStateAdvancesLikeTheOriginal) {
  const auto rules = OneRule(kNewYork, {.first = absl::Hours(2), .resolution = absl::Hours(8)});
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, Local(kNewYork, 2026, 3, 6, 16));
  OnStatusChange(sla, &rules[0], Ticket::NEW, Ticket::ON_HOLD, Local(kNewYork, 2026, 3, 6, 17));
  v1::TicketSla stored;
  ASSERT_TRUE(stored.ParseFromString(sla.SerializeAsString()));
  OnStatusChange(sla, &rules[0], Ticket::ON_HOLD, Ticket::OPEN, Local(kNewYork, 2026, 3, 9, 9));
  OnStatusChange(stored, &rules[0], Ticket::ON_HOLD, Ticket::OPEN, Local(kNewYork, 2026, 3, 9, 9));
  EXPECT_EQ(stored.SerializeAsString(), sla.SerializeAsString());
  EXPECT_EQ(Due(stored, SlaMetric::FIRST_RESPONSE), Local(kNewYork, 2026, 3, 9, 10));
}

// A ticket paused and resumed without end keeps at most 100 periods, and
// the business time of the folded ones is kept.
TEST(SlaClockTest, ManyPausesKeepBoundedStateAndTheTime) {
  const auto rules = OneRule(kTokyo, {.resolution = absl::Hours(400)});
  absl::Time t = Local(kTokyo, 2026, 3, 2, 9);
  v1::TicketSla sla = StartSla(&rules[0], Ticket::NEW, t);
  absl::Duration running = absl::ZeroDuration();
  for (int i = 0; i < 150; ++i) {
    running += rules[0].calendar.BusinessTimeBetween(t, t + absl::Minutes(10));
    OnStatusChange(sla, &rules[0], Ticket::OPEN, Ticket::PENDING, t + absl::Minutes(10));
    OnStatusChange(sla, &rules[0], Ticket::PENDING, Ticket::OPEN, t + absl::Minutes(20));
    t += absl::Minutes(20);
  }
  running += rules[0].calendar.BusinessTimeBetween(t, t + absl::Minutes(10));
  OnStatusChange(sla, &rules[0], Ticket::OPEN, Ticket::PENDING, t + absl::Minutes(10));
  const SlaMetric& resolution = *FindMetric(sla, SlaMetric::RESOLUTION);
  EXPECT_LE(resolution.running_periods_size(), 100);
  EXPECT_GT(running, absl::Hours(9));  // the periods span several business days
  EXPECT_EQ(FromProtoDuration(resolution.business_time()), running);
}

// The explanation names the policies tried and why the earlier ones did
// not match, and shows each period counted, the pauses and the holidays
// skipped on the way to the due time.
TEST(SlaClockTest, ExplainsPolicyChoiceAndDueTime) {
  v1::SlaPolicy urgent = Policy("urgent", 0, 1, {.first = absl::Hours(1)});
  urgent.add_priorities(Ticket::URGENT);
  v1::SlaPolicy standard =
      Policy("standard", 1, 1, {.first = absl::Hours(4), .resolution = absl::Hours(16)});
  const auto rules =
      Compile({{urgent, Office(kTokyo, {"2026-05-04", "2026-05-05", "2026-05-06"})},
               {standard, Office(kTokyo, {"2026-05-04", "2026-05-05", "2026-05-06"})}});
  const TicketFacts facts = Facts(Ticket::NORMAL);
  const SlaRule* rule = MatchPolicy(rules, facts);
  v1::TicketSla sla = StartSla(rule, Ticket::NEW, Local(kTokyo, 2026, 5, 1, 16));  // Friday
  OnStatusChange(sla, rule, Ticket::NEW, Ticket::PENDING, Local(kTokyo, 2026, 5, 1, 17));
  OnStatusChange(sla, rule, Ticket::PENDING, Ticket::OPEN, Local(kTokyo, 2026, 5, 1, 17, 30));

  const v1::SlaExplanation explanation =
      ExplainSla(sla, rules, facts, Local(kTokyo, 2026, 5, 1, 17, 45));
  ASSERT_EQ(explanation.policy_checks_size(), 2);
  EXPECT_FALSE(explanation.policy_checks(0).matched());
  EXPECT_THAT(explanation.policy_checks(0).mismatches(),
              ElementsAre("priority NORMAL is not one of URGENT"));
  EXPECT_TRUE(explanation.policy_checks(1).matched());
  EXPECT_EQ(explanation.policy(), "slaPolicies/standard");
  EXPECT_EQ(explanation.time_zone(), kTokyo);
  ASSERT_EQ(explanation.metrics_size(), 2);
  const v1::SlaExplanation::MetricExplanation& first = explanation.metrics(0);
  EXPECT_EQ(first.kind(), SlaMetric::FIRST_RESPONSE);
  ASSERT_EQ(first.counted_periods_size(), 2);
  EXPECT_EQ(FromProtoDuration(first.counted_periods(0).business_time()), absl::Hours(1));
  EXPECT_EQ(FromProtoDuration(first.counted_periods(1).business_time()), absl::Minutes(15));
  ASSERT_EQ(first.paused_periods_size(), 1);
  EXPECT_EQ(FromProtoTime(first.paused_periods(0).start_time()), Local(kTokyo, 2026, 5, 1, 17));
  EXPECT_EQ(FromProtoDuration(first.business_time()), absl::Minutes(75));
  EXPECT_EQ(FromProtoDuration(first.remaining()), absl::Minutes(165));
  // Friday 17:30-18:00, then Golden Week, then Thursday 09:00-11:15.
  EXPECT_EQ(FromProtoTime(first.due_time()), Local(kTokyo, 2026, 5, 7, 11, 30));
  EXPECT_THAT(first.holidays_skipped(), ElementsAre("2026-05-04", "2026-05-05", "2026-05-06"));
  EXPECT_THAT(first.summary(), ::testing::HasSubstr("due 2026-05-07 11:30:00 JST"));
}

}  // namespace
}  // namespace tandem::support

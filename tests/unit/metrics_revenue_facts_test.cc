// The revenue facts' pure core: ledger timelines and the Revenue measures
// they contribute (flows, balances, cohorts and start-customer window
// measures), starting with KPIS.md's worked example.
#include "services/metrics/revenue_facts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "services/metrics/measures.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tests/testing/metrics_revenue_oracle.h"

namespace tandem::metrics {
namespace {

namespace sv1 = success::v1;
using Type = sv1::MrrMovement;

constexpr char kTenant[] = "t1";

// A zone with daylight saving, so local days are not UTC days.
absl::TimeZone Paris() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Europe/Paris", &zone));
  return zone;
}

absl::Time At(int year, int month, int day, int hour = 12) {
  return absl::FromCivil(absl::CivilHour(year, month, day, hour), Paris());
}

Period Month(int year, int month) {
  return PeriodOf(Grain::kMonth, absl::CivilDay(year, month, 1));
}

// Builds one account's timeline, giving each entry the next feed cursor.
class TimelineBuilder {
 public:
  explicit TimelineBuilder(std::string tier = "HIGH_TOUCH") : tier_(std::move(tier)) {}

  TimelineBuilder& Move(Type::Type type, int64_t delta, absl::Time time) {
    RevenueEntry entry = Base(time);
    entry.key = "m" + std::to_string(entry.feed_cursor);
    entry.type = type;
    if (type == Type::CHURN) delta = -mrr_;
    entry.mrr_delta_minor = delta;
    mrr_ += delta;
    entry.mrr_after_minor = mrr_;
    EXPECT_TRUE(timeline_.Add(entry));
    return *this;
  }
  // A tier change (no MRR) from `time` on.
  TimelineBuilder& Tier(std::string tier, absl::Time time) {
    tier_ = std::move(tier);
    RevenueEntry entry = Base(time);
    entry.key = "e" + std::to_string(entry.feed_cursor);
    EXPECT_TRUE(timeline_.Add(entry));
    return *this;
  }
  const AccountTimeline& timeline() const { return timeline_; }

 private:
  RevenueEntry Base(absl::Time time) {
    RevenueEntry entry;
    entry.time = time;
    entry.feed_cursor = ++cursor_;
    entry.tier = tier_;
    entry.plan = "pro";
    entry.owner = "csm-1";
    return entry;
  }

  std::string tier_;
  int64_t mrr_ = 0;
  int64_t cursor_ = 0;
  AccountTimeline timeline_;
};

Contributions Of(const std::vector<AccountTimeline>& timelines, const PeriodScheme& scheme) {
  Contributions out;
  for (const AccountTimeline& timeline : timelines) {
    AddRevenueContributions(timeline, kTenant, scheme, 1, out);
  }
  out.Prune();
  return out;
}

// The sum of `measure`'s cells over `periods` in one segment.
Cell SumOf(const Contributions& contributions, const std::string& measure,
           const std::vector<Period>& periods, const std::string& dimension = "",
           const std::string& value = "") {
  Cell sum;
  for (const Period& period : periods) {
    auto it = contributions.cells().find(RollupKey{kTenant, dimension, value, measure, period});
    if (it != contributions.cells().end()) sum.Merge(it->second);
  }
  return sum;
}

Cell CellOf(const Contributions& contributions, const std::string& measure, const Period& period,
            const std::string& dimension = "", const std::string& value = "") {
  return SumOf(contributions, measure, {period}, dimension, value);
}

// The MRR balance at the start of `day`, from balances since January 2025.
Cell BalanceAt(const Contributions& contributions, absl::CivilDay day,
               const std::string& dimension = "", const std::string& value = "") {
  return SumOf(contributions, measure::kMrr, CoverBefore(absl::CivilDay(2025, 1, 1), day),
               dimension, value);
}

// KPIS.md: A (100), B (200), C (300) active at 1 March; in March A expands
// +50, B contracts -50, C churns, D starts with 400, E starts with 100 and
// churns on 20 March.
std::vector<AccountTimeline> WorkedExample() {
  TimelineBuilder a, b, c, d, e;
  a.Move(Type::NEW, 100, At(2026, 1, 10)).Move(Type::EXPANSION, 50, At(2026, 3, 5));
  b.Move(Type::NEW, 200, At(2026, 2, 3)).Move(Type::CONTRACTION, -50, At(2026, 3, 12));
  c.Move(Type::NEW, 300, At(2026, 2, 15)).Move(Type::CHURN, 0, At(2026, 3, 18));
  d.Move(Type::NEW, 400, At(2026, 3, 2));
  e.Move(Type::NEW, 100, At(2026, 3, 4)).Move(Type::CHURN, 0, At(2026, 3, 20));
  return {a.timeline(), b.timeline(), c.timeline(), d.timeline(), e.timeline()};
}

// The worked example's start-customer measures for March.
TEST(RevenueContributionsTest, WorkedExampleStartCustomerMeasures) {
  const Contributions out = Of(WorkedExample(), PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  const Cell start = BalanceAt(out, march.start);
  EXPECT_EQ(start.count, 3);                                       // A, B, C
  EXPECT_EQ(start.total, 600);                                     // MRR at start
  EXPECT_EQ(CellOf(out, measure::kStartChurned, march).count, 1);  // C, not E
  EXPECT_EQ(CellOf(out, measure::kStartLost, march).count, 1);     // retention 2 / 3
  EXPECT_EQ(CellOf(out, measure::kStartChurnMrr, march).total, 300);
  EXPECT_EQ(CellOf(out, measure::kStartContractionMrr, march).total, 50);
  EXPECT_EQ(CellOf(out, measure::kStartExpansionMrr, march).total, 50);
  EXPECT_EQ(CellOf(out, measure::kStartExpanded, march).count, 1);
  EXPECT_EQ(CellOf(out, measure::kNewChurned, march).count, 1);  // E
  // Nobody was a customer on 1 January: the first quarter has no start
  // customers, and both churns are same-window churns.
  const Period q1 = PeriodOf(Grain::kQuarter, march.start);
  EXPECT_TRUE(CellOf(out, measure::kStartExpansionMrr, q1).zero());
  EXPECT_TRUE(CellOf(out, measure::kStartChurned, q1).zero());
  EXPECT_EQ(CellOf(out, measure::kNewChurned, q1).count, 2);  // C and E
}

// The worked example's MRR flows in March: quick ratio 550 / 450.
TEST(RevenueContributionsTest, WorkedExampleFlows) {
  const Contributions out = Of(WorkedExample(), PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  const Cell fresh = CellOf(out, measure::kMrrNew, march);
  EXPECT_EQ(fresh.count, 2);
  EXPECT_EQ(fresh.total, 500);
  const Cell churn = CellOf(out, measure::kMrrChurn, march);
  EXPECT_EQ(churn.count, 2);
  EXPECT_EQ(churn.total, 400);
  EXPECT_EQ(CellOf(out, measure::kMrrExpansion, march).total, 50);
  EXPECT_EQ(CellOf(out, measure::kMrrContraction, march).total, 50);
  EXPECT_TRUE(CellOf(out, measure::kMrrReactivation, march).zero());
  // The day cells add up to the month's.
  Cell days;
  for (absl::CivilDay day = march.start; day < march.end; ++day) {
    days.Merge(CellOf(out, measure::kMrrNew, PeriodOf(Grain::kDay, day)));
  }
  EXPECT_EQ(days.total, 500);
  // MRR at the end of March: A 150 + B 150 + D 400.
  const Cell end = BalanceAt(out, march.end);
  EXPECT_EQ(end.count, 3);
  EXPECT_EQ(end.total, 700);
}

// Cohorts: NEW MRR and the MRR balance under the month of the NEW.
TEST(RevenueContributionsTest, CohortsFollowTheMonthOfTheNewMovement) {
  const Contributions out = Of(WorkedExample(), PeriodScheme::Calendar(Paris()));
  const Cell february = CellOf(out, measure::kMrrNew, Month(2026, 2), measure::kCohort, "2026-02");
  EXPECT_EQ(february.count, 2);  // B and C
  EXPECT_EQ(february.total, 500);
  // Only B is left of February's cohort at the end of March, with 150.
  const Cell left = BalanceAt(out, absl::CivilDay(2026, 4, 1), measure::kCohort, "2026-02");
  EXPECT_EQ(left.count, 1);
  EXPECT_EQ(left.total, 150);
  // No expansion or churn flows are cut by cohort.
  EXPECT_TRUE(CellOf(out, measure::kMrrChurn, Month(2026, 3), measure::kCohort, "2026-02").zero());
}

// A NEW at 23:30 UTC on 31 January is 1 February in Paris: the cohort and
// the cells follow the tenant's day.
TEST(RevenueContributionsTest, CohortMonthIsTheTenantsLocalMonth) {
  TimelineBuilder a;
  a.Move(Type::NEW, 100,
         absl::FromCivil(absl::CivilMinute(2026, 1, 31, 23, 30), absl::UTCTimeZone()));
  const Contributions out = Of({a.timeline()}, PeriodScheme::Calendar(Paris()));
  EXPECT_EQ(CellOf(out, measure::kMrrNew, Month(2026, 2), measure::kCohort, "2026-02").total, 100);
  EXPECT_TRUE(CellOf(out, measure::kMrrNew, Month(2026, 1)).zero());
}

// A start customer that churns and comes back inside the period churned
// (logo churn) but is not lost (retention); what it does after its return
// is not a start customer's.
TEST(RevenueContributionsTest, ChurnAndReturnInsideThePeriod) {
  TimelineBuilder a;
  a.Move(Type::NEW, 100, At(2026, 1, 10))
      .Move(Type::CHURN, 0, At(2026, 3, 5))
      .Move(Type::REACTIVATION, 80, At(2026, 3, 15))
      .Move(Type::EXPANSION, 20, At(2026, 3, 25));
  const Contributions out = Of({a.timeline()}, PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  EXPECT_EQ(CellOf(out, measure::kStartChurned, march).count, 1);
  EXPECT_EQ(CellOf(out, measure::kStartChurnMrr, march).total, 100);
  EXPECT_TRUE(CellOf(out, measure::kStartLost, march).zero());
  EXPECT_TRUE(CellOf(out, measure::kStartExpansionMrr, march).zero());
  EXPECT_TRUE(CellOf(out, measure::kStartExpanded, march).zero());
  EXPECT_TRUE(CellOf(out, measure::kNewChurned, march).zero());
  EXPECT_EQ(CellOf(out, measure::kMrrReactivation, march).total, 80);
  EXPECT_EQ(CellOf(out, measure::kMrrExpansion, march).total, 20);
  // The week of the churn (2-8 March) lost it; the week of the return did
  // not have it at its start.
  const Period churn_week = PeriodOf(Grain::kWeek, absl::CivilDay(2026, 3, 5));
  EXPECT_EQ(CellOf(out, measure::kStartLost, churn_week).count, 1);
  const Period return_week = PeriodOf(Grain::kWeek, absl::CivilDay(2026, 3, 15));
  EXPECT_TRUE(CellOf(out, measure::kStartChurned, return_week).zero());
  EXPECT_EQ(BalanceAt(out, march.end).total, 100);
}

// A churned customer reactivated and churned again inside one period is a
// same-window churn (new_churned), never a start customer's.
TEST(RevenueContributionsTest, ReactivationThenChurnIsASameWindowChurn) {
  TimelineBuilder a;
  a.Move(Type::NEW, 100, At(2026, 1, 10))
      .Move(Type::CHURN, 0, At(2026, 1, 20))
      .Move(Type::REACTIVATION, 60, At(2026, 3, 3))
      .Move(Type::CONTRACTION, -10, At(2026, 3, 9))
      .Move(Type::CHURN, 0, At(2026, 3, 16));
  const Contributions out = Of({a.timeline()}, PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  EXPECT_EQ(CellOf(out, measure::kNewChurned, march).count, 1);
  EXPECT_TRUE(CellOf(out, measure::kStartChurned, march).zero());
  EXPECT_TRUE(CellOf(out, measure::kStartContractionMrr, march).zero());
  EXPECT_TRUE(CellOf(out, measure::kStartLost, march).zero());
  EXPECT_EQ(CellOf(out, measure::kMrrChurn, march).total, 50);
  EXPECT_EQ(BalanceAt(out, march.start).count, 0);
  // The January cohort holds no customer after its churn, and none again
  // once the reactivated one churned.
  EXPECT_EQ(BalanceAt(out, absl::CivilDay(2026, 3, 10), measure::kCohort, "2026-01").total, 50);
  EXPECT_EQ(BalanceAt(out, march.end, measure::kCohort, "2026-01").count, 0);
}

// CROSS_SELL counts as expansion in every expansion measure.
TEST(RevenueContributionsTest, CrossSellCountsAsExpansion) {
  TimelineBuilder a;
  a.Move(Type::NEW, 100, At(2026, 1, 10))
      .Move(Type::CROSS_SELL, 70, At(2026, 3, 5))
      .Move(Type::EXPANSION, 30, At(2026, 3, 6));
  const Contributions out = Of({a.timeline()}, PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  const Cell flow = CellOf(out, measure::kMrrExpansion, march);
  EXPECT_EQ(flow.count, 2);
  EXPECT_EQ(flow.total, 100);
  const Cell start = CellOf(out, measure::kStartExpansionMrr, march);
  EXPECT_EQ(start.count, 2);
  EXPECT_EQ(start.total, 100);
  EXPECT_EQ(CellOf(out, measure::kStartExpanded, march).count, 1);  // one customer
}

// A tier change moves the customer's MRR and logo between tiers at its
// time; a period's start measures go to the tier at the period's start,
// flows to the tier at the movement.
TEST(RevenueContributionsTest, SegmentChangeBetweenPeriods) {
  TimelineBuilder a("HIGH_TOUCH");
  a.Move(Type::NEW, 100, At(2026, 1, 10))
      .Tier("LOW_TOUCH", At(2026, 2, 15))
      .Move(Type::CONTRACTION, -40, At(2026, 3, 5))
      .Tier("TECH_TOUCH", At(2026, 3, 10))
      .Move(Type::CHURN, 0, At(2026, 3, 20));
  const Contributions out = Of({a.timeline()}, PeriodScheme::Calendar(Paris()));
  const Period march = Month(2026, 3);
  EXPECT_EQ(BalanceAt(out, march.start, measure::kTier, "HIGH_TOUCH").count, 0);
  EXPECT_EQ(BalanceAt(out, march.start, measure::kTier, "LOW_TOUCH").count, 1);
  EXPECT_EQ(BalanceAt(out, march.start, measure::kTier, "LOW_TOUCH").total, 100);
  EXPECT_EQ(BalanceAt(out, march.start).total, 100);
  EXPECT_EQ(BalanceAt(out, absl::CivilDay(2026, 3, 15), measure::kTier, "TECH_TOUCH").total, 60);
  EXPECT_EQ(BalanceAt(out, absl::CivilDay(2026, 3, 15), measure::kTier, "LOW_TOUCH").count, 0);
  EXPECT_EQ(CellOf(out, measure::kStartChurned, march, measure::kTier, "LOW_TOUCH").count, 1);
  EXPECT_EQ(CellOf(out, measure::kStartContractionMrr, march, measure::kTier, "LOW_TOUCH").total,
            40);
  EXPECT_TRUE(CellOf(out, measure::kStartChurned, march, measure::kTier, "TECH_TOUCH").zero());
  EXPECT_EQ(CellOf(out, measure::kMrrChurn, march, measure::kTier, "TECH_TOUCH").total, 60);
  EXPECT_EQ(CellOf(out, measure::kMrrContraction, march, measure::kTier, "LOW_TOUCH").total, 40);
  // The plan and owner did not change: their balance only moved with MRR.
  EXPECT_EQ(BalanceAt(out, march.start, measure::kPlan, "pro").total, 100);
  for (const std::string tier : {"HIGH_TOUCH", "LOW_TOUCH", "TECH_TOUCH"}) {
    EXPECT_EQ(BalanceAt(out, march.end, measure::kTier, tier).count, 0) << tier;
  }
}

// The same entry twice is one entry: a repeated event changes nothing.
TEST(AccountTimelineTest, DuplicatesAreIgnored) {
  TimelineBuilder a;
  a.Move(Type::NEW, 100, At(2026, 1, 10)).Move(Type::EXPANSION, 50, At(2026, 3, 5));
  AccountTimeline twice = a.timeline();
  for (const RevenueEntry& entry : a.timeline().entries()) EXPECT_FALSE(twice.Add(entry));
  EXPECT_EQ(twice.entries().size(), 2u);
  const PeriodScheme scheme = PeriodScheme::Calendar(Paris());
  Contributions difference = Of({twice}, scheme);
  difference.Merge(Of({a.timeline()}, scheme), -1);
  difference.Prune();
  EXPECT_TRUE(difference.empty());
}

// A movement dated before entries already known lands in time order; at
// equal times the feed order decides.
TEST(AccountTimelineTest, KeepsTimeOrderThenFeedOrder) {
  AccountTimeline timeline;
  const auto entry = [](std::string key, absl::Time time, int64_t cursor) {
    RevenueEntry out;
    out.key = std::move(key);
    out.time = time;
    out.feed_cursor = cursor;
    return out;
  };
  EXPECT_TRUE(timeline.Add(entry("late", At(2026, 3, 1), 1)));
  EXPECT_TRUE(timeline.Add(entry("tie", At(2026, 3, 1), 3)));
  EXPECT_TRUE(timeline.Add(entry("early", At(2026, 2, 1), 2)));
  std::vector<std::string> keys;
  for (const RevenueEntry& entry : timeline.entries()) keys.push_back(entry.key);
  EXPECT_THAT(keys, ::testing::ElementsAre("early", "late", "tie"));
}

// A contribution subtracted from itself leaves nothing: how an event's
// change of facts reaches the rollups as after minus before.
TEST(RevenueContributionsTest, NegativeSignRetractsExactly) {
  const PeriodScheme scheme = PeriodScheme::Calendar(Paris());
  Contributions out;
  for (const AccountTimeline& timeline : WorkedExample()) {
    AddRevenueContributions(timeline, kTenant, scheme, 1, out);
    AddRevenueContributions(timeline, kTenant, scheme, -1, out);
  }
  out.Prune();
  EXPECT_TRUE(out.empty());
}

// A window that is not a calendar period gets only window measures, in the
// window itself.
TEST(RevenueContributionsTest, CustomWindowHasOnlyWindowMeasures) {
  const Period window{Grain::kCustom, absl::CivilDay(2026, 2, 10), absl::CivilDay(2026, 3, 19)};
  const Contributions out = Of(WorkedExample(), PeriodScheme::ForWindow(Paris(), window));
  // Start customers on 10 February: A and B (C started on 15 February).
  // C churned on 18 March, inside: a same-window churn; E churned on 20
  // March, after the window.
  EXPECT_EQ(CellOf(out, measure::kStartExpansionMrr, window).total, 50);    // A
  EXPECT_EQ(CellOf(out, measure::kStartContractionMrr, window).total, 50);  // B
  EXPECT_TRUE(CellOf(out, measure::kStartChurned, window).zero());
  EXPECT_EQ(CellOf(out, measure::kNewChurned, window).count, 1);  // C
  for (const auto& [key, cell] : out.cells()) {
    EXPECT_EQ(key.period, window) << key.measure;
    EXPECT_NE(key.measure, measure::kMrr);
    EXPECT_NE(key.measure, measure::kMrrNew);
  }
}

// Events: a movement carries its account's segment; an account update adds
// an entry only when the tier, plan or owner changed; a tier change is
// dated by its change time.
TEST(RevenueEventOfTest, ReadsMovementsAndSegmentChanges) {
  sv1::MrrMovementRecorded recorded;
  sv1::MrrMovement& movement = *recorded.mutable_movement();
  movement.set_name("accounts/A1/mrrMovements/M1");
  movement.set_type(Type::EXPANSION);
  movement.set_mrr_delta_minor(50);
  movement.set_mrr_after_minor(150);
  *movement.mutable_effective_time() = ToProtoTime(At(2026, 3, 5) + absl::Nanoseconds(1500));
  recorded.mutable_account()->set_touch_tier(sv1::LOW_TOUCH);
  recorded.mutable_account()->set_plan("pro");
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  event.set_type("MrrMovementRecorded");
  event.set_tenant(kTenant);
  event.set_event_id("E1");
  event.set_cursor(7);
  event.mutable_payload()->PackFrom(recorded);
  const std::optional<RevenueEvent> read = RevenueEventOf(event);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->account_id, "A1");
  EXPECT_EQ(read->entry.key, "M1");
  EXPECT_EQ(read->entry.type, Type::EXPANSION);
  EXPECT_EQ(read->entry.mrr_after_minor, 150);
  EXPECT_EQ(read->entry.tier, "LOW_TOUCH");
  EXPECT_EQ(read->entry.feed_cursor, 7);
  EXPECT_EQ(read->entry.time, At(2026, 3, 5) + absl::Microseconds(1));  // as stored

  sv1::AccountUpdated updated;
  updated.mutable_account()->set_name("accounts/A1");
  updated.mutable_account()->set_owner("csm-2");
  updated.mutable_previous()->set_name("accounts/A1");
  updated.mutable_previous()->set_owner("csm-1");
  event.set_type("AccountUpdated");
  event.mutable_payload()->PackFrom(updated);
  ASSERT_TRUE(RevenueEventOf(event).has_value());
  EXPECT_EQ(RevenueEventOf(event)->entry.owner, "csm-2");
  EXPECT_EQ(RevenueEventOf(event)->entry.key, "E1");
  EXPECT_FALSE(RevenueEventOf(event)->entry.is_movement());

  updated.mutable_account()->set_owner("csm-1");  // only, say, the seats changed
  updated.mutable_changed_fields()->add_paths("seats_licensed");
  event.mutable_payload()->PackFrom(updated);
  EXPECT_FALSE(RevenueEventOf(event).has_value());

  // A tier change is dated when it happened, not when it was announced.
  sv1::TierChanged tiered;
  tiered.mutable_account()->set_name("accounts/A1");
  tiered.mutable_account()->set_touch_tier(sv1::HIGH_TOUCH);
  *tiered.mutable_change()->mutable_change_time() = ToProtoTime(At(2026, 3, 1));
  event.set_type("TierChanged");
  *event.mutable_occur_time() = ToProtoTime(At(2026, 3, 9));
  event.mutable_payload()->PackFrom(tiered);
  ASSERT_TRUE(RevenueEventOf(event).has_value());
  EXPECT_EQ(RevenueEventOf(event)->entry.tier, "HIGH_TOUCH");
  EXPECT_EQ(RevenueEventOf(event)->entry.time, At(2026, 3, 1));
  tiered.mutable_change()->clear_change_time();
  event.mutable_payload()->PackFrom(tiered);
  EXPECT_EQ(RevenueEventOf(event)->entry.time, At(2026, 3, 9));  // the event's time without one

  event.set_source("tandem.support.v1");
  EXPECT_FALSE(RevenueEventOf(event).has_value());
}

// A generated history's events as the keeper reads them, in feed order.
std::vector<RevenueEvent> ReadHistory(const std::vector<testing::RevenueHistoryEvent>& history) {
  std::vector<RevenueEvent> out;
  for (size_t i = 0; i < history.size(); ++i) {
    tandem::common::v1::Event event;
    event.set_cursor(static_cast<int64_t>(i) + 1);
    event.set_event_id(absl::StrCat("E", i));
    event.set_tenant(kTenant);
    event.set_source("tandem.success.v1");
    event.set_type(history[i].payload->GetDescriptor()->name());
    *event.mutable_occur_time() = ToProtoTime(history[i].occur_time);
    event.mutable_payload()->PackFrom(*history[i].payload);
    if (std::optional<RevenueEvent> read = RevenueEventOf(event)) out.push_back(*read);
  }
  return out;
}

// Applying a history one event at a time, each as the change of its
// account's contributions (the keeper's shortcut), adds up to the
// contributions of the whole history: including movements dated before
// entries already there, repeated events, and (odd seeds) the events
// replayed in random order, so that a NEW can arrive after later movements.
TEST(RevenueContributionsTest, ChangeOfEachEventSumsToTheWholeHistory) {
  const PeriodScheme scheme = PeriodScheme::Calendar(Paris());
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    testing::RevenueOracle oracle(Paris());
    std::vector<RevenueEvent> events =
        ReadHistory(testing::RandomRevenueHistory(seed, {.accounts = 15, .zone = Paris()}, oracle));
    if (seed % 2 == 1) {
      std::mt19937 rng(seed);
      std::shuffle(events.begin(), events.end(), rng);
    }
    std::map<std::string, AccountTimeline> timelines;
    Contributions applied;
    for (size_t i = 0; i < events.size(); ++i) {
      AccountTimeline& timeline = timelines[events[i].account_id];
      const AccountTimeline before = timeline;
      EXPECT_TRUE(timeline.Add(events[i].entry));
      AddRevenueContributionChange(before, timeline, kTenant, scheme, applied);
      if (i % 7 == 0) {
        EXPECT_FALSE(timeline.Add(events[i].entry));  // delivered again
      }
    }
    std::vector<AccountTimeline> all;
    for (const auto& [account, timeline] : timelines) all.push_back(timeline);
    Contributions difference = Of(all, scheme);
    difference.Merge(applied, -1);
    difference.Prune();
    EXPECT_TRUE(difference.empty()) << difference.cells().size() << " cells differ, e.g. "
                                    << difference.cells().begin()->first.measure;
  }
}

// The oracle the integration tests trust reproduces KPIS.md's worked
// example on its own.
TEST(RevenueOracleTest, ReproducesTheWorkedExample) {
  testing::RevenueOracle oracle(Paris());
  const testing::OracleSegment segment{"HIGH_TOUCH", "pro", "csm-1"};
  oracle.AddMovement("A", Type::NEW, 100, At(2026, 1, 10), segment);
  oracle.AddMovement("B", Type::NEW, 200, At(2026, 2, 3), segment);
  oracle.AddMovement("C", Type::NEW, 300, At(2026, 2, 15), segment);
  oracle.AddMovement("D", Type::NEW, 400, At(2026, 3, 2), segment);
  oracle.AddMovement("E", Type::NEW, 100, At(2026, 3, 4), segment);
  oracle.AddMovement("A", Type::EXPANSION, 50, At(2026, 3, 5), segment);
  oracle.AddMovement("B", Type::CONTRACTION, -50, At(2026, 3, 12), segment);
  oracle.AddMovement("C", Type::CHURN, 0, At(2026, 3, 18), segment);
  oracle.AddMovement("E", Type::CHURN, 0, At(2026, 3, 20), segment);
  auto kpis = oracle.Kpis(absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1), "", "");
  EXPECT_EQ(kpis["logo_churn_rate"].numerator, 1);
  EXPECT_EQ(kpis["logo_churn_rate"].denominator, 3);
  EXPECT_EQ(kpis["grr"].numerator, 250);
  EXPECT_EQ(kpis["grr"].denominator, 600);
  EXPECT_EQ(kpis["nrr"].numerator, 300);
  EXPECT_EQ(kpis["customer_retention_rate"].numerator, 2);
  EXPECT_EQ(kpis["quick_ratio"].numerator, 550);
  EXPECT_EQ(kpis["quick_ratio"].denominator, 450);
  EXPECT_NEAR(kpis["quick_ratio"].value, 1.2222, 1e-4);
  kpis = oracle.Kpis(absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1), "", "",
                     {.include_same_window_churn = true});
  EXPECT_EQ(kpis["logo_churn_rate"].numerator, 2);  // E as well
}

// What the rollups of random histories hold for random windows and segments
// is what the oracle computes from the raw events: the measures each KPI
// formula reads (start customers and MRR, start customers' churn,
// contraction, expansion and losses, same-window churns, MRR and customers
// at the end, and every MRR flow).
TEST(RevenueContributionsTest, MeasuresMatchTheOracleOnRandomHistories) {
  const absl::TimeZone zone = Paris();
  const absl::CivilDay since(2025, 11, 1);
  for (uint32_t seed = 1; seed <= 8; ++seed) {
    SCOPED_TRACE(absl::StrCat("seed ", seed));
    testing::RevenueOracle oracle(zone);
    std::map<std::string, AccountTimeline> timelines;
    for (const RevenueEvent& read : ReadHistory(testing::RandomRevenueHistory(
             seed, {.accounts = 25, .first_day = since, .zone = zone}, oracle))) {
      timelines[read.account_id].Add(read.entry);
    }
    std::vector<AccountTimeline> all;
    for (const auto& [account, timeline] : timelines) all.push_back(timeline);
    const Contributions calendar = Of(all, PeriodScheme::Calendar(zone));

    std::mt19937 rng(seed);
    std::vector<Period> windows;
    for (absl::CivilMonth month(2025, 11); month <= absl::CivilMonth(2026, 12); ++month) {
      windows.push_back(PeriodOf(Grain::kMonth, absl::CivilDay(month)));
    }
    for (int i = 0; i < 6; ++i) {
      const absl::CivilDay day = since + std::uniform_int_distribution<int>(0, 420)(rng);
      windows.push_back(
          PeriodOf(static_cast<Grain>(std::uniform_int_distribution<int>(1, 5)(rng)), day));
      const absl::CivilDay end = day + std::uniform_int_distribution<int>(1, 200)(rng);
      windows.push_back(Classify(day, end));
    }
    for (const Period& window : windows) {
      // Window measures of a calendar period are in its cells; any other
      // window is recomputed with the window scheme.
      Contributions custom;
      if (window.grain == Grain::kCustom) {
        custom = Of(all, PeriodScheme::ForWindow(zone, window));
      }
      const Contributions& windowed = window.grain == Grain::kCustom ? custom : calendar;
      for (const auto& [dimension, value] : std::vector<std::pair<std::string, std::string>>{
               {"", ""}, {"tier", "LOW_TOUCH"}, {"plan", "pro"}, {"owner", "csm-cy"}}) {
        SCOPED_TRACE(absl::StrCat(FormatDate(window.start), "..", FormatDate(window.end), " ",
                                  dimension, "=", value));
        auto kpis = oracle.Kpis(window.start, window.end, dimension, value);
        const auto same_window = oracle.Kpis(window.start, window.end, dimension, value,
                                             {.include_same_window_churn = true});
        const auto window_cell = [&](const char* measure) {
          return CellOf(windowed, measure, window, dimension, value);
        };
        const Cell start = BalanceAt(calendar, window.start, dimension, value);
        const Cell end = BalanceAt(calendar, window.end, dimension, value);
        EXPECT_EQ(start.count, kpis["logo_churn_rate"].denominator);
        EXPECT_EQ(start.total, kpis["grr"].denominator);
        EXPECT_EQ(window_cell(measure::kStartChurned).count, kpis["logo_churn_rate"].numerator);
        EXPECT_EQ(window_cell(measure::kNewChurned).count,
                  same_window.at("logo_churn_rate").numerator - kpis["logo_churn_rate"].numerator);
        EXPECT_EQ(start.count - window_cell(measure::kStartLost).count,
                  kpis["customer_retention_rate"].numerator);
        EXPECT_EQ(window_cell(measure::kStartChurnMrr).total +
                      window_cell(measure::kStartContractionMrr).total,
                  kpis["gross_mrr_churn_rate"].numerator);
        EXPECT_EQ(window_cell(measure::kStartExpansionMrr).total,
                  kpis["expansion_rate_mrr"].numerator);
        EXPECT_EQ(window_cell(measure::kStartExpanded).count,
                  kpis["expansion_rate_logo"].numerator);
        EXPECT_EQ(end.count, kpis["active_customers"].value);
        EXPECT_EQ(end.total, kpis["mrr"].value);
        const std::vector<Period> cover = AdditiveCover(window.start, window.end);
        const auto flow = [&](const char* measure) {
          return SumOf(calendar, measure, cover, dimension, value);
        };
        EXPECT_EQ(flow(measure::kMrrNew).total + flow(measure::kMrrExpansion).total +
                      flow(measure::kMrrReactivation).total,
                  kpis["quick_ratio"].numerator);
        EXPECT_EQ(flow(measure::kMrrContraction).total + flow(measure::kMrrChurn).total,
                  kpis["quick_ratio"].denominator);
        EXPECT_EQ(flow(measure::kMrrNew).count + flow(measure::kMrrExpansion).count +
                      flow(measure::kMrrReactivation).count + flow(measure::kMrrContraction).count +
                      flow(measure::kMrrChurn).count,
                  kpis["quick_ratio"].sample_size);
      }
    }
    if (HasFailure()) break;  // one seed's failures are enough to read
  }
}

}  // namespace
}  // namespace tandem::metrics

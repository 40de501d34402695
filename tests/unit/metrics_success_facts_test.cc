// The success facts' pure core: hand-made NPS answers, renewals, completed
// onboardings, health timelines and usage days, and the "Other success"
// measures they contribute; and the event readers that make those facts.
#include "services/metrics/success_facts.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "services/metrics/measures.h"
#include "tandem/success/v1/engagement.pb.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/health.pb.h"
#include "tandem/success/v1/lifecycle.pb.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::metrics {
namespace {

namespace sv1 = success::v1;
using success_facts::AccountSegment;
using success_facts::HealthEntry;
using success_facts::HealthEntryKind;
using success_facts::HealthState;
using success_facts::NpsAnswer;
using success_facts::OnboardingFact;
using success_facts::RenewalFact;
using success_facts::UsageDay;

constexpr char kTenant[] = "t1";

// A zone far from UTC, so a tenant day is not a UTC day.
absl::TimeZone Tokyo() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &zone));
  return zone;
}

PeriodScheme Calendar() { return PeriodScheme::Calendar(Tokyo()); }

absl::Time At(int year, int month, int day, int hour = 12) {
  return absl::FromCivil(absl::CivilHour(year, month, day, hour), Tokyo());
}

Period Day(int year, int month, int day) {
  return PeriodOf(Grain::kDay, absl::CivilDay(year, month, day));
}
Period Week(int year, int month, int day) {
  return PeriodOf(Grain::kWeek, absl::CivilDay(year, month, day));
}
Period Month(int year, int month) {
  return PeriodOf(Grain::kMonth, absl::CivilDay(year, month, 1));
}
// The quarter holding `month`.
Period Quarter(int year, int month) {
  return PeriodOf(Grain::kQuarter, absl::CivilDay(year, month, 1));
}

const AccountSegment kHigh{"HIGH_TOUCH", "pro", "csm-ann"};
const AccountSegment kLow{"LOW_TOUCH", "basic", "csm-bob"};

// (count, total) of one cell; (0, 0) when absent.
std::pair<int64_t, int64_t> CellOf(const Contributions& contributions, const std::string& measure,
                                   const Period& period, const std::string& dimension = "",
                                   const std::string& value = "") {
  auto it = contributions.cells().find(RollupKey{kTenant, dimension, value, measure, period});
  if (it == contributions.cells().end()) return {0, 0};
  return {it->second.count, it->second.total};
}

std::pair<int64_t, int64_t> Pair(int64_t count, int64_t total) { return {count, total}; }

// Whether two sums hold the same cells (count, total and digest).
bool SameCells(const Contributions& a, const Contributions& b) {
  if (a.cells().size() != b.cells().size()) return false;
  for (auto i = a.cells().begin(), j = b.cells().begin(); i != a.cells().end(); ++i, ++j) {
    if (!(i->first == j->first) || i->second.count != j->second.count ||
        i->second.total != j->second.total || !(i->second.digest == j->second.digest)) {
      return false;
    }
  }
  return true;
}

// ---- NPS ----

NpsAnswer Answer(const std::string& name, int score, absl::Time time,
                 const AccountSegment& segment = kHigh, const std::string& contact = "c1") {
  return NpsAnswer{name, contact.empty() ? name : contact, score, time, segment};
}

// A contact answering twice in March and once in April counts once per
// month, by its latest answer; the quarter holds its April answer only.
TEST(SuccessFactsNpsTest, LatestAnswerPerContactCountsOncePerPeriod) {
  Contributions out;
  success_facts::AddRespondentNps(
      kTenant, Calendar(),
      {Answer("r1", 3, At(2026, 3, 2)), Answer("r2", 10, At(2026, 3, 20)),
       Answer("r3", 5, At(2026, 4, 8))},
      1, out);
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsPromoters, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, Month(2026, 3)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, Month(2026, 4)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, Month(2026, 4)), Pair(1, 0));
  // March is Q1, April Q2.
  EXPECT_EQ(CellOf(out, measure::kNpsPromoters, Quarter(2026, 1)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, Quarter(2026, 4)), Pair(1, 0));
  // Each day holds its own answer, the first one included.
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, Day(2026, 3, 2)), Pair(1, 0));
  // The year counts the contact once, by its April answer.
  EXPECT_EQ(CellOf(out, measure::kNpsPromoters, PeriodOf(Grain::kYear, absl::CivilDay(2026, 1, 1))),
            Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, PeriodOf(Grain::kYear, absl::CivilDay(2026, 1, 1))),
            Pair(1, 0));
}

// A passive (7-8) counts as a response, neither promoter nor detractor,
// and the latest answer's account snapshot decides the segment.
TEST(SuccessFactsNpsTest, PassivesCountAsResponsesInTheLatestAnswersSegment) {
  Contributions out;
  success_facts::AddRespondentNps(
      kTenant, Calendar(),
      {Answer("r1", 10, At(2026, 5, 1), kHigh), Answer("r2", 8, At(2026, 5, 9), kLow)}, 1, out);
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, Month(2026, 5), measure::kTier, "LOW_TOUCH"),
            Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, Month(2026, 5), measure::kTier, "HIGH_TOUCH"),
            Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsPromoters, Month(2026, 5)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, Month(2026, 5)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, Month(2026, 5), measure::kOwner, "csm-bob"),
            Pair(1, 0));
}

// The same answer given twice (a repeated delivery) counts once.
TEST(SuccessFactsNpsTest, RepeatedAnswerChangesNothing) {
  const std::vector<NpsAnswer> once = {Answer("r1", 9, At(2026, 5, 1))};
  const std::vector<NpsAnswer> twice = {once[0], once[0]};
  Contributions a, b;
  success_facts::AddRespondentNps(kTenant, Calendar(), once, 1, a);
  success_facts::AddRespondentNps(kTenant, Calendar(), twice, 1, b);
  EXPECT_TRUE(SameCells(a, b));
}

// A custom window counts each respondent's latest answer inside it; an
// answer outside the window is ignored even if later.
TEST(SuccessFactsNpsTest, CustomWindowCountsTheLatestAnswerInsideIt) {
  const Period window{Grain::kCustom, absl::CivilDay(2026, 3, 10), absl::CivilDay(2026, 4, 5)};
  Contributions out;
  success_facts::AddRespondentNps(
      kTenant, PeriodScheme::ForWindow(Tokyo(), window),
      {Answer("r1", 2, At(2026, 3, 12)), Answer("r2", 9, At(2026, 4, 4)),
       Answer("r3", 1, At(2026, 4, 5))},
      1, out);
  EXPECT_EQ(CellOf(out, measure::kNpsResponses, window), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsPromoters, window), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kNpsDetractors, window), Pair(0, 0));
  // Nothing but the window: responses and promoters, whole tenant and
  // three segments each.
  EXPECT_EQ(out.cells().size(), 8u);
}

// ---- Renewals ----

RenewalFact Renewal(const std::string& name, int outcome, int64_t target, int64_t final_amount,
                    absl::Time due) {
  RenewalFact renewal;
  renewal.name = name;
  renewal.due_time = due;
  renewal.target_minor = target;
  renewal.final_minor = final_amount;
  renewal.outcome = outcome;
  renewal.segment = kHigh;
  return renewal;
}

// Won, lost and open renewals all count as due at their due time; won and
// lost as closed with their target and final amounts; only won as won.
TEST(SuccessFactsRenewalTest, WonLostAndOpenRenewalsCountAtTheirDueTime) {
  Contributions out;
  for (const RenewalFact& renewal :
       {Renewal("w", sv1::Renewal::RENEWED, 1000, 1200, At(2026, 6, 3)),
        Renewal("c", sv1::Renewal::RENEWED_WITH_CHANGES, 500, 300, At(2026, 6, 10)),
        Renewal("l", sv1::Renewal::CHURNED, 800, 0, At(2026, 6, 10)),
        Renewal("o", sv1::Renewal::OUTCOME_UNSPECIFIED, 700, 0, At(2026, 6, 30))}) {
    success_facts::AddRenewal(kTenant, Calendar(), renewal, 1, out);
  }
  EXPECT_EQ(CellOf(out, measure::kRenewalsDue, Month(2026, 6)), Pair(4, 3000));
  EXPECT_EQ(CellOf(out, measure::kRenewalsClosed, Month(2026, 6)), Pair(3, 2300));
  EXPECT_EQ(CellOf(out, measure::kRenewalFinal, Month(2026, 6)), Pair(3, 1500));
  EXPECT_EQ(CellOf(out, measure::kRenewalsWon, Month(2026, 6)), Pair(2, 0));
  EXPECT_EQ(CellOf(out, measure::kRenewalsDue, Day(2026, 6, 10)), Pair(2, 1300));
  EXPECT_EQ(CellOf(out, measure::kRenewalsWon, Day(2026, 6, 10)), Pair(1, 0));
  // FLOW measures live in days and months only.
  EXPECT_EQ(CellOf(out, measure::kRenewalsDue, Quarter(2026, 4)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kRenewalsDue, Month(2026, 6), measure::kPlan, "pro"),
            Pair(4, 3000));
}

// Closing a renewal is its contribution after minus before: the due count
// stays, the closed and won ones appear.
TEST(SuccessFactsRenewalTest, ClosingMovesOnlyTheClosedMeasures) {
  const RenewalFact open = Renewal("r", sv1::Renewal::OUTCOME_UNSPECIFIED, 900, 0, At(2026, 7, 1));
  const RenewalFact won = Renewal("r", sv1::Renewal::RENEWED, 900, 950, At(2026, 7, 1));
  Contributions delta;
  success_facts::AddRenewal(kTenant, Calendar(), open, -1, delta);
  success_facts::AddRenewal(kTenant, Calendar(), won, 1, delta);
  delta.Prune();
  EXPECT_EQ(CellOf(delta, measure::kRenewalsDue, Month(2026, 7)), Pair(0, 0));
  EXPECT_EQ(CellOf(delta, measure::kRenewalsClosed, Month(2026, 7)), Pair(1, 900));
  EXPECT_EQ(CellOf(delta, measure::kRenewalFinal, Month(2026, 7)), Pair(1, 950));
  EXPECT_EQ(CellOf(delta, measure::kRenewalsWon, Month(2026, 7)), Pair(1, 0));
}

// ---- Time to value ----

// A completed plan counts its start → completion time at the completion,
// in the tenant's day.
TEST(SuccessFactsOnboardingTest, TimeToValueCountsAtCompletion) {
  OnboardingFact plan;
  plan.name = "accounts/a/onboardingPlans/p";
  plan.start_time = At(2026, 1, 20);
  // 00:30 on 1 February in Tokyo: 31 January in UTC.
  plan.complete_time = absl::FromCivil(absl::CivilMinute(2026, 2, 1, 0, 30), Tokyo());
  plan.segment = kLow;
  Contributions out;
  success_facts::AddOnboarding(kTenant, Calendar(), plan, 1, out);
  const int64_t millis = absl::ToInt64Milliseconds(plan.complete_time - plan.start_time);
  EXPECT_EQ(CellOf(out, measure::kTimeToValue, Month(2026, 2)), Pair(1, millis));
  EXPECT_EQ(CellOf(out, measure::kTimeToValue, Day(2026, 2, 1)), Pair(1, millis));
  EXPECT_EQ(CellOf(out, measure::kTimeToValue, Month(2026, 1)), Pair(0, 0));
  const auto cell =
      out.cells().find(RollupKey{kTenant, "", "", measure::kTimeToValue, Month(2026, 2)});
  ASSERT_NE(cell, out.cells().end());
  EXPECT_EQ(cell->second.digest.count(), 1);
  EXPECT_DOUBLE_EQ(cell->second.digest.Quantile(0.5), static_cast<double>(millis));
}

// A cancelled plan has no time to value; a completed one is read with its
// start, end and account snapshot.
TEST(SuccessFactsOnboardingTest, OnlyCompletedPlansAreRead) {
  sv1::OnboardingEnded ended;
  ended.mutable_onboarding_plan()->set_name("accounts/a/onboardingPlans/p");
  ended.mutable_onboarding_plan()->set_state(sv1::OnboardingPlan::CANCELLED);
  *ended.mutable_onboarding_plan()->mutable_start_time() = ToProtoTime(At(2026, 1, 1));
  *ended.mutable_onboarding_plan()->mutable_end_time() = ToProtoTime(At(2026, 1, 9));
  ended.mutable_account()->set_touch_tier(sv1::TECH_TOUCH);
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  event.set_type("OnboardingEnded");
  event.set_cursor(7);
  event.mutable_payload()->PackFrom(ended);
  EXPECT_FALSE(success_facts::OnboardingOf(event).has_value());

  ended.mutable_onboarding_plan()->set_state(sv1::OnboardingPlan::COMPLETED);
  event.mutable_payload()->PackFrom(ended);
  auto fact = success_facts::OnboardingOf(event);
  ASSERT_TRUE(fact.has_value());
  EXPECT_EQ(fact->complete_time - fact->start_time, absl::Hours(24 * 8));
  EXPECT_EQ(fact->segment.tier, "TECH_TOUCH");
  EXPECT_EQ(fact->cursor, 7);
}

// ---- Health ----

HealthEntry Scored(int64_t cursor, absl::Time time, int score, int band,
                   const AccountSegment& segment = kHigh) {
  return HealthEntry{cursor, time, HealthEntryKind::kScored, score, band, segment};
}
HealthEntry Entry(int64_t cursor, absl::Time time, HealthEntryKind kind,
                  const AccountSegment& segment = kHigh) {
  return HealthEntry{cursor, time, kind, 0, 0, segment};
}

// A band change moves the account from one band counter to the other at
// the change; the scored count stays and the score sum moves by the
// difference.
TEST(SuccessFactsHealthTest, BandChangeMovesTheAccountBetweenBands) {
  Contributions out;
  const HealthState end = success_facts::AddHealthTimeline(
      kTenant, Calendar(), HealthState{},
      {Scored(1, At(2026, 3, 5), 80, sv1::GREEN), Scored(2, At(2026, 4, 2), 30, sv1::RED)}, 1, out);
  EXPECT_TRUE(end.counted());
  EXPECT_EQ(end.band, sv1::RED);
  EXPECT_EQ(CellOf(out, measure::kHealthGreen, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 3)), Pair(1, 80));
  EXPECT_EQ(CellOf(out, measure::kHealthGreen, Month(2026, 4)), Pair(-1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthRed, Month(2026, 4)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 4)), Pair(0, -50));
  EXPECT_EQ(CellOf(out, measure::kHealthRed, Day(2026, 4, 2)), Pair(1, 0));
}

// A segment change (tier) moves the account's band and score from one
// segment to the other, leaving the whole tenant as it was.
TEST(SuccessFactsHealthTest, SegmentChangeMovesTheAccountBetweenSegments) {
  Contributions out;
  success_facts::AddHealthTimeline(kTenant, Calendar(), HealthState{},
                                   {Scored(1, At(2026, 3, 5), 55, sv1::YELLOW, kHigh),
                                    Entry(2, At(2026, 3, 9), HealthEntryKind::kSegment, kLow)},
                                   1, out);
  EXPECT_EQ(CellOf(out, measure::kHealthYellow, Day(2026, 3, 9)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthYellow, Day(2026, 3, 9), measure::kTier, "HIGH_TOUCH"),
            Pair(-1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthYellow, Day(2026, 3, 9), measure::kTier, "LOW_TOUCH"),
            Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 3), measure::kOwner, "csm-bob"),
            Pair(1, 55));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 3), measure::kOwner, "csm-ann"),
            Pair(0, 0));
}

// A churned account leaves the distribution at the churn and returns with
// its last score when reactivated; a deleted one leaves for good.
TEST(SuccessFactsHealthTest, ChurnedAndDeletedAccountsLeaveTheDistribution) {
  Contributions out;
  const HealthState end = success_facts::AddHealthTimeline(
      kTenant, Calendar(), HealthState{},
      {Scored(1, At(2026, 1, 5), 20, sv1::RED), Entry(2, At(2026, 2, 5), HealthEntryKind::kChurned),
       Scored(3, At(2026, 2, 6), 25, sv1::RED),  // rescored while churned: still out
       Entry(4, At(2026, 3, 5), HealthEntryKind::kReturned),
       Entry(5, At(2026, 4, 5), HealthEntryKind::kDeleted)},
      1, out);
  EXPECT_FALSE(end.counted());
  EXPECT_EQ(CellOf(out, measure::kHealthRed, Month(2026, 1)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 2)), Pair(-1, -20));
  EXPECT_EQ(CellOf(out, measure::kHealthScored, Month(2026, 3)), Pair(1, 25));
  EXPECT_EQ(CellOf(out, measure::kHealthRed, Month(2026, 4)), Pair(-1, 0));
}

// Appending entries from the stored head gives the same deltas as
// recomputing the whole timeline before and after: what lets a page read
// only the head. And an entry that moves nothing adds no cell.
TEST(SuccessFactsHealthTest, AppendingFromTheHeadEqualsRecomputingTheTimeline) {
  const std::vector<HealthEntry> stored = {
      Scored(1, At(2026, 1, 5), 70, sv1::GREEN),
      Entry(2, At(2026, 1, 9), HealthEntryKind::kSegment, kLow)};
  const std::vector<HealthEntry> arriving = {
      Scored(3, At(2026, 2, 1), 45, sv1::YELLOW, kLow),
      Entry(4, At(2026, 2, 3), HealthEntryKind::kSegment, kLow),  // no move
      Entry(5, At(2026, 2, 8), HealthEntryKind::kChurned, kLow)};
  Contributions ignored;
  const HealthState head =
      success_facts::AddHealthTimeline(kTenant, Calendar(), HealthState{}, stored, 1, ignored);
  Contributions appended;
  success_facts::AddHealthTimeline(kTenant, Calendar(), head, arriving, 1, appended);

  std::vector<HealthEntry> whole = stored;
  whole.insert(whole.end(), arriving.begin(), arriving.end());
  Contributions recomputed;
  success_facts::AddHealthTimeline(kTenant, Calendar(), HealthState{}, stored, -1, recomputed);
  success_facts::AddHealthTimeline(kTenant, Calendar(), HealthState{}, whole, 1, recomputed);
  appended.Prune();
  recomputed.Prune();
  EXPECT_TRUE(SameCells(appended, recomputed));
  EXPECT_EQ(CellOf(appended, measure::kHealthYellow, Day(2026, 2, 3)), Pair(0, 0));
  EXPECT_EQ(
      appended.cells().count(RollupKey{kTenant, "", "", measure::kHealthScored, Day(2026, 2, 3)}),
      0u);
}

// Stage moves read from StageChanged: to CHURNED leaves, from CHURNED
// returns, others only carry the segment; an AccountUpdated that keeps the
// tier, plan and owner is no entry at all.
TEST(SuccessFactsHealthTest, ReadsStageMovesAndIgnoresUpdatesOutsideTheSegment) {
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  event.set_cursor(11);
  *event.mutable_occur_time() = ToProtoTime(At(2026, 5, 5));
  sv1::StageChanged staged;
  staged.mutable_account()->set_name("accounts/a");
  staged.mutable_account()->set_plan("pro");
  staged.mutable_change()->set_from_stage(sv1::Account::RENEWAL);
  staged.mutable_change()->set_to_stage(sv1::Account::CHURNED);
  *staged.mutable_change()->mutable_change_time() = ToProtoTime(At(2026, 5, 1));
  event.set_type("StageChanged");
  event.mutable_payload()->PackFrom(staged);
  auto entry = success_facts::HealthEntryOf(event);
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ(entry->first, "accounts/a");
  EXPECT_EQ(entry->second.kind, HealthEntryKind::kChurned);
  EXPECT_EQ(entry->second.time, At(2026, 5, 1));
  EXPECT_EQ(entry->second.segment.plan, "pro");

  staged.mutable_change()->set_from_stage(sv1::Account::CHURNED);
  staged.mutable_change()->set_to_stage(sv1::Account::ADOPTION);
  event.mutable_payload()->PackFrom(staged);
  EXPECT_EQ(success_facts::HealthEntryOf(event)->second.kind, HealthEntryKind::kReturned);

  sv1::AccountUpdated updated;
  updated.mutable_account()->set_name("accounts/a");
  updated.mutable_account()->set_display_name("New name");
  updated.mutable_account()->set_owner("csm-ann");
  updated.mutable_previous()->set_owner("csm-ann");
  event.set_type("AccountUpdated");
  event.mutable_payload()->PackFrom(updated);
  EXPECT_FALSE(success_facts::HealthEntryOf(event).has_value());
  updated.mutable_account()->set_owner("csm-bob");
  event.mutable_payload()->PackFrom(updated);
  ASSERT_TRUE(success_facts::HealthEntryOf(event).has_value());
  EXPECT_EQ(success_facts::HealthEntryOf(event)->second.segment.owner, "csm-bob");
}

// ---- Usage ----

UsageDay Usage(absl::CivilDay day, int active, int seats, std::vector<std::string> features,
               const AccountSegment& segment = kHigh) {
  UsageDay usage;
  usage.day = day;
  usage.active_users = active;
  usage.seats = seats;
  usage.features = std::move(features);
  usage.segment = segment;
  return usage;
}

// Per period an account counts once as active, once per feature used on
// any day, and its seat ratio is the period's peak daily active users over
// the seats of its latest usage day.
TEST(SuccessFactsUsageTest, CountsEachAccountOncePerPeriodWithPeakSeatRatio) {
  const PeriodScheme utc = PeriodScheme::Calendar(absl::UTCTimeZone());
  Contributions out;
  success_facts::AddAccountUsage(
      kTenant, utc,
      {Usage(absl::CivilDay(2026, 3, 2), 6, 10, {"reports"}),            // Monday, week 10
       Usage(absl::CivilDay(2026, 3, 3), 9, 10, {"export", "reports"}),  // week 10
       Usage(absl::CivilDay(2026, 3, 10), 4, 20, {"search"}, kLow)},     // week 11, latest
      1, out);
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:reports", Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:export", Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:search", Month(2026, 3)), Pair(1, 0));
  // March: peak 9 users over the latest day's 20 seats.
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Month(2026, 3)), Pair(1, 450'000));
  // Week 10: peak 9 over 10 seats; week 11: 4 over 20.
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Week(2026, 3, 2)), Pair(1, 900'000));
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Week(2026, 3, 10)), Pair(1, 200'000));
  EXPECT_EQ(CellOf(out, "feature_accounts:search", Week(2026, 3, 2)), Pair(0, 0));
  // The month's segment is its latest day's.
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 3), measure::kTier, "LOW_TOUCH"),
            Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 3), measure::kTier, "HIGH_TOUCH"),
            Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Week(2026, 3, 2), measure::kTier, "HIGH_TOUCH"),
            Pair(1, 0));
}

// An account whose latest usage day has no licensed seats is active but
// left out of the seat ratio.
TEST(SuccessFactsUsageTest, UnknownSeatsLeaveTheAccountOutOfTheSeatRatio) {
  const PeriodScheme utc = PeriodScheme::Calendar(absl::UTCTimeZone());
  Contributions out;
  success_facts::AddAccountUsage(kTenant, utc,
                                 {Usage(absl::CivilDay(2026, 3, 2), 6, 10, {"a"}),
                                  Usage(absl::CivilDay(2026, 3, 5), 2, 0, {"a"})},
                                 1, out);
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Month(2026, 3)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Day(2026, 3, 2)), Pair(1, 600'000));
}

// A UTC day D counts on the tenant's calendar date D whatever the zone's
// offset: in New York (UTC-5) 1 March counts in March, not in February
// (where the instant 1 March 00:00 UTC falls), and 28 February in February.
TEST(SuccessFactsUsageTest, UtcDaysCountOnTheirOwnDateInAZoneBehindUtc) {
  absl::TimeZone new_york;
  ASSERT_TRUE(absl::LoadTimeZone("America/New_York", &new_york));
  const PeriodScheme scheme = PeriodScheme::Calendar(new_york);
  Contributions out;
  success_facts::AddAccountUsage(kTenant, scheme,
                                 {Usage(absl::CivilDay(2026, 2, 28), 2, 10, {"a"}),
                                  Usage(absl::CivilDay(2026, 3, 1), 5, 10, {"b"}, kLow)},
                                 1, out);
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 2)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:a", Month(2026, 2)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:b", Month(2026, 2)), Pair(0, 0));
  EXPECT_EQ(CellOf(out, "feature_accounts:b", Month(2026, 3)), Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Month(2026, 2)), Pair(1, 200'000));
  EXPECT_EQ(CellOf(out, measure::kSeatRatio, Month(2026, 3)), Pair(1, 500'000));
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Day(2026, 3, 1), measure::kTier, "LOW_TOUCH"),
            Pair(1, 0));
  EXPECT_EQ(CellOf(out, measure::kUsageAccounts, Day(2026, 2, 28)), Pair(1, 0));
  // The change of 1 March touches March's periods, never February's.
  Contributions change;
  success_facts::AddAccountUsageChange(
      kTenant, scheme, {Usage(absl::CivilDay(2026, 2, 28), 2, 10, {"a"})},
      {Usage(absl::CivilDay(2026, 2, 28), 2, 10, {"a"}),
       Usage(absl::CivilDay(2026, 3, 1), 5, 10, {"b"}, kLow)},
      {absl::CivilDay(2026, 3, 1)}, change);
  change.Prune();
  for (const auto& [key, cell] : change.cells()) {
    EXPECT_GE(key.period.end, absl::CivilDay(2026, 3, 2)) << key.measure;
    EXPECT_NE(key.period, Month(2026, 2)) << key.measure;
  }
  EXPECT_EQ(CellOf(change, measure::kUsageAccounts, Month(2026, 3)), Pair(1, 0));
  // A custom window of March's dates holds 1 March and not 28 February.
  Contributions window;
  const Period march{Grain::kCustom, absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1)};
  success_facts::AddAccountUsage(kTenant, PeriodScheme::ForWindow(new_york, march),
                                 {Usage(absl::CivilDay(2026, 2, 28), 2, 10, {"a"}),
                                  Usage(absl::CivilDay(2026, 3, 1), 5, 10, {"b"})},
                                 1, window);
  EXPECT_EQ(CellOf(window, "feature_accounts:a", march), Pair(0, 0));
  EXPECT_EQ(CellOf(window, "feature_accounts:b", march), Pair(1, 0));
  EXPECT_EQ(CellOf(window, measure::kSeatRatio, march), Pair(1, 500'000));
}

// A period's change from the summary of the account's other days in it
// (as the store reads them) equals the change from all its days.
TEST(SuccessFactsUsageTest, PeriodChangeFromASummaryEqualsTheChangeFromAllDays) {
  const std::vector<UsageDay> others = {
      Usage(absl::CivilDay(2026, 3, 2), 6, 10, {"reports", "search"}),
      Usage(absl::CivilDay(2026, 3, 20), 2, 12, {"search"}, kLow)};
  const std::vector<UsageDay> was = {Usage(absl::CivilDay(2026, 3, 10), 3, 10, {"reports"})};
  const std::vector<UsageDay> now = {
      Usage(absl::CivilDay(2026, 3, 10), 9, 10, {"export", "reports"}),
      Usage(absl::CivilDay(2026, 3, 21), 1, 20, {"search"}, kHigh)};
  std::vector<UsageDay> before = others, after = others;
  before.insert(before.end(), was.begin(), was.end());
  after.insert(after.end(), now.begin(), now.end());
  Contributions expected;
  success_facts::AddAccountUsageChange(
      kTenant, Calendar(), before, after,
      {absl::CivilDay(2026, 3, 10), absl::CivilDay(2026, 3, 21)}, expected);
  success_facts::UsageSummary rest;
  rest.latest_day = absl::CivilDay(2026, 3, 20);
  rest.peak_active_users = 6;
  rest.latest_seats = 12;
  rest.features = {"reports", "search"};
  rest.segment = kLow;
  Contributions got;
  success_facts::AddAccountUsagePeriodChange(kTenant, Month(2026, 3), rest, was, now, got);
  got.Prune();
  expected.Prune();
  for (const auto& [key, cell] : expected.cells()) {
    if (!(key.period == Month(2026, 3))) continue;
    EXPECT_EQ(CellOf(got, key.measure, key.period, key.dimension, key.value),
              Pair(cell.count, cell.total))
        << key.measure << " " << key.dimension << "=" << key.value;
  }
  ASSERT_FALSE(got.cells().empty());
  for (const auto& [key, cell] : got.cells()) {
    EXPECT_EQ(CellOf(expected, key.measure, key.period, key.dimension, key.value),
              Pair(cell.count, cell.total))
        << key.measure << " " << key.dimension << "=" << key.value;
  }
  // Now peak 9 over the 20 seats of 21 March, in the high-touch segment.
  EXPECT_EQ(CellOf(got, measure::kSeatRatio, Month(2026, 3), measure::kTier, "HIGH_TOUCH"),
            Pair(1, 450'000));
  // Without other days the period holds just the changed ones.
  Contributions alone;
  success_facts::AddAccountUsagePeriodChange(kTenant, Day(2026, 3, 21), std::nullopt, {}, now,
                                             alone);
  EXPECT_EQ(CellOf(alone, measure::kUsageAccounts, Day(2026, 3, 21)), Pair(1, 0));
  EXPECT_EQ(CellOf(alone, "feature_accounts:export", Day(2026, 3, 21)), Pair(0, 0));
}

// The same day given twice counts once.
TEST(SuccessFactsUsageTest, RepeatedDayChangesNothing) {
  const PeriodScheme utc = PeriodScheme::Calendar(absl::UTCTimeZone());
  const UsageDay day = Usage(absl::CivilDay(2026, 3, 2), 6, 10, {"reports"});
  Contributions once, twice;
  success_facts::AddAccountUsage(kTenant, utc, {day}, 1, once);
  success_facts::AddAccountUsage(kTenant, utc, {day, day}, 1, twice);
  EXPECT_TRUE(SameCells(once, twice));
}

// Changing days gives the cells of the whole recomputation (after minus
// before), from the periods holding the changed days alone, and no cell
// where the account's figures did not move.
TEST(SuccessFactsUsageTest, ChangeEqualsRecomputingTheAccount) {
  const std::vector<UsageDay> before = {
      Usage(absl::CivilDay(2026, 1, 5), 3, 10, {"reports"}),
      Usage(absl::CivilDay(2026, 3, 2), 6, 10, {"reports", "search"}),
      Usage(absl::CivilDay(2026, 3, 20), 2, 10, {"search"})};
  std::vector<UsageDay> after = before;
  after[1] = Usage(absl::CivilDay(2026, 3, 2), 8, 10, {"export", "reports", "search"});
  after.push_back(Usage(absl::CivilDay(2026, 3, 21), 1, 10, {"search"}, kLow));
  const std::vector<absl::CivilDay> changed = {absl::CivilDay(2026, 3, 2),
                                               absl::CivilDay(2026, 3, 21)};
  Contributions change, recomputed;
  success_facts::AddAccountUsageChange(kTenant, Calendar(), before, after, changed, change);
  success_facts::AddAccountUsage(kTenant, Calendar(), before, -1, recomputed);
  success_facts::AddAccountUsage(kTenant, Calendar(), after, 1, recomputed);
  change.Prune();
  recomputed.Prune();
  EXPECT_TRUE(SameCells(change, recomputed));
  // January's month did not move, so no cell of it was touched at all.
  for (const auto& [key, cell] : change.cells()) {
    EXPECT_NE(key.period, Month(2026, 1)) << key.measure;
  }
  EXPECT_EQ(CellOf(change, "feature_accounts:export", Month(2026, 3)), Pair(1, 0));
}

// UsageRolledUp is read as the account's UTC day with sorted, distinct
// features and its snapshot.
TEST(SuccessFactsUsageTest, ReadsUsageRolledUp) {
  sv1::UsageRolledUp rolled;
  rolled.set_account("accounts/a");
  *rolled.mutable_day_start_time() =
      ToProtoTime(absl::FromCivil(absl::CivilDay(2026, 3, 2), absl::UTCTimeZone()));
  rolled.set_active_users(4);
  rolled.add_features("search");
  rolled.add_features("export");
  rolled.set_seats_licensed(8);
  rolled.set_touch_tier(sv1::LOW_TOUCH);
  rolled.set_owner("csm-bob");
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  event.set_type("UsageRolledUp");
  event.set_cursor(3);
  event.mutable_payload()->PackFrom(rolled);
  auto day = success_facts::UsageDayOf(event);
  ASSERT_TRUE(day.has_value());
  EXPECT_EQ(day->first, "accounts/a");
  EXPECT_EQ(day->second.day, absl::CivilDay(2026, 3, 2));
  EXPECT_THAT(day->second.features, ::testing::ElementsAre("export", "search"));
  EXPECT_EQ(day->second.seats, 8);
  EXPECT_EQ(day->second.segment, (AccountSegment{"LOW_TOUCH", "", "csm-bob"}));
}

// A feature name as long as Success allows (100 characters) is kept whole
// from UsageRolledUp to its adoption measure, which fits the rollups'
// 160-character measure column.
TEST(SuccessFactsUsageTest, LongestFeatureNameIsKeptWhole) {
  const std::string feature = absl::StrCat("reports/", std::string(92, 'x'));
  ASSERT_EQ(feature.size(), 100u);
  sv1::UsageRolledUp rolled;
  rolled.set_account("accounts/a");
  *rolled.mutable_day_start_time() =
      ToProtoTime(absl::FromCivil(absl::CivilDay(2026, 3, 2), absl::UTCTimeZone()));
  rolled.set_active_users(1);
  rolled.add_features(feature);
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  event.set_type("UsageRolledUp");
  event.set_cursor(1);
  event.mutable_payload()->PackFrom(rolled);
  auto day = success_facts::UsageDayOf(event);
  ASSERT_TRUE(day.has_value());
  EXPECT_THAT(day->second.features, ::testing::ElementsAre(feature));
  Contributions out;
  success_facts::AddAccountUsage(kTenant, Calendar(), {day->second}, 1, out);
  const std::string measure_name = absl::StrCat(measure::kFeatureAccountsPrefix, feature);
  EXPECT_LE(measure_name.size(), 160u);
  EXPECT_EQ(CellOf(out, measure_name, Month(2026, 3)), Pair(1, 0));
}

// The keeper takes exactly the Success events it keeps facts of.
TEST(SuccessFactsTest, HandlesSuccessEventsItKeeps) {
  SuccessFacts facts(nullptr);
  tandem::common::v1::Event event;
  event.set_source("tandem.success.v1");
  for (const char* type : {"NpsRecorded", "RenewalClosed", "OnboardingEnded", "HealthChanged",
                           "UsageRolledUp", "KeyFeaturesUpdated", "StageChanged"}) {
    event.set_type(type);
    EXPECT_TRUE(facts.Handles(event)) << type;
  }
  event.set_type("MrrMovementRecorded");
  EXPECT_FALSE(facts.Handles(event));
  event.set_source("tandem.support.v1");
  event.set_type("HealthChanged");
  EXPECT_FALSE(facts.Handles(event));
}

}  // namespace
}  // namespace tandem::metrics

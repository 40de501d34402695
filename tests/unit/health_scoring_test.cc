// Health scoring as pure functions: weights, missing data, bands, the
// breakdown's arithmetic, explanations, trends, comparisons, and the
// judged scenario (a perfect account that gets a complaint and an SLA
// breach falls out of GREEN, the support measure costing the most).
#include "services/success/health_scoring.h"

#include <numeric>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "services/success/health_manager.h"

namespace tandem::success {
namespace {

using Measure = v1::MeasureScore;
using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1'790'000'000);

// An account with perfect usage (all key features used, every licensed
// seat active) and nothing else known.
AccountSignals PerfectUsage() {
  AccountSignals signals;
  signals.as_of = kNow;
  signals.account.seats_licensed = 10;
  signals.usage.adoption = 1.0;
  signals.usage.active_seat_ratio = 1.0;
  signals.usage.active_users_30d = 10;
  return signals;
}

const v1::MeasureScore& Entry(const HealthAssessment& assessment, Measure::Measure measure) {
  for (const v1::MeasureScore& entry : assessment.breakdown) {
    if (entry.measure() == measure) return entry;
  }
  ADD_FAILURE() << "no entry for " << measure;
  return assessment.breakdown.front();
}

v1::Scorecard WithWeights(std::vector<std::pair<Measure::Measure, int32_t>> weights) {
  v1::Scorecard scorecard = DefaultScorecard();
  scorecard.clear_weights();
  for (const auto& [measure, weight] : weights) {
    v1::MeasureWeight* entry = scorecard.add_weights();
    entry->set_measure(measure);
    entry->set_weight(weight);
  }
  return scorecard;
}

// Checks the breakdown's arithmetic: maxima add up to 100, points to the
// score, points lost to 100 minus the score, and unknowns count nothing.
void ExpectBreakdownAddsUp(const HealthAssessment& assessment) {
  int32_t max = 0, points = 0, lost = 0;
  double effective = 0;
  for (const v1::MeasureScore& entry : assessment.breakdown) {
    max += entry.max_points();
    points += entry.points();
    lost += entry.points_lost();
    effective += entry.effective_weight();
    EXPECT_EQ(entry.points_lost(), entry.max_points() - entry.points());
    EXPECT_GE(entry.points(), 0);
    EXPECT_LE(entry.points(), entry.max_points());
    if (!entry.known()) {
      EXPECT_EQ(entry.max_points(), 0) << entry.measure();
    }
  }
  EXPECT_EQ(max, 100);
  EXPECT_EQ(points, assessment.score);
  EXPECT_EQ(lost, 100 - assessment.score);
  EXPECT_NEAR(effective, 1.0, 1e-9);
}

TEST(HealthScoringTest, PerfectUsageAloneIsGreenAt100) {
  const HealthAssessment assessment = ScoreHealth(DefaultScorecard(), PerfectUsage());
  ASSERT_TRUE(assessment.scored);
  EXPECT_EQ(assessment.score, 100);
  EXPECT_EQ(assessment.band, v1::GREEN);
  ExpectBreakdownAddsUp(assessment);
  // Only adoption and seats are known: they share the whole score.
  EXPECT_EQ(Entry(assessment, Measure::ADOPTION).max_points(), 50);
  EXPECT_EQ(Entry(assessment, Measure::ACTIVE_SEAT_RATIO).max_points(), 50);
  EXPECT_FALSE(Entry(assessment, Measure::SUPPORT).known());
}

// The judged scenario, with the README's arithmetic: adoption 20, seats
// 20 and support 30 are known (70): 29 + 28 + 43 max points; support
// scores 100 - 50 - 40 = 10, so gives 4 of its 43: 29 + 28 + 4 = 61.
TEST(HealthScoringTest, ComplaintAndSlaBreachTakePerfectAccountOutOfGreen) {
  const HealthAssessment before = ScoreHealth(DefaultScorecard(), PerfectUsage());
  AccountSignals signals = PerfectUsage();
  signals.support.has_tickets = true;
  signals.support.tickets_30d = 1;
  signals.support.open_tickets = 1;
  signals.support.complaints_30d = 1;
  signals.support.sla_breaches_30d = 1;
  const HealthAssessment after = ScoreHealth(DefaultScorecard(), signals);

  EXPECT_EQ(before.band, v1::GREEN);
  EXPECT_EQ(after.score, 61);
  EXPECT_THAT(after.band, ::testing::AnyOf(v1::YELLOW, v1::RED));
  ExpectBreakdownAddsUp(after);
  const v1::MeasureScore* largest = LargestLoss(after.breakdown);
  ASSERT_NE(largest, nullptr);
  EXPECT_EQ(largest->measure(), Measure::SUPPORT);
  EXPECT_EQ(largest->points_lost(), 39);
  EXPECT_EQ(largest->explanation(),
            "1 complaint and 1 SLA breach in the last 30 days; 1 open ticket");

  // "What changed": support took the 39 points; nothing else moved.
  const std::vector<v1::MeasureChange> changes =
      CompareBreakdowns(before.breakdown, after.breakdown);
  ASSERT_FALSE(changes.empty());
  EXPECT_EQ(changes[0].measure(), Measure::SUPPORT);
  EXPECT_EQ(changes[0].impact(), -39);
  int32_t total = 0;
  for (const v1::MeasureChange& change : changes) total += change.impact();
  EXPECT_EQ(total, after.score - before.score);
}

// With usage older than 30 days the seat trend is known too (steady: 80):
// weights 20/20/10/30 give max points 25/25/13/37 (README's arithmetic).
TEST(HealthScoringTest, ComplaintAndSlaBreachLeaveGreenWithTheSeatTrendKnownToo) {
  AccountSignals signals = PerfectUsage();
  signals.usage.active_seat_ratio_before = 1.0;
  const HealthAssessment steady = ScoreHealth(DefaultScorecard(), signals);
  EXPECT_EQ(steady.score, 96);  // 40 + 40 + 20 x 0.8
  EXPECT_EQ(steady.band, v1::GREEN);
  signals.support.has_tickets = true;
  signals.support.complaints_30d = 1;
  const HealthAssessment one_complaint = ScoreHealth(DefaultScorecard(), signals);
  EXPECT_EQ(one_complaint.score, 79);
  EXPECT_EQ(one_complaint.band, v1::GREEN);
  signals.support.sla_breaches_30d = 1;
  const HealthAssessment after = ScoreHealth(DefaultScorecard(), signals);
  EXPECT_EQ(after.score, 64);
  EXPECT_EQ(after.band, v1::YELLOW);
  EXPECT_EQ(Entry(after, Measure::SEAT_TREND).max_points(), 13);
  EXPECT_EQ(Entry(after, Measure::SUPPORT).max_points(), 37);
  EXPECT_EQ(LargestLoss(after.breakdown)->measure(), Measure::SUPPORT);
}

TEST(HealthScoringTest, MissingMeasuresGiveTheirWeightToKnownOnes) {
  AccountSignals signals;
  signals.as_of = kNow;
  signals.support.has_tickets = true;
  signals.support.escalations_30d = 1;  // 100 - 30
  const HealthAssessment assessment = ScoreHealth(DefaultScorecard(), signals);
  ASSERT_TRUE(assessment.scored);
  EXPECT_EQ(assessment.score, 70);
  const v1::MeasureScore& support = Entry(assessment, Measure::SUPPORT);
  EXPECT_DOUBLE_EQ(support.effective_weight(), 1.0);
  EXPECT_EQ(support.max_points(), 100);
  for (const v1::MeasureScore& entry : assessment.breakdown) {
    if (entry.measure() != Measure::SUPPORT) {
      EXPECT_EQ(entry.points(), 0);
    }
  }
}

TEST(HealthScoringTest, NothingKnownLeavesTheAccountUnscored) {
  AccountSignals signals;
  signals.as_of = kNow;
  const HealthAssessment assessment = ScoreHealth(DefaultScorecard(), signals);
  EXPECT_FALSE(assessment.scored);
  EXPECT_EQ(assessment.band, v1::HEALTH_BAND_UNSPECIFIED);
  EXPECT_EQ(assessment.breakdown.size(), AllMeasures().size());
  EXPECT_EQ(Entry(assessment, Measure::NPS).explanation(), "no NPS response");
}

TEST(HealthScoringTest, WeightsSetEachKnownMeasuresShare) {
  AccountSignals signals = PerfectUsage();
  signals.usage.adoption = 0.4;
  // Equal weights: (40 + 100) / 2.
  EXPECT_EQ(
      ScoreHealth(WithWeights({{Measure::ADOPTION, 1}, {Measure::ACTIVE_SEAT_RATIO, 1}}), signals)
          .score,
      70);
  // Adoption three times as heavy: 0.75 x 40 + 0.25 x 100.
  EXPECT_EQ(
      ScoreHealth(WithWeights({{Measure::ADOPTION, 3}, {Measure::ACTIVE_SEAT_RATIO, 1}}), signals)
          .score,
      55);
  // Weight 0 leaves a known measure out.
  const HealthAssessment only_seats =
      ScoreHealth(WithWeights({{Measure::ADOPTION, 0}, {Measure::ACTIVE_SEAT_RATIO, 5}}), signals);
  EXPECT_EQ(only_seats.score, 100);
  EXPECT_TRUE(Entry(only_seats, Measure::ADOPTION).known());
  EXPECT_EQ(Entry(only_seats, Measure::ADOPTION).max_points(), 0);
}

TEST(HealthScoringTest, BreakdownAddsUpToTheScoreForManyMixes) {
  for (int a = 0; a <= 10; a += 3) {
    for (int nps = 0; nps <= 10; nps += 4) {
      for (int complaints = 0; complaints <= 2; ++complaints) {
        AccountSignals signals = PerfectUsage();
        signals.usage.adoption = a / 10.0;
        signals.usage.active_seat_ratio = 0.37 + a / 30.0;
        signals.usage.active_seat_ratio_before = 0.5;
        signals.engagement.latest_nps = nps;
        signals.engagement.last_engagement_time = kNow - absl::Hours(24 * (a * 9));
        signals.lifecycle.onboarding_progress = 0.33;
        signals.support.has_tickets = true;
        signals.support.complaints_30d = complaints;
        signals.support.csat_90d = 0.61;
        const HealthAssessment assessment = ScoreHealth(DefaultScorecard(), signals);
        ASSERT_TRUE(assessment.scored);
        ExpectBreakdownAddsUp(assessment);
      }
    }
  }
}

TEST(HealthScoringTest, BandsFollowTheThresholds) {
  const v1::Scorecard scorecard = DefaultScorecard();
  EXPECT_EQ(BandFor(scorecard, 100), v1::GREEN);
  EXPECT_EQ(BandFor(scorecard, 70), v1::GREEN);
  EXPECT_EQ(BandFor(scorecard, 69), v1::YELLOW);
  EXPECT_EQ(BandFor(scorecard, 40), v1::YELLOW);
  EXPECT_EQ(BandFor(scorecard, 39), v1::RED);
  EXPECT_EQ(BandFor(scorecard, 0), v1::RED);
}

TEST(HealthScoringTest, MeasuresExplainThemselves) {
  AccountSignals signals = PerfectUsage();
  signals.usage.active_users_30d = 6;
  signals.usage.active_seat_ratio = 0.6;
  signals.usage.active_seat_ratio_before = 0.8;
  signals.engagement.latest_nps = 5;
  signals.engagement.latest_nps_time = kNow - absl::Hours(24 * 3);
  signals.engagement.last_engagement_time = kNow - absl::Hours(24 * 75);
  signals.lifecycle.onboarding_progress = 0.5;
  signals.lifecycle.overdue_milestones = 2;

  const MeasureOutcome seats = ScoreMeasure(Measure::ACTIVE_SEAT_RATIO, signals);
  EXPECT_EQ(seats.score, 60);
  EXPECT_EQ(seats.explanation, "6 of 10 licensed seats active in the last 30 days (60%)");
  const MeasureOutcome trend = ScoreMeasure(Measure::SEAT_TREND, signals);
  EXPECT_EQ(trend.score, 60);  // 80 + 80 x (-25%)
  EXPECT_THAT(trend.explanation, HasSubstr("down 25%"));
  const MeasureOutcome nps = ScoreMeasure(Measure::NPS, signals);
  EXPECT_EQ(nps.score, 25);
  EXPECT_EQ(nps.explanation, "latest NPS response 5 (detractor), 3 days ago");
  const MeasureOutcome engagement = ScoreMeasure(Measure::ENGAGEMENT_RECENCY, signals);
  EXPECT_EQ(engagement.score, 50);  // 45 days past the first 30 of 90
  EXPECT_EQ(engagement.explanation, "last meeting, call or e-mail 75 days ago");
  const MeasureOutcome onboarding = ScoreMeasure(Measure::ONBOARDING_PROGRESS, signals);
  EXPECT_EQ(onboarding.score, 20);
  EXPECT_EQ(onboarding.explanation, "onboarding 50% complete, 2 milestones overdue");
}

TEST(HealthScoringTest, SupportCountsEverySignalAndNeverGoesBelowZero) {
  AccountSignals signals;
  signals.as_of = kNow;
  signals.support.has_tickets = true;
  signals.support.open_tickets = 2;
  EXPECT_EQ(ScoreMeasure(Measure::SUPPORT, signals).score, 100);
  EXPECT_EQ(ScoreMeasure(Measure::SUPPORT, signals).explanation,
            "no complaints, escalations or SLA breaches in the last 30 days; 2 open tickets");
  signals.support.open_tickets = 6;  // 3 over: 15
  signals.support.csat_90d = 0.7;    // 10 under 80%
  EXPECT_EQ(ScoreMeasure(Measure::SUPPORT, signals).score, 75);
  signals.support.complaints_30d = 2;
  signals.support.escalations_30d = 1;
  const MeasureOutcome outcome = ScoreMeasure(Measure::SUPPORT, signals);
  EXPECT_EQ(outcome.score, 0);
  EXPECT_EQ(outcome.explanation,
            "2 complaints and 1 escalation in the last 30 days; 6 open tickets; CSAT 70% over "
            "90 days");
}

TEST(HealthScoringTest, TrendNeedsMoreThanTheMargin) {
  EXPECT_EQ(TrendFor(5, std::nullopt, 80), v1::HEALTH_TREND_UNSPECIFIED);
  EXPECT_EQ(TrendFor(5, 80, 85), v1::STABLE);
  EXPECT_EQ(TrendFor(5, 80, 86), v1::IMPROVING);
  EXPECT_EQ(TrendFor(5, 80, 75), v1::STABLE);
  EXPECT_EQ(TrendFor(5, 80, 74), v1::DECLINING);
}

TEST(HealthScoringTest, ComparisonWithAnUnscoredPastCountsEveryLoss) {
  AccountSignals signals = PerfectUsage();
  signals.usage.adoption = 0.5;
  const HealthAssessment now = ScoreHealth(DefaultScorecard(), signals);
  const std::vector<v1::MeasureChange> changes = CompareBreakdowns({}, now.breakdown);
  ASSERT_EQ(changes.size(), AllMeasures().size());
  EXPECT_EQ(changes[0].measure(), Measure::ADOPTION);
  EXPECT_EQ(changes[0].impact(), -25);
  EXPECT_EQ(changes[1].impact(), 0);
}

TEST(HealthScoringTest, WhatChangedSinceAddsTheImpactsUpToTheScoreChange) {
  AccountSignals signals = PerfectUsage();
  v1::AccountHealth then;
  then.set_score(100);
  then.set_band(v1::GREEN);
  for (const auto& entry : ScoreHealth(DefaultScorecard(), signals).breakdown) {
    *then.add_breakdown() = entry;
  }
  signals.support.has_tickets = true;
  signals.support.escalations_30d = 2;
  const HealthAssessment assessment = ScoreHealth(DefaultScorecard(), signals);
  v1::AccountHealth now;
  now.set_score(assessment.score);
  now.set_band(assessment.band);
  for (const auto& entry : assessment.breakdown) *now.add_breakdown() = entry;

  const v1::HealthComparison comparison = CompareScorings("accounts/x", kNow, then, now);
  EXPECT_EQ(comparison.score_change(), assessment.score - 100);
  EXPECT_EQ(comparison.band_changed(), assessment.band != v1::GREEN);
  EXPECT_EQ(comparison.changes(0).measure(), Measure::SUPPORT);
  int32_t total = 0;
  for (const auto& change : comparison.changes()) total += change.impact();
  EXPECT_EQ(total, comparison.score_change());

  // Unscored then: counted as 100 with nothing lost.
  const v1::HealthComparison first = CompareScorings("accounts/x", kNow, std::nullopt, now);
  EXPECT_FALSE(first.has_then());
  EXPECT_EQ(first.score_change(), assessment.score - 100);
  EXPECT_TRUE(first.band_changed());
}

TEST(HealthScoringTest, ApportionKeepsTheTotalAndRoundsOnlyFractionsUp) {
  EXPECT_EQ(Apportion({33.3, 33.3, 33.4}, 100), (std::vector<int32_t>{33, 33, 34}));
  EXPECT_EQ(Apportion({28.57, 28.57, 42.86}, 100), (std::vector<int32_t>{29, 28, 43}));
  EXPECT_EQ(Apportion({10, 0, 5}, 15), (std::vector<int32_t>{10, 0, 5}));
  const std::vector<int32_t> shares = Apportion({0.5, 0.5, 0.5, 0.5}, 2);
  EXPECT_EQ(std::accumulate(shares.begin(), shares.end(), 0), 2);
}

TEST(HealthScoringTest, ScorecardChecksNameTheBadField) {
  v1::Scorecard scorecard = WithWeights({{Measure::ADOPTION, 101}, {Measure::ADOPTION, 5}});
  scorecard.set_yellow_threshold(80);
  scorecard.set_trend_margin(60);
  FieldViolations violations;
  CheckScorecard(scorecard, {"weights", "yellow_threshold", "trend_margin"}, violations);
  const std::vector<FieldViolation> found = FieldViolationsOf(violations.ToStatus());
  std::vector<std::string> fields;
  for (const FieldViolation& violation : found) fields.push_back(violation.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "scorecard.weights[0].weight", "scorecard.weights[1].measure",
                          "scorecard.yellow_threshold", "scorecard.trend_margin"));

  FieldViolations none_positive;
  CheckScorecard(WithWeights({{Measure::NPS, 0}}), {"weights"}, none_positive);
  EXPECT_FALSE(none_positive.empty());
  FieldViolations fine;
  CheckScorecard(DefaultScorecard(), {"weights", "green_threshold", "trend_margin"}, fine);
  EXPECT_TRUE(fine.empty());
}

TEST(HealthScoringTest, NormalizedScorecardListsEveryMeasureInOrder) {
  const v1::Scorecard normalized = NormalizeScorecard(WithWeights({{Measure::NPS, 7}}));
  ASSERT_EQ(normalized.weights_size(), 7);
  EXPECT_EQ(normalized.weights(0).measure(), Measure::ADOPTION);
  EXPECT_EQ(normalized.weights(0).weight(), 0);
  EXPECT_EQ(normalized.weights(4).measure(), Measure::NPS);
  EXPECT_EQ(normalized.weights(4).weight(), 7);
}

}  // namespace
}  // namespace tandem::success

// Health scoring as pure functions: the default scorecard, how each
// measure scores an account's signals (0-100, with a sentence saying why),
// how the measures' weights combine into a 0-100 score and a band, the
// trend, and what changed between two scorings. No storage, no clock.
//
// Known measures share the score in proportion to their weights; a
// measure without data (an unknown) gives its weight to the others, so
// missing data never counts as bad. The breakdown is in whole points:
// `max_points` of the known measures add up to 100, `points` to the score,
// and `points_lost` to 100 minus the score.
#ifndef TANDEM_SERVICES_SUCCESS_HEALTH_SCORING_H_
#define TANDEM_SERVICES_SUCCESS_HEALTH_SCORING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "services/success/account_signals.h"
#include "tandem/success/v1/health.pb.h"

namespace tandem::success {

// Default weights (relative), band thresholds and trend margin.
inline constexpr int32_t kDefaultAdoptionWeight = 20;
inline constexpr int32_t kDefaultActiveSeatWeight = 20;
inline constexpr int32_t kDefaultSeatTrendWeight = 10;
inline constexpr int32_t kDefaultSupportWeight = 30;
inline constexpr int32_t kDefaultNpsWeight = 10;
inline constexpr int32_t kDefaultEngagementWeight = 5;
inline constexpr int32_t kDefaultOnboardingWeight = 5;
inline constexpr int32_t kDefaultGreenThreshold = 70;
inline constexpr int32_t kDefaultYellowThreshold = 40;
inline constexpr int32_t kDefaultTrendMargin = 5;

// What the support measure takes off its 100 for each signal in 30 days.
inline constexpr int32_t kComplaintPenalty = 50;
inline constexpr int32_t kSlaBreachPenalty = 40;
inline constexpr int32_t kEscalationPenalty = 30;

// Every measure, in the order breakdowns list them.
const std::vector<v1::MeasureScore::Measure>& AllMeasures();

// Returns the scorecard a tenant has until it changes it (name
// `scorecard`, no etag or update time).
v1::Scorecard DefaultScorecard();

// Returns `scorecard` with one weight per measure in measure order
// (missing measures weigh 0); other fields are kept.
v1::Scorecard NormalizeScorecard(const v1::Scorecard& scorecard);

// Adds violations (as "scorecard.<field>") for the fields of `scorecard`
// that `paths` names: weights (each measure once, 0-100, one above 0),
// thresholds (1-100, yellow below green) and the trend margin (0-50).
// Thresholds are checked together, as they will be after the update, so
// pass the merged scorecard.
void CheckScorecard(const v1::Scorecard& merged, const std::vector<std::string>& paths,
                    FieldViolations& violations);

// One measure's verdict on the signals.
struct MeasureOutcome {
  bool known = false;
  int32_t score = 0;  // 0-100; 0 when unknown
  std::string explanation;
};

// Scores one measure; `signals.as_of` is "now" for its windows.
MeasureOutcome ScoreMeasure(v1::MeasureScore::Measure measure, const AccountSignals& signals);

// The outcome of scoring an account.
struct HealthAssessment {
  // False when no weighted measure had data: then there is no score or
  // band (the breakdown still says what was missing).
  bool scored = false;
  int32_t score = 0;
  v1::HealthBand band = v1::HEALTH_BAND_UNSPECIFIED;
  // Every measure of AllMeasures(), in that order.
  std::vector<v1::MeasureScore> breakdown;
};

// Scores an account's signals on `scorecard` (normalized or not).
HealthAssessment ScoreHealth(const v1::Scorecard& scorecard, const AccountSignals& signals);

// Returns the band `score` falls in on `scorecard`.
v1::HealthBand BandFor(const v1::Scorecard& scorecard, int32_t score);

// Returns the trend from `earlier` (the score about 30 days ago; nullopt
// when there is none) to `now`: beyond `margin` points up IMPROVING, down
// DECLINING, else STABLE; unspecified without an earlier score.
v1::HealthTrend TrendFor(int32_t margin, std::optional<int32_t> earlier, int32_t now);

// Compares two breakdowns measure by measure (`then` may be empty: an
// account not scored then, every measure unknown). Returns every measure,
// the largest |impact| first, ties in measure order; the impacts add up to
// the change of the score (100 minus the points lost, each time).
std::vector<v1::MeasureChange> CompareBreakdowns(const std::vector<v1::MeasureScore>& then,
                                                 const std::vector<v1::MeasureScore>& now);

// Splits `total` whole units among items in proportion to `raw` (which
// should add up to about `total`): each gets the floor of its share, and
// the units left over go to the largest fractional parts (ties to the
// earlier item). Never gives an item more than the ceiling of its share.
std::vector<int32_t> Apportion(const std::vector<double>& raw, int32_t total);

// Returns the measure whose `points_lost` is largest (the first such), or
// nullptr when nothing lost points.
const v1::MeasureScore* LargestLoss(const std::vector<v1::MeasureScore>& breakdown);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_HEALTH_SCORING_H_

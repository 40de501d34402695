#include "services/success/health_scoring.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::success {
namespace {

int32_t Clamp100(double value) {
  return static_cast<int32_t>(std::clamp(std::lround(value), 0L, 100L));
}

// "1 complaint", "2 complaints".
std::string Count(int64_t n, absl::string_view singular, absl::string_view plural) {
  return absl::StrCat(n, " ", n == 1 ? singular : plural);
}

// "a, b and c".
std::string JoinAnd(const std::vector<std::string>& parts) {
  if (parts.size() <= 1) return parts.empty() ? "" : parts[0];
  return absl::StrCat(absl::StrJoin(std::vector<std::string>(parts.begin(), parts.end() - 1), ", "),
                      " and ", parts.back());
}

std::string Percent(double share) { return absl::StrCat(std::lround(share * 100), "%"); }

int64_t DaysAgo(absl::Time as_of, absl::Time then) {
  return std::max<int64_t>(0, absl::ToInt64Hours(as_of - then) / 24);
}

std::string DaysAgoText(int64_t days) {
  if (days == 0) return "today";
  return absl::StrCat(Count(days, "day", "days"), " ago");
}

MeasureOutcome Adoption(const AccountSignals& s) {
  if (!s.usage.adoption.has_value()) {
    return {.explanation = "the tenant has no key features to measure adoption by"};
  }
  return {.known = true,
          .score = Clamp100(*s.usage.adoption * 100),
          .explanation = absl::StrCat(Percent(*s.usage.adoption),
                                      " of the key features used in the last 30 days")};
}

MeasureOutcome ActiveSeats(const AccountSignals& s) {
  if (!s.usage.active_seat_ratio.has_value()) {
    return {.explanation = "licensed seats are unknown"};
  }
  const double ratio = *s.usage.active_seat_ratio;
  return {.known = true,
          .score = Clamp100(std::min(1.0, ratio) * 100),
          .explanation =
              absl::StrCat(s.usage.active_users_30d, " of ",
                           Count(s.account.seats_licensed, "licensed seat", "licensed seats"),
                           " active in the last 30 days (", Percent(ratio), ")")};
}

MeasureOutcome SeatTrend(const AccountSignals& s) {
  if (!s.usage.active_seat_ratio.has_value() || !s.usage.active_seat_ratio_before.has_value()) {
    return {.explanation = "no usage before the last 30 days to compare with"};
  }
  const double now = *s.usage.active_seat_ratio;
  const double before = *s.usage.active_seat_ratio_before;
  // Holding steady scores 80; growth of a quarter or more 100; losing
  // half the active seats 40, all of them 0.
  const double change = before > 0 ? (now - before) / before : (now > 0 ? 1.0 : 0.0);
  const std::string direction = change > 0.005    ? absl::StrCat("up ", Percent(change))
                                : change < -0.005 ? absl::StrCat("down ", Percent(-change))
                                                  : "steady";
  return {.known = true,
          .score = Clamp100(80 + 80 * change),
          .explanation = absl::StrCat("active seats ", direction, " on the 30 days before (",
                                      Percent(before), " to ", Percent(now), ")")};
}

MeasureOutcome Support(const AccountSignals& s) {
  const SupportSignals& support = s.support;
  const bool known = support.has_tickets || support.tickets_30d > 0 || support.complaints_30d > 0 ||
                     support.escalations_30d > 0 || support.sla_breaches_30d > 0 ||
                     support.open_tickets > 0 || support.csat_90d.has_value();
  if (!known) return {.explanation = "no tickets from the account"};
  double score = 100.0 - kComplaintPenalty * support.complaints_30d -
                 kSlaBreachPenalty * support.sla_breaches_30d -
                 kEscalationPenalty * support.escalations_30d;
  // More than 3 open tickets: 5 each, at most 20.
  score -= std::min(20, 5 * std::max(0, support.open_tickets - 3));
  // CSAT under 80% over 90 days: a point per point under, at most 30.
  if (support.csat_90d.has_value() && *support.csat_90d < 0.8) {
    score -= std::min(30.0, (0.8 - *support.csat_90d) * 100);
  }
  std::vector<std::string> events;
  if (support.complaints_30d > 0) {
    events.push_back(Count(support.complaints_30d, "complaint", "complaints"));
  }
  if (support.escalations_30d > 0) {
    events.push_back(Count(support.escalations_30d, "escalation", "escalations"));
  }
  if (support.sla_breaches_30d > 0) {
    events.push_back(Count(support.sla_breaches_30d, "SLA breach", "SLA breaches"));
  }
  std::string text = events.empty()
                         ? "no complaints, escalations or SLA breaches in the last 30 days"
                         : absl::StrCat(JoinAnd(events), " in the last 30 days");
  absl::StrAppend(&text, "; ", Count(support.open_tickets, "open ticket", "open tickets"));
  if (support.csat_90d.has_value()) {
    absl::StrAppend(&text, "; CSAT ", Percent(*support.csat_90d), " over 90 days");
  }
  return {.known = true, .score = Clamp100(score), .explanation = text};
}

MeasureOutcome Nps(const AccountSignals& s) {
  if (!s.engagement.latest_nps.has_value()) return {.explanation = "no NPS response"};
  const int32_t nps = std::clamp(*s.engagement.latest_nps, 0, 10);
  // Promoters 100, passives 75, detractors 0 to 30.
  const int32_t score = nps >= 9 ? 100 : nps >= 7 ? 75 : nps * 5;
  const char* category = nps >= 9 ? "promoter" : nps >= 7 ? "passive" : "detractor";
  std::string text = absl::StrCat("latest NPS response ", nps, " (", category, ")");
  if (s.engagement.latest_nps_time.has_value()) {
    absl::StrAppend(&text, ", ", DaysAgoText(DaysAgo(s.as_of, *s.engagement.latest_nps_time)));
  }
  return {.known = true, .score = score, .explanation = text};
}

MeasureOutcome Engagement(const AccountSignals& s) {
  if (!s.engagement.last_engagement_time.has_value()) {
    return {.explanation = "no meeting, call or e-mail recorded"};
  }
  const int64_t days = DaysAgo(s.as_of, *s.engagement.last_engagement_time);
  // Within 30 days 100, falling evenly to 0 at 120 days.
  const double score = days <= 30 ? 100.0 : 100.0 - (days - 30) * 100.0 / 90.0;
  return {.known = true,
          .score = Clamp100(score),
          .explanation = absl::StrCat("last meeting, call or e-mail ", DaysAgoText(days))};
}

MeasureOutcome Onboarding(const AccountSignals& s) {
  if (!s.lifecycle.onboarding_progress.has_value()) {
    return {.explanation = "no onboarding plan"};
  }
  const double progress = std::clamp(*s.lifecycle.onboarding_progress, 0.0, 1.0);
  const int32_t overdue = std::max(0, s.lifecycle.overdue_milestones);
  std::string text = absl::StrCat("onboarding ", Percent(progress), " complete");
  if (overdue > 0) {
    absl::StrAppend(&text, ", ", Count(overdue, "milestone", "milestones"), " overdue");
  }
  return {.known = true, .score = Clamp100(progress * 100 - 15.0 * overdue), .explanation = text};
}

std::map<v1::MeasureScore::Measure, int32_t> WeightsOf(const v1::Scorecard& scorecard) {
  std::map<v1::MeasureScore::Measure, int32_t> weights;
  for (const v1::MeasureWeight& weight : scorecard.weights()) {
    weights[weight.measure()] = weight.weight();
  }
  return weights;
}

}  // namespace

const std::vector<v1::MeasureScore::Measure>& AllMeasures() {
  static const auto* const kMeasures =
      new std::vector<v1::MeasureScore::Measure>{v1::MeasureScore::ADOPTION,
                                                 v1::MeasureScore::ACTIVE_SEAT_RATIO,
                                                 v1::MeasureScore::SEAT_TREND,
                                                 v1::MeasureScore::SUPPORT,
                                                 v1::MeasureScore::NPS,
                                                 v1::MeasureScore::ENGAGEMENT_RECENCY,
                                                 v1::MeasureScore::ONBOARDING_PROGRESS};
  return *kMeasures;
}

v1::Scorecard DefaultScorecard() {
  v1::Scorecard scorecard;
  scorecard.set_name("scorecard");
  const std::pair<v1::MeasureScore::Measure, int32_t> kWeights[] = {
      {v1::MeasureScore::ADOPTION, kDefaultAdoptionWeight},
      {v1::MeasureScore::ACTIVE_SEAT_RATIO, kDefaultActiveSeatWeight},
      {v1::MeasureScore::SEAT_TREND, kDefaultSeatTrendWeight},
      {v1::MeasureScore::SUPPORT, kDefaultSupportWeight},
      {v1::MeasureScore::NPS, kDefaultNpsWeight},
      {v1::MeasureScore::ENGAGEMENT_RECENCY, kDefaultEngagementWeight},
      {v1::MeasureScore::ONBOARDING_PROGRESS, kDefaultOnboardingWeight}};
  for (const auto& [measure, weight] : kWeights) {
    v1::MeasureWeight* entry = scorecard.add_weights();
    entry->set_measure(measure);
    entry->set_weight(weight);
  }
  scorecard.set_green_threshold(kDefaultGreenThreshold);
  scorecard.set_yellow_threshold(kDefaultYellowThreshold);
  scorecard.set_trend_margin(kDefaultTrendMargin);
  return scorecard;
}

v1::Scorecard NormalizeScorecard(const v1::Scorecard& scorecard) {
  const std::map<v1::MeasureScore::Measure, int32_t> weights = WeightsOf(scorecard);
  v1::Scorecard normalized = scorecard;
  normalized.clear_weights();
  for (v1::MeasureScore::Measure measure : AllMeasures()) {
    v1::MeasureWeight* entry = normalized.add_weights();
    entry->set_measure(measure);
    const auto it = weights.find(measure);
    entry->set_weight(it == weights.end() ? 0 : it->second);
  }
  return normalized;
}

void CheckScorecard(const v1::Scorecard& merged, const std::vector<std::string>& paths,
                    FieldViolations& violations) {
  const auto named = [&](absl::string_view path) {
    return std::find(paths.begin(), paths.end(), path) != paths.end();
  };
  if (named("weights")) {
    std::set<int> seen;
    bool any_positive = false;
    for (int i = 0; i < merged.weights_size(); ++i) {
      const v1::MeasureWeight& weight = merged.weights(i);
      const std::string field = absl::StrCat("scorecard.weights[", i, "]");
      if (weight.measure() == v1::MeasureScore::MEASURE_UNSPECIFIED ||
          !v1::MeasureScore::Measure_IsValid(weight.measure())) {
        violations.Add(absl::StrCat(field, ".measure"),
                       "must be one of ADOPTION, ACTIVE_SEAT_RATIO, SEAT_TREND, SUPPORT, NPS, "
                       "ENGAGEMENT_RECENCY, ONBOARDING_PROGRESS");
      } else if (!seen.insert(weight.measure()).second) {
        violations.Add(absl::StrCat(field, ".measure"), "names a measure already weighted");
      }
      if (weight.weight() < 0 || weight.weight() > 100) {
        violations.Add(absl::StrCat(field, ".weight"), "must be 0 to 100");
      }
      any_positive = any_positive || weight.weight() > 0;
    }
    if (!any_positive)
      violations.Add("scorecard.weights", "must give some measure a weight above 0");
  }
  const bool thresholds = named("green_threshold") || named("yellow_threshold");
  if (thresholds) {
    const bool green_ok = merged.green_threshold() >= 1 && merged.green_threshold() <= 100;
    const bool yellow_ok = merged.yellow_threshold() >= 1 && merged.yellow_threshold() <= 100;
    if (!green_ok) violations.Add("scorecard.green_threshold", "must be 1 to 100");
    if (!yellow_ok) violations.Add("scorecard.yellow_threshold", "must be 1 to 100");
    if (green_ok && yellow_ok && merged.yellow_threshold() >= merged.green_threshold()) {
      violations.Add(
          named("yellow_threshold") ? "scorecard.yellow_threshold" : "scorecard.green_threshold",
          absl::StrCat("the yellow threshold (", merged.yellow_threshold(),
                       ") must be below the green one (", merged.green_threshold(), ")"));
    }
  }
  if (named("trend_margin") && (merged.trend_margin() < 0 || merged.trend_margin() > 50)) {
    violations.Add("scorecard.trend_margin", "must be 0 to 50 points");
  }
}

MeasureOutcome ScoreMeasure(v1::MeasureScore::Measure measure, const AccountSignals& signals) {
  switch (measure) {
    case v1::MeasureScore::ADOPTION:
      return Adoption(signals);
    case v1::MeasureScore::ACTIVE_SEAT_RATIO:
      return ActiveSeats(signals);
    case v1::MeasureScore::SEAT_TREND:
      return SeatTrend(signals);
    case v1::MeasureScore::SUPPORT:
      return Support(signals);
    case v1::MeasureScore::NPS:
      return Nps(signals);
    case v1::MeasureScore::ENGAGEMENT_RECENCY:
      return Engagement(signals);
    case v1::MeasureScore::ONBOARDING_PROGRESS:
      return Onboarding(signals);
    default:
      return {};
  }
}

std::vector<int32_t> Apportion(const std::vector<double>& raw, int32_t total) {
  std::vector<int32_t> shares(raw.size());
  int32_t given = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    shares[i] = static_cast<int32_t>(std::floor(raw[i] + 1e-9));
    given += shares[i];
  }
  std::vector<size_t> order(raw.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return raw[a] - shares[a] > raw[b] - shares[b]; });
  for (size_t k = 0; k < order.size() && given < total; ++k) {
    const size_t i = order[k];
    if (raw[i] - shares[i] <= 1e-9) break;  // only fractional parts round up
    ++shares[i];
    ++given;
  }
  return shares;
}

v1::HealthBand BandFor(const v1::Scorecard& scorecard, int32_t score) {
  if (score >= scorecard.green_threshold()) return v1::GREEN;
  if (score < scorecard.yellow_threshold()) return v1::RED;
  return v1::YELLOW;
}

HealthAssessment ScoreHealth(const v1::Scorecard& scorecard, const AccountSignals& signals) {
  const std::map<v1::MeasureScore::Measure, int32_t> weights = WeightsOf(scorecard);
  HealthAssessment assessment;
  std::vector<MeasureOutcome> outcomes;
  int64_t known_weight = 0;
  for (v1::MeasureScore::Measure measure : AllMeasures()) {
    MeasureOutcome outcome = ScoreMeasure(measure, signals);
    const auto it = weights.find(measure);
    const int32_t weight = it == weights.end() ? 0 : std::max(0, it->second);
    if (outcome.known) known_weight += weight;
    v1::MeasureScore& entry = assessment.breakdown.emplace_back();
    entry.set_measure(measure);
    entry.set_known(outcome.known);
    entry.set_weight(weight);
    entry.set_score(outcome.known ? outcome.score : 0);
    entry.set_explanation(std::move(outcome.explanation));
  }
  if (known_weight == 0) return assessment;  // nothing to score on

  std::vector<double> shares;
  for (const v1::MeasureScore& entry : assessment.breakdown) {
    const double share =
        entry.known() ? static_cast<double>(entry.weight()) / static_cast<double>(known_weight)
                      : 0.0;
    shares.push_back(share * 100);
  }
  const std::vector<int32_t> max_points = Apportion(shares, 100);
  std::vector<double> raw_points;
  double raw_total = 0;
  for (size_t i = 0; i < assessment.breakdown.size(); ++i) {
    const double points = max_points[i] * assessment.breakdown[i].score() / 100.0;
    raw_points.push_back(points);
    raw_total += points;
  }
  const int32_t score = static_cast<int32_t>(std::lround(raw_total));
  const std::vector<int32_t> points = Apportion(raw_points, score);
  for (size_t i = 0; i < assessment.breakdown.size(); ++i) {
    v1::MeasureScore& entry = assessment.breakdown[i];
    entry.set_effective_weight(shares[i] / 100);
    entry.set_max_points(max_points[i]);
    entry.set_points(points[i]);
    entry.set_points_lost(max_points[i] - points[i]);
  }
  assessment.scored = true;
  assessment.score = score;
  assessment.band = BandFor(scorecard, score);
  return assessment;
}

v1::HealthTrend TrendFor(int32_t margin, std::optional<int32_t> earlier, int32_t now) {
  if (!earlier.has_value()) return v1::HEALTH_TREND_UNSPECIFIED;
  if (now - *earlier > margin) return v1::IMPROVING;
  if (*earlier - now > margin) return v1::DECLINING;
  return v1::STABLE;
}

std::vector<v1::MeasureChange> CompareBreakdowns(const std::vector<v1::MeasureScore>& then,
                                                 const std::vector<v1::MeasureScore>& now) {
  const auto find = [](const std::vector<v1::MeasureScore>& breakdown,
                       v1::MeasureScore::Measure measure) -> const v1::MeasureScore* {
    for (const v1::MeasureScore& entry : breakdown) {
      if (entry.measure() == measure) return &entry;
    }
    return nullptr;
  };
  std::vector<v1::MeasureChange> changes;
  for (v1::MeasureScore::Measure measure : AllMeasures()) {
    const v1::MeasureScore* before = find(then, measure);
    const v1::MeasureScore* after = find(now, measure);
    v1::MeasureChange& change = changes.emplace_back();
    change.set_measure(measure);
    if (before != nullptr) {
      change.set_score_then(before->score());
      change.set_points_lost_then(before->points_lost());
      change.set_explanation_then(before->explanation());
    }
    if (after != nullptr) {
      change.set_score_now(after->score());
      change.set_points_lost_now(after->points_lost());
      change.set_explanation_now(after->explanation());
    }
    change.set_impact(change.points_lost_then() - change.points_lost_now());
  }
  std::stable_sort(changes.begin(), changes.end(),
                   [](const v1::MeasureChange& a, const v1::MeasureChange& b) {
                     return std::abs(a.impact()) > std::abs(b.impact());
                   });
  return changes;
}

const v1::MeasureScore* LargestLoss(const std::vector<v1::MeasureScore>& breakdown) {
  const v1::MeasureScore* largest = nullptr;
  for (const v1::MeasureScore& entry : breakdown) {
    if (entry.points_lost() > 0 &&
        (largest == nullptr || entry.points_lost() > largest->points_lost())) {
      largest = &entry;
    }
  }
  return largest;
}

}  // namespace tandem::success

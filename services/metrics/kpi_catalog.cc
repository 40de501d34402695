#include "services/metrics/kpi_catalog.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/proto_time.h"
#include "common/status.h"
#include "services/metrics/measures.h"

namespace tandem::metrics {
namespace {

namespace m = measure;

constexpr absl::string_view kNamePrefix = "metricDefinitions/";
constexpr double kMillisPerSecond = 1000;
constexpr double kMillisPerDay = 86400000;
// LTV's monthly churn rate scales the window's rate to an average month.
constexpr double kDaysPerMonth = 30.4375;
// seat_ratio's total is in parts per million.
constexpr double kPartsPerMillion = 1e6;

// Option names and values.
constexpr char kHours[] = "hours";
constexpr char kCalendar[] = "calendar";
constexpr char kBusiness[] = "business";
constexpr char kSameWindowChurn[] = "same_window_churn";
constexpr char kExclude[] = "exclude";
constexpr char kInclude[] = "include";
constexpr char kFeature[] = "feature";

const Cell& EmptyCell() {
  static const Cell* const kEmpty = new Cell();
  return *kEmpty;
}

std::string OptionOf(const KpiContext& context, const std::string& name) {
  auto it = context.options.find(name);
  return it == context.options.end() ? "" : it->second;
}

bool BusinessHours(const KpiContext& context) { return OptionOf(context, kHours) == kBusiness; }

KpiFigure Undefined(std::string reason, double numerator = 0, double denominator = 0,
                    int64_t sample_size = 0) {
  KpiFigure figure;
  figure.defined = false;
  figure.undefined_reason = std::move(reason);
  figure.numerator = numerator;
  figure.denominator = denominator;
  figure.sample_size = sample_size;
  return figure;
}

// numerator ÷ denominator × scale, undefined with `reason` when the
// denominator is zero.
KpiFigure Fraction(double numerator, double denominator, int64_t sample_size, double scale,
                   absl::string_view reason) {
  if (denominator == 0) return Undefined(std::string(reason), numerator, denominator, sample_size);
  KpiFigure figure;
  figure.value = numerator / denominator * scale;
  figure.numerator = numerator;
  figure.denominator = denominator;
  figure.sample_size = sample_size;
  return figure;
}

KpiFigure Percent(double numerator, double denominator, int64_t sample_size,
                  absl::string_view reason) {
  return Fraction(numerator, denominator, sample_size, 100, reason);
}

// A count or an amount: the value over 1.
KpiFigure Amount(double value, int64_t sample_size) {
  KpiFigure figure;
  figure.value = value;
  figure.numerator = value;
  figure.denominator = 1;
  figure.sample_size = sample_size;
  return figure;
}

// The median of a duration measure in `unit_millis` units; numerator and
// denominator are the sum and count, whose ratio is the mean.
KpiFigure Durations(const Cell& cell, double unit_millis, absl::string_view reason) {
  const DurationDigest& digest = cell.digest;
  if (digest.count() <= 0) return Undefined(std::string(reason));
  KpiFigure figure;
  figure.value = digest.Quantile(0.5) / unit_millis;
  figure.numerator = static_cast<double>(digest.total_millis()) / unit_millis;
  figure.denominator = static_cast<double>(digest.count());
  figure.sample_size = digest.count();
  figure.durations = &digest;
  return figure;
}

double Count(const MeasureReadings& r, Reading reading, absl::string_view measure) {
  return static_cast<double>(r.Get(reading, measure).count);
}
double Total(const MeasureReadings& r, Reading reading, absl::string_view measure) {
  return static_cast<double>(r.Get(reading, measure).total);
}

std::vector<MeasureNeed> Needs(std::initializer_list<std::pair<Reading, const char*>> list) {
  std::vector<MeasureNeed> needs;
  for (const auto& [reading, name] : list) needs.push_back({reading, name});
  return needs;
}

// ---- Support ---------------------------------------------------------------

const char* FirstResponseMeasure(const KpiContext& c) {
  return BusinessHours(c) ? m::kFirstResponseBusiness : m::kFirstResponse;
}
const char* FullResolutionMeasure(const KpiContext& c) {
  return BusinessHours(c) ? m::kFullResolutionBusiness : m::kFullResolution;
}

std::vector<MeasureNeed> FirstResponseNeeds(const KpiContext& c) {
  return Needs({{Reading::kFlow, FirstResponseMeasure(c)}});
}
KpiFigure FirstResponseTime(const MeasureReadings& r, const KpiContext& c) {
  return Durations(r.Get(Reading::kFlow, FirstResponseMeasure(c)), kMillisPerSecond,
                   BusinessHours(c)
                       ? "no ticket had a first public agent reply in the window that met an SLA "
                         "first-response target with business hours"
                       : "no ticket had its first public agent reply in the window");
}

std::vector<MeasureNeed> ResolutionNeeds(const KpiContext& c) {
  return Needs({{Reading::kFlow, FullResolutionMeasure(c)}});
}
KpiFigure ResolutionTime(const MeasureReadings& r, const KpiContext& c) {
  return Durations(r.Get(Reading::kFlow, FullResolutionMeasure(c)), kMillisPerSecond,
                   BusinessHours(c)
                       ? "no ticket solved in the window had an SLA resolution target with "
                         "business hours"
                       : "no ticket was solved in the window");
}

std::vector<MeasureNeed> FirstResolutionNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kFirstResolution}});
}
KpiFigure FirstResolutionTime(const MeasureReadings& r, const KpiContext&) {
  return Durations(r.Get(Reading::kFlow, m::kFirstResolution), kMillisPerSecond,
                   "no ticket was solved for the first time in the window");
}

std::vector<MeasureNeed> CsatNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kCsatGood}, {Reading::kFlow, m::kCsatRatings}});
}
KpiFigure Csat(const MeasureReadings& r, const KpiContext&) {
  const double ratings = Count(r, Reading::kFlow, m::kCsatRatings);
  return Percent(Count(r, Reading::kFlow, m::kCsatGood), ratings, static_cast<int64_t>(ratings),
                 "no ticket was rated in the window");
}

std::vector<MeasureNeed> FcrNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kOneTouchSolved}, {Reading::kFlow, m::kFullResolution}});
}
KpiFigure Fcr(const MeasureReadings& r, const KpiContext&) {
  const double solved = Count(r, Reading::kFlow, m::kFullResolution);
  return Percent(Count(r, Reading::kFlow, m::kOneTouchSolved), solved, static_cast<int64_t>(solved),
                 "no ticket was solved in the window");
}

std::vector<MeasureNeed> VolumeNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kTicketsCreated}});
}
KpiFigure Volume(const MeasureReadings& r, const KpiContext&) {
  const double created = Count(r, Reading::kFlow, m::kTicketsCreated);
  return Amount(created, static_cast<int64_t>(created));
}

std::vector<MeasureNeed> BacklogNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtEnd, m::kBacklog}});
}
KpiFigure Backlog(const MeasureReadings& r, const KpiContext&) {
  const double open = Count(r, Reading::kBalanceAtEnd, m::kBacklog);
  return Amount(open, static_cast<int64_t>(open));
}

template <const char* kMet, const char* kDue>
std::vector<MeasureNeed> SlaNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, kMet}, {Reading::kFlow, kDue}});
}
template <const char* kMet, const char* kDue>
KpiFigure SlaAttainment(const MeasureReadings& r, const KpiContext&) {
  const double due = Count(r, Reading::kFlow, kDue);
  return Percent(Count(r, Reading::kFlow, kMet), due, static_cast<int64_t>(due),
                 "no SLA target of this kind came due in the window");
}

std::vector<MeasureNeed> EscalationNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kEscalated}, {Reading::kFlow, m::kTicketsCreated}});
}
KpiFigure EscalationRate(const MeasureReadings& r, const KpiContext&) {
  const double created = Count(r, Reading::kFlow, m::kTicketsCreated);
  return Percent(Count(r, Reading::kFlow, m::kEscalated), created, static_cast<int64_t>(created),
                 "no ticket was created in the window");
}

// Tickets, not events: a ticket reopened twice counts once.
std::vector<MeasureNeed> ReopenNeeds(const KpiContext&) {
  return Needs({{Reading::kWindow, m::kReopenedTickets}, {Reading::kWindow, m::kSolvedTickets}});
}
KpiFigure ReopenRate(const MeasureReadings& r, const KpiContext&) {
  const double solved = Count(r, Reading::kWindow, m::kSolvedTickets);
  return Percent(Count(r, Reading::kWindow, m::kReopenedTickets), solved,
                 static_cast<int64_t>(solved),
                 "no ticket was solved in the window");
}

std::vector<MeasureNeed> SelfServiceNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kArticleViews}, {Reading::kFlow, m::kTicketsCreated}});
}
KpiFigure SelfServiceRatio(const MeasureReadings& r, const KpiContext&) {
  const double created = Count(r, Reading::kFlow, m::kTicketsCreated);
  return Fraction(Count(r, Reading::kFlow, m::kArticleViews), created,
                  static_cast<int64_t>(created), 1, "no ticket was created in the window");
}

// ---- Revenue ---------------------------------------------------------------

constexpr absl::string_view kNoStartCustomers = "no customer was active at the window's start";
constexpr absl::string_view kNoStartMrr = "there was no MRR at the window's start";

double StartCustomers(const MeasureReadings& r) {
  return Count(r, Reading::kBalanceAtStart, m::kMrr);
}
double StartMrr(const MeasureReadings& r) { return Total(r, Reading::kBalanceAtStart, m::kMrr); }
double StartChurnMrr(const MeasureReadings& r) {
  return Total(r, Reading::kWindow, m::kStartChurnMrr);
}
double StartContractionMrr(const MeasureReadings& r) {
  return Total(r, Reading::kWindow, m::kStartContractionMrr);
}
double StartExpansionMrr(const MeasureReadings& r) {
  return Total(r, Reading::kWindow, m::kStartExpansionMrr);
}

std::vector<MeasureNeed> LogoChurnNeeds(const KpiContext& c) {
  std::vector<MeasureNeed> needs =
      Needs({{Reading::kBalanceAtStart, m::kMrr}, {Reading::kWindow, m::kStartChurned}});
  if (OptionOf(c, kSameWindowChurn) == kInclude)
    needs.push_back({Reading::kWindow, m::kNewChurned});
  return needs;
}
KpiFigure LogoChurnRate(const MeasureReadings& r, const KpiContext& c) {
  double churned = Count(r, Reading::kWindow, m::kStartChurned);
  if (OptionOf(c, kSameWindowChurn) == kInclude)
    churned += Count(r, Reading::kWindow, m::kNewChurned);
  const double start = StartCustomers(r);
  return Percent(churned, start, static_cast<int64_t>(start), kNoStartCustomers);
}

std::vector<MeasureNeed> RetentionNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtStart, m::kMrr}, {Reading::kWindow, m::kStartLost}});
}
KpiFigure CustomerRetentionRate(const MeasureReadings& r, const KpiContext&) {
  const double start = StartCustomers(r);
  return Percent(start - Count(r, Reading::kWindow, m::kStartLost), start,
                 static_cast<int64_t>(start), kNoStartCustomers);
}

std::vector<MeasureNeed> StartMrrNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtStart, m::kMrr},
                {Reading::kWindow, m::kStartChurnMrr},
                {Reading::kWindow, m::kStartContractionMrr},
                {Reading::kWindow, m::kStartExpansionMrr}});
}
KpiFigure GrossMrrChurnRate(const MeasureReadings& r, const KpiContext&) {
  return Percent(StartChurnMrr(r) + StartContractionMrr(r), StartMrr(r),
                 static_cast<int64_t>(StartCustomers(r)), kNoStartMrr);
}
KpiFigure NetMrrChurnRate(const MeasureReadings& r, const KpiContext&) {
  return Percent(StartChurnMrr(r) + StartContractionMrr(r) - StartExpansionMrr(r), StartMrr(r),
                 static_cast<int64_t>(StartCustomers(r)), kNoStartMrr);
}
KpiFigure Grr(const MeasureReadings& r, const KpiContext&) {
  return Percent(StartMrr(r) - StartChurnMrr(r) - StartContractionMrr(r), StartMrr(r),
                 static_cast<int64_t>(StartCustomers(r)), kNoStartMrr);
}
KpiFigure Nrr(const MeasureReadings& r, const KpiContext&) {
  return Percent(StartMrr(r) + StartExpansionMrr(r) - StartContractionMrr(r) - StartChurnMrr(r),
                 StartMrr(r), static_cast<int64_t>(StartCustomers(r)), kNoStartMrr);
}
KpiFigure ExpansionRateMrr(const MeasureReadings& r, const KpiContext&) {
  return Percent(StartExpansionMrr(r), StartMrr(r), static_cast<int64_t>(StartCustomers(r)),
                 kNoStartMrr);
}

std::vector<MeasureNeed> EndMrrNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtEnd, m::kMrr}});
}
KpiFigure Mrr(const MeasureReadings& r, const KpiContext&) {
  const Cell& mrr = r.Get(Reading::kBalanceAtEnd, m::kMrr);
  return Amount(static_cast<double>(mrr.total), mrr.count);
}
KpiFigure ActiveCustomers(const MeasureReadings& r, const KpiContext&) {
  const Cell& mrr = r.Get(Reading::kBalanceAtEnd, m::kMrr);
  return Amount(static_cast<double>(mrr.count), mrr.count);
}
KpiFigure Arpa(const MeasureReadings& r, const KpiContext&) {
  const Cell& mrr = r.Get(Reading::kBalanceAtEnd, m::kMrr);
  return Fraction(static_cast<double>(mrr.total), static_cast<double>(mrr.count), mrr.count, 1,
                  "no customer was active at the window's end");
}

std::vector<MeasureNeed> LtvNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtEnd, m::kMrr},
                {Reading::kBalanceAtStart, m::kMrr},
                {Reading::kWindow, m::kStartChurned}});
}
// ARPA × gross margin ÷ monthly logo churn rate, where the monthly rate is
// the window's logo churn rate scaled to 30.4375 days.
KpiFigure Ltv(const MeasureReadings& r, const KpiContext& c) {
  const Cell& end = r.Get(Reading::kBalanceAtEnd, m::kMrr);
  const double start = StartCustomers(r);
  const double churned = Count(r, Reading::kWindow, m::kStartChurned);
  const int64_t sample = static_cast<int64_t>(start);
  if (end.count <= 0) return Undefined("no customer was active at the window's end (no ARPA)");
  const double arpa = static_cast<double>(end.total) / static_cast<double>(end.count);
  const double margin = c.gross_margin_basis_points / 10000.0;
  if (start <= 0) return Undefined(std::string(kNoStartCustomers), arpa * margin, 0, sample);
  const double monthly_churn =
      churned / start * kDaysPerMonth / static_cast<double>(std::max<int64_t>(1, DaysIn(c.window)));
  if (monthly_churn == 0) {
    return Undefined(
        "no customer active at the window's start churned in it: with zero churn the lifetime "
        "value is unbounded, so it is reported as undefined rather than infinite",
        arpa * margin, 0, sample);
  }
  return Fraction(arpa * margin, monthly_churn, sample, 1, "");
}

std::vector<MeasureNeed> QuickRatioNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kMrrNew},
                {Reading::kFlow, m::kMrrExpansion},
                {Reading::kFlow, m::kMrrReactivation},
                {Reading::kFlow, m::kMrrContraction},
                {Reading::kFlow, m::kMrrChurn}});
}
KpiFigure QuickRatio(const MeasureReadings& r, const KpiContext&) {
  const double gains = Total(r, Reading::kFlow, m::kMrrNew) +
                       Total(r, Reading::kFlow, m::kMrrExpansion) +
                       Total(r, Reading::kFlow, m::kMrrReactivation);
  const double losses =
      Total(r, Reading::kFlow, m::kMrrContraction) + Total(r, Reading::kFlow, m::kMrrChurn);
  int64_t movements = 0;
  for (const char* name :
       {m::kMrrNew, m::kMrrExpansion, m::kMrrReactivation, m::kMrrContraction, m::kMrrChurn}) {
    movements += r.Get(Reading::kFlow, name).count;
  }
  return Fraction(gains, losses, movements, 1,
                  "no MRR was lost (contraction or churn) in the window: the ratio is unbounded");
}

std::vector<MeasureNeed> ExpansionLogoNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtStart, m::kMrr}, {Reading::kWindow, m::kStartExpanded}});
}
KpiFigure ExpansionRateLogo(const MeasureReadings& r, const KpiContext&) {
  const double start = StartCustomers(r);
  return Percent(Count(r, Reading::kWindow, m::kStartExpanded), start, static_cast<int64_t>(start),
                 kNoStartCustomers);
}

// ---- Other success ---------------------------------------------------------

std::vector<MeasureNeed> RenewalLogoNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kRenewalsWon}, {Reading::kFlow, m::kRenewalsDue}});
}
KpiFigure RenewalRateLogo(const MeasureReadings& r, const KpiContext&) {
  const double due = Count(r, Reading::kFlow, m::kRenewalsDue);
  return Percent(Count(r, Reading::kFlow, m::kRenewalsWon), due, static_cast<int64_t>(due),
                 "no renewal came due in the window");
}

std::vector<MeasureNeed> RenewalRevenueNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kRenewalFinal}, {Reading::kFlow, m::kRenewalsClosed}});
}
KpiFigure RenewalRateRevenue(const MeasureReadings& r, const KpiContext&) {
  const Cell& closed = r.Get(Reading::kFlow, m::kRenewalsClosed);
  return Percent(Total(r, Reading::kFlow, m::kRenewalFinal), static_cast<double>(closed.total),
                 closed.count,
                 closed.count == 0 ? "no renewal due in the window has been closed"
                                   : "the closed renewals due in the window had no target amount");
}

std::vector<MeasureNeed> NpsNeeds(const KpiContext&) {
  return Needs({{Reading::kWindow, m::kNpsPromoters},
                {Reading::kWindow, m::kNpsDetractors},
                {Reading::kWindow, m::kNpsResponses}});
}
KpiFigure Nps(const MeasureReadings& r, const KpiContext&) {
  const double responses = Count(r, Reading::kWindow, m::kNpsResponses);
  return Percent(
      Count(r, Reading::kWindow, m::kNpsPromoters) - Count(r, Reading::kWindow, m::kNpsDetractors),
      responses, static_cast<int64_t>(responses), "no NPS response was recorded in the window");
}

std::string FeatureMeasure(const std::string& feature) {
  return absl::StrCat(m::kFeatureAccountsPrefix, feature);
}
std::vector<MeasureNeed> AdoptionNeeds(const KpiContext& c) {
  std::vector<MeasureNeed> needs = {{Reading::kWindow, m::kUsageAccounts}};
  const std::string feature = OptionOf(c, kFeature);
  if (!feature.empty()) {
    needs.push_back({Reading::kWindow, FeatureMeasure(feature)});
  } else {
    for (const std::string& key : c.key_features) {
      needs.push_back({Reading::kWindow, FeatureMeasure(key)});
    }
  }
  return needs;
}
// The mean over accounts with usage of (key features used ÷ key features),
// which is Σ accounts using each key feature ÷ (key features × accounts);
// or, with the `feature` option, the share of accounts using that one.
KpiFigure ProductAdoption(const MeasureReadings& r, const KpiContext& c) {
  const double accounts = Count(r, Reading::kWindow, m::kUsageAccounts);
  const int64_t sample = static_cast<int64_t>(accounts);
  const std::string feature = OptionOf(c, kFeature);
  if (feature.empty() && c.key_features.empty()) {
    return Undefined("the tenant has no key features, so adoption has nothing to measure", 0, 0,
                     sample);
  }
  double using_features = 0;
  double features = 1;
  if (!feature.empty()) {
    using_features = Count(r, Reading::kWindow, FeatureMeasure(feature));
  } else {
    for (const std::string& key : c.key_features) {
      using_features += Count(r, Reading::kWindow, FeatureMeasure(key));
    }
    features = static_cast<double>(c.key_features.size());
  }
  return Percent(using_features, features * accounts, sample,
                 "no account used the product in the window");
}

std::vector<MeasureNeed> SeatNeeds(const KpiContext&) {
  return Needs({{Reading::kWindow, m::kSeatRatio}});
}
KpiFigure ActiveSeatRatio(const MeasureReadings& r, const KpiContext&) {
  const Cell& seats = r.Get(Reading::kWindow, m::kSeatRatio);
  return Percent(static_cast<double>(seats.total) / kPartsPerMillion,
                 static_cast<double>(seats.count), seats.count,
                 "no account with licensed seats used the product in the window");
}

std::vector<MeasureNeed> TimeToValueNeeds(const KpiContext&) {
  return Needs({{Reading::kFlow, m::kTimeToValue}});
}
KpiFigure TimeToValue(const MeasureReadings& r, const KpiContext&) {
  return Durations(r.Get(Reading::kFlow, m::kTimeToValue), kMillisPerDay,
                   "no onboarding was completed in the window");
}

template <const char* kBand>
std::vector<MeasureNeed> HealthShareNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtEnd, kBand}, {Reading::kBalanceAtEnd, m::kHealthScored}});
}
template <const char* kBand>
KpiFigure HealthShare(const MeasureReadings& r, const KpiContext&) {
  const double scored = Count(r, Reading::kBalanceAtEnd, m::kHealthScored);
  return Percent(Count(r, Reading::kBalanceAtEnd, kBand), scored, static_cast<int64_t>(scored),
                 "no account had a health score at the window's end");
}

std::vector<MeasureNeed> HealthMeanNeeds(const KpiContext&) {
  return Needs({{Reading::kBalanceAtEnd, m::kHealthScored}});
}
KpiFigure HealthMeanScore(const MeasureReadings& r, const KpiContext&) {
  const Cell& scored = r.Get(Reading::kBalanceAtEnd, m::kHealthScored);
  return Fraction(static_cast<double>(scored.total), static_cast<double>(scored.count),
                  scored.count, 1, "no account had a health score at the window's end");
}

std::vector<MeasureNeed> NoNeeds(const KpiContext&) { return {}; }
KpiFigure ByCohortRetention(const MeasureReadings&, const KpiContext&) {
  return Undefined("cohort retention is a table: ask GetCohortRetention");
}

// ---- The catalog -------------------------------------------------------------

std::vector<std::string> SupportSegments() {
  return {m::kChannel, m::kPriority, m::kType, m::kGroup};
}
std::vector<std::string> SuccessSegments() { return {m::kTier, m::kPlan, m::kOwner}; }

KpiOption HoursOption() { return {kHours, {kCalendar, kBusiness}, kCalendar}; }

std::vector<KpiDefinition> BuildCatalog() {
  const auto support = [](std::string id, std::string unit,
                          std::vector<MeasureNeed> (*needs)(const KpiContext&),
                          KpiFigure (*compute)(const MeasureReadings&, const KpiContext&),
                          std::vector<KpiOption> options = {}) {
    return KpiDefinition{.id = std::move(id),
                         .version = 1,
                         .area = "support",
                         .unit = std::move(unit),
                         .segment_dimensions = SupportSegments(),
                         .options = std::move(options),
                         .needs = needs,
                         .compute = compute};
  };
  const auto success = [](std::string id, std::string unit,
                          std::vector<MeasureNeed> (*needs)(const KpiContext&),
                          KpiFigure (*compute)(const MeasureReadings&, const KpiContext&),
                          std::vector<KpiOption> options = {}) {
    return KpiDefinition{.id = std::move(id),
                         .version = 1,
                         .area = "success",
                         .unit = std::move(unit),
                         .segment_dimensions = SuccessSegments(),
                         .options = std::move(options),
                         .needs = needs,
                         .compute = compute};
  };
  std::vector<KpiDefinition> catalog = {
      support("first_response_time", "seconds", FirstResponseNeeds, FirstResponseTime,
              {HoursOption()}),
      support("resolution_time", "seconds", ResolutionNeeds, ResolutionTime, {HoursOption()}),
      support("first_resolution_time", "seconds", FirstResolutionNeeds, FirstResolutionTime),
      support("csat", "percent", CsatNeeds, Csat),
      support("fcr", "percent", FcrNeeds, Fcr),
      support("ticket_volume", "count", VolumeNeeds, Volume),
      support("backlog", "count", BacklogNeeds, Backlog),
      support("sla_attainment_first_response", "percent",
              SlaNeeds<m::kSlaMetFirstResponse, m::kSlaDueFirstResponse>,
              SlaAttainment<m::kSlaMetFirstResponse, m::kSlaDueFirstResponse>),
      support("sla_attainment_next_response", "percent",
              SlaNeeds<m::kSlaMetNextResponse, m::kSlaDueNextResponse>,
              SlaAttainment<m::kSlaMetNextResponse, m::kSlaDueNextResponse>),
      support("sla_attainment_resolution", "percent",
              SlaNeeds<m::kSlaMetResolution, m::kSlaDueResolution>,
              SlaAttainment<m::kSlaMetResolution, m::kSlaDueResolution>),
      support("escalation_rate", "percent", EscalationNeeds, EscalationRate),
      support("reopen_rate", "percent", ReopenNeeds, ReopenRate),
      support("self_service_ratio", "ratio", SelfServiceNeeds, SelfServiceRatio),
      success("logo_churn_rate", "percent", LogoChurnNeeds, LogoChurnRate,
              {{kSameWindowChurn, {kExclude, kInclude}, kExclude}}),
      success("customer_retention_rate", "percent", RetentionNeeds, CustomerRetentionRate),
      success("gross_mrr_churn_rate", "percent", StartMrrNeeds, GrossMrrChurnRate),
      success("net_mrr_churn_rate", "percent", StartMrrNeeds, NetMrrChurnRate),
      success("grr", "percent", StartMrrNeeds, Grr),
      success("nrr", "percent", StartMrrNeeds, Nrr),
      success("mrr", "minor_units", EndMrrNeeds, Mrr),
      success("active_customers", "count", EndMrrNeeds, ActiveCustomers),
      success("arpa", "minor_units", EndMrrNeeds, Arpa),
      success("ltv", "minor_units", LtvNeeds, Ltv),
      success("quick_ratio", "ratio", QuickRatioNeeds, QuickRatio),
      success("expansion_rate_logo", "percent", ExpansionLogoNeeds, ExpansionRateLogo),
      success("expansion_rate_mrr", "percent", StartMrrNeeds, ExpansionRateMrr),
      success("renewal_rate_logo", "percent", RenewalLogoNeeds, RenewalRateLogo),
      success("renewal_rate_revenue", "percent", RenewalRevenueNeeds, RenewalRateRevenue),
      success("nps", "score", NpsNeeds, Nps),
      success("product_adoption", "percent", AdoptionNeeds, ProductAdoption, {{kFeature, {}, ""}}),
      success("active_seat_ratio", "percent", SeatNeeds, ActiveSeatRatio),
      success("time_to_value", "days", TimeToValueNeeds, TimeToValue),
      success("health_red_share", "percent", HealthShareNeeds<m::kHealthRed>,
              HealthShare<m::kHealthRed>),
      success("health_yellow_share", "percent", HealthShareNeeds<m::kHealthYellow>,
              HealthShare<m::kHealthYellow>),
      success("health_green_share", "percent", HealthShareNeeds<m::kHealthGreen>,
              HealthShare<m::kHealthGreen>),
      success("health_mean_score", "points", HealthMeanNeeds, HealthMeanScore),
      success("cohort_retention", "percent", NoNeeds, ByCohortRetention),
  };
  for (KpiDefinition& kpi : catalog) {
    if (kpi.id == "self_service_ratio") kpi.segment_dimensions.clear();
    if (kpi.id == "cohort_retention") {
      kpi.segment_dimensions.clear();
      kpi.on_dashboard = false;
    }
  }
  return catalog;
}

std::string JoinOrNone(const std::vector<std::string>& values) {
  return values.empty() ? "(none)" : absl::StrJoin(values, ", ");
}

}  // namespace

void MeasureReadings::Set(Reading reading, const std::string& measure, Cell cell) {
  cells_[{reading, measure}] = std::move(cell);
}

void MeasureReadings::Add(Reading reading, const std::string& measure, const Cell& cell) {
  cells_[{reading, measure}].Merge(cell);
}

const Cell& MeasureReadings::Get(Reading reading, absl::string_view measure) const {
  auto it = cells_.find(std::make_pair(reading, std::string(measure)));
  return it == cells_.end() ? EmptyCell() : it->second;
}

const std::vector<KpiDefinition>& KpiCatalog() {
  static const std::vector<KpiDefinition>* const kCatalog =
      new std::vector<KpiDefinition>(BuildCatalog());
  return *kCatalog;
}

const KpiDefinition* FindKpi(absl::string_view id) {
  for (const KpiDefinition& kpi : KpiCatalog()) {
    if (kpi.id == id) return &kpi;
  }
  return nullptr;
}

std::optional<std::string> KpiIdOf(absl::string_view name) {
  if (!absl::StartsWith(name, kNamePrefix)) return std::nullopt;
  const absl::string_view id = name.substr(kNamePrefix.size());
  if (id.empty() || absl::StrContains(id, '/')) return std::nullopt;
  return std::string(id);
}

absl::StatusOr<std::map<std::string, std::string>> ResolveKpiOptions(
    const KpiDefinition& kpi, const google::protobuf::Map<std::string, std::string>& requested,
    const std::vector<std::string>& key_features, absl::string_view field_prefix) {
  std::vector<std::string> names;
  for (const KpiOption& option : kpi.options) names.push_back(option.name);
  // Map order is unspecified; report violations in a stable order.
  std::map<std::string, std::string> given(requested.begin(), requested.end());
  FieldViolations violations;
  std::map<std::string, std::string> resolved;
  for (const auto& [name, value] : given) {
    auto option = std::find_if(kpi.options.begin(), kpi.options.end(),
                               [&](const KpiOption& o) { return o.name == name; });
    if (option == kpi.options.end()) {
      violations.Add(absl::StrCat(field_prefix, "options"),
                     absl::StrCat("metricDefinitions/", kpi.id, " has no option '", name,
                                  "'; its options are: ", JoinOrNone(names)));
      continue;
    }
    const std::vector<std::string>& allowed =
        option->name == kFeature ? key_features : option->allowed_values;
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      violations.Add(absl::StrCat(field_prefix, "options.", name),
                     absl::StrCat("'", value, "' is not allowed; allowed values: ",
                                  option->name == kFeature && allowed.empty()
                                      ? "(none: the tenant has no key features)"
                                      : JoinOrNone(allowed)));
      continue;
    }
    resolved[name] = value;
  }
  RETURN_IF_ERROR(violations.ToStatus());
  for (const KpiOption& option : kpi.options) {
    if (!option.default_value.empty()) resolved.emplace(option.name, option.default_value);
  }
  return resolved;
}

absl::Status CheckKpiSegment(const KpiDefinition& kpi, const v1::Segment& segment,
                             absl::string_view field_prefix) {
  if (segment.dimension().empty()) {
    if (segment.value().empty()) return absl::OkStatus();
    return InvalidField(absl::StrCat(field_prefix, "segment.dimension"),
                        "is required when segment.value is given");
  }
  const auto& accepted = kpi.segment_dimensions;
  if (std::find(accepted.begin(), accepted.end(), segment.dimension()) == accepted.end()) {
    return InvalidField(
        absl::StrCat(field_prefix, "segment.dimension"),
        absl::StrCat("metricDefinitions/", kpi.id, " cannot be cut by '", segment.dimension(),
                     "'; allowed dimensions: ", JoinOrNone(accepted)));
  }
  if (segment.value().empty()) {
    return InvalidField(
        absl::StrCat(field_prefix, "segment.value"),
        absl::StrCat("is required with segment.dimension '", segment.dimension(), "'"));
  }
  return absl::OkStatus();
}

absl::Status CheckStoredDefinitions(const std::vector<v1::MetricDefinition>& stored) {
  std::map<std::string, const v1::MetricDefinition*> by_name;
  for (const v1::MetricDefinition& definition : stored) by_name[definition.name()] = &definition;
  for (const KpiDefinition& kpi : KpiCatalog()) {
    const std::string name = absl::StrCat(kNamePrefix, kpi.id);
    auto it = by_name.find(name);
    if (it == by_name.end()) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, " is computed by this server (version ", kpi.version,
                       ") but is not stored in metric_definitions; apply the Metrics migrations"));
    }
    const v1::MetricDefinition& definition = *it->second;
    const auto mismatch = [&](absl::string_view what, const std::string& stored_value,
                              const std::string& computed) {
      return absl::FailedPreconditionError(
          absl::StrCat(name, ": the stored definition's ", what, " (", stored_value,
                       ") differs from the one this server computes (", computed,
                       "); the definition and its code must change together"));
    };
    if (definition.version() != kpi.version) {
      return mismatch("version", absl::StrCat(definition.version()), absl::StrCat(kpi.version));
    }
    if (definition.area() != kpi.area) return mismatch("area", definition.area(), kpi.area);
    if (definition.unit() != kpi.unit) return mismatch("unit", definition.unit(), kpi.unit);
    const std::vector<std::string> segments(definition.segment_dimensions().begin(),
                                            definition.segment_dimensions().end());
    if (segments != kpi.segment_dimensions) {
      return mismatch("segment dimensions", JoinOrNone(segments),
                      JoinOrNone(kpi.segment_dimensions));
    }
    const auto describe = [](const std::string& option_name,
                             const std::vector<std::string>& allowed,
                             const std::string& default_value) {
      return absl::StrCat(option_name, "=", absl::StrJoin(allowed, "|"), " default '",
                          default_value, "'");
    };
    std::vector<std::string> stored_options, computed_options;
    for (const v1::MetricOption& option : definition.options()) {
      stored_options.push_back(
          describe(option.name(), {option.allowed_values().begin(), option.allowed_values().end()},
                   option.default_value()));
    }
    for (const KpiOption& option : kpi.options) {
      computed_options.push_back(
          describe(option.name, option.allowed_values, option.default_value));
    }
    if (stored_options != computed_options) {
      return mismatch("options", JoinOrNone(stored_options), JoinOrNone(computed_options));
    }
  }
  return absl::OkStatus();
}

v1::DurationStats DurationStatsOf(const DurationDigest& digest) {
  v1::DurationStats stats;
  const auto duration = [](double millis) {
    return ToProtoDuration(absl::Nanoseconds(static_cast<int64_t>(std::llround(millis * 1e6))));
  };
  *stats.mutable_median() = duration(digest.Quantile(0.5));
  *stats.mutable_mean() = duration(digest.Mean());
  *stats.mutable_p90() = duration(digest.Quantile(0.9));
  stats.set_exact(digest.exact());
  stats.set_relative_error(digest.exact() ? 0 : DurationDigest::kRelativeError);
  return stats;
}

void FillMetricValue(const KpiDefinition& kpi, const KpiFigure& figure, v1::MetricValue& out) {
  out.set_metric(absl::StrCat(kNamePrefix, kpi.id));
  out.set_definition_version(kpi.version);
  out.set_unit(kpi.unit);
  out.set_defined(figure.defined);
  out.set_value(figure.defined ? figure.value : 0);
  out.set_undefined_reason(figure.defined ? "" : figure.undefined_reason);
  out.set_numerator(figure.numerator);
  out.set_denominator(figure.denominator);
  out.set_sample_size(figure.sample_size);
  if (figure.durations != nullptr && figure.durations->count() > 0) {
    *out.mutable_durations() = DurationStatsOf(*figure.durations);
  } else {
    out.clear_durations();
  }
}

}  // namespace tandem::metrics

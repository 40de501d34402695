// The KPI formulas of services/metrics/kpi_catalog.h over hand-made measure
// sums: each formula's value, numerator, denominator and sample size, the
// cases where a figure is undefined, the options, the segment dimensions
// each KPI accepts, and the check of stored definitions.
#include "services/metrics/kpi_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "services/metrics/measures.h"
#include "tests/testing/status_matchers.h"

namespace tandem::metrics {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
namespace m = measure;

constexpr double kTolerance = 1e-9;

Cell CountCell(int64_t count, int64_t total = 0) {
  Cell cell;
  cell.count = count;
  cell.total = total;
  return cell;
}

Cell DurationCell(const std::vector<int64_t>& millis) {
  Cell cell;
  for (int64_t value : millis) {
    cell.count += 1;
    cell.total += value;
    cell.digest.Add(value);
  }
  return cell;
}

const KpiDefinition& Kpi(absl::string_view id) {
  const KpiDefinition* kpi = FindKpi(id);
  EXPECT_NE(kpi, nullptr) << id;
  return *kpi;
}

// A window of `days` days starting 1 March 2026.
KpiContext ContextOf(int days = 31) {
  KpiContext context;
  const absl::CivilDay start(2026, 3, 1);
  context.window = Classify(start, start + days);
  return context;
}

KpiFigure Compute(absl::string_view id, const MeasureReadings& readings,
                  const KpiContext& context) {
  return Kpi(id).compute(readings, context);
}

// Options of a request as given, resolved against the KPI.
std::map<std::string, std::string> Options(
    absl::string_view id, std::initializer_list<std::pair<const std::string, std::string>> given,
    const std::vector<std::string>& key_features = {}) {
  google::protobuf::Map<std::string, std::string> requested(given.begin(), given.end());
  auto resolved = ResolveKpiOptions(Kpi(id), requested, key_features);
  EXPECT_OK(resolved.status());
  return resolved.ok() ? *resolved : std::map<std::string, std::string>{};
}

// KPIS.md's worked example, as the revenue measures of March hold it:
// A (100), B (200), C (300) active at the start; A +50, B -50, C churns;
// D starts with 400, E starts with 100 and churns in March.
MeasureReadings WorkedExample() {
  MeasureReadings r;
  r.Set(Reading::kBalanceAtStart, m::kMrr, CountCell(3, 600));
  r.Set(Reading::kBalanceAtEnd, m::kMrr, CountCell(3, 150 + 150 + 400));
  r.Set(Reading::kWindow, m::kStartChurned, CountCell(1));
  r.Set(Reading::kWindow, m::kStartLost, CountCell(1));
  r.Set(Reading::kWindow, m::kStartChurnMrr, CountCell(1, 300));
  r.Set(Reading::kWindow, m::kStartContractionMrr, CountCell(1, 50));
  r.Set(Reading::kWindow, m::kStartExpansionMrr, CountCell(1, 50));
  r.Set(Reading::kWindow, m::kStartExpanded, CountCell(1));
  r.Set(Reading::kWindow, m::kNewChurned, CountCell(1));
  r.Set(Reading::kFlow, m::kMrrNew, CountCell(2, 500));
  r.Set(Reading::kFlow, m::kMrrExpansion, CountCell(1, 50));
  r.Set(Reading::kFlow, m::kMrrContraction, CountCell(1, 50));
  r.Set(Reading::kFlow, m::kMrrChurn, CountCell(2, 400));
  return r;
}

void ExpectFigure(const KpiFigure& figure, double value, double numerator, double denominator,
                  int64_t sample_size) {
  EXPECT_TRUE(figure.defined) << figure.undefined_reason;
  EXPECT_NEAR(figure.value, value, kTolerance);
  EXPECT_NEAR(figure.numerator, numerator, kTolerance);
  EXPECT_NEAR(figure.denominator, denominator, kTolerance);
  EXPECT_EQ(figure.sample_size, sample_size);
}

// ---- The catalog ------------------------------------------------------------

// Every KPI of KPIS.md is there once, support first, in the documented order.
TEST(KpiCatalogTest, ListsEveryKpiOnceSupportFirst) {
  std::vector<std::string> ids;
  for (const KpiDefinition& kpi : KpiCatalog()) ids.push_back(kpi.id);
  EXPECT_THAT(ids,
              ElementsAre("first_response_time", "resolution_time", "first_resolution_time", "csat",
                          "fcr", "ticket_volume", "backlog", "sla_attainment_first_response",
                          "sla_attainment_next_response", "sla_attainment_resolution",
                          "escalation_rate", "reopen_rate", "self_service_ratio", "logo_churn_rate",
                          "customer_retention_rate", "gross_mrr_churn_rate", "net_mrr_churn_rate",
                          "grr", "nrr", "mrr", "active_customers", "arpa", "ltv", "quick_ratio",
                          "expansion_rate_logo", "expansion_rate_mrr", "renewal_rate_logo",
                          "renewal_rate_revenue", "nps", "product_adoption", "active_seat_ratio",
                          "time_to_value", "health_red_share", "health_yellow_share",
                          "health_green_share", "health_mean_score", "cohort_retention"));
  for (const KpiDefinition& kpi : KpiCatalog()) {
    EXPECT_TRUE(kpi.area == "support" || kpi.area == "success") << kpi.id;
    EXPECT_NE(kpi.needs, nullptr) << kpi.id;
    EXPECT_NE(kpi.compute, nullptr) << kpi.id;
  }
  EXPECT_FALSE(Kpi("cohort_retention").on_dashboard);
  EXPECT_TRUE(Kpi("csat").on_dashboard);
}

// Support KPIs are cut by ticket attributes, success KPIs by customer ones;
// article views belong to no ticket, so self-service has no segments.
TEST(KpiCatalogTest, DeclaresTheSegmentDimensionsOfEachArea) {
  EXPECT_THAT(Kpi("csat").segment_dimensions, ElementsAre("channel", "priority", "type", "group"));
  EXPECT_THAT(Kpi("nrr").segment_dimensions, ElementsAre("tier", "plan", "owner"));
  EXPECT_TRUE(Kpi("self_service_ratio").segment_dimensions.empty());
  EXPECT_TRUE(Kpi("cohort_retention").segment_dimensions.empty());
}

TEST(KpiCatalogTest, KpiIdOfAcceptsOnlyDefinitionNames) {
  EXPECT_EQ(KpiIdOf("metricDefinitions/csat"), "csat");
  EXPECT_EQ(KpiIdOf("csat"), std::nullopt);
  EXPECT_EQ(KpiIdOf("metricDefinitions/"), std::nullopt);
  EXPECT_EQ(KpiIdOf("metricDefinitions/a/b"), std::nullopt);
}

// ---- Support formulas ---------------------------------------------------------

// FRT is the median in seconds, with the mean as numerator ÷ denominator
// and the digest's median/mean/p90 (type 7) alongside.
TEST(KpiCatalogTest, FirstResponseTimeIsTheMedianInSecondsWithStats) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kFirstResponse, DurationCell({60000, 120000, 300000, 3600000}));
  const KpiContext context = ContextOf();
  const KpiFigure figure = Compute("first_response_time", r, context);
  ExpectFigure(figure, 210, 4080, 4, 4);
  ASSERT_NE(figure.durations, nullptr);
  v1::MetricValue value;
  FillMetricValue(Kpi("first_response_time"), figure, value);
  EXPECT_EQ(value.unit(), "seconds");
  EXPECT_EQ(value.durations().median().seconds(), 210);
  EXPECT_EQ(value.durations().mean().seconds(), 1020);
  // p90 by type 7: h = 3 × 0.9 = 2.7 → 300 + 0.7 × (3600 − 300) = 2610 s.
  EXPECT_EQ(value.durations().p90().seconds(), 2610);
  EXPECT_TRUE(value.durations().exact());
  EXPECT_EQ(value.durations().relative_error(), 0);
}

// `hours = business` reads the business-time measure instead.
TEST(KpiCatalogTest, BusinessHoursReadTheBusinessMeasure) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kFirstResponse, DurationCell({7200000}));
  r.Set(Reading::kFlow, m::kFirstResponseBusiness, DurationCell({1800000}));
  r.Set(Reading::kFlow, m::kFullResolution, DurationCell({9000000}));
  r.Set(Reading::kFlow, m::kFullResolutionBusiness, DurationCell({3600000}));
  KpiContext context = ContextOf();
  context.options = Options("first_response_time", {});
  EXPECT_EQ(context.options.at("hours"), "calendar");
  EXPECT_NEAR(Compute("first_response_time", r, context).value, 7200, kTolerance);
  context.options = Options("first_response_time", {{"hours", "business"}});
  EXPECT_NEAR(Compute("first_response_time", r, context).value, 1800, kTolerance);
  EXPECT_THAT(Kpi("first_response_time").needs(context),
              ElementsAre(MeasureNeed{Reading::kFlow, m::kFirstResponseBusiness}));
  EXPECT_NEAR(Compute("resolution_time", r, context).value, 3600, kTolerance);
  context.options = Options("resolution_time", {});
  EXPECT_NEAR(Compute("resolution_time", r, context).value, 9000, kTolerance);
}

TEST(KpiCatalogTest, DurationsWithoutValuesAreUndefined) {
  const KpiFigure figure = Compute("first_resolution_time", MeasureReadings(), ContextOf());
  EXPECT_FALSE(figure.defined);
  EXPECT_THAT(figure.undefined_reason, HasSubstr("solved"));
  v1::MetricValue value;
  FillMetricValue(Kpi("first_resolution_time"), figure, value);
  EXPECT_FALSE(value.defined());
  EXPECT_FALSE(value.has_durations());
}

// Two different values in one bucket make the quantiles approximate, and
// the figure says how approximate.
TEST(KpiCatalogTest, SharedBucketsReportTheDigestErrorBound) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kFirstResolution, DurationCell({1000000, 1000001}));
  v1::MetricValue value;
  FillMetricValue(Kpi("first_resolution_time"), Compute("first_resolution_time", r, ContextOf()),
                  value);
  EXPECT_FALSE(value.durations().exact());
  EXPECT_NEAR(value.durations().relative_error(), 1.0 / 128, kTolerance);
}

TEST(KpiCatalogTest, CsatIsGoodRatingsOverAllRatings) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kCsatGood, CountCell(3));
  r.Set(Reading::kFlow, m::kCsatRatings, CountCell(4));
  ExpectFigure(Compute("csat", r, ContextOf()), 75, 3, 4, 4);
  EXPECT_FALSE(Compute("csat", MeasureReadings(), ContextOf()).defined);
}

TEST(KpiCatalogTest, FcrIsOneTouchSolvesOverSolvedTickets) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kOneTouchSolved, CountCell(2));
  r.Set(Reading::kFlow, m::kFullResolution, DurationCell({1000, 2000, 3000, 4000, 5000}));
  ExpectFigure(Compute("fcr", r, ContextOf()), 40, 2, 5, 5);
}

TEST(KpiCatalogTest, VolumeAndBacklogAreCounts) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kTicketsCreated, CountCell(12));
  r.Set(Reading::kBalanceAtEnd, m::kBacklog, CountCell(5));
  r.Set(Reading::kBalanceAtStart, m::kBacklog, CountCell(99));
  ExpectFigure(Compute("ticket_volume", r, ContextOf()), 12, 12, 1, 12);
  ExpectFigure(Compute("backlog", r, ContextOf()), 5, 5, 1, 5);
  // An empty window has a volume of zero, not an undefined one.
  ExpectFigure(Compute("ticket_volume", MeasureReadings(), ContextOf()), 0, 0, 1, 0);
}

TEST(KpiCatalogTest, SlaAttainmentIsPerTargetKind) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kSlaMetFirstResponse, CountCell(9));
  r.Set(Reading::kFlow, m::kSlaDueFirstResponse, CountCell(10));
  r.Set(Reading::kFlow, m::kSlaMetNextResponse, CountCell(1));
  r.Set(Reading::kFlow, m::kSlaDueNextResponse, CountCell(4));
  ExpectFigure(Compute("sla_attainment_first_response", r, ContextOf()), 90, 9, 10, 10);
  ExpectFigure(Compute("sla_attainment_next_response", r, ContextOf()), 25, 1, 4, 4);
  const KpiFigure resolution = Compute("sla_attainment_resolution", r, ContextOf());
  EXPECT_FALSE(resolution.defined);
  EXPECT_THAT(resolution.undefined_reason, HasSubstr("came due"));
}

TEST(KpiCatalogTest, EscalationReopenAndSelfServiceRates) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kTicketsCreated, CountCell(20));
  r.Set(Reading::kFlow, m::kEscalated, CountCell(3));
  r.Set(Reading::kWindow, m::kSolvedTickets, CountCell(8));
  r.Set(Reading::kWindow, m::kReopenedTickets, CountCell(2));
  r.Set(Reading::kFlow, m::kArticleViews, CountCell(50));
  ExpectFigure(Compute("escalation_rate", r, ContextOf()), 15, 3, 20, 20);
  ExpectFigure(Compute("reopen_rate", r, ContextOf()), 25, 2, 8, 8);
  ExpectFigure(Compute("self_service_ratio", r, ContextOf()), 2.5, 50, 20, 20);
  MeasureReadings views_only;
  views_only.Set(Reading::kFlow, m::kArticleViews, CountCell(50));
  EXPECT_FALSE(Compute("self_service_ratio", views_only, ContextOf()).defined);
}

// Reopen rate is tickets reopened ÷ tickets solved (window measures), not
// reopen events ÷ solve events.
TEST(KpiCatalogTest, ReopenRateCountsTicketsNotEvents) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kSolves, CountCell(8));
  r.Set(Reading::kFlow, m::kReopens, CountCell(2));
  r.Set(Reading::kWindow, m::kSolvedTickets, CountCell(7));
  r.Set(Reading::kWindow, m::kReopenedTickets, CountCell(2));
  ExpectFigure(Compute("reopen_rate", r, ContextOf()), 200.0 / 7, 2, 7, 7);
  EXPECT_FALSE(Compute("reopen_rate", MeasureReadings(), ContextOf()).defined);
}

// ---- Revenue formulas -----------------------------------------------------------

// KPIS.md's worked example: logo churn 1/3, GRR 250/600, NRR 300/600,
// retention 2/3, quick ratio 550/450.
TEST(KpiCatalogTest, WorkedExampleGivesKpisMdFigures) {
  const MeasureReadings r = WorkedExample();
  KpiContext context = ContextOf();
  context.options = Options("logo_churn_rate", {});
  ExpectFigure(Compute("logo_churn_rate", r, context), 100.0 / 3, 1, 3, 3);
  ExpectFigure(Compute("grr", r, context), 250.0 / 6, 250, 600, 3);
  ExpectFigure(Compute("nrr", r, context), 50, 300, 600, 3);
  ExpectFigure(Compute("customer_retention_rate", r, context), 200.0 / 3, 2, 3, 3);
  ExpectFigure(Compute("quick_ratio", r, context), 550.0 / 450, 550, 450, 6);
  ExpectFigure(Compute("gross_mrr_churn_rate", r, context), 350.0 / 6, 350, 600, 3);
  ExpectFigure(Compute("net_mrr_churn_rate", r, context), 50, 300, 600, 3);
  ExpectFigure(Compute("expansion_rate_logo", r, context), 100.0 / 3, 1, 3, 3);
  ExpectFigure(Compute("expansion_rate_mrr", r, context), 50.0 / 6, 50, 600, 3);
  ExpectFigure(Compute("mrr", r, context), 700, 700, 1, 3);
  ExpectFigure(Compute("active_customers", r, context), 3, 3, 1, 3);
  ExpectFigure(Compute("arpa", r, context), 700.0 / 3, 700, 3, 3);
}

// Baremetrics' choice: customers who start and churn inside the window
// count as churned too.
TEST(KpiCatalogTest, SameWindowChurnOptionAddsNewChurnedCustomers) {
  const MeasureReadings r = WorkedExample();
  KpiContext context = ContextOf();
  context.options = Options("logo_churn_rate", {{"same_window_churn", "include"}});
  ExpectFigure(Compute("logo_churn_rate", r, context), 200.0 / 3, 2, 3, 3);
  EXPECT_THAT(Kpi("logo_churn_rate").needs(context),
              ::testing::Contains(MeasureNeed{Reading::kWindow, m::kNewChurned}));
}

TEST(KpiCatalogTest, RevenueRatesWithoutStartCustomersAreUndefined) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kMrrNew, CountCell(1, 100));
  for (const char* id :
       {"logo_churn_rate", "customer_retention_rate", "grr", "nrr", "gross_mrr_churn_rate",
        "net_mrr_churn_rate", "expansion_rate_logo", "expansion_rate_mrr", "arpa"}) {
    const KpiFigure figure = Compute(id, r, ContextOf());
    EXPECT_FALSE(figure.defined) << id;
    EXPECT_FALSE(figure.undefined_reason.empty()) << id;
  }
}

// LTV = ARPA × margin ÷ monthly churn, the window's churn rate scaled to a
// month of 30.4375 days.
TEST(KpiCatalogTest, LtvScalesChurnToAMonthAndAppliesTheMargin) {
  MeasureReadings r;
  r.Set(Reading::kBalanceAtStart, m::kMrr, CountCell(10, 10000));
  r.Set(Reading::kBalanceAtEnd, m::kMrr, CountCell(8, 8000));  // ARPA 1000
  r.Set(Reading::kWindow, m::kStartChurned, CountCell(2));
  KpiContext context = ContextOf(/*days=*/90);
  context.gross_margin_basis_points = 8000;
  // Window churn 20 % over 90 days → monthly 0.2 × 30.4375 / 90.
  const double monthly = 0.2 * 30.4375 / 90;
  ExpectFigure(Compute("ltv", r, context), 1000 * 0.8 / monthly, 800, monthly, 10);
}

// With no churn LTV would be infinite: it is undefined and says why.
TEST(KpiCatalogTest, LtvWithZeroChurnIsUndefined) {
  MeasureReadings r;
  r.Set(Reading::kBalanceAtStart, m::kMrr, CountCell(10, 10000));
  r.Set(Reading::kBalanceAtEnd, m::kMrr, CountCell(10, 10000));
  const KpiFigure figure = Compute("ltv", r, ContextOf());
  EXPECT_FALSE(figure.defined);
  EXPECT_THAT(figure.undefined_reason, HasSubstr("zero churn"));
  EXPECT_NEAR(figure.numerator, 1000, kTolerance);
}

TEST(KpiCatalogTest, QuickRatioWithoutLossesIsUndefined) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kMrrNew, CountCell(2, 500));
  r.Set(Reading::kFlow, m::kMrrReactivation, CountCell(1, 100));
  const KpiFigure figure = Compute("quick_ratio", r, ContextOf());
  EXPECT_FALSE(figure.defined);
  EXPECT_NEAR(figure.numerator, 600, kTolerance);
  EXPECT_EQ(figure.sample_size, 3);
}

// ---- Other success formulas ---------------------------------------------------

TEST(KpiCatalogTest, RenewalRatesCountLogosAndRevenue) {
  MeasureReadings r;
  r.Set(Reading::kFlow, m::kRenewalsDue, CountCell(5));
  r.Set(Reading::kFlow, m::kRenewalsWon, CountCell(3));
  r.Set(Reading::kFlow, m::kRenewalsClosed, CountCell(4, 40000));
  r.Set(Reading::kFlow, m::kRenewalFinal, CountCell(4, 36000));
  ExpectFigure(Compute("renewal_rate_logo", r, ContextOf()), 60, 3, 5, 5);
  ExpectFigure(Compute("renewal_rate_revenue", r, ContextOf()), 90, 36000, 40000, 4);
  EXPECT_FALSE(Compute("renewal_rate_revenue", MeasureReadings(), ContextOf()).defined);
}

TEST(KpiCatalogTest, NpsIsPromotersMinusDetractorsPercent) {
  MeasureReadings r;
  r.Set(Reading::kWindow, m::kNpsResponses, CountCell(10));
  r.Set(Reading::kWindow, m::kNpsPromoters, CountCell(3));
  r.Set(Reading::kWindow, m::kNpsDetractors, CountCell(5));
  ExpectFigure(Compute("nps", r, ContextOf()), -20, -2, 10, 10);
  EXPECT_EQ(Kpi("nps").unit, "score");
}

// Adoption: accounts with usage, 2 key features: 3 use "export", 1 uses
// "api" → (3 + 1) ÷ (2 × 4) = 50 %; per feature 75 % and 25 %.
TEST(KpiCatalogTest, ProductAdoptionIsTheMeanShareOfKeyFeaturesUsed) {
  MeasureReadings r;
  r.Set(Reading::kWindow, m::kUsageAccounts, CountCell(4));
  r.Set(Reading::kWindow, absl::StrCat(m::kFeatureAccountsPrefix, "export"), CountCell(3));
  r.Set(Reading::kWindow, absl::StrCat(m::kFeatureAccountsPrefix, "api"), CountCell(1));
  r.Set(Reading::kWindow, absl::StrCat(m::kFeatureAccountsPrefix, "other"), CountCell(4));
  KpiContext context = ContextOf();
  context.key_features = {"export", "api"};
  context.options = Options("product_adoption", {}, context.key_features);
  EXPECT_TRUE(context.options.empty());
  ExpectFigure(Compute("product_adoption", r, context), 50, 4, 8, 4);
  EXPECT_EQ(Kpi("product_adoption").needs(context).size(), 3u);
  context.options = Options("product_adoption", {{"feature", "export"}}, context.key_features);
  ExpectFigure(Compute("product_adoption", r, context), 75, 3, 4, 4);
}

TEST(KpiCatalogTest, ProductAdoptionWithoutKeyFeaturesOrUsageIsUndefined) {
  MeasureReadings r;
  r.Set(Reading::kWindow, m::kUsageAccounts, CountCell(4));
  const KpiFigure no_features = Compute("product_adoption", r, ContextOf());
  EXPECT_FALSE(no_features.defined);
  EXPECT_THAT(no_features.undefined_reason, HasSubstr("key features"));
  KpiContext context = ContextOf();
  context.key_features = {"export"};
  EXPECT_FALSE(Compute("product_adoption", MeasureReadings(), context).defined);
}

// Seat ratios are stored in ppm per account: the mean, as a percentage.
TEST(KpiCatalogTest, ActiveSeatRatioIsTheMeanRatio) {
  MeasureReadings r;
  r.Set(Reading::kWindow, m::kSeatRatio, CountCell(2, 500000 + 1000000));
  ExpectFigure(Compute("active_seat_ratio", r, ContextOf()), 75, 1.5, 2, 2);
}

TEST(KpiCatalogTest, TimeToValueIsTheMedianInDays) {
  MeasureReadings r;
  const int64_t day = 86400000;
  r.Set(Reading::kFlow, m::kTimeToValue, DurationCell({10 * day, 20 * day, 40 * day}));
  ExpectFigure(Compute("time_to_value", r, ContextOf()), 20, 70, 3, 3);
  EXPECT_EQ(Kpi("time_to_value").unit, "days");
}

TEST(KpiCatalogTest, HealthSharesAndMeanAreReadAtTheWindowsEnd) {
  MeasureReadings r;
  r.Set(Reading::kBalanceAtEnd, m::kHealthScored, CountCell(8, 8 * 55));
  r.Set(Reading::kBalanceAtEnd, m::kHealthRed, CountCell(2));
  r.Set(Reading::kBalanceAtEnd, m::kHealthYellow, CountCell(2));
  r.Set(Reading::kBalanceAtEnd, m::kHealthGreen, CountCell(4));
  ExpectFigure(Compute("health_red_share", r, ContextOf()), 25, 2, 8, 8);
  ExpectFigure(Compute("health_yellow_share", r, ContextOf()), 25, 2, 8, 8);
  ExpectFigure(Compute("health_green_share", r, ContextOf()), 50, 4, 8, 8);
  ExpectFigure(Compute("health_mean_score", r, ContextOf()), 55, 440, 8, 8);
  EXPECT_FALSE(Compute("health_mean_score", MeasureReadings(), ContextOf()).defined);
}

// ---- Options and segments -------------------------------------------------------

TEST(KpiCatalogTest, UnknownOptionsAndValuesListWhatIsAllowed) {
  google::protobuf::Map<std::string, std::string> requested;
  requested["hours"] = "office";
  auto bad_value = ResolveKpiOptions(Kpi("first_response_time"), requested, {});
  EXPECT_EQ(bad_value.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(FieldViolationsOf(bad_value.status()),
              ElementsAre(FieldViolation{"options.hours",
                                         "'office' is not allowed; allowed values: calendar, "
                                         "business"}));
  auto unknown = ResolveKpiOptions(Kpi("csat"), requested, {});
  ASSERT_EQ(FieldViolationsOf(unknown.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(unknown.status())[0].field, "options");
  EXPECT_THAT(FieldViolationsOf(unknown.status())[0].description, HasSubstr("no option 'hours'"));
}

TEST(KpiCatalogTest, FeatureOptionTakesOnlyAKeyFeature) {
  google::protobuf::Map<std::string, std::string> requested;
  requested["feature"] = "reports";
  auto refused = ResolveKpiOptions(Kpi("product_adoption"), requested, {"export", "api"});
  ASSERT_EQ(FieldViolationsOf(refused.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(refused.status())[0].field, "options.feature");
  EXPECT_THAT(FieldViolationsOf(refused.status())[0].description, HasSubstr("export, api"));
}

TEST(KpiCatalogTest, SegmentsMustBeADimensionTheKpiAccepts) {
  v1::Segment segment;
  EXPECT_OK(CheckKpiSegment(Kpi("csat"), segment));
  segment.set_dimension("channel");
  segment.set_value("EMAIL");
  EXPECT_OK(CheckKpiSegment(Kpi("csat"), segment));
  const absl::Status wrong_area = CheckKpiSegment(Kpi("nrr"), segment);
  ASSERT_EQ(FieldViolationsOf(wrong_area).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(wrong_area)[0].field, "segment.dimension");
  EXPECT_THAT(FieldViolationsOf(wrong_area)[0].description, HasSubstr("tier, plan, owner"));
  segment.set_dimension("feature");
  EXPECT_FALSE(CheckKpiSegment(Kpi("product_adoption"), segment).ok());
  segment.set_dimension("tier");
  segment.clear_value();
  EXPECT_EQ(FieldViolationsOf(CheckKpiSegment(Kpi("nrr"), segment))[0].field, "segment.value");
  segment.clear_dimension();
  segment.set_value("HIGH_TOUCH");
  EXPECT_EQ(FieldViolationsOf(CheckKpiSegment(Kpi("nrr"), segment, "x."))[0].field,
            "x.segment.dimension");
}

// ---- Stored definitions -----------------------------------------------------------

std::vector<v1::MetricDefinition> StoredAsComputed() {
  std::vector<v1::MetricDefinition> stored;
  for (const KpiDefinition& kpi : KpiCatalog()) {
    v1::MetricDefinition& definition = stored.emplace_back();
    definition.set_name(absl::StrCat("metricDefinitions/", kpi.id));
    definition.set_version(kpi.version);
    definition.set_area(kpi.area);
    definition.set_unit(kpi.unit);
    for (const std::string& dimension : kpi.segment_dimensions) {
      definition.add_segment_dimensions(dimension);
    }
    for (const KpiOption& option : kpi.options) {
      v1::MetricOption& stored_option = *definition.add_options();
      stored_option.set_name(option.name);
      for (const std::string& value : option.allowed_values)
        stored_option.add_allowed_values(value);
      stored_option.set_default_value(option.default_value);
    }
  }
  return stored;
}

TEST(KpiCatalogTest, StoredDefinitionsMatchingTheCodePass) {
  EXPECT_OK(CheckStoredDefinitions(StoredAsComputed()));
}

// A definition stored with another version than the formula implements is
// an error that names it.
TEST(KpiCatalogTest, StoredVersionMismatchNamesTheDefinition) {
  std::vector<v1::MetricDefinition> stored = StoredAsComputed();
  stored[3].set_version(2);
  const absl::Status status = CheckStoredDefinitions(stored);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("metricDefinitions/csat"));
  EXPECT_THAT(status.message(), HasSubstr("version"));
}

TEST(KpiCatalogTest, MissingOrDriftedDefinitionsAreErrors) {
  std::vector<v1::MetricDefinition> stored = StoredAsComputed();
  stored.pop_back();
  EXPECT_THAT(CheckStoredDefinitions(stored).message(),
              HasSubstr("metricDefinitions/cohort_retention"));
  stored = StoredAsComputed();
  stored[0].mutable_options(0)->set_default_value("business");
  EXPECT_THAT(CheckStoredDefinitions(stored).message(), HasSubstr("options"));
  stored = StoredAsComputed();
  stored[13].add_segment_dimensions("feature");
  EXPECT_THAT(CheckStoredDefinitions(stored).message(), HasSubstr("segment dimensions"));
}

}  // namespace
}  // namespace tandem::metrics

// The revenue KPIs on random ledgers: random but valid histories (NEW,
// expansions, cross-sells, contractions, churns, reactivations, tier, plan
// and owner changes; some dated before events already published) over
// fourteen months in a zone with daylight saving, published through a real
// EventFeed and consumed by the real consumers. Every revenue KPI, for
// random calendar periods and custom windows and every kind of segment,
// must equal what an independent calculator (metrics_revenue_oracle)
// computes from the raw events; so must the cohort table. The rollups must
// equal a from-scratch recomputation of the facts, and neither a duplicate
// delivery of every event nor a rebuild may change any figure.
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "tandem/metrics/v1/metrics_service.pb.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/metrics_revenue_oracle.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

namespace mv1 = ::tandem::metrics::v1;
using ::tandem::testing::IsOkAndHolds;

constexpr char kTenant[] = "rev-props";

// The zones the seeds cycle through: both hemispheres' daylight saving, and
// a half-hour offset.
constexpr const char* kZones[] = {"Europe/Paris", "America/New_York", "Australia/Sydney",
                                  "Asia/Kolkata"};

const std::vector<std::string>& RevenueKpis() {
  static const auto* const kKpis = new std::vector<std::string>{"logo_churn_rate",
                                                                "customer_retention_rate",
                                                                "gross_mrr_churn_rate",
                                                                "net_mrr_churn_rate",
                                                                "grr",
                                                                "nrr",
                                                                "mrr",
                                                                "active_customers",
                                                                "arpa",
                                                                "ltv",
                                                                "quick_ratio",
                                                                "expansion_rate_logo",
                                                                "expansion_rate_mrr"};
  return *kKpis;
}

// A window as a request names it, and its days.
struct TestWindow {
  mv1::Window window;
  absl::CivilDay start;
  absl::CivilDay end;
};

std::string Date(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

// Random calendar periods (by their names, and weeks by their dates) and
// custom windows, around the history's fourteen months.
std::vector<TestWindow> RandomWindows(std::mt19937& rng) {
  const auto uniform = [&rng](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(rng);
  };
  const absl::CivilDay first(2025, 11, 1);
  std::vector<TestWindow> windows;
  const auto add_dates = [&](absl::CivilDay start, absl::CivilDay end) {
    TestWindow w{{}, start, end};
    w.window.set_start_date(Date(start));
    w.window.set_end_date(Date(end));
    windows.push_back(w);
  };
  const auto add_period = [&](std::string name, absl::CivilDay start, absl::CivilDay end) {
    TestWindow w{{}, start, end};
    w.window.set_period(std::move(name));
    windows.push_back(w);
  };
  for (int i = 0; i < 3; ++i) {
    const absl::CivilMonth month = absl::CivilMonth(first) + uniform(0, 13);
    add_period(absl::StrFormat("%04d-%02d", month.year(), month.month()), absl::CivilDay(month),
               absl::CivilDay(month + 1));
  }
  const absl::CivilDay day = first + uniform(0, 420);
  add_period(Date(day), day, day + 1);
  const absl::CivilDay monday = absl::PrevWeekday(first + uniform(0, 420), absl::Weekday::monday);
  add_dates(monday, monday + 7);
  const int quarter = uniform(0, 3);
  const absl::CivilDay quarter_start(2026, 1 + 3 * quarter, 1);
  add_period(absl::StrFormat("2026-Q%d", quarter + 1), quarter_start,
             absl::CivilDay(absl::CivilMonth(quarter_start) + 3));
  add_period("2026", absl::CivilDay(2026, 1, 1), absl::CivilDay(2027, 1, 1));
  for (int i = 0; i < 6; ++i) {
    const absl::CivilDay start = first - 10 + uniform(0, 420);
    add_dates(start, start + uniform(2, 200));
  }
  return windows;
}

// Every figure of the asked windows and segments, in a stable order, to
// tell whether anything changed.
using Figures = std::vector<std::string>;

class MetricsRevenuePropertyTest : public ::testing::TestWithParam<uint32_t> {
 protected:
  absl::StatusOr<mv1::MetricValue> Get(const std::string& kpi, const TestWindow& window,
                                       const std::string& dimension, const std::string& value,
                                       bool same_window_churn) {
    mv1::GetMetricRequest request;
    request.set_metric(absl::StrCat("metricDefinitions/", kpi));
    *request.mutable_window() = window.window;
    request.mutable_segment()->set_dimension(dimension);
    request.mutable_segment()->set_value(value);
    if (same_window_churn) (*request.mutable_options())["same_window_churn"] = "include";
    return harness_.manager().GetMetric(harness_.Caller(kTenant), request, harness_.Deadline());
  }

  // Compares every revenue KPI with the oracle; returns the figures.
  Figures CheckKpis(const testing::RevenueOracle& oracle, const std::vector<TestWindow>& windows,
                    const std::vector<std::pair<std::string, std::string>>& segments) {
    Figures figures;
    for (const TestWindow& window : windows) {
      for (const auto& [dimension, value] : segments) {
        for (const bool same_window_churn : {false, true}) {
          const std::map<std::string, testing::OracleKpi> expected =
              oracle.Kpis(window.start, window.end, dimension, value,
                          {.include_same_window_churn = same_window_churn});
          for (const std::string& kpi : RevenueKpis()) {
            if (same_window_churn && kpi != "logo_churn_rate") continue;
            SCOPED_TRACE(absl::StrCat(kpi, " for ", Date(window.start), "..", Date(window.end),
                                      " (", window.window.ShortDebugString(), ") ", dimension, "=",
                                      value, same_window_churn ? " same-window" : ""));
            absl::StatusOr<mv1::MetricValue> got =
                Get(kpi, window, dimension, value, same_window_churn);
            EXPECT_OK(got.status());
            if (!got.ok()) continue;
            const testing::OracleKpi& want = expected.at(kpi);
            EXPECT_EQ(got->defined(), want.defined) << got->undefined_reason();
            if (got->defined() && want.defined) {
              EXPECT_EQ(got->sample_size(), want.sample_size);
              const double tolerance = 1e-9 * std::max(1.0, std::abs(want.value));
              EXPECT_NEAR(got->value(), want.value, tolerance);
              EXPECT_NEAR(got->numerator(), want.numerator,
                          1e-9 * std::max(1.0, std::abs(want.numerator)));
              EXPECT_NEAR(got->denominator(), want.denominator,
                          1e-9 * std::max(1.0, std::abs(want.denominator)));
            }
            figures.push_back(got->ShortDebugString());
          }
        }
      }
    }
    return figures;
  }

  // Compares the cohort table with the oracle's; returns it as text.
  std::string CheckCohorts(const testing::RevenueOracle& oracle) {
    mv1::GetCohortRetentionRequest request;
    request.set_start_month("2025-11");
    request.set_end_month("2026-12");
    request.set_through_month("2026-12");
    absl::StatusOr<mv1::CohortRetention> got = harness_.manager().GetCohortRetention(
        harness_.Caller(kTenant), request, harness_.Deadline());
    EXPECT_OK(got.status());
    if (!got.ok()) return "";
    const std::vector<testing::OracleCohort> want = oracle.Cohorts(
        absl::CivilMonth(2025, 11), absl::CivilMonth(2026, 12), absl::CivilMonth(2026, 12));
    EXPECT_EQ(got->cohorts_size(), static_cast<int>(want.size()));
    for (int i = 0; i < got->cohorts_size() && i < static_cast<int>(want.size()); ++i) {
      const mv1::Cohort& cohort = got->cohorts(i);
      const testing::OracleCohort& expected = want[i];
      SCOPED_TRACE(cohort.month());
      EXPECT_EQ(cohort.month(),
                absl::StrFormat("%04d-%02d", expected.month.year(), expected.month.month()));
      EXPECT_EQ(cohort.customers(), expected.customers);
      EXPECT_EQ(cohort.starting_mrr_minor(), expected.starting_mrr_minor);
      EXPECT_EQ(cohort.points_size(), static_cast<int>(expected.points.size()));
      for (int p = 0; p < cohort.points_size() && p < static_cast<int>(expected.points.size());
           ++p) {
        const mv1::CohortPoint& point = cohort.points(p);
        const testing::OracleCohortPoint& expected_point = expected.points[p];
        SCOPED_TRACE(point.month());
        EXPECT_EQ(point.months_since_start(), p);
        EXPECT_EQ(point.active_customers(), expected_point.active_customers);
        EXPECT_EQ(point.mrr_minor(), expected_point.mrr_minor);
        if (expected.customers > 0) {
          EXPECT_NEAR(point.logo_retention_percent(),
                      100.0 * expected_point.active_customers / expected.customers, 1e-9);
        }
        if (expected.starting_mrr_minor > 0) {
          EXPECT_NEAR(point.revenue_retention_percent(),
                      100.0 * expected_point.mrr_minor / expected.starting_mrr_minor, 1e-9);
        }
      }
    }
    return got->ShortDebugString();
  }

  testing::MetricsHarness harness_;
};

// For one seed: KPIs and cohorts equal the oracle's; rollups equal a
// recomputation; a duplicate delivery of every event and a rebuild change
// nothing.
TEST_P(MetricsRevenuePropertyTest, KpisMatchTheOracle) {
  const uint32_t seed = GetParam();
  const char* zone_name = kZones[seed % std::size(kZones)];
  SCOPED_TRACE(absl::StrCat("seed ", seed, " in ", zone_name));
  absl::TimeZone zone;
  ASSERT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  ASSERT_OK(harness_.SetTimeZone(kTenant, zone_name));

  testing::RevenueOracle oracle(zone);
  const std::vector<testing::RevenueHistoryEvent> history =
      testing::RandomRevenueHistory(seed, {.accounts = 30, .zone = zone}, oracle);
  std::vector<testing::PublishedEvent> events;
  for (const testing::RevenueHistoryEvent& event : history) {
    events.push_back({kTenant, event.subject, event.payload, event.occur_time});
  }
  ASSERT_OK(harness_.success_feed().PublishAll(events));
  ASSERT_OK(harness_.CatchUp().status());
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));

  std::mt19937 rng(seed);
  const std::vector<TestWindow> windows = RandomWindows(rng);
  const std::vector<std::pair<std::string, std::string>> segments = {
      {"", ""},
      {"tier", std::vector<std::string>{"HIGH_TOUCH", "LOW_TOUCH", "TECH_TOUCH"}[seed % 3]},
      {"plan", "pro"},
      {"owner", "csm-bo"}};
  const Figures figures = CheckKpis(oracle, windows, segments);
  const std::string cohorts = CheckCohorts(oracle);
  if (HasFailure()) return;

  // Every event delivered again (in one batch, past the cursors).
  ASSERT_OK_AND_ASSIGN(std::vector<tandem::common::v1::Event> delivered,
                       harness_.success_feed().ReadAll(kTenant));
  ASSERT_EQ(delivered.size(), history.size());
  ASSERT_OK(harness_.ApplyDirectly(delivered));
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));
  EXPECT_EQ(CheckKpis(oracle, windows, segments), figures);
  EXPECT_EQ(CheckCohorts(oracle), cohorts);

  ASSERT_OK(harness_.Rebuild(kTenant));
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));
  EXPECT_EQ(CheckKpis(oracle, windows, segments), figures);
  EXPECT_EQ(CheckCohorts(oracle), cohorts);
}

INSTANTIATE_TEST_SUITE_P(Seeds, MetricsRevenuePropertyTest, ::testing::Range(1u, 9u));

}  // namespace
}  // namespace tandem

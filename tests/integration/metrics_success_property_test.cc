// The "other success" KPIs against an independent oracle over random
// Success histories: for many seeds (one tenant each, in UTC, Tokyo or Los
// Angeles), random NPS answers, renewals, onboardings, health scorings with
// churns, returns, segment changes and deletions (some published late), and
// daily usage reported several times a day go through a real event feed
// into Metrics. NPS, renewal rates, adoption (mean and per key feature),
// active-seat ratio, time to value and the health distribution, for
// calendar periods and custom windows, for the whole tenant and for tier,
// plan and owner segments, must equal what the oracle
// (tests/testing/metrics_success_oracle.h) computes from the raw events;
// the rollups must equal a recomputation from the stored facts; and
// neither a repeated delivery nor a rebuild may change any cell.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/metrics/calendar.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/metrics_success_oracle.h"
#include "tests/testing/status_matchers.h"

namespace tandem::testing {
namespace {

namespace mv1 = tandem::metrics::v1;
using tandem::common::v1::Event;

constexpr int kSeeds = 12;

const std::vector<std::string>& Zones() {
  static const std::vector<std::string> kZones = {"UTC", "Asia/Tokyo", "America/Los_Angeles"};
  return kZones;
}

// A window asked as a calendar period (`period`) or by dates.
struct Window {
  std::string period;
  absl::CivilDay start;
  absl::CivilDay end;
};

const std::vector<Window>& Windows() {
  static const std::vector<Window> kWindows = {
      {"2026-03", absl::CivilDay(2026, 3, 1), absl::CivilDay(2026, 4, 1)},
      {"2026-W10", absl::CivilDay(2026, 3, 2), absl::CivilDay(2026, 3, 9)},
      {"2026-Q2", absl::CivilDay(2026, 4, 1), absl::CivilDay(2026, 7, 1)},
      {"2026", absl::CivilDay(2026, 1, 1), absl::CivilDay(2027, 1, 1)},
      {"2026-02-14", absl::CivilDay(2026, 2, 14), absl::CivilDay(2026, 2, 15)},
      {"", absl::CivilDay(2026, 2, 10), absl::CivilDay(2026, 4, 17)},
      {"", absl::CivilDay(2025, 12, 20), absl::CivilDay(2026, 1, 20)},
  };
  return kWindows;
}

const std::vector<std::pair<std::string, std::string>>& Segments() {
  static const std::vector<std::pair<std::string, std::string>> kSegments = {
      {"", ""}, {"tier", "HIGH_TOUCH"}, {"plan", "pro"}, {"owner", "csm-bob"}};
  return kSegments;
}

// A KPI to ask: the catalog's id, the oracle's key and option values.
struct KpiCase {
  std::string id;
  std::string oracle_key;
  std::string feature;  // the product_adoption `feature` option
};

std::vector<KpiCase> KpiCases(const std::vector<std::string>& key_features) {
  std::vector<KpiCase> cases = {
      {"nps", "nps", ""},
      {"renewal_rate_logo", "renewal_rate_logo", ""},
      {"renewal_rate_revenue", "renewal_rate_revenue", ""},
      {"product_adoption", "product_adoption", ""},
      {"active_seat_ratio", "active_seat_ratio", ""},
      {"time_to_value", "time_to_value", ""},
      {"health_red_share", "health_red_share", ""},
      {"health_yellow_share", "health_yellow_share", ""},
      {"health_green_share", "health_green_share", ""},
      {"health_mean_score", "health_mean_score", ""},
  };
  for (const std::string& feature : key_features) {
    cases.push_back({"product_adoption", "product_adoption:" + feature, feature});
  }
  return cases;
}

// Asks every KPI for `window` and `segment` and compares with the oracle.
void ExpectOracleAnswers(MetricsHarness& harness, const std::string& tenant,
                         const SuccessOracle& oracle, const Window& window,
                         const std::pair<std::string, std::string>& segment) {
  SCOPED_TRACE(absl::StrCat("window ", window.period.empty() ? "" : window.period + " ",
                            metrics::FormatDate(window.start), "..",
                            metrics::FormatDate(window.end), " segment ", segment.first, "=",
                            segment.second));
  const std::map<std::string, OracleKpi> expected =
      oracle.Kpis(window.start, window.end, segment.first, segment.second);
  for (const KpiCase& kpi : KpiCases(oracle.key_features())) {
    SCOPED_TRACE(kpi.oracle_key);
    mv1::GetMetricRequest request;
    request.set_metric("metricDefinitions/" + kpi.id);
    if (window.period.empty()) {
      request.mutable_window()->set_start_date(metrics::FormatDate(window.start));
      request.mutable_window()->set_end_date(metrics::FormatDate(window.end));
    } else {
      request.mutable_window()->set_period(window.period);
    }
    request.mutable_segment()->set_dimension(segment.first);
    request.mutable_segment()->set_value(segment.second);
    if (!kpi.feature.empty()) (*request.mutable_options())["feature"] = kpi.feature;
    absl::StatusOr<mv1::MetricValue> got =
        harness.manager().GetMetric(harness.Caller(tenant), request, harness.Deadline());
    ASSERT_OK(got.status());
    const OracleKpi& want = expected.at(kpi.oracle_key);
    ASSERT_EQ(got->defined(), want.defined) << got->undefined_reason();
    if (!want.defined) continue;
    EXPECT_NEAR(got->denominator(), want.denominator, 1e-9 * std::max(1.0, want.denominator));
    if (kpi.id == "time_to_value") {
      // The median comes from a digest: within its relative error.
      EXPECT_NEAR(got->numerator(), want.numerator, 1e-6 * std::max(1.0, want.numerator));
      EXPECT_NEAR(got->value(), want.value, 0.0079 * want.value + 1e-6);
      EXPECT_EQ(got->sample_size(), want.sample_size);
    } else if (kpi.id == "active_seat_ratio") {
      // Each account's ratio is kept in whole parts per million.
      EXPECT_NEAR(got->value(), want.value, 1e-4);
    } else {
      EXPECT_NEAR(got->numerator(), want.numerator, 1e-9 * std::max(1.0, std::abs(want.numerator)));
      EXPECT_NEAR(got->value(), want.value, 1e-9 * std::max(1.0, std::abs(want.value)));
    }
  }
}

// A tenant with a random history and its oracle.
struct Tenant {
  std::string name;
  std::unique_ptr<SuccessOracle> oracle;
};

// Publishes `seeds` random histories, one tenant each, to the harness's
// Success feed (without consuming them).
std::vector<Tenant> PublishHistories(MetricsHarness& harness, int seeds, uint32_t first_seed) {
  std::vector<Tenant> tenants;
  std::vector<PublishedEvent> all;
  for (int seed = 0; seed < seeds; ++seed) {
    Tenant& tenant = tenants.emplace_back();
    tenant.name = absl::StrCat("succ", first_seed + seed);
    const std::string& zone_name = Zones()[seed % Zones().size()];
    absl::TimeZone zone;
    EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
    if (zone_name != "UTC") {
      EXPECT_OK(harness.SetTimeZone(tenant.name, zone_name));
    }
    tenant.oracle = std::make_unique<SuccessOracle>(zone);
    SuccessHistoryOptions options;
    options.zone = zone;
    for (const SuccessHistoryEvent& event :
         RandomSuccessHistory(first_seed + seed, options, *tenant.oracle)) {
      all.push_back({tenant.name, event.subject, event.payload, event.occur_time});
    }
  }
  EXPECT_OK(harness.success_feed().PublishAll(all));
  return tenants;
}

// One tenant per seed, all in one Metrics and one Success feed.
class MetricsSuccessPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tenants_ = PublishHistories(harness_, kSeeds, 2000);
    ASSERT_OK(harness_.CatchUp().status());
    absl::StatusOr<std::vector<Event>> feed = harness_.success_feed().ReadAll();
    ASSERT_OK(feed.status());
    feed_ = *std::move(feed);
  }

  // Every stored cell of `tenant`, to compare before and after.
  std::string CellsOf(const std::string& tenant) {
    auto db = harness_.pool().Acquire(harness_.Deadline());
    EXPECT_OK(db.status());
    if (!db.ok()) return "";
    auto cells = harness_.rollups().AllCells(**db, tenant);
    EXPECT_OK(cells.status());
    if (!cells.ok()) return "";
    std::string text;
    for (const auto& [key, cell] : *cells) {
      absl::StrAppend(&text, key.dimension, "=", key.value, " ", key.measure, " ",
                      static_cast<int>(key.period.grain), " ",
                      metrics::FormatDate(key.period.start), ": ", cell.count, " ", cell.total, " ",
                      absl::BytesToHexString(cell.digest.Serialize()), "\n");
    }
    return text;
  }

  MetricsHarness harness_;
  std::vector<Tenant> tenants_;
  std::vector<Event> feed_;
};

// Every KPI, window and segment equals the oracle, and the rollups equal a
// recomputation from the stored facts.
TEST_F(MetricsSuccessPropertyTest, KpisEqualTheOracleForRandomHistories) {
  for (const Tenant& tenant : tenants_) {
    SCOPED_TRACE(tenant.name);
    EXPECT_THAT(harness_.RecomputationDiff(tenant.name), IsOkAndHolds(""));
    for (const Window& window : Windows()) {
      for (const auto& segment : Segments()) {
        ExpectOracleAnswers(harness_, tenant.name, *tenant.oracle, window, segment);
      }
    }
  }
}

// Delivering every event again — once shuffled in pages, once in reverse —
// changes no cell.
TEST_F(MetricsSuccessPropertyTest, RedeliveryChangesNoCell) {
  std::vector<std::string> before;
  for (const Tenant& tenant : tenants_) before.push_back(CellsOf(tenant.name));
  std::mt19937 random(7);
  std::vector<Event> again = feed_;
  std::shuffle(again.begin(), again.end(), random);
  for (size_t begin = 0; begin < again.size(); begin += 500) {
    const std::vector<Event> page(
        again.begin() + static_cast<std::ptrdiff_t>(begin),
        again.begin() + static_cast<std::ptrdiff_t>(std::min(again.size(), begin + 500)));
    ASSERT_OK(harness_.ApplyDirectly(page));
  }
  ASSERT_OK(harness_.ApplyDirectly(std::vector<Event>(feed_.rbegin(), feed_.rend())));
  for (size_t i = 0; i < tenants_.size(); ++i) {
    SCOPED_TRACE(tenants_[i].name);
    EXPECT_EQ(CellsOf(tenants_[i].name), before[i]);
    EXPECT_THAT(harness_.RecomputationDiff(tenants_[i].name), IsOkAndHolds(""));
  }
  ExpectOracleAnswers(harness_, tenants_[0].name, *tenants_[0].oracle, Windows()[0], Segments()[0]);
}

// A rebuild from the feed reproduces every cell.
TEST_F(MetricsSuccessPropertyTest, RebuildChangesNoCell) {
  for (size_t i = 0; i < tenants_.size(); i += 3) {
    const Tenant& tenant = tenants_[i];
    SCOPED_TRACE(tenant.name);
    const std::string before = CellsOf(tenant.name);
    ASSERT_FALSE(before.empty());
    ASSERT_OK(harness_.Rebuild(tenant.name));
    EXPECT_EQ(CellsOf(tenant.name), before);
    EXPECT_THAT(harness_.RecomputationDiff(tenant.name), IsOkAndHolds(""));
  }
}

// Events first applied out of feed order (a replay racing the consumer),
// then consumed in order, give the oracle's figures: the facts do not
// depend on the order they learn things in.
TEST(MetricsSuccessOrderTest, FirstDeliveryOutOfOrderGivesTheSameFigures) {
  MetricsHarness harness;
  const std::vector<Tenant> tenants = PublishHistories(harness, 3, 3000);
  ASSERT_OK(harness.success_feed().SequenceAll());
  absl::StatusOr<std::vector<Event>> feed = harness.success_feed().ReadAll();
  ASSERT_OK(feed.status());
  std::mt19937 random(11);
  std::vector<Event> early;
  for (const Event& event : *feed) {
    if (std::uniform_int_distribution<int>(0, 1)(random) == 0) early.push_back(event);
  }
  std::shuffle(early.begin(), early.end(), random);
  ASSERT_OK(harness.ApplyDirectly(early));
  ASSERT_OK(harness.CatchUp().status());
  for (const Tenant& tenant : tenants) {
    SCOPED_TRACE(tenant.name);
    EXPECT_THAT(harness.RecomputationDiff(tenant.name), IsOkAndHolds(""));
    for (const Window& window : Windows()) {
      ExpectOracleAnswers(harness, tenant.name, *tenant.oracle, window, Segments()[0]);
    }
  }
}

}  // namespace
}  // namespace tandem::testing

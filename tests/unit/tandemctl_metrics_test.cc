// `tandemctl metrics ...` and `freshness` against the generated mock stub of
// the Metrics service: what each command asks, what it prints and its exit
// code on a good run, a bad command line and a refused call. Also the pure
// helpers of tools/tandemctl/metrics_format.h.
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/proto_time.h"
#include "tandem/metrics/v1/metrics_service_mock.grpc.pb.h"
#include "tests/testing/tokens.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/dispatch.h"
#include "tools/tandemctl/metrics_format.h"

namespace tandem::ctl {
namespace {

using ::testing::_;
using ::testing::AllOf;
using ::testing::DoAll;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using ::testing::Not;
using ::testing::Return;
using ::testing::SaveArg;
using ::testing::SetArgPointee;
namespace v1 = metrics::v1;

const absl::Time kNow =
    absl::FromCivil(absl::CivilSecond(2026, 11, 20, 9, 0, 0), absl::UTCTimeZone());

// Hands out the mock Metrics stub; the other services are unreachable.
class MockClients final : public Clients {
 public:
  explicit MockClients(v1::MockMetricsServiceStub* metrics) : metrics_(metrics) {}

  absl::StatusOr<support::v1::SupportService::StubInterface*> Support() override {
    return Unused();
  }
  absl::StatusOr<support::v1::AgentService::StubInterface*> Agents() override { return Unused(); }
  absl::StatusOr<support::v1::SlaService::StubInterface*> Sla() override { return Unused(); }
  absl::StatusOr<support::v1::KnowledgeBaseService::StubInterface*> KnowledgeBase() override {
    return Unused();
  }
  absl::StatusOr<success::v1::SuccessService::StubInterface*> Success() override {
    return Unused();
  }
  absl::StatusOr<success::v1::RevenueService::StubInterface*> Revenue() override {
    return Unused();
  }
  absl::StatusOr<success::v1::UsageService::StubInterface*> Usage() override { return Unused(); }
  absl::StatusOr<success::v1::HealthService::StubInterface*> AccountHealth() override {
    return Unused();
  }
  absl::StatusOr<success::v1::EngagementService::StubInterface*> Engagement() override {
    return Unused();
  }
  absl::StatusOr<success::v1::LifecycleService::StubInterface*> Lifecycle() override {
    return Unused();
  }
  absl::StatusOr<success::v1::PlaybookService::StubInterface*> Playbooks() override {
    return Unused();
  }
  absl::StatusOr<v1::MetricsService::StubInterface*> Metrics() override { return metrics_; }
  absl::StatusOr<common::v1::EventFeed::StubInterface*> EventFeed(Service) override {
    return Unused();
  }
  absl::StatusOr<grpc::health::v1::Health::StubInterface*> Health(Service) override {
    return Unused();
  }
  std::string Address(Service) const override { return "mock"; }

 private:
  static absl::Status Unused() { return absl::UnavailableError("not in this test"); }
  v1::MockMetricsServiceStub* metrics_;
};

// Runs tandemctl commands against the mock at a fixed time.
class TandemctlMetricsTest : public ::testing::Test {
 protected:
  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    args.push_back("--token");
    args.push_back(testing::TestToken("t1", {"admin"}));
    const Runtime runtime{
        .open_clients = [this](const Endpoints&) { return std::make_unique<MockClients>(&stub_); },
        .clock = &clock_,
        .out = &out_,
        .err = &err_};
    return Dispatch(AllCommands(), args, runtime);
  }
  std::string out() const { return out_.str(); }
  std::string err() const { return err_.str(); }

  NiceMock<v1::MockMetricsServiceStub> stub_;
  FakeClock clock_{kNow};
  std::ostringstream out_;
  std::ostringstream err_;
};

v1::Window March() {
  v1::Window window;
  window.set_period("2026-03");
  window.set_start_date("2026-03-01");
  window.set_end_date("2026-04-01");
  return window;
}

v1::MetricValue Value(const std::string& id, const std::string& unit, double value,
                      double numerator, double denominator, int64_t sample) {
  v1::MetricValue metric;
  metric.set_metric("metricDefinitions/" + id);
  metric.set_definition_version(1);
  *metric.mutable_window() = March();
  metric.set_unit(unit);
  metric.set_defined(true);
  metric.set_value(value);
  metric.set_numerator(numerator);
  metric.set_denominator(denominator);
  metric.set_sample_size(sample);
  return metric;
}

v1::MetricValue FirstResponse() {
  v1::MetricValue frt = Value("first_response_time", "seconds", 4985, 20000, 4, 4);
  frt.mutable_durations()->mutable_median()->set_seconds(4985);
  frt.mutable_durations()->mutable_mean()->set_seconds(5000);
  frt.mutable_durations()->mutable_p90()->set_seconds(7200);
  frt.mutable_durations()->set_exact(true);
  (*frt.mutable_options())["hours"] = "calendar";
  return frt;
}

v1::MetricValue UndefinedLtv() {
  v1::MetricValue ltv = Value("ltv", "minor_units", 0, 100000, 0, 3);
  ltv.set_defined(false);
  ltv.set_undefined_reason("no customer active at the window's start churned in it");
  return ltv;
}

// ---- metrics dashboard ------------------------------------------------------------------

// The dashboard asks for the window given and prints both sections, each
// value in its unit, durations as hours, minutes and seconds.
TEST_F(TandemctlMetricsTest, DashboardPrintsSupportAndSuccessTables) {
  v1::GetDashboardRequest asked;
  v1::Dashboard dashboard;
  *dashboard.mutable_window() = March();
  *dashboard.add_support() = FirstResponse();
  *dashboard.add_support() = Value("csat", "percent", 75, 3, 4, 4);
  *dashboard.add_support() = Value("ticket_volume", "count", 1234, 1234, 1, 1234);
  *dashboard.add_success() = Value("grr", "percent", 250.0 / 6, 250, 600, 3);
  *dashboard.add_success() = Value("quick_ratio", "ratio", 550.0 / 450, 550, 450, 6);
  *dashboard.add_success() = UndefinedLtv();
  EXPECT_CALL(stub_, GetDashboard(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(dashboard), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "dashboard", "--window", "2026-03"}), kExitOk) << err();
  EXPECT_EQ(asked.window().period(), "2026-03");
  const std::string printed = out();
  EXPECT_THAT(printed, HasSubstr("Window: 2026-03 (2026-03-01 .. 2026-04-01)"));
  EXPECT_LT(printed.find("SUPPORT"), printed.find("SUCCESS"));
  EXPECT_THAT(printed, HasSubstr("first_response_time"));
  EXPECT_THAT(printed, HasSubstr("1h 23m 05s"));
  EXPECT_THAT(printed, HasSubstr("mean 1h 23m 20s, p90 2h 00m 00s"));
  EXPECT_THAT(printed, HasSubstr("75.0 %"));
  EXPECT_THAT(printed, HasSubstr("3 / 4"));
  EXPECT_THAT(printed, HasSubstr("1,234"));
  EXPECT_THAT(printed, HasSubstr("41.7 %"));
  EXPECT_THAT(printed, HasSubstr("250 / 600"));
  EXPECT_THAT(printed, HasSubstr("1.22"));
  EXPECT_THAT(printed, HasSubstr("undefined"));
  EXPECT_THAT(printed, HasSubstr("churned in it"));
}

TEST_F(TandemctlMetricsTest, DashboardTakesAStartAndEndDate) {
  v1::GetDashboardRequest asked;
  EXPECT_CALL(stub_, GetDashboard(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "dashboard", "--window", "2026-03-01..2026-03-15"}), kExitOk) << err();
  EXPECT_EQ(asked.window().period(), "");
  EXPECT_EQ(asked.window().start_date(), "2026-03-01");
  EXPECT_EQ(asked.window().end_date(), "2026-03-15");
}

TEST_F(TandemctlMetricsTest, DashboardWithoutAWindowIsAUsageError) {
  EXPECT_CALL(stub_, GetDashboard(_, _, _)).Times(0);
  EXPECT_EQ(Run({"metrics", "dashboard"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("window"));
  EXPECT_EQ(Run({"metrics", "dashboard", "--window", "2026-03-01.."}), kExitUsage);
}

// A refused call exits 1 and prints the server's field violation.
TEST_F(TandemctlMetricsTest, RefusedDashboardExitsOneWithTheMessage) {
  EXPECT_CALL(stub_, GetDashboard(_, _, _))
      .WillOnce(Return(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                    "window.period: '2026-13' is not a period")));
  EXPECT_EQ(Run({"metrics", "dashboard", "--window", "2026-13"}), kExitFailure);
  EXPECT_THAT(err(), HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(err(), HasSubstr("2026-13"));
}

// --json prints the answer for scripts.
TEST_F(TandemctlMetricsTest, DashboardAsJson) {
  v1::Dashboard dashboard;
  *dashboard.add_support() = Value("csat", "percent", 75, 3, 4, 4);
  EXPECT_CALL(stub_, GetDashboard(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(dashboard), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "dashboard", "--window", "2026-03", "--json"}), kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("\"metric\":\"metricDefinitions/csat\""));
  EXPECT_THAT(out(), Not(HasSubstr("SUPPORT")));
}

// ---- metrics get / series -----------------------------------------------------------------

// `get` takes an id or a name, a segment and options, and prints what the
// figure was computed from.
TEST_F(TandemctlMetricsTest, GetSendsSegmentAndOptionsAndExplainsTheFigure) {
  v1::GetMetricRequest asked;
  v1::MetricValue answer = FirstResponse();
  answer.mutable_segment()->set_dimension("channel");
  answer.mutable_segment()->set_value("EMAIL");
  (*answer.mutable_options())["hours"] = "business";
  EXPECT_CALL(stub_, GetMetric(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(answer), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "get", "first_response_time", "--window", "2026-03", "--segment",
                 "channel=EMAIL", "--option", "hours=business"}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.metric(), "metricDefinitions/first_response_time");
  EXPECT_EQ(asked.segment().dimension(), "channel");
  EXPECT_EQ(asked.segment().value(), "EMAIL");
  EXPECT_EQ(asked.options().at("hours"), "business");
  EXPECT_THAT(out(), AllOf(HasSubstr("metricDefinitions/first_response_time (version 1)"),
                           HasSubstr("channel=EMAIL"), HasSubstr("hours=business"),
                           HasSubstr("1h 23m 05s"), HasSubstr("sample size:  4")));
}

TEST_F(TandemctlMetricsTest, GetWithAMalformedSegmentIsAUsageError) {
  EXPECT_CALL(stub_, GetMetric(_, _, _)).Times(0);
  EXPECT_EQ(Run({"metrics", "get", "nrr", "--window", "2026-03", "--segment", "tier"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("NAME=VALUE"));
  EXPECT_EQ(Run({"metrics", "get", "--window", "2026-03"}), kExitUsage);
}

TEST_F(TandemctlMetricsTest, GetPrintsWhyAFigureIsUndefined) {
  EXPECT_CALL(stub_, GetMetric(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(UndefinedLtv()), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "get", "metricDefinitions/ltv", "--window", "2026-03"}), kExitOk);
  EXPECT_THAT(out(), HasSubstr("why undefined:  no customer active"));
}

TEST_F(TandemctlMetricsTest, SeriesPrintsOneRowPerPoint) {
  v1::GetMetricSeriesRequest asked;
  v1::MetricSeries series;
  series.set_metric("metricDefinitions/csat");
  for (int month : {1, 2}) {
    v1::MetricValue& point = *series.add_points() =
        Value("csat", "percent", 50 * month, month, 2, 2);
    point.mutable_window()->set_period(absl::StrCat("2026-0", month));
  }
  EXPECT_CALL(stub_, GetMetricSeries(_, _, _))
      .WillOnce(DoAll(SaveArg<1>(&asked), SetArgPointee<2>(series), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "series", "csat", "--window", "2026-Q1", "--granularity", "month"}),
            kExitOk)
      << err();
  EXPECT_EQ(asked.granularity(), v1::GetMetricSeriesRequest::MONTH);
  EXPECT_EQ(asked.window().period(), "2026-Q1");
  EXPECT_THAT(out(), AllOf(HasSubstr("PERIOD"), HasSubstr("2026-01"), HasSubstr("50.0 %"),
                           HasSubstr("2026-02"), HasSubstr("100.0 %")));
  EXPECT_EQ(Run({"metrics", "series", "csat", "--window", "2026-Q1"}), kExitUsage);
}

// ---- metrics cohorts ------------------------------------------------------------------------

TEST_F(TandemctlMetricsTest, CohortsPrintOneRowPerStartMonth) {
  v1::GetCohortRetentionRequest asked;
  v1::CohortRetention retention;
  v1::Cohort& january = *retention.add_cohorts();
  january.set_month("2026-01");
  january.set_customers(4);
  january.set_starting_mrr_minor(400000);
  for (double logo : {100.0, 75.0}) {
    v1::CohortPoint& point = *january.add_points();
    point.set_logo_retention_percent(logo);
    point.set_revenue_retention_percent(logo + 10);
  }
  v1::Cohort& february = *retention.add_cohorts();
  february.set_month("2026-02");
  february.add_points();
  EXPECT_CALL(stub_, GetCohortRetention(_, _, _))
      .WillRepeatedly(
          DoAll(SaveArg<1>(&asked), SetArgPointee<2>(retention), Return(grpc::Status::OK)));
  ASSERT_EQ(
      Run({"metrics", "cohorts", "--from", "2026-01", "--to", "2026-02", "--through", "2026-02"}),
      kExitOk)
      << err();
  EXPECT_EQ(asked.start_month(), "2026-01");
  EXPECT_EQ(asked.end_month(), "2026-02");
  EXPECT_EQ(asked.through_month(), "2026-02");
  EXPECT_THAT(out(), AllOf(HasSubstr("Logo retention"), HasSubstr("M0"), HasSubstr("M1"),
                           HasSubstr("4,000.00"), HasSubstr("75.0 %")));
  ASSERT_EQ(Run({"metrics", "cohorts", "--from", "2026-01", "--to", "2026-02", "--revenue"}),
            kExitOk);
  EXPECT_EQ(asked.through_month(), "");
  EXPECT_THAT(out(), AllOf(HasSubstr("Revenue retention"), HasSubstr("85.0 %")));
}

// ---- metrics settings / rebuild / freshness ----------------------------------------------

TEST_F(TandemctlMetricsTest, SettingsWithoutFlagsPrintsThem) {
  v1::MetricSettings settings;
  settings.set_time_zone("Europe/Paris");
  settings.set_gross_margin_basis_points(7250);
  EXPECT_CALL(stub_, GetMetricSettings(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(settings), Return(grpc::Status::OK)));
  EXPECT_CALL(stub_, UpdateMetricSettings(_, _, _)).Times(0);
  ASSERT_EQ(Run({"metrics", "settings"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("Europe/Paris"), HasSubstr("72.5 % (7250 basis points)")));
}

// Only the settings given change: the mask names them.
TEST_F(TandemctlMetricsTest, SettingsChangeOnlyWhatIsGiven) {
  v1::UpdateMetricSettingsRequest asked;
  EXPECT_CALL(stub_, UpdateMetricSettings(_, _, _))
      .WillRepeatedly(DoAll(SaveArg<1>(&asked), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "settings", "--time-zone", "Asia/Tokyo", "--gross-margin", "80%",
                 "--etag", "e1"}),
            kExitOk)
      << err();
  EXPECT_THAT(asked.update_mask().paths(), ElementsAre("time_zone", "gross_margin_basis_points"));
  EXPECT_EQ(asked.settings().time_zone(), "Asia/Tokyo");
  EXPECT_EQ(asked.settings().gross_margin_basis_points(), 8000);
  EXPECT_EQ(asked.settings().etag(), "e1");
  ASSERT_EQ(Run({"metrics", "settings", "--gross-margin", "65"}), kExitOk) << err();
  EXPECT_THAT(asked.update_mask().paths(), ElementsAre("gross_margin_basis_points"));
  EXPECT_EQ(asked.settings().gross_margin_basis_points(), 6500);
  EXPECT_EQ(Run({"metrics", "settings", "--gross-margin", "120%"}), kExitUsage);
  EXPECT_THAT(err(), HasSubstr("--gross-margin"));
}

// --wait polls freshness until the rebuild it started has ended.
TEST_F(TandemctlMetricsTest, RebuildWaitsForTheEnd) {
  v1::RollupRebuild running;
  running.set_state(v1::RollupRebuild::RUNNING);
  *running.mutable_start_time() = ToProtoTime(kNow);
  v1::Freshness done;
  *done.mutable_rebuild() = running;
  done.mutable_rebuild()->set_state(v1::RollupRebuild::SUCCEEDED);
  done.mutable_rebuild()->set_events_replayed(1200);
  EXPECT_CALL(stub_, RebuildRollups(_, _, _))
      .WillRepeatedly(DoAll(SetArgPointee<2>(running), Return(grpc::Status::OK)));
  EXPECT_CALL(stub_, GetFreshness(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(done), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "rebuild", "--wait"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("SUCCEEDED"), HasSubstr("1200 events replayed")));
  // Without --wait the answer is printed as it comes.
  ASSERT_EQ(Run({"metrics", "rebuild"}), kExitOk) << err();
  EXPECT_THAT(out(), HasSubstr("RUNNING"));
}

TEST_F(TandemctlMetricsTest, FailedRebuildExitsOne) {
  v1::RollupRebuild failed;
  failed.set_state(v1::RollupRebuild::FAILED);
  failed.set_error("interrupted");
  EXPECT_CALL(stub_, RebuildRollups(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(failed), Return(grpc::Status::OK)));
  EXPECT_EQ(Run({"metrics", "rebuild", "--wait"}), kExitFailure);
  EXPECT_THAT(out(), HasSubstr("FAILED"));
  EXPECT_THAT(out(), HasSubstr("interrupted"));
}

TEST_F(TandemctlMetricsTest, FreshnessShowsFeedsAndTheLatestRebuild) {
  v1::Freshness freshness;
  v1::FeedFreshness& feed = *freshness.add_feeds();
  feed.set_feed("support");
  feed.set_cursor(90);
  feed.set_head_cursor(100);
  feed.set_lag_events(10);
  freshness.mutable_rebuild()->set_state(v1::RollupRebuild::SUCCEEDED);
  freshness.mutable_rebuild()->set_events_replayed(7);
  EXPECT_CALL(stub_, GetFreshness(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(freshness), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"freshness"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("support"), HasSubstr("10"),
                           HasSubstr("Latest rebuild: SUCCEEDED"), HasSubstr("7 events")));
}

TEST_F(TandemctlMetricsTest, DefinitionsShowAreaSegmentsAndOptions) {
  v1::ListMetricDefinitionsResponse page;
  v1::MetricDefinition& frt = *page.add_metric_definitions();
  frt.set_name("metricDefinitions/first_response_time");
  frt.set_version(1);
  frt.set_area("support");
  frt.set_unit("seconds");
  frt.add_segment_dimensions("channel");
  frt.add_segment_dimensions("group");
  v1::MetricOption& hours = *frt.add_options();
  hours.set_name("hours");
  hours.add_allowed_values("calendar");
  hours.add_allowed_values("business");
  EXPECT_CALL(stub_, ListMetricDefinitions(_, _, _))
      .WillOnce(DoAll(SetArgPointee<2>(page), Return(grpc::Status::OK)));
  ASSERT_EQ(Run({"metrics", "definitions"}), kExitOk) << err();
  EXPECT_THAT(out(), AllOf(HasSubstr("AREA"), HasSubstr("support"), HasSubstr("channel,group"),
                           HasSubstr("hours=calendar|business")));
}

// ---- Formatting helpers ---------------------------------------------------------------------

TEST(MetricsFormatTest, SecondsReadAsHoursMinutesAndSeconds) {
  EXPECT_EQ(FormatSeconds(0), "0s");
  EXPECT_EQ(FormatSeconds(45.4), "45s");
  EXPECT_EQ(FormatSeconds(125), "2m 05s");
  EXPECT_EQ(FormatSeconds(4985), "1h 23m 05s");
  EXPECT_EQ(FormatSeconds(2 * 86400 + 3 * 3600 + 600), "2d 03h 10m");
  EXPECT_EQ(FormatSeconds(-90), "-1m 30s");
}

TEST(MetricsFormatTest, NumbersGroupThousandsAndDropTrailingZeros) {
  EXPECT_EQ(FormatNumber(1234), "1,234");
  EXPECT_EQ(FormatNumber(12345.5), "12,345.5");
  EXPECT_EQ(FormatNumber(1234567), "1,234,567");
  EXPECT_EQ(FormatNumber(100.0 / 3), "33.33");
  EXPECT_EQ(FormatNumber(-0.5), "-0.5");
  EXPECT_EQ(FormatNumber(0), "0");
}

TEST(MetricsFormatTest, ValuesCarryTheirUnit) {
  EXPECT_EQ(FormatKpiValue(Value("nps", "score", 20, 2, 10, 10)), "+20.0");
  EXPECT_EQ(FormatKpiValue(Value("arpa", "minor_units", 23333.4, 70000, 3, 3)), "233.33");
  EXPECT_EQ(FormatKpiValue(Value("time_to_value", "days", 12.26, 36.78, 3, 3)), "12.3 days");
  EXPECT_EQ(FormatKpiFraction(Value("mrr", "minor_units", 700, 700, 1, 3)), "-");
  EXPECT_EQ(FormatKpiValue(UndefinedLtv()), "undefined");
  v1::MetricValue approximate = FirstResponse();
  approximate.mutable_durations()->set_exact(false);
  approximate.mutable_durations()->set_relative_error(1.0 / 128);
  EXPECT_THAT(FormatKpiNote(approximate), HasSubstr("±0.78 %"));
  EXPECT_EQ(FormatKpiFraction(FirstResponse()), "5h 33m 20s / 4");
}

TEST(MetricsFormatTest, GrossMarginIsAPercentage) {
  EXPECT_EQ(ParseGrossMargin("80%").value(), 8000);
  EXPECT_EQ(ParseGrossMargin(" 72.5 % ").value(), 7250);
  EXPECT_EQ(ParseGrossMargin("100").value(), 10000);
  EXPECT_EQ(ParseGrossMargin("0.01%").value(), 1);
  for (const char* bad : {"0", "100.01", "120%", "80.123", "-5", "eighty", "", "."}) {
    EXPECT_FALSE(ParseGrossMargin(bad).ok()) << bad;
  }
  EXPECT_EQ(FormatGrossMargin(8000), "80 %");
  EXPECT_EQ(FormatGrossMargin(7250), "72.5 %");
}

TEST(MetricsFormatTest, WindowFlagTakesAPeriodOrTwoDates) {
  EXPECT_EQ(ParseWindowFlag("2026-W41").value().period(), "2026-W41");
  const v1::Window dates = ParseWindowFlag("2026-10-01..2026-10-15").value();
  EXPECT_EQ(dates.start_date(), "2026-10-01");
  EXPECT_EQ(dates.end_date(), "2026-10-15");
  EXPECT_FALSE(ParseWindowFlag("").ok());
  EXPECT_FALSE(ParseWindowFlag("..2026-10-15").ok());
  EXPECT_EQ(FormatWindow(March()), "2026-03 (2026-03-01 .. 2026-04-01)");
  EXPECT_EQ(KpiId("metricDefinitions/csat"), "csat");
  EXPECT_EQ(KpiId("csat"), "csat");
}

}  // namespace
}  // namespace tandem::ctl

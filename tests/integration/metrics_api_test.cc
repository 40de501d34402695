// tandem.metrics.v1 through a real in-process Metrics gRPC server over the
// Metrics harness (real database, real feeds): definitions as data, GetMetric
// for calendar and custom windows and segments, series, the dashboard,
// cohorts, settings, rebuilds and freshness; bad input for every RPC with
// the field named, tenancy and roles.
#include <grpcpp/create_channel.h>

#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "common/server.h"
#include "services/metrics/kpi_catalog.h"
#include "services/metrics/metrics_service.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"
#include "tandem/success/v1/engagement.pb.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem::metrics {
namespace {

using testing::CallRpc;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using testing::ExpectRefused;
using ::testing::HasSubstr;
using testing::TestToken;
using Stub = v1::MetricsService::Stub;
namespace sv1 = tandem::support::v1;
namespace cv1 = tandem::success::v1;

constexpr char kTenant[] = "t1";
constexpr char kOtherTenant[] = "t2";

absl::Time At(int month, int day, int hour = 10) {
  return absl::FromCivil(absl::CivilHour(2026, month, day, hour), absl::UTCTimeZone());
}

v1::Window Period(const std::string& period) {
  v1::Window window;
  window.set_period(period);
  return window;
}

v1::Window Dates(const std::string& start, const std::string& end) {
  v1::Window window;
  window.set_start_date(start);
  window.set_end_date(end);
  return window;
}

v1::GetMetricRequest MetricRequest(const std::string& id, v1::Window window) {
  v1::GetMetricRequest request;
  request.set_metric("metricDefinitions/" + id);
  *request.mutable_window() = std::move(window);
  return request;
}

// Metrics' API served in process over the harness's manager.
class MetricsApiTest : public ::testing::Test {
 protected:
  MetricsApiTest() : service_(auth_.get(), &harness_.manager()) {
    runner_.AddService(&service_);
    EXPECT_OK(runner_.Start());
    stub_ = v1::MetricsService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", runner_.grpc_port()), grpc::InsecureChannelCredentials()));
  }

  // Publishes a ticket created at `created` (open since) on the support feed.
  void CreateTicket(const std::string& tenant, const std::string& id, absl::Time created,
                    sv1::Ticket::Channel channel = sv1::Ticket::EMAIL) {
    sv1::TicketCreated event;
    sv1::Ticket& ticket = *event.mutable_ticket();
    ticket.set_name("tickets/" + id);
    ticket.set_channel(channel);
    ticket.set_priority(sv1::Ticket::NORMAL);
    ticket.set_type(sv1::Ticket::QUESTION);
    ticket.set_status(sv1::Ticket::NEW);
    *ticket.mutable_create_time() = ToProtoTime(created);
    *ticket.mutable_update_time() = ToProtoTime(created);
    ASSERT_OK(harness_.support_feed().Publish(tenant, ticket.name(), event, created).status());
  }

  // Publishes an NPS answer of `contact` on the success feed.
  void RecordNps(const std::string& response, const std::string& contact, int score,
                 absl::Time time) {
    cv1::NpsRecorded event;
    cv1::NpsResponse& answer = *event.mutable_nps_response();
    answer.set_name("accounts/a1/npsResponses/" + response);
    answer.set_contact("accounts/a1/contacts/" + contact);
    answer.set_score(score);
    *answer.mutable_response_time() = ToProtoTime(time);
    const auto category = score >= 9   ? cv1::NpsResponse::PROMOTER
                          : score <= 6 ? cv1::NpsResponse::DETRACTOR
                                       : cv1::NpsResponse::PASSIVE;
    answer.set_category(category);
    event.set_account("accounts/a1");
    event.set_category(category);
    event.set_account_tier(cv1::HIGH_TOUCH);
    ASSERT_OK(harness_.success_feed().Publish(kTenant, answer.name(), event, time).status());
  }

  v1::MetricValue Get(const v1::GetMetricRequest& request, const std::string& tenant = kTenant) {
    v1::MetricValue value;
    const grpc::Status status =
        CallRpc(*stub_, &Stub::GetMetric, request, &value, TestToken(tenant, {"viewer"}));
    EXPECT_TRUE(status.ok()) << request.ShortDebugString() << ": " << status.error_message();
    return value;
  }

  std::string Admin() const { return TestToken(kTenant, {"admin"}); }
  std::string Viewer() const { return TestToken(kTenant, {"viewer"}); }

  testing::MetricsHarness harness_;
  std::unique_ptr<Authenticator> auth_ = testing::TestAuthenticator();
  MetricsServiceImpl service_;
  ServerRunner runner_{ServerOptions{.name = "metrics"}};
  std::unique_ptr<Stub> stub_;
};

// ---- Definitions ------------------------------------------------------------------

// The definitions are stored data: every KPI of the catalog, with its area,
// segments, options and alternatives, listed page by page.
TEST_F(MetricsApiTest, DefinitionsAreListedPageByPageWithTheirOptions) {
  std::vector<std::string> names;
  v1::ListMetricDefinitionsRequest request;
  request.set_page_size(10);
  do {
    v1::ListMetricDefinitionsResponse page;
    ASSERT_TRUE(CallRpc(*stub_, &Stub::ListMetricDefinitions, request, &page, Viewer()).ok());
    for (const v1::MetricDefinition& definition : page.metric_definitions()) {
      names.push_back(definition.name());
      EXPECT_EQ(definition.version(), 1) << definition.name();
      EXPECT_FALSE(definition.description().empty()) << definition.name();
      EXPECT_FALSE(definition.formula().empty()) << definition.name();
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(names.size(), KpiCatalog().size());

  v1::GetMetricDefinitionRequest get;
  get.set_name("metricDefinitions/first_response_time");
  v1::MetricDefinition frt;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetMetricDefinition, get, &frt, Viewer()).ok());
  EXPECT_EQ(frt.area(), "support");
  EXPECT_EQ(frt.unit(), "seconds");
  EXPECT_EQ(frt.good_direction(), v1::MetricDefinition::LOWER_IS_BETTER);
  EXPECT_THAT(frt.segment_dimensions(), ElementsAre("channel", "priority", "type", "group"));
  ASSERT_EQ(frt.options_size(), 1);
  EXPECT_EQ(frt.options(0).name(), "hours");
  EXPECT_THAT(frt.options(0).allowed_values(), ElementsAre("calendar", "business"));
  EXPECT_EQ(frt.options(0).default_value(), "calendar");
  EXPECT_THAT(frt.alternatives(), HasSubstr("Zendesk"));

  get.set_name("metricDefinitions/logo_churn_rate");
  v1::MetricDefinition churn;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetMetricDefinition, get, &churn, Viewer()).ok());
  EXPECT_EQ(churn.options(0).name(), "same_window_churn");
  EXPECT_THAT(churn.alternatives(), HasSubstr("Baremetrics"));
}

// ---- Figures and tenancy -----------------------------------------------------------

// A tenant's figures count only its own events; another tenant sees none
// of them, in GetMetric, the dashboard or a series.
TEST_F(MetricsApiTest, AnotherTenantSeesNothingOfThisTenantsFigures) {
  CreateTicket(kTenant, "a", At(3, 2));
  CreateTicket(kTenant, "b", At(3, 3), sv1::Ticket::CHAT);
  CreateTicket(kTenant, "c", At(3, 20));
  CreateTicket(kOtherTenant, "x", At(3, 2));
  ASSERT_OK(harness_.CatchUp().status());

  EXPECT_EQ(Get(MetricRequest("ticket_volume", Period("2026-03"))).value(), 3);
  EXPECT_EQ(Get(MetricRequest("ticket_volume", Period("2026-03")), kOtherTenant).value(), 1);
  EXPECT_EQ(Get(MetricRequest("ticket_volume", Period("2026-03")), "t3").value(), 0);
  EXPECT_EQ(Get(MetricRequest("backlog", Period("2026-03")), "t3").value(), 0);

  v1::GetDashboardRequest dashboard_request;
  *dashboard_request.mutable_window() = Period("2026-03");
  v1::Dashboard dashboard;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetDashboard, dashboard_request, &dashboard,
                      TestToken("t3", {"agent"}))
                  .ok());
  for (const v1::MetricValue& value : dashboard.support()) {
    if (value.defined()) {
      EXPECT_EQ(value.value(), 0) << value.metric();
    }
  }
}

// Segments cut a figure by the ticket's attributes.
TEST_F(MetricsApiTest, SegmentsCutSupportFiguresByChannel) {
  CreateTicket(kTenant, "a", At(3, 2));
  CreateTicket(kTenant, "b", At(3, 3), sv1::Ticket::CHAT);
  CreateTicket(kTenant, "c", At(3, 4), sv1::Ticket::CHAT);
  ASSERT_OK(harness_.CatchUp().status());
  v1::GetMetricRequest request = MetricRequest("ticket_volume", Period("2026-03"));
  request.mutable_segment()->set_dimension("channel");
  request.mutable_segment()->set_value("CHAT");
  const v1::MetricValue chat = Get(request);
  EXPECT_EQ(chat.value(), 2);
  EXPECT_EQ(chat.segment().value(), "CHAT");
  EXPECT_EQ(chat.metric(), "metricDefinitions/ticket_volume");
  EXPECT_EQ(chat.definition_version(), 1);
  EXPECT_EQ(chat.unit(), "count");
}

// Balances are read at the window's edges: a ticket opened in February is
// still in March's backlog; a custom window ends where it says.
TEST_F(MetricsApiTest, BacklogIsReadAtTheEndOfAnyWindow) {
  CreateTicket(kTenant, "a", At(2, 10));
  CreateTicket(kTenant, "b", At(3, 3));
  ASSERT_OK(harness_.CatchUp().status());
  EXPECT_EQ(Get(MetricRequest("backlog", Period("2026-02"))).value(), 1);
  EXPECT_EQ(Get(MetricRequest("backlog", Period("2026-03"))).value(), 2);
  EXPECT_EQ(Get(MetricRequest("backlog", Dates("2026-02-20", "2026-03-03"))).value(), 1);
  EXPECT_EQ(Get(MetricRequest("backlog", Dates("2026-02-20", "2026-03-04"))).value(), 2);
  EXPECT_EQ(Get(MetricRequest("ticket_volume", Dates("2026-02-10", "2026-03-03"))).value(), 1);
}

// A window that is not a calendar period has no cells of its own: its
// window measures are recomputed by the keepers (NPS counts each contact's
// latest answer in the window), and it answers like a calendar one.
TEST_F(MetricsApiTest, CustomWindowsRecomputeWindowMeasures) {
  RecordNps("r1", "c1", 10, At(3, 3));
  RecordNps("r2", "c2", 9, At(3, 5));
  RecordNps("r3", "c1", 2, At(3, 20));
  ASSERT_OK(harness_.CatchUp().status());
  const v1::MetricValue month = Get(MetricRequest("nps", Period("2026-03")));
  EXPECT_EQ(month.sample_size(), 2);
  EXPECT_EQ(month.value(), 0);  // c1's latest is a detractor, c2 a promoter
  const v1::MetricValue early = Get(MetricRequest("nps", Dates("2026-03-01", "2026-03-11")));
  EXPECT_EQ(early.window().period(), "");
  EXPECT_EQ(early.sample_size(), 2);
  EXPECT_EQ(early.value(), 100);
  const v1::MetricValue late = Get(MetricRequest("nps", Dates("2026-03-15", "2026-04-02")));
  EXPECT_EQ(late.sample_size(), 1);
  EXPECT_EQ(late.value(), -100);
  v1::GetDashboardRequest dashboard_request;
  *dashboard_request.mutable_window() = Dates("2026-03-15", "2026-04-02");
  v1::Dashboard dashboard;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetDashboard, dashboard_request, &dashboard, Viewer()).ok());
  const auto nps = std::find_if(
      dashboard.success().begin(), dashboard.success().end(),
      [](const v1::MetricValue& value) { return value.metric() == "metricDefinitions/nps"; });
  ASSERT_NE(nps, dashboard.success().end());
  EXPECT_EQ(nps->value(), -100);
}

// The dashboard has every KPI but cohort retention, support then success,
// in definition order, each with its window and version.
TEST_F(MetricsApiTest, DashboardReturnsEveryKpiInDefinitionOrder) {
  CreateTicket(kTenant, "a", At(3, 2));
  ASSERT_OK(harness_.CatchUp().status());
  v1::GetDashboardRequest request;
  *request.mutable_window() = Period("2026-03");
  v1::Dashboard dashboard;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetDashboard, request, &dashboard, Viewer()).ok());
  std::vector<std::string> support, success, got_support, got_success;
  for (const KpiDefinition& kpi : KpiCatalog()) {
    if (!kpi.on_dashboard) continue;
    (kpi.area == "support" ? support : success).push_back("metricDefinitions/" + kpi.id);
  }
  for (const v1::MetricValue& value : dashboard.support()) {
    got_support.push_back(value.metric());
    EXPECT_EQ(value.definition_version(), 1);
    EXPECT_EQ(value.window().start_date(), "2026-03-01");
  }
  for (const v1::MetricValue& value : dashboard.success()) got_success.push_back(value.metric());
  EXPECT_THAT(got_support, ElementsAreArray(support));
  EXPECT_THAT(got_success, ElementsAreArray(success));
  EXPECT_EQ(dashboard.window().period(), "2026-03");
  EXPECT_EQ(dashboard.window().end_date(), "2026-04-01");
  EXPECT_EQ(FromProtoTime(dashboard.window().start_time()), At(3, 1, 0));
  EXPECT_EQ(dashboard.support(5).value(), 1);  // ticket_volume
  // Options in force are reported, defaults included.
  EXPECT_EQ(dashboard.support(0).options().at("hours"), "calendar");
}

// Windows follow the tenant's time zone: a ticket created at 23:30 UTC on
// 31 March is April's in Paris.
TEST_F(MetricsApiTest, WindowsFollowTheTenantsTimeZone) {
  ASSERT_OK(harness_.SetTimeZone(kTenant, "Europe/Paris"));
  CreateTicket(kTenant, "late",
               absl::FromCivil(absl::CivilMinute(2026, 3, 31, 23, 30), absl::UTCTimeZone()));
  ASSERT_OK(harness_.CatchUp().status());
  EXPECT_EQ(Get(MetricRequest("ticket_volume", Period("2026-03"))).value(), 0);
  const v1::MetricValue april = Get(MetricRequest("ticket_volume", Period("2026-04")));
  EXPECT_EQ(april.value(), 1);
  // 1 April 00:00 in Paris (summer time) is 31 March 22:00 UTC.
  EXPECT_EQ(FromProtoTime(april.window().start_time()),
            absl::FromCivil(absl::CivilHour(2026, 3, 31, 22), absl::UTCTimeZone()));
}

// ---- Series ---------------------------------------------------------------------------

TEST_F(MetricsApiTest, SeriesHasOnePointPerDayWeekOrMonth) {
  CreateTicket(kTenant, "a", At(3, 2));
  CreateTicket(kTenant, "b", At(3, 2));
  CreateTicket(kTenant, "c", At(3, 4));
  CreateTicket(kTenant, "d", At(3, 10));
  CreateTicket(kTenant, "e", At(1, 15));
  ASSERT_OK(harness_.CatchUp().status());
  const auto series = [&](const std::string& metric, v1::Window window,
                          v1::GetMetricSeriesRequest::Granularity granularity) {
    v1::GetMetricSeriesRequest request;
    request.set_metric("metricDefinitions/" + metric);
    *request.mutable_window() = std::move(window);
    request.set_granularity(granularity);
    v1::MetricSeries answer;
    const grpc::Status status = CallRpc(*stub_, &Stub::GetMetricSeries, request, &answer, Viewer());
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::pair<std::string, double>> points;
    for (const v1::MetricValue& point : answer.points()) {
      points.emplace_back(point.window().period(), point.value());
    }
    return points;
  };
  using P = std::pair<std::string, double>;
  EXPECT_THAT(
      series("ticket_volume", Dates("2026-03-01", "2026-03-05"), v1::GetMetricSeriesRequest::DAY),
      ElementsAre(P{"2026-03-01", 0}, P{"2026-03-02", 2}, P{"2026-03-03", 0}, P{"2026-03-04", 1}));
  // 2 March 2026 is a Monday.
  EXPECT_THAT(
      series("ticket_volume", Dates("2026-03-02", "2026-03-16"), v1::GetMetricSeriesRequest::WEEK),
      ElementsAre(P{"2026-W10", 3}, P{"2026-W11", 1}));
  EXPECT_THAT(series("ticket_volume", Period("2026-Q1"), v1::GetMetricSeriesRequest::MONTH),
              ElementsAre(P{"2026-01", 1}, P{"2026-02", 0}, P{"2026-03", 4}));
  // Balances carry from point to point.
  EXPECT_THAT(series("backlog", Period("2026-Q1"), v1::GetMetricSeriesRequest::MONTH),
              ElementsAre(P{"2026-01", 1}, P{"2026-02", 1}, P{"2026-03", 5}));
  EXPECT_THAT(
      series("backlog", Dates("2026-03-02", "2026-03-16"), v1::GetMetricSeriesRequest::WEEK),
      ElementsAre(P{"2026-W10", 4}, P{"2026-W11", 5}));
}

// ---- Cohorts -------------------------------------------------------------------------

// Months without a new customer are reported with size 0, each with a
// point per month through `through_month`.
TEST_F(MetricsApiTest, CohortRetentionFillsMonthsWithoutCohorts) {
  v1::GetCohortRetentionRequest request;
  request.set_start_month("2026-01");
  request.set_end_month("2026-03");
  request.set_through_month("2026-04");
  v1::CohortRetention retention;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetCohortRetention, request, &retention, Viewer()).ok());
  EXPECT_EQ(retention.definition_version(), 1);
  ASSERT_EQ(retention.cohorts_size(), 3);
  EXPECT_EQ(retention.cohorts(0).month(), "2026-01");
  EXPECT_EQ(retention.cohorts(0).customers(), 0);
  EXPECT_EQ(retention.cohorts(0).points_size(), 4);
  EXPECT_EQ(retention.cohorts(2).points_size(), 2);
  EXPECT_EQ(retention.cohorts(2).points(1).month(), "2026-04");
  EXPECT_EQ(retention.cohorts(2).points(1).months_since_start(), 1);
}

// ---- Settings, rebuilds, freshness -------------------------------------------------------

// Settings are read by anyone, changed by admins with an etag; a stale etag
// is ABORTED.
TEST_F(MetricsApiTest, SettingsUpdateHonoursTheEtag) {
  v1::MetricSettings initial;
  ASSERT_TRUE(
      CallRpc(*stub_, &Stub::GetMetricSettings, v1::GetMetricSettingsRequest(), &initial, Viewer())
          .ok());
  EXPECT_EQ(initial.time_zone(), "UTC");
  EXPECT_EQ(initial.gross_margin_basis_points(), 10000);

  v1::UpdateMetricSettingsRequest update;
  update.mutable_settings()->set_gross_margin_basis_points(8000);
  update.mutable_update_mask()->add_paths("gross_margin_basis_points");
  v1::MetricSettings changed;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::UpdateMetricSettings, update, &changed, Admin()).ok());
  EXPECT_EQ(changed.gross_margin_basis_points(), 8000);
  EXPECT_FALSE(changed.etag().empty());

  update.mutable_settings()->set_etag(changed.etag());
  update.mutable_settings()->set_gross_margin_basis_points(7000);
  v1::MetricSettings again;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::UpdateMetricSettings, update, &again, Admin()).ok());
  // The first answer's etag is stale now.
  ExpectRefused(*stub_, &Stub::UpdateMetricSettings, update, grpc::StatusCode::ABORTED, "",
                Admin());
}

// Settings and rebuilds change every figure of a tenant: admins only.
TEST_F(MetricsApiTest, AdminOnlyRpcsRefuseOtherRoles) {
  v1::UpdateMetricSettingsRequest update;
  update.mutable_settings()->set_gross_margin_basis_points(8000);
  update.mutable_update_mask()->add_paths("gross_margin_basis_points");
  for (const char* role : {"viewer", "agent", "csm", "service"}) {
    const std::string token = TestToken(kTenant, {role});
    ExpectRefused(*stub_, &Stub::UpdateMetricSettings, update, grpc::StatusCode::PERMISSION_DENIED,
                  "", token);
    ExpectRefused(*stub_, &Stub::RebuildRollups, v1::RebuildRollupsRequest(),
                  grpc::StatusCode::PERMISSION_DENIED, "", token);
  }
  ExpectRefused(*stub_, &Stub::GetDashboard, v1::GetDashboardRequest(),
                grpc::StatusCode::UNAUTHENTICATED, "", "");
}

// A rebuild started through the API shows in the tenant's freshness, and
// leaves the figures as they were.
TEST_F(MetricsApiTest, RebuildShowsInFreshnessAndKeepsFigures) {
  CreateTicket(kTenant, "a", At(3, 2));
  ASSERT_OK(harness_.CatchUp().status());
  v1::Freshness before;
  ASSERT_TRUE(
      CallRpc(*stub_, &Stub::GetFreshness, v1::GetFreshnessRequest(), &before, Viewer()).ok());
  EXPECT_FALSE(before.has_rebuild());
  ASSERT_EQ(before.feeds_size(), 2);
  EXPECT_EQ(before.feeds(0).feed(), "support");
  EXPECT_EQ(before.feeds(0).lag_events(), 0);

  v1::RollupRebuild started;
  ASSERT_TRUE(
      CallRpc(*stub_, &Stub::RebuildRollups, v1::RebuildRollupsRequest(), &started, Admin()).ok());
  EXPECT_EQ(started.state(), v1::RollupRebuild::RUNNING);
  harness_.rebuilds().WaitIdle();
  v1::Freshness after;
  ASSERT_TRUE(
      CallRpc(*stub_, &Stub::GetFreshness, v1::GetFreshnessRequest(), &after, Viewer()).ok());
  EXPECT_EQ(after.rebuild().state(), v1::RollupRebuild::SUCCEEDED) << after.rebuild().error();
  EXPECT_EQ(after.rebuild().events_replayed(), 1);
  // Another tenant has no rebuild of its own.
  v1::Freshness other;
  ASSERT_TRUE(CallRpc(*stub_, &Stub::GetFreshness, v1::GetFreshnessRequest(), &other,
                      TestToken(kOtherTenant, {"viewer"}))
                  .ok());
  EXPECT_FALSE(other.has_rebuild());
  EXPECT_EQ(Get(MetricRequest("ticket_volume", Period("2026-03"))).value(), 1);
}

// A feed's last error may quote another tenant's data: tenants see a
// generic text, services the message.
TEST_F(MetricsApiTest, FreshnessShowsTheFeedErrorOnlyToServices) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, harness_.pool().Acquire());
    ASSERT_OK(db->Execute("INSERT IGNORE INTO consumer_cursors (feed, cursor_pos, head_cursor) "
                          "VALUES ('support', 0, 0)")
                  .status());
    ASSERT_OK(db->Execute("UPDATE consumer_cursors SET last_error = ? WHERE feed = 'support'",
                          {std::string("Duplicate entry 'other-tenant-secret' for key")})
                  .status());
  }
  const auto support_error = [&](const std::string& token) {
    v1::Freshness freshness;
    EXPECT_TRUE(
        CallRpc(*stub_, &Stub::GetFreshness, v1::GetFreshnessRequest(), &freshness, token).ok());
    for (const v1::FeedFreshness& feed : freshness.feeds()) {
      if (feed.feed() == "support") return feed.last_error();
    }
    return std::string("no support feed");
  };
  EXPECT_EQ(support_error(Viewer()), "the last poll failed; see the server log");
  EXPECT_EQ(support_error(Admin()), "the last poll failed; see the server log");
  EXPECT_EQ(support_error(TestToken(kTenant, {"service"})),
            "Duplicate entry 'other-tenant-secret' for key");
}

// ---- Bad input ---------------------------------------------------------------------------

TEST_F(MetricsApiTest, GetMetricRefusesBadInputNamingTheField) {
  const auto refused = [&](const v1::GetMetricRequest& request, grpc::StatusCode code,
                           const std::string& field) {
    ExpectRefused(*stub_, &Stub::GetMetric, request, code, field, Viewer());
  };
  refused(MetricRequest("csat", v1::Window()), grpc::StatusCode::INVALID_ARGUMENT, "window.period");
  v1::GetMetricRequest no_metric = MetricRequest("csat", Period("2026-03"));
  no_metric.clear_metric();
  refused(no_metric, grpc::StatusCode::INVALID_ARGUMENT, "metric");
  no_metric.set_metric("csat");
  refused(no_metric, grpc::StatusCode::INVALID_ARGUMENT, "metric");
  refused(MetricRequest("happiness", Period("2026-03")), grpc::StatusCode::NOT_FOUND, "");
  refused(MetricRequest("cohort_retention", Period("2026-03")), grpc::StatusCode::INVALID_ARGUMENT,
          "metric");
  refused(MetricRequest("csat", Period("2026-13")), grpc::StatusCode::INVALID_ARGUMENT,
          "window.period");
  refused(MetricRequest("csat", Dates("2026-03-10", "2026-03-01")),
          grpc::StatusCode::INVALID_ARGUMENT, "window.end_date");
  refused(MetricRequest("csat", Dates("2026-03-10", "")), grpc::StatusCode::INVALID_ARGUMENT,
          "window.end_date");

  v1::GetMetricRequest wrong_segment = MetricRequest("csat", Period("2026-03"));
  wrong_segment.mutable_segment()->set_dimension("tier");
  wrong_segment.mutable_segment()->set_value("HIGH_TOUCH");
  refused(wrong_segment, grpc::StatusCode::INVALID_ARGUMENT, "segment.dimension");
  v1::GetMetricRequest no_value = MetricRequest("nrr", Period("2026-03"));
  no_value.mutable_segment()->set_dimension("tier");
  refused(no_value, grpc::StatusCode::INVALID_ARGUMENT, "segment.value");
  v1::GetMetricRequest self_service = MetricRequest("self_service_ratio", Period("2026-03"));
  self_service.mutable_segment()->set_dimension("channel");
  self_service.mutable_segment()->set_value("EMAIL");
  refused(self_service, grpc::StatusCode::INVALID_ARGUMENT, "segment.dimension");

  v1::GetMetricRequest unknown_option = MetricRequest("csat", Period("2026-03"));
  (*unknown_option.mutable_options())["hours"] = "business";
  refused(unknown_option, grpc::StatusCode::INVALID_ARGUMENT, "options");
  v1::GetMetricRequest bad_value = MetricRequest("first_response_time", Period("2026-03"));
  (*bad_value.mutable_options())["hours"] = "office";
  refused(bad_value, grpc::StatusCode::INVALID_ARGUMENT, "options.hours");
  v1::GetMetricRequest no_feature = MetricRequest("product_adoption", Period("2026-03"));
  (*no_feature.mutable_options())["feature"] = "export";
  refused(no_feature, grpc::StatusCode::INVALID_ARGUMENT, "options.feature");

  // The message lists the values a caller could use.
  v1::MetricValue ignored;
  const grpc::Status status = CallRpc(*stub_, &Stub::GetMetric, bad_value, &ignored, Viewer());
  EXPECT_THAT(status.error_message(), HasSubstr("calendar, business"));
  const grpc::Status missing = CallRpc(
      *stub_, &Stub::GetMetric, MetricRequest("happiness", Period("2026-03")), &ignored, Viewer());
  EXPECT_THAT(missing.error_message(), HasSubstr("metricDefinitions/happiness"));
}

TEST_F(MetricsApiTest, SeriesRefusesMisalignedOrLongWindows) {
  const auto refused = [&](const std::string& metric, v1::Window window,
                           v1::GetMetricSeriesRequest::Granularity granularity,
                           const std::string& field) {
    v1::GetMetricSeriesRequest request;
    request.set_metric("metricDefinitions/" + metric);
    *request.mutable_window() = std::move(window);
    request.set_granularity(granularity);
    ExpectRefused(*stub_, &Stub::GetMetricSeries, request, grpc::StatusCode::INVALID_ARGUMENT,
                  field, Viewer());
  };
  refused("csat", Period("2026-03"), v1::GetMetricSeriesRequest::GRANULARITY_UNSPECIFIED,
          "granularity");
  // March 2026 starts on a Sunday: no whole weeks.
  refused("csat", Period("2026-03"), v1::GetMetricSeriesRequest::WEEK, "window");
  refused("csat", Dates("2026-03-02", "2026-04-15"), v1::GetMetricSeriesRequest::MONTH, "window");
  refused("csat", Dates("2025-01-01", "2026-03-01"), v1::GetMetricSeriesRequest::DAY, "window");
  refused("csat", v1::Window(), v1::GetMetricSeriesRequest::DAY, "window.period");
  v1::GetMetricSeriesRequest unknown;
  unknown.set_metric("metricDefinitions/happiness");
  *unknown.mutable_window() = Period("2026");
  unknown.set_granularity(v1::GetMetricSeriesRequest::MONTH);
  ExpectRefused(*stub_, &Stub::GetMetricSeries, unknown, grpc::StatusCode::NOT_FOUND, "", Viewer());
}

TEST_F(MetricsApiTest, OtherRpcsRefuseBadInputNamingTheField) {
  v1::GetMetricDefinitionRequest definition;
  definition.set_name("csat");
  ExpectRefused(*stub_, &Stub::GetMetricDefinition, definition, grpc::StatusCode::INVALID_ARGUMENT,
                "name", Viewer());
  definition.set_name("metricDefinitions/happiness");
  ExpectRefused(*stub_, &Stub::GetMetricDefinition, definition, grpc::StatusCode::NOT_FOUND, "",
                Viewer());

  v1::ListMetricDefinitionsRequest list;
  list.set_page_size(-1);
  ExpectRefused(*stub_, &Stub::ListMetricDefinitions, list, grpc::StatusCode::INVALID_ARGUMENT,
                "page_size", Viewer());
  list.set_page_size(0);
  list.set_page_token("forged");
  ExpectRefused(*stub_, &Stub::ListMetricDefinitions, list, grpc::StatusCode::INVALID_ARGUMENT,
                "page_token", Viewer());

  v1::GetDashboardRequest dashboard;
  ExpectRefused(*stub_, &Stub::GetDashboard, dashboard, grpc::StatusCode::INVALID_ARGUMENT,
                "window.period", Viewer());
  *dashboard.mutable_window() = Period("2026-W54");
  ExpectRefused(*stub_, &Stub::GetDashboard, dashboard, grpc::StatusCode::INVALID_ARGUMENT,
                "window.period", Viewer());

  v1::GetCohortRetentionRequest cohorts;
  cohorts.set_end_month("2026-03");
  ExpectRefused(*stub_, &Stub::GetCohortRetention, cohorts, grpc::StatusCode::INVALID_ARGUMENT,
                "start_month", Viewer());
  cohorts.set_start_month("2026-04");
  ExpectRefused(*stub_, &Stub::GetCohortRetention, cohorts, grpc::StatusCode::INVALID_ARGUMENT,
                "end_month", Viewer());
  cohorts.set_start_month("2020-01");
  ExpectRefused(*stub_, &Stub::GetCohortRetention, cohorts, grpc::StatusCode::INVALID_ARGUMENT,
                "end_month", Viewer());
  cohorts.set_start_month("2026-01");
  cohorts.set_through_month("March");
  ExpectRefused(*stub_, &Stub::GetCohortRetention, cohorts, grpc::StatusCode::INVALID_ARGUMENT,
                "through_month", Viewer());

  const auto settings_refused = [&](v1::UpdateMetricSettingsRequest request,
                                    const std::string& field) {
    ExpectRefused(*stub_, &Stub::UpdateMetricSettings, request, grpc::StatusCode::INVALID_ARGUMENT,
                  field, Admin());
  };
  v1::UpdateMetricSettingsRequest update;
  update.mutable_settings()->set_time_zone("Europe/Paris");
  settings_refused(update, "update_mask");
  update.mutable_update_mask()->add_paths("etag");
  settings_refused(update, "update_mask");
  update.mutable_update_mask()->set_paths(0, "time_zone");
  update.mutable_settings()->set_time_zone("Mars/Olympus_Mons");
  settings_refused(update, "settings.time_zone");
  update.mutable_settings()->set_time_zone("");
  settings_refused(update, "settings.time_zone");
  update.mutable_update_mask()->set_paths(0, "gross_margin_basis_points");
  update.mutable_settings()->set_gross_margin_basis_points(0);
  settings_refused(update, "settings.gross_margin_basis_points");
  update.mutable_settings()->set_gross_margin_basis_points(10001);
  settings_refused(update, "settings.gross_margin_basis_points");
}

}  // namespace
}  // namespace tandem::metrics

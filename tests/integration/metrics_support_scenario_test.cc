// A support scenario with answers computed by hand, through a real Support
// server: ten tickets imported with their exact history (replies, solves,
// a reopen by a customer's reply, a pending stretch, ratings) under a 24x7
// SLA policy, two of them escalated live, consumed by Metrics from
// Support's own outbox. Every support KPI for the window is checked to the
// second against the computation written out below, through GetMetric and
// through GetDashboard.
#include <grpcpp/create_channel.h>

#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "services/metrics/calendar.h"
#include "tandem/support/v1/sla.grpc.pb.h"
#include "tandem/support/v1/support_service.grpc.pb.h"
#include "tests/testing/grpc_calls.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem::testing {
namespace {

namespace sv1 = tandem::support::v1;
namespace mv1 = tandem::metrics::v1;

constexpr char kTenant[] = "scenario";
constexpr char kZone[] = "Asia/Tokyo";

// THE SCENARIO. Day 1 (d1) is 14 days before today in Tokyo; times are
// Tokyo time. One SLA policy for every ticket, around the clock: first
// response 1 h, next response 2 h, resolution 24 h (business time: the
// clock pauses while PENDING). The window is [d1, tomorrow).
//
//  T1  EMAIL  created d1 09:00; agent 09:20; solved 10:00; rated 5 at 12:00.
//  T2  EMAIL  created d1 10:00; agent 12:00; customer 13:00; agent 14:00;
//             solved 15:00; rated 2 at 16:00.
//  T3  CHAT   created d2 09:00; agent 09:05; solved 09:30; customer 10:00
//             (reopens it); agent 11:00; solved 11:30; rated 4 at 12:00.
//  T4  PHONE  created d2 14:00; agent 15:30; PENDING 16:00; OPEN d3 16:00;
//             solved d3 18:00; rated 3 at 19:00.
//  T5  WEB    created d3 09:00; agent 09:40; open; escalated today.
//  T6  WEB    created d3 10:00; no reply; solved d4 12:00.
//  T7  EMAIL  created d4 09:00; agent 09:10; customer 10:00; solved 13:00.
//  T8  CHAT   created d5 09:00; internal note 09:10; agent 09:50; open;
//             escalated today.
//  T9  EMAIL  created d5 11:00; nothing since.
//  T10 PHONE  created d6 09:00; agent 09:30; solved 10:00; customer 11:00
//             (reopens it); open.
//
// First response time (first public agent reply - creation), 8 tickets
// (T6 and T9 have none; T8's internal note does not count):
//   T3 5m, T7 10m, T1 20m, T10 30m, T5 40m, T8 50m, T4 1h30m, T2 2h
//   sorted (s): 300 600 1200 1800 2400 3000 5400 7200
//   median: h = 7 x 0.5 = 3.5 -> 1800 + 0.5 x (2400 - 1800) = 2100 s (35m)
//   mean:   21900 / 8 = 2737.5 s
//   p90:    h = 7 x 0.9 = 6.3 -> 5400 + 0.3 x (7200 - 5400) = 5940 s (1h39m)
//   In business time (FIRST_RESPONSE fulfilled, no pause before a reply)
//   the same eight values.
// Full resolution (last solve - creation) of the tickets solved now, 6
// (T10 was reopened and is open again; T5, T8, T9 never solved):
//   T1 1h, T3 2h30m, T7 4h, T2 5h, T6 26h, T4 28h
//   sorted (s): 3600 9000 14400 18000 93600 100800
//   median: h = 2.5 -> 14400 + 0.5 x 3600 = 16200 s (4h30m)
//   mean:   239400 / 6 = 39900 s
//   p90:    h = 5 x 0.9 = 4.5 -> 93600 + 0.5 x 7200 = 97200 s (27h)
//   In business time (the RESOLUTION clock): T4 4h (24 h PENDING not
//   counted), T3 2h (the 30 min it stayed SOLVED not counted), others the
//   same: 3600 7200 14400 14400 18000 93600
//   median 14400 s; mean 151200 / 6 = 25200 s;
//   p90: h = 4.5 -> 18000 + 0.5 x (93600 - 18000) = 55800 s.
// First resolution (first solve - creation), 7 (T10 counts, at its solve):
//   T3 30m, T1 1h, T10 1h, T7 4h, T2 5h, T6 26h, T4 28h
//   sorted (s): 1800 3600 3600 14400 18000 93600 100800
//   median: h = 3 -> 14400 s; mean 235800 / 7 s;
//   p90: h = 5.4 -> 93600 + 0.4 x 7200 = 96480 s.
// CSAT: ratings 5, 2, 4, 3 -> satisfied (4-5) 2 of 4 = 50 %.
// FCR: solved now 6 (T1 T2 T3 T4 T6 T7); one public agent reply and never
//   reopened: T1, T4, T7 (T2 has two, T3 was reopened, T6 none) -> 3/6 = 50 %.
// Volume: 10 (EMAIL 4: T1 T2 T7 T9; CHAT 2; PHONE 2; WEB 2).
// Backlog at the window's end: T5, T8, T9, T10 = 4 (EMAIL: T9 = 1).
// SLA first response: due 9 (T9's is still running), met 6 (T1 T3 T5 T7 T8
//   T10); missed T2 (2 h), T4 (1h30m) and T6 (solved after 26 h without a
//   reply: its target passed while it ran) -> 66.67 %.
// SLA next response: cycles T2 (13:00, answered 14:00: met), T3 (10:00,
//   answered 11:00: met), T7 (10:00, unanswered when solved at 13:00: missed
//   at 12:00); T10's (d6 11:00) still runs -> 2/3 = 66.67 %.
// SLA resolution: T1 T2 T3 T4 T7 met, T6 missed (26 h); T10 reopened runs
//   again -> 5/6 = 83.33 %.
// SLA targets count when they come DUE (met or missed), not when met. Every
//   met or missed target above is due before the window's end, so the whole
//   window's figures are as above. Day d2 alone shows the difference:
//   resolution targets due on d2: T1 (d1 09:00 + 24 h = d2 09:00, met d1
//   10:00) and T2 (d2 10:00, met d1 15:00) -> 2/2; T3 was met on d2 11:30
//   but is due on d3 (09:00 + 24 h + the 30 min it stayed SOLVED), so it is
//   not counted on d2 (counting at fulfilment would give 1/1).
//   First response due on d2: T3 (10:00, met 09:05), T4 (15:00, missed)
//   -> 1/2.
// Escalation: T5 and T8 escalated in the window, of 10 created -> 20 %.
// Reopen: tickets reopened in the window ÷ tickets solved in the window,
//   each ticket once: reopened {T3 (d2 10:00), T10 (d6 11:00)} = 2; solved
//   {T1, T2, T3 (twice, counted once), T4, T6, T7, T10} = 7 -> 2/7 =
//   28.571 %. (Counting events would give 2 reopens / 8 solves = 25 %.)
//   Day d2 alone: T3 solved 09:30 and 11:30 and reopened 10:00 -> 1/1 =
//   100 % (events: 1/2).
class MetricsSupportScenarioTest : public ::testing::Test {
 protected:
  MetricsSupportScenarioTest()
      // No ticket names an account, so Support never calls Success.
      : support_("127.0.0.1:1"), harness_(MetricsFeedSource::Of(support_), MetricsFeedSource{}) {
    const std::string address = absl::StrCat("127.0.0.1:", support_.runner.grpc_port());
    tickets_ = sv1::SupportService::NewStub(
        grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    sla_ =
        sv1::SlaService::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
    EXPECT_TRUE(absl::LoadTimeZone(kZone, &zone_));
    today_ = absl::ToCivilDay(absl::Now(), zone_);
    d1_ = today_ - 14;
  }

  // `hh:mm` on day `day` (1 = d1), Tokyo time.
  absl::Time At(int day, int hour, int minute = 0) const {
    return absl::FromCivil(
        absl::CivilMinute(d1_.year(), d1_.month(), d1_.day(), hour, minute) + (day - 1) * 24 * 60,
        zone_);
  }

  void CreatePolicy() {
    sv1::CreateSlaPolicyRequest request;
    sv1::SlaPolicy& policy = *request.mutable_sla_policy();
    policy.set_display_name("Everything, around the clock");
    *policy.mutable_first_response_target() = ToProtoDuration(absl::Hours(1));
    *policy.mutable_next_response_target() = ToProtoDuration(absl::Hours(2));
    *policy.mutable_resolution_target() = ToProtoDuration(absl::Hours(24));
    sv1::SlaPolicy created;
    const grpc::Status status = CallRpc(*sla_, &sv1::SlaService::Stub::CreateSlaPolicy, request,
                                        &created, TestToken(kTenant, {"admin"}));
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  // A ticket's history for ImportTicket.
  struct History {
    sv1::ImportTicketRequest request;

    History(const std::string& id, sv1::Ticket::Channel channel, absl::Time created) {
      request.set_external_id(id);
      request.mutable_ticket()->set_subject("Ticket " + id);
      request.mutable_ticket()->set_channel(channel);
      *request.mutable_ticket()->mutable_create_time() = ToProtoTime(created);
    }
    History& Message(sv1::Message::AuthorType author, absl::Time at, bool internal = false) {
      sv1::Message& message = *request.add_messages();
      message.set_author_type(author);
      message.set_internal(internal);
      message.set_body("text");
      *message.mutable_create_time() = ToProtoTime(at);
      return *this;
    }
    History& Agent(absl::Time at) { return Message(sv1::Message::AGENT, at); }
    History& Customer(absl::Time at) { return Message(sv1::Message::CUSTOMER, at); }
    History& Status(sv1::Ticket::Status status, absl::Time at) {
      sv1::ImportedStatusChange& change = *request.add_status_changes();
      change.set_status(status);
      *change.mutable_change_time() = ToProtoTime(at);
      return *this;
    }
    History& Rate(int score, absl::Time at) {
      request.mutable_rating()->set_score(score);
      *request.mutable_rating()->mutable_rate_time() = ToProtoTime(at);
      return *this;
    }
  };

  sv1::Ticket Import(const History& history) {
    sv1::Ticket ticket;
    const grpc::Status status = CallRpc(*tickets_, &sv1::SupportService::Stub::ImportTicket,
                                        history.request, &ticket, TestToken(kTenant, {"admin"}));
    EXPECT_TRUE(status.ok()) << history.request.external_id() << ": " << status.error_message();
    return ticket;
  }

  void Escalate(const sv1::Ticket& ticket) {
    sv1::EscalateTicketRequest request;
    request.set_name(ticket.name());
    request.set_reason("needs tier 2");
    sv1::Ticket escalated;
    const grpc::Status status = CallRpc(*tickets_, &sv1::SupportService::Stub::EscalateTicket,
                                        request, &escalated, TestToken(kTenant, {"agent"}));
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  mv1::Window ScenarioWindow() const {
    mv1::Window window;
    window.set_start_date(metrics::FormatDate(d1_));
    window.set_end_date(metrics::FormatDate(today_ + 1));
    return window;
  }

  mv1::MetricValue Metric(const std::string& id, const std::string& hours = "",
                          const std::string& dimension = "", const std::string& value = "") {
    return MetricIn(ScenarioWindow(), id, hours, dimension, value);
  }

  // The metric for day `day` alone (a calendar period: read from rollups).
  mv1::MetricValue MetricOnDay(const std::string& id, int day) {
    mv1::Window window;
    window.set_start_date(metrics::FormatDate(d1_ + (day - 1)));
    window.set_end_date(metrics::FormatDate(d1_ + day));
    return MetricIn(window, id);
  }

  mv1::MetricValue MetricIn(const mv1::Window& window, const std::string& id,
                            const std::string& hours = "", const std::string& dimension = "",
                            const std::string& value = "") {
    mv1::GetMetricRequest request;
    request.set_metric("metricDefinitions/" + id);
    *request.mutable_window() = window;
    request.mutable_segment()->set_dimension(dimension);
    request.mutable_segment()->set_value(value);
    if (!hours.empty()) (*request.mutable_options())["hours"] = hours;
    absl::StatusOr<mv1::MetricValue> got =
        harness_.manager().GetMetric(harness_.Caller(kTenant), request, harness_.Deadline());
    EXPECT_OK(got.status());
    return got.ok() ? *got : mv1::MetricValue();
  }

  // Seconds of a proto duration.
  static double Seconds(const google::protobuf::Duration& d) {
    return static_cast<double>(d.seconds()) + static_cast<double>(d.nanos()) / 1e9;
  }

  // Expects exact duration statistics (seconds).
  static void ExpectDurations(const mv1::MetricValue& value, int64_t count, double median,
                              double mean, double p90) {
    SCOPED_TRACE(value.metric());
    EXPECT_TRUE(value.defined()) << value.undefined_reason();
    EXPECT_EQ(value.sample_size(), count);
    EXPECT_TRUE(value.durations().exact());
    EXPECT_DOUBLE_EQ(Seconds(value.durations().median()), median);
    EXPECT_NEAR(Seconds(value.durations().mean()), mean, 1e-6);
    EXPECT_DOUBLE_EQ(Seconds(value.durations().p90()), p90);
    EXPECT_DOUBLE_EQ(value.value(), median);
  }

  static void ExpectRatio(const mv1::MetricValue& value, double numerator, double denominator,
                          double expected) {
    SCOPED_TRACE(value.metric());
    EXPECT_TRUE(value.defined()) << value.undefined_reason();
    EXPECT_DOUBLE_EQ(value.numerator(), numerator);
    EXPECT_DOUBLE_EQ(value.denominator(), denominator);
    EXPECT_NEAR(value.value(), expected, 1e-9);
  }

  SupportServer support_;
  MetricsHarness harness_;
  std::unique_ptr<sv1::SupportService::Stub> tickets_;
  std::unique_ptr<sv1::SlaService::Stub> sla_;
  absl::TimeZone zone_;
  absl::CivilDay today_;
  absl::CivilDay d1_;
};

TEST_F(MetricsSupportScenarioTest, HandComputedKpisThroughARealSupportServer) {
  ASSERT_OK(harness_.SetTimeZone(kTenant, kZone));
  CreatePolicy();
  using sv1::Ticket;
  Import(History("T1", Ticket::EMAIL, At(1, 9))
             .Agent(At(1, 9, 20))
             .Status(Ticket::SOLVED, At(1, 10))
             .Rate(5, At(1, 12)));
  Import(History("T2", Ticket::EMAIL, At(1, 10))
             .Agent(At(1, 12))
             .Customer(At(1, 13))
             .Agent(At(1, 14))
             .Status(Ticket::SOLVED, At(1, 15))
             .Rate(2, At(1, 16)));
  Import(History("T3", Ticket::CHAT, At(2, 9))
             .Agent(At(2, 9, 5))
             .Status(Ticket::SOLVED, At(2, 9, 30))
             .Customer(At(2, 10))
             .Agent(At(2, 11))
             .Status(Ticket::SOLVED, At(2, 11, 30))
             .Rate(4, At(2, 12)));
  Import(History("T4", Ticket::PHONE, At(2, 14))
             .Agent(At(2, 15, 30))
             .Status(Ticket::PENDING, At(2, 16))
             .Status(Ticket::OPEN, At(3, 16))
             .Status(Ticket::SOLVED, At(3, 18))
             .Rate(3, At(3, 19)));
  const Ticket t5 = Import(History("T5", Ticket::WEB, At(3, 9)).Agent(At(3, 9, 40)));
  Import(History("T6", Ticket::WEB, At(3, 10)).Status(Ticket::SOLVED, At(4, 12)));
  Import(History("T7", Ticket::EMAIL, At(4, 9))
             .Agent(At(4, 9, 10))
             .Customer(At(4, 10))
             .Status(Ticket::SOLVED, At(4, 13)));
  const Ticket t8 = Import(History("T8", Ticket::CHAT, At(5, 9))
                               .Message(sv1::Message::AGENT, At(5, 9, 10), /*internal=*/true)
                               .Agent(At(5, 9, 50)));
  Import(History("T9", Ticket::EMAIL, At(5, 11)));
  Import(History("T10", Ticket::PHONE, At(6, 9))
             .Agent(At(6, 9, 30))
             .Status(Ticket::SOLVED, At(6, 10))
             .Customer(At(6, 11)));
  Escalate(t5);
  Escalate(t8);
  ASSERT_OK(harness_.CatchUp().status());

  ExpectDurations(Metric("first_response_time"), 8, 2100, 2737.5, 5940);
  ExpectDurations(Metric("first_response_time", "business"), 8, 2100, 2737.5, 5940);
  ExpectDurations(Metric("resolution_time"), 6, 16200, 39900, 97200);
  ExpectDurations(Metric("resolution_time", "business"), 6, 14400, 25200, 55800);
  ExpectDurations(Metric("first_resolution_time"), 7, 14400, 235800.0 / 7, 96480);
  ExpectRatio(Metric("csat"), 2, 4, 50);
  ExpectRatio(Metric("fcr"), 3, 6, 50);
  ExpectRatio(Metric("sla_attainment_first_response"), 6, 9, 600.0 / 9);
  ExpectRatio(Metric("sla_attainment_next_response"), 2, 3, 200.0 / 3);
  ExpectRatio(Metric("sla_attainment_resolution"), 5, 6, 500.0 / 6);
  ExpectRatio(Metric("escalation_rate"), 2, 10, 20);
  ExpectRatio(Metric("reopen_rate"), 2, 7, 200.0 / 7);
  ExpectRatio(MetricOnDay("reopen_rate", 2), 1, 1, 100);
  ExpectRatio(MetricOnDay("sla_attainment_resolution", 2), 2, 2, 100);
  ExpectRatio(MetricOnDay("sla_attainment_first_response", 2), 1, 2, 50);
  EXPECT_DOUBLE_EQ(Metric("ticket_volume").value(), 10);
  EXPECT_DOUBLE_EQ(Metric("ticket_volume", "", "channel", "EMAIL").value(), 4);
  EXPECT_DOUBLE_EQ(Metric("ticket_volume", "", "channel", "CHAT").value(), 2);
  EXPECT_DOUBLE_EQ(Metric("ticket_volume", "", "channel", "PHONE").value(), 2);
  EXPECT_DOUBLE_EQ(Metric("ticket_volume", "", "channel", "WEB").value(), 2);
  EXPECT_DOUBLE_EQ(Metric("backlog").value(), 4);
  EXPECT_DOUBLE_EQ(Metric("backlog", "", "channel", "EMAIL").value(), 1);
  EXPECT_THAT(harness_.RecomputationDiff(kTenant), IsOkAndHolds(""));

  // The dashboard for the window carries the same figures.
  mv1::GetDashboardRequest request;
  *request.mutable_window() = ScenarioWindow();
  absl::StatusOr<mv1::Dashboard> dashboard =
      harness_.manager().GetDashboard(harness_.Caller(kTenant), request, harness_.Deadline());
  ASSERT_OK(dashboard.status());
  std::map<std::string, mv1::MetricValue> shown;
  for (const mv1::MetricValue& value : dashboard->support()) shown[value.metric()] = value;
  auto on_dashboard = [&shown](const std::string& id) {
    auto it = shown.find("metricDefinitions/" + id);
    EXPECT_NE(it, shown.end()) << id;
    return it == shown.end() ? mv1::MetricValue() : it->second;
  };
  ExpectDurations(on_dashboard("first_response_time"), 8, 2100, 2737.5, 5940);
  ExpectDurations(on_dashboard("resolution_time"), 6, 16200, 39900, 97200);
  ExpectDurations(on_dashboard("first_resolution_time"), 7, 14400, 235800.0 / 7, 96480);
  ExpectRatio(on_dashboard("csat"), 2, 4, 50);
  ExpectRatio(on_dashboard("fcr"), 3, 6, 50);
  ExpectRatio(on_dashboard("sla_attainment_first_response"), 6, 9, 600.0 / 9);
  ExpectRatio(on_dashboard("sla_attainment_next_response"), 2, 3, 200.0 / 3);
  ExpectRatio(on_dashboard("sla_attainment_resolution"), 5, 6, 500.0 / 6);
  ExpectRatio(on_dashboard("escalation_rate"), 2, 10, 20);
  ExpectRatio(on_dashboard("reopen_rate"), 2, 7, 200.0 / 7);
  EXPECT_DOUBLE_EQ(on_dashboard("ticket_volume").value(), 10);
  EXPECT_DOUBLE_EQ(on_dashboard("backlog").value(), 4);
}

}  // namespace
}  // namespace tandem::testing

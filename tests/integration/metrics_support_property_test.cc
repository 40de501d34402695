// Support KPIs against an independent oracle over random ticket histories:
// for many seeds, random tickets (replies public and internal, by agents
// and customers, status changes, solves, reopens, escalations, ratings and
// re-ratings, SLA cycles met, missed and stopped, priority and group
// changes) and article views over about three months in a non-UTC tenant
// zone go through a real event feed into Metrics. Every support KPI, for
// random calendar periods and custom windows, for the whole tenant and for
// random segments, must equal what the oracle (tests/testing/
// metrics_support_oracle.h) computes from the raw events; the rollups must
// equal a recomputation from the stored facts; and neither a duplicate
// delivery of random events nor a rebuild may change any figure.
#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "services/metrics/calendar.h"
#include "tandem/support/v1/article_events.pb.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/metrics_support_oracle.h"
#include "tests/testing/status_matchers.h"

namespace tandem::testing {
namespace {

namespace sv1 = tandem::support::v1;
namespace mv1 = tandem::metrics::v1;
using tandem::common::v1::Event;

constexpr int kSeeds = 30;
constexpr char kSource[] = "tandem.support.v1";

const std::vector<std::string>& Zones() {
  static const std::vector<std::string> kZones = {"America/New_York",    "Asia/Tokyo",
                                                  "Europe/Paris",        "Australia/Sydney",
                                                  "America/Los_Angeles", "Asia/Kolkata"};
  return kZones;
}

// ---- The random history ----

// One ticket's random life, told as Support would publish it.
class TicketLife {
 public:
  TicketLife(std::mt19937& random, const std::string& tenant, const std::string& id,
             absl::Time created, bool with_sla, std::vector<PublishedEvent>& out)
      : random_(random), tenant_(tenant), out_(out), now_(created), with_sla_(with_sla) {
    ticket_.set_name("tickets/" + id);
    ticket_.set_channel(static_cast<sv1::Ticket::Channel>(Pick(1, 6)));
    ticket_.set_priority(static_cast<sv1::Ticket::Priority>(Pick(1, 4)));
    ticket_.set_type(static_cast<sv1::Ticket::Type>(Pick(1, 7)));
    ticket_.set_group(RandomGroup());
    ticket_.set_status(sv1::Ticket::NEW);
    ticket_.set_escalation_tier(1);
    *ticket_.mutable_create_time() = ToProtoTime(created);
    if (with_sla_) {
      StartMetric(sv1::SlaMetric::FIRST_RESPONSE, absl::Hours(4));
      StartMetric(sv1::SlaMetric::RESOLUTION, absl::Hours(72));
    }
    Stamp();
    auto created_event = std::make_shared<sv1::TicketCreated>();
    *created_event->mutable_ticket() = ticket_;
    Emit(created_event);
  }

  // Lives until `end` or until closed, at most `steps` changes.
  void Live(absl::Time end, int steps) {
    for (int i = 0; i < steps && ticket_.status() != sv1::Ticket::CLOSED; ++i) {
      // Mostly minutes to hours apart, sometimes days.
      now_ +=
          Pick(0, 4) == 0 ? absl::Seconds(Pick(3600, 4 * 86400)) : absl::Seconds(Pick(1, 6 * 3600));
      if (now_ >= end) return;
      Step();
    }
  }

 private:
  int Pick(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }

  std::string RandomGroup() { return Pick(0, 3) == 0 ? "" : absl::StrCat("groups/g", Pick(1, 3)); }

  bool Active() const {
    return ticket_.status() != sv1::Ticket::SOLVED && ticket_.status() != sv1::Ticket::CLOSED;
  }

  void Step() {
    const int roll = Pick(0, 99);
    if (!Active()) {
      if (ticket_.status() == sv1::Ticket::SOLVED) {
        if (roll < 30) return Reopen();
        if (roll < 55) return Rate();
        if (roll < 75) return Close();
      }
      return;
    }
    if (roll < 25) return AgentReply(/*internal=*/Pick(0, 4) == 0);
    if (roll < 40) return CustomerMessage();
    if (roll < 50) return ChangeStatus();
    if (roll < 72) return Solve();
    if (roll < 80) return Escalate();
    if (roll < 86) return ChangeSegment();
    if (roll < 94) return Sweep();
    return AgentReply(/*internal=*/true);
  }

  // ---- SLA, roughly as Support's clock: a target is missed once its
  // clock passes start + target; business time is the time since start.
  sv1::SlaMetric* Metric(sv1::SlaMetric::Kind kind) {
    for (sv1::SlaMetric& metric : *ticket_.mutable_sla()->mutable_metrics()) {
      if (metric.kind() == kind) return &metric;
    }
    return nullptr;
  }

  static bool Open(const sv1::SlaMetric* metric) {
    return metric != nullptr && (metric->stage() == sv1::SlaMetric::RUNNING ||
                                 metric->stage() == sv1::SlaMetric::PAUSED);
  }

  static absl::Time Due(const sv1::SlaMetric& metric) {
    return FromProtoTime(metric.start_time()) + absl::Seconds(metric.target().seconds());
  }

  void StartMetric(sv1::SlaMetric::Kind kind, absl::Duration target) {
    sv1::SlaMetric* metric = Metric(kind);
    if (metric == nullptr) metric = ticket_.mutable_sla()->add_metrics();
    metric->Clear();
    metric->set_kind(kind);
    metric->set_stage(ticket_.status() == sv1::Ticket::PENDING ||
                              ticket_.status() == sv1::Ticket::ON_HOLD
                          ? sv1::SlaMetric::PAUSED
                          : sv1::SlaMetric::RUNNING);
    *metric->mutable_target() = ToProtoDuration(target);
    *metric->mutable_start_time() = ToProtoTime(now_);
  }

  void Finish(sv1::SlaMetric::Kind kind, sv1::SlaMetric::Stage stage) {
    sv1::SlaMetric* metric = Metric(kind);
    if (!Open(metric)) return;
    metric->set_stage(stage);
    *metric->mutable_business_time() = ToProtoDuration(now_ - FromProtoTime(metric->start_time()));
    if (stage == sv1::SlaMetric::FULFILLED) *metric->mutable_fulfill_time() = ToProtoTime(now_);
    if (Due(*metric) < now_ && !metric->breached()) {
      metric->set_breached(true);
      *metric->mutable_breach_time() = ToProtoTime(Due(*metric));
    }
  }

  void Stamp() { *ticket_.mutable_update_time() = ToProtoTime(now_); }

  template <typename Payload>
  void Emit(std::shared_ptr<Payload> payload) {
    out_.push_back({tenant_, ticket_.name(), std::move(payload), now_});
  }

  void EmitUpdated(const sv1::Ticket::Status previous) {
    auto updated = std::make_shared<sv1::TicketUpdated>();
    *updated->mutable_ticket() = ticket_;
    updated->set_previous_status(previous);
    Emit(updated);
  }

  void SetStatus(sv1::Ticket::Status status) {
    const bool running = status == sv1::Ticket::NEW || status == sv1::Ticket::OPEN;
    for (sv1::SlaMetric& metric : *ticket_.mutable_sla()->mutable_metrics()) {
      if (metric.stage() == sv1::SlaMetric::RUNNING && !running) {
        metric.set_stage(sv1::SlaMetric::PAUSED);
      }
      if (metric.stage() == sv1::SlaMetric::PAUSED && running) {
        metric.set_stage(sv1::SlaMetric::RUNNING);
      }
    }
    ticket_.set_status(status);
  }

  void AgentReply(bool internal) {
    const sv1::Ticket::Status previous = ticket_.status();
    if (!internal) {
      ticket_.set_agent_reply_count(ticket_.agent_reply_count() + 1);
      if (!ticket_.has_first_response_time()) {
        *ticket_.mutable_first_response_time() = ToProtoTime(now_);
      }
      if (ticket_.status() == sv1::Ticket::NEW) SetStatus(sv1::Ticket::OPEN);
      Finish(sv1::SlaMetric::FIRST_RESPONSE, sv1::SlaMetric::FULFILLED);
      Finish(sv1::SlaMetric::NEXT_RESPONSE, sv1::SlaMetric::FULFILLED);
    }
    Stamp();
    if (previous != ticket_.status()) EmitUpdated(previous);
    auto replied = std::make_shared<sv1::TicketReplied>();
    *replied->mutable_ticket() = ticket_;
    replied->mutable_message()->set_author_type(sv1::Message::AGENT);
    replied->mutable_message()->set_internal(internal);
    replied->mutable_message()->set_body("reply");
    *replied->mutable_message()->mutable_create_time() = ToProtoTime(now_);
    Emit(replied);
  }

  void CustomerMessage() {
    if (ticket_.status() == sv1::Ticket::PENDING) return;  // that would reopen work: skipped
    if (with_sla_ && !Open(Metric(sv1::SlaMetric::FIRST_RESPONSE)) &&
        !Open(Metric(sv1::SlaMetric::NEXT_RESPONSE))) {
      StartMetric(sv1::SlaMetric::NEXT_RESPONSE, absl::Hours(8));
    }
    Stamp();
    auto replied = std::make_shared<sv1::TicketReplied>();
    *replied->mutable_ticket() = ticket_;
    replied->mutable_message()->set_author_type(sv1::Message::CUSTOMER);
    replied->mutable_message()->set_body("question");
    *replied->mutable_message()->mutable_create_time() = ToProtoTime(now_);
    Emit(replied);
  }

  void ChangeStatus() {
    static const sv1::Ticket::Status kChoices[] = {sv1::Ticket::OPEN, sv1::Ticket::PENDING,
                                                   sv1::Ticket::ON_HOLD};
    const sv1::Ticket::Status next = kChoices[Pick(0, 2)];
    if (next == ticket_.status()) return;
    const sv1::Ticket::Status previous = ticket_.status();
    SetStatus(next);
    Stamp();
    EmitUpdated(previous);
  }

  void Solve() {
    const sv1::Ticket::Status previous = ticket_.status();
    Finish(sv1::SlaMetric::RESOLUTION, sv1::SlaMetric::FULFILLED);
    Finish(sv1::SlaMetric::FIRST_RESPONSE, sv1::SlaMetric::STOPPED);
    Finish(sv1::SlaMetric::NEXT_RESPONSE, sv1::SlaMetric::STOPPED);
    ticket_.set_status(sv1::Ticket::SOLVED);
    *ticket_.mutable_solve_time() = ToProtoTime(now_);
    Stamp();
    EmitUpdated(previous);
    auto solved = std::make_shared<sv1::TicketSolved>();
    *solved->mutable_ticket() = ticket_;
    Emit(solved);
  }

  void Reopen() {
    sv1::SlaMetric* resolution = Metric(sv1::SlaMetric::RESOLUTION);
    if (resolution != nullptr && resolution->stage() == sv1::SlaMetric::FULFILLED) {
      resolution->set_stage(sv1::SlaMetric::RUNNING);
      resolution->clear_fulfill_time();
    }
    ticket_.set_status(sv1::Ticket::OPEN);
    ticket_.set_reopen_count(ticket_.reopen_count() + 1);
    ticket_.clear_solve_time();
    Stamp();
    EmitUpdated(sv1::Ticket::SOLVED);
    auto reopened = std::make_shared<sv1::TicketReopened>();
    *reopened->mutable_ticket() = ticket_;
    Emit(reopened);
  }

  void Close() {
    for (sv1::SlaMetric::Kind kind : {sv1::SlaMetric::FIRST_RESPONSE, sv1::SlaMetric::NEXT_RESPONSE,
                                      sv1::SlaMetric::RESOLUTION}) {
      Finish(kind, sv1::SlaMetric::STOPPED);
    }
    ticket_.set_status(sv1::Ticket::CLOSED);
    *ticket_.mutable_close_time() = ToProtoTime(now_);
    Stamp();
    EmitUpdated(sv1::Ticket::SOLVED);
    auto closed = std::make_shared<sv1::TicketClosed>();
    *closed->mutable_ticket() = ticket_;
    Emit(closed);
  }

  void Rate() {
    ticket_.mutable_satisfaction()->set_score(Pick(1, 5));
    *ticket_.mutable_satisfaction()->mutable_rate_time() = ToProtoTime(now_);
    Stamp();
    auto rated = std::make_shared<sv1::TicketRated>();
    *rated->mutable_ticket() = ticket_;
    *rated->mutable_rating() = ticket_.satisfaction();
    Emit(rated);
  }

  void Escalate() {
    if (ticket_.escalation_tier() >= 3) return;
    ticket_.set_escalation_tier(ticket_.escalation_tier() + 1);
    Stamp();
    auto escalated = std::make_shared<sv1::TicketEscalated>();
    *escalated->mutable_ticket() = ticket_;
    escalated->set_previous_tier(ticket_.escalation_tier() - 1);
    Emit(escalated);
  }

  void ChangeSegment() {
    if (Pick(0, 1) == 0) {
      ticket_.set_priority(static_cast<sv1::Ticket::Priority>(Pick(1, 4)));
    } else {
      ticket_.set_group(RandomGroup());
    }
    Stamp();
    EmitUpdated(ticket_.status());
  }

  // The sweeper: one SlaBreached per running target past its due time.
  void Sweep() {
    std::vector<sv1::SlaMetric::Kind> missed;
    for (sv1::SlaMetric& metric : *ticket_.mutable_sla()->mutable_metrics()) {
      if (metric.stage() == sv1::SlaMetric::RUNNING && !metric.breached() && Due(metric) < now_) {
        metric.set_breached(true);
        *metric.mutable_breach_time() = ToProtoTime(Due(metric));
        missed.push_back(metric.kind());
      }
    }
    if (missed.empty()) return;
    Stamp();
    for (sv1::SlaMetric::Kind kind : missed) {
      auto breached = std::make_shared<sv1::SlaBreached>();
      *breached->mutable_ticket() = ticket_;
      breached->set_metric(kind);
      Emit(breached);
    }
  }

  std::mt19937& random_;
  const std::string tenant_;
  std::vector<PublishedEvent>& out_;
  absl::Time now_;
  bool with_sla_;
  sv1::Ticket ticket_;
};

// A tenant's random history: tickets and article views from 5 January to
// the end of March 2026 (changes run on into April), in time order.
std::vector<PublishedEvent> RandomHistory(std::mt19937& random, const std::string& tenant) {
  const absl::Time first = absl::FromCivil(absl::CivilDay(2026, 1, 5), absl::UTCTimeZone());
  const absl::Time last = absl::FromCivil(absl::CivilDay(2026, 3, 31), absl::UTCTimeZone());
  const absl::Time end = absl::FromCivil(absl::CivilDay(2026, 4, 15), absl::UTCTimeZone());
  auto pick = [&random](int64_t low, int64_t high) {
    return std::uniform_int_distribution<int64_t>(low, high)(random);
  };
  const int64_t span = absl::ToInt64Seconds(last - first);
  std::vector<PublishedEvent> events;
  const int tickets = static_cast<int>(pick(25, 45));
  for (int i = 0; i < tickets; ++i) {
    TicketLife life(random, tenant, absl::StrCat(tenant, "-", i),
                    first + absl::Seconds(pick(0, span)), pick(0, 3) != 0, events);
    life.Live(end, static_cast<int>(pick(0, 14)));
  }
  for (int article = 1; article <= 3; ++article) {
    const int views = static_cast<int>(pick(5, 25));
    std::vector<absl::Time> times;
    for (int v = 0; v < views; ++v) times.push_back(first + absl::Seconds(pick(0, span)));
    std::sort(times.begin(), times.end());
    for (int v = 0; v < views; ++v) {
      auto viewed = std::make_shared<sv1::ArticleViewed>();
      viewed->set_article(absl::StrCat("articles/a", article));
      viewed->set_view_count(v + 1);
      *viewed->mutable_view_time() = ToProtoTime(times[v]);
      events.push_back({tenant, viewed->article(), viewed, times[v]});
    }
  }
  // A ticket's own changes are in time order already; stable keeps them so.
  std::stable_sort(
      events.begin(), events.end(),
      [](const PublishedEvent& a, const PublishedEvent& b) { return a.occur_time < b.occur_time; });
  return events;
}

// ---- What is asked ----

struct KpiCase {
  std::string id;
  std::string oracle_key;
  bool business = false;
  bool duration = false;
};

const std::vector<KpiCase>& KpiCases() {
  static const std::vector<KpiCase> kCases = {
      {"first_response_time", "first_response_time", false, true},
      {"first_response_time", "first_response_time_business", true, true},
      {"resolution_time", "resolution_time", false, true},
      {"resolution_time", "resolution_time_business", true, true},
      {"first_resolution_time", "first_resolution_time", false, true},
      {"csat", "csat"},
      {"fcr", "fcr"},
      {"ticket_volume", "ticket_volume"},
      {"backlog", "backlog"},
      {"sla_attainment_first_response", "sla_attainment_first_response"},
      {"sla_attainment_next_response", "sla_attainment_next_response"},
      {"sla_attainment_resolution", "sla_attainment_resolution"},
      {"escalation_rate", "escalation_rate"},
      {"reopen_rate", "reopen_rate"},
      {"self_service_ratio", "self_service_ratio"},
  };
  return kCases;
}

struct Question {
  std::string period;  // or, when empty, [start, end)
  absl::CivilDay start;
  absl::CivilDay end;
  std::string dimension;
  std::string value;

  std::string Describe() const {
    return absl::StrCat(
        period.empty() ? absl::StrCat(metrics::FormatDate(start), "..", metrics::FormatDate(end))
                       : period,
        dimension.empty() ? "" : absl::StrCat(" ", dimension, "=", value));
  }
};

Question RandomQuestion(std::mt19937& random) {
  auto pick = [&random](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  Question q;
  const absl::CivilDay base(2025, 12, 20);
  switch (pick(0, 5)) {
    case 0: {  // a month, December to April
      const absl::CivilMonth month = absl::CivilMonth(2025, 12) + pick(0, 4);
      q.period = absl::FormatCivilTime(month);
      q.start = absl::CivilDay(month);
      q.end = absl::CivilDay(month + 1);
      break;
    }
    case 1: {  // an ISO week
      const metrics::Period week = metrics::PeriodOf(metrics::Grain::kWeek, base + pick(0, 110));
      q.start = week.start;
      q.end = week.end;
      q.period = absl::StrCat(absl::FormatTime(
          "%G-W%V", absl::FromCivil(week.start, absl::UTCTimeZone()), absl::UTCTimeZone()));
      break;
    }
    case 2: {  // a day
      q.start = base + pick(10, 110);
      q.end = q.start + 1;
      q.period = metrics::FormatDate(q.start);
      break;
    }
    case 3:  // the first quarter
      q.period = "2026-Q1";
      q.start = absl::CivilDay(2026, 1, 1);
      q.end = absl::CivilDay(2026, 4, 1);
      break;
    default: {  // a custom range
      q.start = base + pick(0, 100);
      q.end = q.start + pick(2, 70);
      break;
    }
  }
  switch (pick(0, 5)) {
    case 0:
      q.dimension = "channel";
      q.value = sv1::Ticket::Channel_Name(static_cast<sv1::Ticket::Channel>(pick(1, 6)));
      break;
    case 1:
      q.dimension = "priority";
      q.value = sv1::Ticket::Priority_Name(static_cast<sv1::Ticket::Priority>(pick(1, 4)));
      break;
    case 2:
      q.dimension = "type";
      q.value = sv1::Ticket::Type_Name(static_cast<sv1::Ticket::Type>(pick(1, 7)));
      break;
    case 3:
      q.dimension = "group";
      q.value = absl::StrCat("groups/g", pick(1, 3));
      break;
    default:
      break;  // the whole tenant
  }
  return q;
}

double Millis(const google::protobuf::Duration& d) {
  return static_cast<double>(d.seconds()) * 1000 + static_cast<double>(d.nanos()) / 1e6;
}

// Asks every support KPI for `q` and compares with the oracle.
void ExpectOracleAnswers(MetricsHarness& harness, const std::string& tenant,
                         const SupportOracle& oracle, const Question& q) {
  SCOPED_TRACE(q.Describe());
  const std::map<std::string, OracleSupportKpi> expected =
      oracle.Compute(q.start, q.end, q.dimension, q.value);
  for (const KpiCase& kpi : KpiCases()) {
    // Article views belong to no ticket: the ratio is for the whole tenant.
    if (kpi.id == "self_service_ratio" && !q.dimension.empty()) continue;
    SCOPED_TRACE(kpi.oracle_key);
    mv1::GetMetricRequest request;
    request.set_metric("metricDefinitions/" + kpi.id);
    if (q.period.empty()) {
      request.mutable_window()->set_start_date(metrics::FormatDate(q.start));
      request.mutable_window()->set_end_date(metrics::FormatDate(q.end));
    } else {
      request.mutable_window()->set_period(q.period);
    }
    request.mutable_segment()->set_dimension(q.dimension);
    request.mutable_segment()->set_value(q.value);
    if (kpi.business) (*request.mutable_options())["hours"] = "business";
    absl::StatusOr<mv1::MetricValue> got =
        harness.manager().GetMetric(harness.Caller(tenant), request, harness.Deadline());
    ASSERT_OK(got.status());
    const OracleSupportKpi& want = expected.at(kpi.oracle_key);
    ASSERT_EQ(got->defined(), want.defined) << got->undefined_reason();
    EXPECT_EQ(got->sample_size(), want.sample_size);
    EXPECT_DOUBLE_EQ(got->denominator(), want.denominator);
    if (!want.defined) continue;
    if (!kpi.duration) {
      EXPECT_DOUBLE_EQ(got->numerator(), want.numerator);
      EXPECT_NEAR(got->value(), want.value, 1e-9 * std::max(1.0, std::abs(want.value)));
      continue;
    }
    EXPECT_NEAR(got->numerator(), want.numerator, 1e-6);
    const mv1::DurationStats& stats = got->durations();
    EXPECT_NEAR(Millis(stats.mean()), want.mean_ms, 0.001);
    if (stats.exact()) {
      EXPECT_NEAR(Millis(stats.median()), want.median_ms, 0.001);
      EXPECT_NEAR(Millis(stats.p90()), want.p90_ms, 0.001);
      EXPECT_NEAR(got->value(), want.median_ms / 1000, 1e-6);
    } else {
      // Each quantile within the digest's bound (plus a millisecond of
      // rounding).
      EXPECT_GT(stats.relative_error(), 0);
      EXPECT_NEAR(Millis(stats.median()), want.median_ms,
                  stats.relative_error() * want.median_ms + 1);
      EXPECT_NEAR(Millis(stats.p90()), want.p90_ms, stats.relative_error() * want.p90_ms + 1);
    }
  }
}

// One tenant per seed, all in one Metrics and one feed, loaded once for
// the suite: each test below leaves every figure as it found it (that is
// what they check), so they share it.
class MetricsSupportPropertyTest : public ::testing::Test {
 protected:
  struct Tenant {
    std::string name;
    std::unique_ptr<SupportOracle> oracle;
    std::vector<Question> questions;
  };

  struct World {
    MetricsHarness harness;
    std::vector<Tenant> tenants;
    std::vector<Event> feed;
    bool ready = false;
  };

  static void SetUpTestSuite() {
    world_ = new World();
    Load(*world_);
  }

  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }

  void SetUp() override { ASSERT_TRUE(world_->ready) << "the random histories did not load"; }

  static void Load(World& world) {
    std::vector<PublishedEvent> all;
    for (int seed = 0; seed < kSeeds; ++seed) {
      std::mt19937 random(1000 + seed);
      Tenant& tenant = world.tenants.emplace_back();
      tenant.name = absl::StrCat("prop", seed);
      const std::string& zone_name = Zones()[seed % Zones().size()];
      ASSERT_OK(world.harness.SetTimeZone(tenant.name, zone_name));
      absl::TimeZone zone;
      ASSERT_TRUE(absl::LoadTimeZone(zone_name, &zone));
      tenant.oracle = std::make_unique<SupportOracle>(zone);
      std::vector<PublishedEvent> history = RandomHistory(random, tenant.name);
      all.insert(all.end(), history.begin(), history.end());
      for (int i = 0; i < 5; ++i) tenant.questions.push_back(RandomQuestion(random));
    }
    // Tenants interleaved, as a shared feed would carry them.
    std::stable_sort(all.begin(), all.end(), [](const PublishedEvent& a, const PublishedEvent& b) {
      return a.occur_time < b.occur_time;
    });
    ASSERT_OK(world.harness.support_feed().PublishAll(all));
    ASSERT_OK(world.harness.CatchUp().status());
    absl::StatusOr<std::vector<Event>> feed = world.harness.support_feed().ReadAll();
    ASSERT_OK(feed.status());
    world.feed = *std::move(feed);
    std::map<std::string, SupportOracle*> oracles;
    for (Tenant& tenant : world.tenants) oracles[tenant.name] = tenant.oracle.get();
    for (const Event& event : world.feed) {
      ASSERT_EQ(event.source(), kSource);
      oracles.at(event.tenant())->Add(event);
    }
    world.ready = true;
  }

  static World* world_;
};

MetricsSupportPropertyTest::World* MetricsSupportPropertyTest::world_ = nullptr;

// Every KPI, window and segment equals the oracle, and the rollups equal a
// recomputation from the stored facts.
TEST_F(MetricsSupportPropertyTest, KpisEqualTheOracleForRandomHistories) {
  for (const Tenant& tenant : world_->tenants) {
    SCOPED_TRACE(tenant.name);
    for (const Question& q : tenant.questions) {
      ExpectOracleAnswers(world_->harness, tenant.name, *tenant.oracle, q);
    }
    EXPECT_THAT(world_->harness.RecomputationDiff(tenant.name), IsOkAndHolds(""));
  }
}

// Delivering random already-applied events again (shuffled, in one page)
// changes no cell and no figure.
TEST_F(MetricsSupportPropertyTest, RedeliveryChangesNothing) {
  std::mt19937 random(99);
  std::vector<Event> again;
  for (const Event& event : world_->feed) {
    if (std::uniform_int_distribution<int>(0, 3)(random) == 0) again.push_back(event);
  }
  std::shuffle(again.begin(), again.end(), random);
  ASSERT_FALSE(again.empty());
  for (size_t begin = 0; begin < again.size(); begin += 500) {
    const std::vector<Event> page(
        again.begin() + static_cast<std::ptrdiff_t>(begin),
        again.begin() + static_cast<std::ptrdiff_t>(std::min(again.size(), begin + 500)));
    ASSERT_OK(world_->harness.ApplyDirectly(page));
  }
  for (const Tenant& tenant : world_->tenants) {
    SCOPED_TRACE(tenant.name);
    EXPECT_THAT(world_->harness.RecomputationDiff(tenant.name), IsOkAndHolds(""));
    for (const Question& q : tenant.questions) {
      ExpectOracleAnswers(world_->harness, tenant.name, *tenant.oracle, q);
    }
  }
}

// A rebuild from the feed reproduces every figure (every fifth tenant: one
// in each zone).
TEST_F(MetricsSupportPropertyTest, RebuildChangesNoFigure) {
  for (size_t i = 0; i < world_->tenants.size(); i += 5) {
    const Tenant& tenant = world_->tenants[i];
    SCOPED_TRACE(tenant.name);
    ASSERT_OK(world_->harness.Rebuild(tenant.name));
    EXPECT_THAT(world_->harness.RecomputationDiff(tenant.name), IsOkAndHolds(""));
    for (const Question& q : tenant.questions) {
      ExpectOracleAnswers(world_->harness, tenant.name, *tenant.oracle, q);
    }
  }
}

}  // namespace
}  // namespace tandem::testing

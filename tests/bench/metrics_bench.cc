// metrics_bench: loads one tenant with a year of Support and Success history
// and measures the Metrics service on it. Not a test: it prints figures.
//
//   metrics_bench [--tickets N] [--accounts N] [--year YYYY] [--calls N] [--keep]
//
// Defaults: 1,000,000 tickets and 100,000 accounts in 2025, 300 dashboard
// calls per window. The test MariaDB server comes from TANDEM_TEST_DB_* as
// for the integration tests (tests/bench/README.md).
//
// What it does, with real parts only:
// 1. Writes the history as feed events straight into the outbox tables of two
//    producer databases (one per feed), already sequenced — the rows the
//    Support and Success servers would have written, at bulk speed.
// 2. Serves each outbox with the real EventFeed service on loopback.
// 3. Starts the real tandem-metrics binary on its own database, pointed at
//    both feeds, and times how long it takes to consume everything.
// 4. Calls GetDashboard for a month and for the year, sequentially, and
//    reports latency percentiles.
// 5. Calls RebuildRollups, times the replay, and checks that the dashboards
//    are the same afterwards.
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/feed/feed_service.h"
#include "common/feed/outbox.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/mysql/sql_params.h"
#include "common/proto_time.h"
#include "common/server.h"
#include "common/status.h"
#include "common_migrations.h"
#include "google/protobuf/util/message_differencer.h"
#include "grpcpp/grpcpp.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/success/v1/health.pb.h"
#include "tandem/success/v1/engagement.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/child_process.h"
#include "tests/testing/test_database.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

namespace sv1 = ::tandem::support::v1;
namespace cv1 = ::tandem::success::v1;
namespace mv1 = ::tandem::metrics::v1;

constexpr char kTenant[] = "bench";
constexpr int kRowsPerInsert = 400;

struct Options {
  int64_t tickets = 1000000;
  int64_t accounts = 100000;
  int year = 2025;
  int calls = 300;
  bool keep = false;
};

// One event to write: when, what, about which entity; the payload is built
// from the entity's deterministic attributes when the row is written.
struct Planned {
  absl::Time time;
  int32_t entity;
  int8_t kind;
  int8_t step;  // e.g. which movement of an account
};

enum TicketStep : int8_t { kCreated, kReplied, kSolved, kReopened, kSolvedAgain, kRated, kEscalated };
enum AccountStep : int8_t { kMovement, kHealth, kNps };

// Everything about one ticket, derived from its number alone so that any
// event can be rebuilt without keeping tickets in memory.
struct TicketPlan {
  absl::Time created, replied, solved, reopened, solved_again, rated, escalated;
  bool has_reply = false, has_solve = false, has_reopen = false, has_rating = false,
       has_escalation = false;
  int channel = 1, priority = 2, type = 1, group = 0, score = 5;
};

TicketPlan PlanTicket(int64_t index, absl::Time year_start) {
  std::mt19937_64 random(static_cast<uint64_t>(index) * 0x9E3779B97F4A7C15ull + 1);
  std::uniform_real_distribution<double> unit(0, 1);
  TicketPlan plan;
  plan.created = year_start + absl::Seconds(static_cast<int64_t>(unit(random) * 364 * 86400));
  plan.channel = 1 + static_cast<int>(random() % 5);
  plan.priority = 1 + static_cast<int>(random() % 4);
  plan.type = 1 + static_cast<int>(random() % 7);
  plan.group = static_cast<int>(random() % 12);
  std::lognormal_distribution<double> minutes(4.0, 1.2);  // median ~55 min
  std::lognormal_distribution<double> hours(2.5, 1.0);    // median ~12 h
  plan.has_reply = unit(random) < 0.92;
  plan.replied = plan.created + absl::Seconds(static_cast<int64_t>(minutes(random) * 60) + 1);
  plan.has_solve = plan.has_reply && unit(random) < 0.9;
  plan.solved = plan.replied + absl::Seconds(static_cast<int64_t>(hours(random) * 3600) + 1);
  plan.has_reopen = plan.has_solve && unit(random) < 0.05;
  plan.reopened = plan.solved + absl::Hours(6);
  plan.solved_again = plan.reopened + absl::Hours(3);
  plan.has_rating = plan.has_solve && unit(random) < 0.3;
  plan.rated = (plan.has_reopen ? plan.solved_again : plan.solved) + absl::Minutes(30);
  plan.score = 1 + static_cast<int>(random() % 5);
  plan.has_escalation = unit(random) < 0.05;
  plan.escalated = plan.created + absl::Minutes(20);
  return plan;
}

const char* const kPlans[] = {"starter", "growth", "enterprise"};

struct AccountPlan {
  absl::Time start;
  int64_t mrr = 0;
  cv1::TouchTier tier = cv1::LOW_TOUCH;
  int plan = 0, owner = 0;
  // Later movements: type, time, delta.
  std::vector<std::tuple<cv1::MrrMovement::Type, absl::Time, int64_t>> movements;
  std::vector<std::pair<absl::Time, int>> health;  // time, score
  bool has_nps = false;
  absl::Time nps_time;
  int nps_score = 0;
};

AccountPlan PlanAccount(int64_t index, absl::Time year_start) {
  std::mt19937_64 random(static_cast<uint64_t>(index) * 0xC2B2AE3D27D4EB4Full + 7);
  std::uniform_real_distribution<double> unit(0, 1);
  AccountPlan plan;
  // A third were customers before the year; the rest start during it.
  const bool existing = unit(random) < 0.33;
  plan.start = existing ? year_start - absl::Hours(24 * (1 + static_cast<int64_t>(random() % 300)))
                        : year_start + absl::Seconds(static_cast<int64_t>(unit(random) * 330 * 86400));
  plan.mrr = 100 * (50 + static_cast<int64_t>(random() % 5000));
  plan.tier = static_cast<cv1::TouchTier>(1 + random() % 3);
  plan.plan = static_cast<int>(random() % 3);
  plan.owner = static_cast<int>(random() % 40);
  absl::Time at = std::max(plan.start, year_start);
  int64_t mrr = plan.mrr;
  for (int i = 0; i < 3 && mrr > 0; ++i) {
    at += absl::Hours(24 * (5 + static_cast<int64_t>(random() % 120)));
    if (at >= year_start + absl::Hours(24 * 364)) break;
    const double roll = unit(random);
    if (roll < 0.35) {
      const int64_t delta = mrr / 5 + 100;
      plan.movements.emplace_back(i % 2 == 0 ? cv1::MrrMovement::EXPANSION
                                             : cv1::MrrMovement::CROSS_SELL,
                                  at, delta);
      mrr += delta;
    } else if (roll < 0.5) {
      const int64_t delta = mrr / 4;
      plan.movements.emplace_back(cv1::MrrMovement::CONTRACTION, at, -delta);
      mrr -= delta;
    } else if (roll < 0.62) {
      plan.movements.emplace_back(cv1::MrrMovement::CHURN, at, -mrr);
      mrr = 0;
    }
  }
  for (int i = 0; i < 2; ++i) {
    const absl::Time when =
        std::max(plan.start, year_start) + absl::Hours(24 * (1 + static_cast<int64_t>(random() % 200)));
    if (when < year_start + absl::Hours(24 * 364)) {
      plan.health.emplace_back(when, static_cast<int>(random() % 101));
    }
  }
  std::sort(plan.health.begin(), plan.health.end());
  plan.has_nps = unit(random) < 0.3;
  plan.nps_time = year_start + absl::Seconds(static_cast<int64_t>(unit(random) * 360 * 86400));
  plan.nps_score = static_cast<int>(random() % 11);
  return plan;
}

std::string TicketName(int64_t index) { return absl::StrCat("tickets/bench", index); }
std::string AccountName(int64_t index) { return absl::StrCat("accounts/bench", index); }

sv1::Ticket TicketSnapshot(int64_t index, const TicketPlan& plan, TicketStep step) {
  sv1::Ticket ticket;
  ticket.set_name(TicketName(index));
  ticket.set_account(AccountName(index % 100000));
  ticket.set_subject("Cannot export the report");
  ticket.set_channel(static_cast<sv1::Ticket::Channel>(plan.channel));
  ticket.set_priority(static_cast<sv1::Ticket::Priority>(plan.priority));
  ticket.set_type(static_cast<sv1::Ticket::Type>(plan.type));
  ticket.set_group(absl::StrCat("groups/g", plan.group));
  *ticket.mutable_create_time() = ToProtoTime(plan.created);
  absl::Time updated = plan.created;
  sv1::Ticket::Status status = sv1::Ticket::NEW;
  if (step != kCreated && step != kEscalated && plan.has_reply) {
    *ticket.mutable_first_response_time() = ToProtoTime(plan.replied);
    ticket.set_agent_reply_count(1);
    status = sv1::Ticket::OPEN;
    updated = plan.replied;
  }
  if (step == kSolved || step == kReopened || step == kSolvedAgain || step == kRated) {
    *ticket.mutable_solve_time() = ToProtoTime(plan.solved);
    status = sv1::Ticket::SOLVED;
    updated = plan.solved;
  }
  if (step == kReopened || ((step == kSolvedAgain || step == kRated) && plan.has_reopen)) {
    ticket.set_reopen_count(1);
    ticket.clear_solve_time();  // as Support does on a reopen
    status = sv1::Ticket::OPEN;
    updated = plan.reopened;
  }
  if ((step == kSolvedAgain || step == kRated) && plan.has_reopen) {
    *ticket.mutable_solve_time() = ToProtoTime(plan.solved_again);
    status = sv1::Ticket::SOLVED;
    updated = plan.solved_again;
  }
  if (step == kRated) {
    ticket.mutable_satisfaction()->set_score(plan.score);
    *ticket.mutable_satisfaction()->mutable_rate_time() = ToProtoTime(plan.rated);
    updated = plan.rated;
  }
  if (step == kEscalated) {
    ticket.set_escalation_tier(2);
    updated = plan.escalated;
  }
  ticket.set_status(status);
  *ticket.mutable_update_time() = ToProtoTime(updated);
  return ticket;
}

// The payload of a planned support event.
std::unique_ptr<google::protobuf::Message> SupportPayload(const Planned& event,
                                                          absl::Time year_start) {
  const TicketPlan plan = PlanTicket(event.entity, year_start);
  const auto step = static_cast<TicketStep>(event.step);
  sv1::Ticket ticket = TicketSnapshot(event.entity, plan, step);
  switch (step) {
    case kCreated: {
      auto payload = std::make_unique<sv1::TicketCreated>();
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
    case kReplied: {
      auto payload = std::make_unique<sv1::TicketReplied>();
      payload->mutable_message()->set_author_type(sv1::Message::AGENT);
      payload->mutable_message()->set_body("Here is how to export it.");
      *payload->mutable_message()->mutable_create_time() = ToProtoTime(plan.replied);
      payload->set_first_response(true);
      *payload->mutable_first_response_duration() = ToProtoDuration(plan.replied - plan.created);
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
    case kSolved:
    case kSolvedAgain: {
      auto payload = std::make_unique<sv1::TicketSolved>();
      const absl::Time solved = step == kSolved ? plan.solved : plan.solved_again;
      *payload->mutable_resolution_duration() = ToProtoDuration(solved - plan.created);
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
    case kReopened: {
      auto payload = std::make_unique<sv1::TicketReopened>();
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
    case kRated: {
      auto payload = std::make_unique<sv1::TicketRated>();
      *payload->mutable_rating() = ticket.satisfaction();
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
    case kEscalated: {
      auto payload = std::make_unique<sv1::TicketEscalated>();
      payload->set_previous_tier(1);
      payload->set_reason("customer asked for a manager");
      *payload->mutable_ticket() = std::move(ticket);
      return payload;
    }
  }
  return nullptr;
}

cv1::Account AccountSnapshot(int64_t index, const AccountPlan& plan, int64_t mrr) {
  cv1::Account account;
  account.set_name(AccountName(index));
  account.set_display_name(absl::StrCat("Customer ", index));
  account.set_touch_tier(plan.tier);
  account.set_plan(kPlans[plan.plan]);
  account.set_owner(absl::StrCat("csm", plan.owner));
  account.set_currency_code("USD");
  account.set_mrr_minor(mrr);
  return account;
}

std::unique_ptr<google::protobuf::Message> SuccessPayload(const Planned& event,
                                                          absl::Time year_start) {
  const AccountPlan plan = PlanAccount(event.entity, year_start);
  if (event.kind == kHealth) {
    auto payload = std::make_unique<cv1::HealthChanged>();
    payload->set_account(AccountName(event.entity));
    const int score = plan.health[event.step].second;
    if (event.step > 0) {
      payload->set_has_previous_score(true);
      payload->set_previous_score(plan.health[event.step - 1].second);
    }
    payload->set_score(score);
    payload->set_band(score >= 70 ? cv1::GREEN : score >= 40 ? cv1::YELLOW : cv1::RED);
    payload->set_touch_tier(plan.tier);
    payload->set_plan(kPlans[plan.plan]);
    return payload;
  }
  if (event.kind == kNps) {
    auto payload = std::make_unique<cv1::NpsRecorded>();
    payload->set_account(AccountName(event.entity));
    payload->mutable_nps_response()->set_name(
        absl::StrCat(AccountName(event.entity), "/npsResponses/r1"));
    payload->mutable_nps_response()->set_contact(
        absl::StrCat(AccountName(event.entity), "/contacts/c1"));
    payload->mutable_nps_response()->set_score(plan.nps_score);
    *payload->mutable_nps_response()->mutable_response_time() = ToProtoTime(plan.nps_time);
    payload->set_category(plan.nps_score >= 9   ? cv1::NpsResponse::PROMOTER
                          : plan.nps_score >= 7 ? cv1::NpsResponse::PASSIVE
                                                : cv1::NpsResponse::DETRACTOR);
    payload->mutable_nps_response()->set_category(payload->category());
    payload->set_account_tier(plan.tier);
    payload->set_account_plan(kPlans[plan.plan]);
    payload->set_account_owner(absl::StrCat("csm", plan.owner));
    return payload;
  }
  // Movement `step`: 0 is NEW, then the planned ones.
  int64_t before = 0, after = plan.mrr;
  cv1::MrrMovement::Type type = cv1::MrrMovement::NEW;
  absl::Time when = plan.start;
  for (int i = 0; i < event.step; ++i) {
    const auto& [movement_type, movement_time, delta] = plan.movements[i];
    before = after;
    after += delta;
    type = movement_type;
    when = movement_time;
  }
  auto payload = std::make_unique<cv1::MrrMovementRecorded>();
  cv1::MrrMovement& movement = *payload->mutable_movement();
  movement.set_name(absl::StrCat(AccountName(event.entity), "/mrrMovements/m", event.step));
  movement.set_type(type);
  movement.set_mrr_delta_minor(after - before);
  movement.set_mrr_before_minor(before);
  movement.set_mrr_after_minor(after);
  movement.set_currency_code("USD");
  *movement.mutable_effective_time() = ToProtoTime(when);
  *movement.mutable_create_time() = ToProtoTime(when);
  *payload->mutable_account() = AccountSnapshot(event.entity, plan, after);
  return payload;
}

std::vector<Planned> PlanSupport(const Options& options, absl::Time year_start) {
  std::vector<Planned> events;
  events.reserve(static_cast<size_t>(options.tickets * 33 / 10));
  for (int64_t i = 0; i < options.tickets; ++i) {
    const TicketPlan plan = PlanTicket(i, year_start);
    const auto add = [&](absl::Time when, TicketStep step) {
      events.push_back({when, static_cast<int32_t>(i), 0, step});
    };
    add(plan.created, kCreated);
    if (plan.has_escalation) add(plan.escalated, kEscalated);
    if (plan.has_reply) add(plan.replied, kReplied);
    if (plan.has_solve) add(plan.solved, kSolved);
    if (plan.has_reopen) {
      add(plan.reopened, kReopened);
      add(plan.solved_again, kSolvedAgain);
    }
    if (plan.has_rating) add(plan.rated, kRated);
  }
  return events;
}

std::vector<Planned> PlanSuccess(const Options& options, absl::Time year_start) {
  std::vector<Planned> events;
  for (int64_t i = 0; i < options.accounts; ++i) {
    const AccountPlan plan = PlanAccount(i, year_start);
    events.push_back({plan.start, static_cast<int32_t>(i), kMovement, 0});
    for (size_t m = 0; m < plan.movements.size(); ++m) {
      events.push_back({std::get<1>(plan.movements[m]), static_cast<int32_t>(i), kMovement,
                        static_cast<int8_t>(m + 1)});
    }
    for (size_t h = 0; h < plan.health.size(); ++h) {
      events.push_back({plan.health[h].first, static_cast<int32_t>(i), kHealth,
                        static_cast<int8_t>(h)});
    }
    if (plan.has_nps) events.push_back({plan.nps_time, static_cast<int32_t>(i), kNps, 0});
  }
  return events;
}

// Writes the planned events, in time order, as sequenced outbox rows.
absl::Status WriteOutbox(mysql::Pool& pool, std::vector<Planned>& events, absl::Time year_start,
                         bool support) {
  std::stable_sort(events.begin(), events.end(),
                   [](const Planned& a, const Planned& b) { return a.time < b.time; });
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool.Acquire(absl::Now() + absl::Hours(1)));
  int64_t cursor = 0;
  for (size_t start = 0; start < events.size(); start += kRowsPerInsert) {
    const size_t end = std::min(events.size(), start + kRowsPerInsert);
    std::vector<mysql::Value> params;
    params.reserve((end - start) * 10);
    for (size_t i = start; i < end; ++i) {
      const Planned& event = events[i];
      std::unique_ptr<google::protobuf::Message> payload =
          support ? SupportPayload(event, year_start) : SuccessPayload(event, year_start);
      const auto* descriptor = payload->GetDescriptor();
      ++cursor;
      params.emplace_back(cursor);
      params.emplace_back(cursor);
      params.emplace_back(NewId());
      params.emplace_back(std::string(kTenant));
      params.emplace_back(descriptor->name());
      params.emplace_back(support ? TicketName(event.entity) : AccountName(event.entity));
      params.emplace_back(descriptor->file()->package());
      params.emplace_back(event.time);
      params.emplace_back(absl::StrCat("type.googleapis.com/", descriptor->full_name()));
      params.emplace_back(payload->SerializeAsString());
    }
    RETURN_IF_ERROR(db->Execute(absl::StrCat("INSERT INTO outbox (id, cursor_pos, event_id, "
                                             "tenant_id, event_type, subject, source, occur_time, "
                                             "payload_type, payload) VALUES ",
                                             mysql::ParameterRows(end - start, 10)),
                                params)
                        .status());
  }
  return db->Execute("UPDATE outbox_sequence SET last_cursor = ? WHERE id = 1", {cursor}).status();
}

// One producer: a database with an outbox and the EventFeed service over it.
struct Producer {
  explicit Producer(const std::string& name)
      : database(name), outbox(&database.pool()), runner(ServerOptions{.name = name}) {
    database.Migrate({CommonMigrations()});
  }
  absl::Status Serve() {
    service = std::make_unique<feed::EventFeedService>(auth.get(), &outbox);
    runner.AddService(service.get());
    return runner.Start();
  }
  std::string address() const { return absl::StrCat("127.0.0.1:", runner.grpc_port()); }

  testing::TestDatabase database;
  std::unique_ptr<Authenticator> auth = testing::TestAuthenticator();
  feed::Outbox outbox;
  std::unique_ptr<feed::EventFeedService> service;
  ServerRunner runner;
};

struct Latency {
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

Latency Summarize(std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  Latency latency;
  const auto at = [&](double q) {
    return millis[std::min(millis.size() - 1, static_cast<size_t>(q * millis.size()))];
  };
  latency.p50 = at(0.5);
  latency.p90 = at(0.9);
  latency.p99 = at(0.99);
  latency.max = millis.back();
  double sum = 0;
  for (double value : millis) sum += value;
  latency.mean = sum / millis.size();
  return latency;
}

class MetricsClient {
 public:
  explicit MetricsClient(int port)
      : stub_(mv1::MetricsService::NewStub(grpc::CreateChannel(
            absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()))) {}

  template <typename Request, typename Response, typename Method>
  absl::Status Call(Method method, const Request& request, Response* response,
                    const std::vector<std::string>& roles = {"viewer"}) {
    grpc::ClientContext context;
    testing::Authorize(context, testing::TestToken(kTenant, roles));
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    grpc::Status status = (stub_.get()->*method)(&context, request, response);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          status.error_message());
    }
    return absl::OkStatus();
  }

  absl::StatusOr<mv1::Dashboard> Dashboard(const std::string& period) {
    mv1::GetDashboardRequest request;
    request.mutable_window()->set_period(period);
    mv1::Dashboard dashboard;
    RETURN_IF_ERROR(Call(&mv1::MetricsService::Stub::GetDashboard, request, &dashboard));
    return dashboard;
  }

  absl::StatusOr<mv1::Freshness> Freshness() {
    mv1::Freshness freshness;
    RETURN_IF_ERROR(
        Call(&mv1::MetricsService::Stub::GetFreshness, mv1::GetFreshnessRequest(), &freshness));
    return freshness;
  }

  absl::StatusOr<mv1::RollupRebuild> Rebuild() {
    mv1::RollupRebuild rebuild;
    RETURN_IF_ERROR(Call(&mv1::MetricsService::Stub::RebuildRollups, mv1::RebuildRollupsRequest(),
                         &rebuild, {"admin"}));
    return rebuild;
  }

 private:
  std::unique_ptr<mv1::MetricsService::Stub> stub_;
};

absl::StatusOr<Latency> TimeDashboards(MetricsClient& client, const std::string& period,
                                       int calls, mv1::Dashboard* last) {
  for (int i = 0; i < 10; ++i) RETURN_IF_ERROR(client.Dashboard(period).status());  // warm-up
  std::vector<double> millis;
  for (int i = 0; i < calls; ++i) {
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(*last, client.Dashboard(period));
    millis.push_back(absl::ToDoubleMilliseconds(absl::Now() - start));
  }
  return Summarize(std::move(millis));
}

absl::StatusOr<int64_t> CountRows(mysql::Pool& pool, const std::string& table) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool.Acquire(absl::Now() + absl::Minutes(5)));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat("SELECT COUNT(*) FROM ", table)));
  return rows[0].Int(0);
}

std::string Mib(int64_t bytes) { return absl::StrFormat("%.1f MiB", bytes / 1048576.0); }

absl::Status Run(const Options& options) {
  const absl::Time year_start = absl::FromCivil(absl::CivilDay(options.year, 1, 1), absl::UTCTimeZone());
  std::printf("metrics_bench: %lld tickets, %lld accounts, year %d, tenant '%s'\n",
              static_cast<long long>(options.tickets), static_cast<long long>(options.accounts),
              options.year, kTenant);

  Producer support("bench_support_feed");
  Producer success("bench_success_feed");
  testing::TestDatabase metrics_db("bench_metrics");

  absl::Time start = absl::Now();
  std::vector<Planned> support_events = PlanSupport(options, year_start);
  std::vector<Planned> success_events = PlanSuccess(options, year_start);
  RETURN_IF_ERROR(WriteOutbox(support.database.pool(), support_events, year_start, true));
  RETURN_IF_ERROR(WriteOutbox(success.database.pool(), success_events, year_start, false));
  const int64_t support_count = static_cast<int64_t>(support_events.size());
  const int64_t success_count = static_cast<int64_t>(success_events.size());
  support_events = {};
  success_events = {};
  std::printf("generated and wrote %lld support + %lld success events in %.1f s\n",
              static_cast<long long>(support_count), static_cast<long long>(success_count),
              absl::ToDoubleSeconds(absl::Now() - start));
  RETURN_IF_ERROR(support.Serve());
  RETURN_IF_ERROR(success.Serve());

  const std::string dir = testing::MakeTempDir("tandem-metrics-bench");
  const std::string ready = absl::StrCat(dir, "/metrics.ready");
  std::vector<std::string> argv = {
      absl::StrCat(testing::BuildDir(), "/services/metrics/tandem-metrics"),
      "--listen=127.0.0.1:0",
      "--metrics-listen=127.0.0.1:0",
      "--ready-file=" + ready,
      "--log-level=warn",
      "--support-address=" + support.address(),
      "--success-address=" + success.address(),
      "--poll-interval=100ms"};
  std::map<std::string, std::string> env = {{"TANDEM_JWT_SECRET", testing::kTestJwtSecret},
                                            {"TANDEM_PAGE_TOKEN_KEY", testing::kTestPageTokenKey},
                                            {"TANDEM_METRICS_DB_DSN", metrics_db.url()}};
  start = absl::Now();
  ASSIGN_OR_RETURN(testing::ChildProcess metrics,
                   testing::ChildProcess::Start(argv, env, absl::StrCat(dir, "/metrics.log")));
  ASSIGN_OR_RETURN(auto ports, testing::WaitForReadyFile(ready, metrics, absl::Minutes(2)));
  MetricsClient client(ports.first);

  // Load: wait until both feeds are applied to their heads.
  absl::Time last_report = absl::Now();
  while (true) {
    ASSIGN_OR_RETURN(mv1::Freshness freshness, client.Freshness());
    int64_t applied = 0;
    for (const auto& feed : freshness.feeds()) applied += feed.cursor();
    if (applied >= support_count + success_count) break;
    if (!metrics.Running()) {
      return absl::InternalError("tandem-metrics exited:\n" + testing::TailOf(metrics.log_file()));
    }
    if (absl::Now() - last_report > absl::Seconds(30)) {
      std::printf("  … %lld of %lld events applied after %.0f s\n", static_cast<long long>(applied),
                  static_cast<long long>(support_count + success_count),
                  absl::ToDoubleSeconds(absl::Now() - start));
      std::fflush(stdout);
      last_report = absl::Now();
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  const absl::Duration load = absl::Now() - start;
  const double events = static_cast<double>(support_count + success_count);
  std::printf("load: %lld events consumed in %.1f s (%.0f events/s)\n",
              static_cast<long long>(support_count + success_count), absl::ToDoubleSeconds(load),
              events / absl::ToDoubleSeconds(load));

  ASSIGN_OR_RETURN(int64_t cells, CountRows(metrics_db.pool(), "rollup_cells"));
  std::printf("rollup cells: %lld\n", static_cast<long long>(cells));
  {
    ASSIGN_OR_RETURN(mysql::PooledConnection db, metrics_db.pool().Acquire(absl::Now() + absl::Minutes(1)));
    ASSIGN_OR_RETURN(auto rows, db->Query("SELECT table_name, data_length + index_length FROM "
                                          "information_schema.tables WHERE table_schema = "
                                          "DATABASE() ORDER BY 2 DESC LIMIT 6"));
    for (const auto& row : rows) {
      std::printf("  table %-28s %s\n", row.String(0).c_str(), Mib(row.Int(1)).c_str());
    }
  }

  const std::string month = absl::StrFormat("%04d-10", options.year);
  const std::string year = absl::StrCat(options.year);
  mv1::Dashboard month_before, year_before;
  ASSIGN_OR_RETURN(Latency month_latency, TimeDashboards(client, month, options.calls, &month_before));
  ASSIGN_OR_RETURN(Latency year_latency, TimeDashboards(client, year, options.calls, &year_before));
  for (const auto& [label, latency] :
       {std::pair{month, month_latency}, std::pair{year, year_latency}}) {
    std::printf("GetDashboard %-8s %d calls: p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms, "
                "mean %.2f ms\n",
                label.c_str(), options.calls, latency.p50, latency.p90, latency.p99, latency.max,
                latency.mean);
  }

  start = absl::Now();
  RETURN_IF_ERROR(client.Rebuild().status());
  mv1::RollupRebuild rebuild;
  while (true) {
    ASSIGN_OR_RETURN(mv1::Freshness freshness, client.Freshness());
    rebuild = freshness.rebuild();
    if (rebuild.state() != mv1::RollupRebuild::RUNNING &&
        rebuild.state() != mv1::RollupRebuild::STATE_UNSPECIFIED) {
      break;
    }
    absl::SleepFor(absl::Milliseconds(500));
  }
  if (rebuild.state() != mv1::RollupRebuild::SUCCEEDED) {
    return absl::InternalError(absl::StrCat("rebuild ended ", rebuild.ShortDebugString()));
  }
  const absl::Duration rebuild_time = absl::Now() - start;
  std::printf("RebuildRollups: %lld events replayed in %.1f s (%.0f events/s)\n",
              static_cast<long long>(rebuild.events_replayed()),
              absl::ToDoubleSeconds(rebuild_time),
              rebuild.events_replayed() / absl::ToDoubleSeconds(rebuild_time));
  ASSIGN_OR_RETURN(mv1::Dashboard month_after, client.Dashboard(month));
  ASSIGN_OR_RETURN(mv1::Dashboard year_after, client.Dashboard(year));
  const bool same =
      google::protobuf::util::MessageDifferencer::Equals(month_before, month_after) &&
      google::protobuf::util::MessageDifferencer::Equals(year_before, year_after);
  std::printf("dashboards after the rebuild equal those before: %s\n", same ? "yes" : "NO");

  std::printf("\n%s dashboard:\n", year.c_str());
  for (const auto* section : {&year_after.support(), &year_after.success()}) {
    for (const mv1::MetricValue& value : *section) {
      std::printf("  %-40s %14.3f  (%g / %g, n=%lld)%s\n", value.metric().c_str(), value.value(),
                  value.numerator(), value.denominator(), static_cast<long long>(value.sample_size()),
                  value.defined() ? "" : "  undefined");
    }
  }
  metrics.Signal(SIGTERM);
  (void)metrics.Wait(absl::Seconds(30));
  if (options.keep) {
    std::printf("kept: metrics log in %s\n", dir.c_str());
  }
  return same ? absl::OkStatus() : absl::InternalError("the rebuild changed a dashboard");
}

}  // namespace
}  // namespace tandem

int main(int argc, char** argv) {
  // The in-process feed servers would log every ListEvents call.
  tandem::logging::Init("metrics_bench", tandem::logging::Level::kWarn);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens
  tandem::Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    int64_t number = 0;
    if (arg == "--tickets" && absl::SimpleAtoi(value(), &number)) {
      options.tickets = number;
    } else if (arg == "--accounts" && absl::SimpleAtoi(value(), &number)) {
      options.accounts = number;
    } else if (arg == "--year" && absl::SimpleAtoi(value(), &number)) {
      options.year = static_cast<int>(number);
    } else if (arg == "--calls" && absl::SimpleAtoi(value(), &number)) {
      options.calls = static_cast<int>(number);
    } else if (arg == "--keep") {
      options.keep = true;
    } else {
      std::fprintf(stderr,
                   "usage: metrics_bench [--tickets N] [--accounts N] [--year YYYY] [--calls N] "
                   "[--keep]\n");
      return 2;
    }
  }
  const absl::Status status = tandem::Run(options);
  if (!status.ok()) {
    std::fprintf(stderr, "metrics_bench: %s\n", std::string(status.message()).c_str());
    return 1;
  }
  return 0;
}

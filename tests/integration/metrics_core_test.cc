// Metrics' core machinery against a real MariaDB: the rollup store, the
// page applier, settings, rebuilds and restarts, through MetricsHarness.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "services/metrics/measures.h"
#include "tandem/common/v1/event_feed_mock.grpc.pb.h"
#include "tandem/success/v1/revenue.pb.h"
#include "tandem/support/v1/events.pb.h"
#include "tests/testing/metrics_harness.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem::metrics {
namespace {

using tandem::common::v1::Event;
using ::testing::_;
using ::testing::IsEmpty;
using testing::IsOkAndHolds;
using testing::MetricsHarness;
using testing::PublishedEvent;
using ::testing::SizeIs;
using testing::StatusIs;
namespace sv1 = tandem::support::v1;
namespace cv1 = tandem::success::v1;

absl::Time At(int year, int month, int day, int hour = 0, int minute = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, minute, 0), absl::UTCTimeZone());
}

Period Day(int year, int month, int day) {
  return PeriodOf(Grain::kDay, absl::CivilDay(year, month, day));
}
Period Month(int year, int month) {
  return PeriodOf(Grain::kMonth, absl::CivilDay(year, month, 1));
}

// A ticket's life as Support publishes it: created, a public agent reply,
// solved.
std::vector<PublishedEvent> TicketLife(const std::string& tenant, int number, absl::Time created,
                                       absl::Duration to_reply, absl::Duration to_solve) {
  const std::string name = absl::StrCat("tickets/T", tenant, "x", number);
  sv1::Ticket ticket;
  ticket.set_name(name);
  ticket.set_channel(number % 2 == 0 ? sv1::Ticket::EMAIL : sv1::Ticket::CHAT);
  ticket.set_type(sv1::Ticket::QUESTION);
  ticket.set_priority(sv1::Ticket::NORMAL);
  ticket.set_status(sv1::Ticket::NEW);
  *ticket.mutable_create_time() = ToProtoTime(created);
  *ticket.mutable_update_time() = ToProtoTime(created);
  std::vector<PublishedEvent> events;
  auto add = [&](std::shared_ptr<google::protobuf::Message> payload, absl::Time when) {
    events.push_back(PublishedEvent{tenant, name, std::move(payload), when});
  };
  auto created_event = std::make_shared<sv1::TicketCreated>();
  *created_event->mutable_ticket() = ticket;
  add(created_event, created);

  const absl::Time replied = created + to_reply;
  ticket.set_status(sv1::Ticket::OPEN);
  *ticket.mutable_first_response_time() = ToProtoTime(replied);
  *ticket.mutable_update_time() = ToProtoTime(replied);
  auto reply = std::make_shared<sv1::TicketReplied>();
  *reply->mutable_ticket() = ticket;
  reply->mutable_message()->set_name(absl::StrCat(name, "/messages/1"));
  reply->mutable_message()->set_author_type(sv1::Message::AGENT);
  reply->mutable_message()->set_author("agents/a1");
  *reply->mutable_message()->mutable_create_time() = ToProtoTime(replied);
  reply->set_first_response(true);
  reply->mutable_first_response_duration()->set_seconds(absl::ToInt64Seconds(to_reply));
  add(reply, replied);

  const absl::Time solved = created + to_solve;
  ticket.set_status(sv1::Ticket::SOLVED);
  *ticket.mutable_solve_time() = ToProtoTime(solved);
  *ticket.mutable_update_time() = ToProtoTime(solved);
  auto solve = std::make_shared<sv1::TicketSolved>();
  *solve->mutable_ticket() = ticket;
  solve->mutable_resolution_duration()->set_seconds(absl::ToInt64Seconds(to_solve));
  add(solve, solved);
  return events;
}

// A new customer's first MRR, as Success publishes it.
PublishedEvent NewCustomer(const std::string& tenant, int number, absl::Time when,
                           int64_t mrr_minor) {
  const std::string account = absl::StrCat("accounts/A", tenant, "x", number);
  auto recorded = std::make_shared<cv1::MrrMovementRecorded>();
  cv1::MrrMovement& movement = *recorded->mutable_movement();
  movement.set_name(absl::StrCat(account, "/mrrMovements/M1"));
  movement.set_type(cv1::MrrMovement::NEW);
  movement.set_mrr_delta_minor(mrr_minor);
  *movement.mutable_effective_time() = ToProtoTime(when);
  movement.set_currency_code("EUR");
  movement.set_mrr_before_minor(0);
  movement.set_mrr_after_minor(mrr_minor);
  cv1::Account& snapshot = *recorded->mutable_account();
  snapshot.set_name(account);
  snapshot.set_currency_code("EUR");
  snapshot.set_plan(number % 2 == 0 ? "pro" : "basic");
  snapshot.set_touch_tier(cv1::HIGH_TOUCH);
  return PublishedEvent{tenant, account, std::move(recorded), when};
}

// Some support and success history of `tenant` in March 2026, late in the
// UTC day so that zones east of UTC move it to the next day.
void PublishHistory(MetricsHarness& harness, const std::string& tenant, int tickets,
                    int first = 0) {
  std::vector<PublishedEvent> support;
  std::vector<PublishedEvent> success;
  for (int i = first; i < first + tickets; ++i) {
    const absl::Time created = At(2026, 3, 1 + i % 28, 21, 40) + absl::Minutes(i);
    for (auto& event :
         TicketLife(tenant, i, created, absl::Minutes(15 + 7 * i), absl::Hours(2 + i % 30))) {
      support.push_back(std::move(event));
    }
    success.push_back(NewCustomer(tenant, i, created, 10'000 + 500 * i));
  }
  ASSERT_OK(harness.support_feed().PublishAll(support));
  ASSERT_OK(harness.success_feed().PublishAll(success));
}

absl::btree_map<RollupKey, Cell> StoredCells(MetricsHarness& harness, const std::string& tenant) {
  auto db = harness.pool().Acquire();
  EXPECT_OK(db);
  auto cells = harness.rollups().AllCells(**db, tenant);
  EXPECT_OK(cells);
  return cells.ok() ? *cells : absl::btree_map<RollupKey, Cell>{};
}

bool SameCells(const absl::btree_map<RollupKey, Cell>& a,
               const absl::btree_map<RollupKey, Cell>& b) {
  if (a.size() != b.size()) return false;
  for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
    if (!(i->first == j->first) || i->second.count != j->second.count ||
        i->second.total != j->second.total || !(i->second.digest == j->second.digest)) {
      return false;
    }
  }
  return true;
}

absl::Status ApplyInTransaction(MetricsHarness& harness, const Contributions& delta) {
  return mysql::RunInTransaction(
      harness.pool(), absl::Now() + absl::Seconds(30),
      [&](mysql::Transaction& tx) { return harness.rollups().Apply(tx, delta); });
}

int64_t CountOf(const absl::btree_map<std::string, Cell>& sums, const std::string& measure) {
  auto it = sums.find(measure);
  return it == sums.end() ? 0 : it->second.count;
}

// ---- Rollup store ----

class MetricsRollupStoreTest : public ::testing::Test {
 protected:
  CellQuery Query(std::vector<std::string> measures, std::vector<Period> periods,
                  std::string dimension = "", std::string value = "") {
    return CellQuery{"t1", std::move(dimension), std::move(value), std::move(measures),
                     std::move(periods)};
  }
  MetricsHarness harness_;
};

// Applying adds counts and totals to every segment's cell; applying the
// opposite deletes the cells.
TEST_F(MetricsRollupStoreTest, ApplyAddsAndDeletesCellsThatReachZero) {
  Contributions delta;
  const Segments segments = Segments().With("tier", "gold");
  delta.Add("t1", segments, "things", Day(2026, 3, 5), 2, 300);
  delta.Add("t1", segments, "things", Month(2026, 3), 2, 300);
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  EXPECT_THAT(StoredCells(harness_, "t1"), SizeIs(4));  // 2 segments × 2 periods
  ASSERT_OK_AND_ASSIGN(auto sums,
                       harness_.rollups().Sum(Query({"things"}, {Day(2026, 3, 5)}, "tier", "gold"),
                                              harness_.Deadline()));
  EXPECT_EQ(sums["things"].count, 4);
  EXPECT_EQ(sums["things"].total, 600);

  Contributions undo;
  undo.Merge(delta, -2);
  ASSERT_OK(ApplyInTransaction(harness_, undo));
  EXPECT_THAT(StoredCells(harness_, "t1"), IsEmpty());
}

// A count can come back to zero while the total does not: the cell stays.
TEST_F(MetricsRollupStoreTest, CellWithZeroCountButATotalIsKept) {
  Contributions first;
  first.Add("t1", Segments(), "balance", Day(2026, 3, 5), 1, 500);
  ASSERT_OK(ApplyInTransaction(harness_, first));
  Contributions second;
  second.Add("t1", Segments(), "balance", Day(2026, 3, 5), -1, 200);
  ASSERT_OK(ApplyInTransaction(harness_, second));
  auto cells = StoredCells(harness_, "t1");
  ASSERT_THAT(cells, SizeIs(1));
  EXPECT_EQ(cells.begin()->second.count, 0);
  EXPECT_EQ(cells.begin()->second.total, 700);
}

// Digest cells merge value by value, and retracting values restores the
// earlier digest; a cell whose digest empties is deleted.
TEST_F(MetricsRollupStoreTest, DigestCellsMergeAndRetract) {
  Contributions a;
  for (int minutes : {5, 9, 60}) {
    a.AddDuration("t1", Segments(), "wait", Day(2026, 3, 5), absl::Minutes(minutes));
  }
  Contributions b;
  b.AddDuration("t1", Segments(), "wait", Day(2026, 3, 5), absl::Minutes(30));
  ASSERT_OK(ApplyInTransaction(harness_, a));
  ASSERT_OK(ApplyInTransaction(harness_, b));
  ASSERT_OK_AND_ASSIGN(
      auto sums, harness_.rollups().Sum(Query({"wait"}, {Day(2026, 3, 5)}), harness_.Deadline()));
  const Cell& wait = sums["wait"];
  EXPECT_EQ(wait.count, 4);
  EXPECT_EQ(wait.total, absl::ToInt64Milliseconds(absl::Minutes(5 + 9 + 60 + 30)));
  EXPECT_TRUE(wait.digest.exact());
  EXPECT_DOUBLE_EQ(wait.digest.Quantile(0.5), absl::ToDoubleMilliseconds(absl::Minutes(19.5)));

  Contributions undo_b;
  undo_b.Merge(b, -1);
  ASSERT_OK(ApplyInTransaction(harness_, undo_b));
  auto cells = StoredCells(harness_, "t1");
  ASSERT_THAT(cells, SizeIs(1));
  EXPECT_TRUE(cells.begin()->second.digest == a.cells().begin()->second.digest);
  Contributions undo_a;
  undo_a.Merge(a, -1);
  ASSERT_OK(ApplyInTransaction(harness_, undo_a));
  EXPECT_THAT(StoredCells(harness_, "t1"), IsEmpty());
}

// Sum reads months and days together, counts a period listed twice once,
// and leaves out periods, measures and segments not asked for.
TEST_F(MetricsRollupStoreTest, SumCoversExactlyTheRequestedPeriods) {
  Contributions delta;
  for (const Period& period :
       {Day(2026, 1, 30), Day(2026, 1, 31), Day(2026, 3, 1), Day(2026, 3, 2), Day(2026, 1, 29)}) {
    delta.Add("t1", Segments().With("plan", "pro"), "things", period, 1, 10);
  }
  delta.Add("t1", Segments(), "things", Month(2026, 2), 100, 1000);
  delta.Add("t1", Segments(), "other", Month(2026, 2), 7, 7);
  delta.Add("t2", Segments(), "things", Month(2026, 2), 1000, 1000);
  ASSERT_OK(ApplyInTransaction(harness_, delta));

  std::vector<Period> cover =
      AdditiveCover(absl::CivilDay(2026, 1, 30), absl::CivilDay(2026, 3, 2));
  cover.push_back(Month(2026, 2));  // listed twice
  ASSERT_OK_AND_ASSIGN(auto sums,
                       harness_.rollups().Sum(Query({"things"}, cover), harness_.Deadline()));
  EXPECT_EQ(CountOf(sums, "things"), 103);  // 30 Jan, 31 Jan, February, 1 Mar
  EXPECT_EQ(sums.count("other"), 0u);
  ASSERT_OK_AND_ASSIGN(
      sums, harness_.rollups().Sum(Query({"things"}, cover, "plan", "pro"), harness_.Deadline()));
  EXPECT_EQ(CountOf(sums, "things"), 3);
  ASSERT_OK_AND_ASSIGN(sums,
                       harness_.rollups().Sum(Query({}, {Month(2026, 2)}), harness_.Deadline()));
  EXPECT_EQ(CountOf(sums, "things"), 100);
  EXPECT_EQ(CountOf(sums, "other"), 7);
}

// Segment values are compared byte for byte: case and trailing spaces make
// different segments.
TEST_F(MetricsRollupStoreTest, SegmentValuesAreExact) {
  Contributions delta;
  delta.Add("t1", Segments().With("plan", "Gold"), "things", Day(2026, 3, 5), 1, 0);
  delta.Add("t1", Segments().With("plan", "gold"), "things", Day(2026, 3, 5), 2, 0);
  delta.Add("t1", Segments().With("plan", "gold "), "things", Day(2026, 3, 5), 4, 0);
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  for (const auto& [value, count] :
       std::vector<std::pair<std::string, int64_t>>{{"Gold", 1}, {"gold", 2}, {"gold ", 4}}) {
    ASSERT_OK_AND_ASSIGN(auto sums,
                         harness_.rollups().Sum(Query({"things"}, {Day(2026, 3, 5)}, "plan", value),
                                                harness_.Deadline()));
    EXPECT_EQ(CountOf(sums, "things"), count) << "'" << value << "'";
  }
}

// Cells returns one grain's cells in a date range, keyed by measure and
// period.
TEST_F(MetricsRollupStoreTest, CellsReadsOneGrainInARange) {
  Contributions delta;
  for (int month = 1; month <= 6; ++month) {
    delta.Add("t1", Segments(), "things", Month(2026, month), month, 0);
    delta.Add("t1", Segments(), "things", Day(2026, month, 1), 1, 0);
  }
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  ASSERT_OK_AND_ASSIGN(
      auto cells,
      harness_.rollups().Cells(Query({"things"}, {}), Grain::kMonth, absl::CivilDay(2026, 2, 1),
                               absl::CivilDay(2026, 5, 1), harness_.Deadline()));
  ASSERT_THAT(cells, SizeIs(3));
  EXPECT_EQ((cells[{"things", Month(2026, 2)}].count), 2);
  EXPECT_EQ((cells[{"things", Month(2026, 4)}].count), 4);
}

// Custom periods are never stored, and Sum refuses them too.
TEST_F(MetricsRollupStoreTest, CustomPeriodsAreRefused) {
  const Period custom{Grain::kCustom, absl::CivilDay(2026, 3, 3), absl::CivilDay(2026, 3, 10)};
  Contributions delta;
  delta.Add("t1", Segments(), "things", custom, 1, 0);
  EXPECT_THAT(ApplyInTransaction(harness_, delta), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(harness_.rollups().Sum(Query({"things"}, {custom}), harness_.Deadline()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(StoredCells(harness_, "t1"), IsEmpty());
}

// The first month is the month of the tenant's earliest cell.
TEST_F(MetricsRollupStoreTest, FirstMonthIsTheEarliestMonthCell) {
  EXPECT_THAT(harness_.rollups().FirstMonth("t1", harness_.Deadline()),
              IsOkAndHolds(std::optional<absl::CivilDay>()));
  Contributions delta;
  delta.Add("t1", Segments(), "late", Month(2026, 5), 1, 0);
  delta.Add("t1", Segments(), "early", Month(2025, 11), 1, 0);
  delta.Add("t2", Segments(), "earlier", Month(2024, 1), 1, 0);
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  EXPECT_THAT(harness_.rollups().FirstMonth("t1", harness_.Deadline()),
              IsOkAndHolds(std::optional<absl::CivilDay>(absl::CivilDay(2025, 11, 1))));
}

// ---- Applier, with keepers of the test's own ----

// Counts every event of its type at the event's day in the tenant's zone;
// records what it was given.
class CountingKeeper final : public FactKeeper {
 public:
  explicit CountingKeeper(std::string type) : type_(std::move(type)) {}
  absl::string_view name() const override { return type_; }
  bool Handles(const Event& event) const override { return event.type() == type_; }
  absl::Status ApplyPage(mysql::Transaction&, const TenantSchemes& schemes,
                         const std::vector<const Event*>& events, Contributions& delta) override {
    ++pages;
    for (const Event* event : events) {
      seen.push_back(event->event_id());
      const PeriodScheme& scheme = schemes.For(event->tenant());
      for (const Period& period : scheme.AdditivePeriods(FromProtoTime(event->occur_time()))) {
        delta.Add(event->tenant(), Segments(), type_, period, 1, 0);
      }
    }
    return absl::OkStatus();
  }
  absl::Status AddWindowMeasures(mysql::Connection&, const std::string&, const PeriodScheme&,
                                 absl::Time, Contributions&) override {
    return absl::OkStatus();
  }
  absl::Status AddAllContributions(mysql::Connection&, const std::string&, const PeriodScheme&,
                                   absl::Time, Contributions&) override {
    return absl::OkStatus();
  }
  absl::Status DeleteTenant(mysql::Transaction&, const std::string&) override {
    return absl::OkStatus();
  }

  int pages = 0;
  std::vector<std::string> seen;

 private:
  std::string type_;
};

Event TestEvent(const std::string& id, const std::string& tenant, const std::string& type,
                absl::Time when) {
  Event event;
  event.set_event_id(id);
  event.set_tenant(tenant);
  event.set_type(type);
  event.set_source("tandem.test.v1");
  *event.mutable_occur_time() = ToProtoTime(when);
  return event;
}

// A page reaches each keeper once, with only its events in feed order,
// under each tenant's own zone; events nobody handles are only counted.
TEST(MetricsApplierTest, RoutesAPageToKeepersInFeedOrderUnderEachTenantsZone) {
  MetricsHarness harness;
  ASSERT_OK(harness.SetTimeZone("tokyo", "Asia/Tokyo"));
  CountingKeeper pings("Ping");
  CountingKeeper pongs("Pong");
  MetricsApplier applier({&pings, &pongs}, &harness.rollups());
  const absl::Time late = At(2026, 3, 31, 20);  // 1 April 05:00 in Tokyo
  std::vector<Event> page = {
      TestEvent("e1", "tokyo", "Ping", late), TestEvent("e2", "utc", "Pong", late),
      TestEvent("e3", "utc", "Ping", late), TestEvent("e4", "utc", "Unknown", late),
      TestEvent("e5", "tokyo", "Ping", late + absl::Hours(1))};
  std::vector<const Event*> batch;
  for (const Event& event : page) batch.push_back(&event);
  ASSERT_OK(mysql::RunInTransaction(
      harness.pool(), harness.Deadline(),
      [&](mysql::Transaction& tx) { return applier.ApplyBatch(tx, batch); }));
  EXPECT_EQ(pings.pages, 1);
  EXPECT_THAT(pings.seen, ::testing::ElementsAre("e1", "e3", "e5"));
  EXPECT_THAT(pongs.seen, ::testing::ElementsAre("e2"));
  ASSERT_OK_AND_ASSIGN(
      auto tokyo, harness.rollups().Sum(CellQuery{"tokyo", "", "", {"Ping"}, {Day(2026, 4, 1)}},
                                        harness.Deadline()));
  EXPECT_EQ(CountOf(tokyo, "Ping"), 2);
  ASSERT_OK_AND_ASSIGN(auto utc, harness.rollups().Sum(
                                     CellQuery{"utc", "", "", {"Ping", "Pong"}, {Day(2026, 3, 31)}},
                                     harness.Deadline()));
  EXPECT_EQ(CountOf(utc, "Ping"), 1);
  EXPECT_EQ(CountOf(utc, "Pong"), 1);
  // Every event, handled or not, is in event_counts (per UTC day).
  ASSERT_OK_AND_ASSIGN(auto db, harness.pool().Acquire());
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT tenant_id, event_type, events FROM "
                                            "event_counts ORDER BY tenant_id, event_type"));
  ASSERT_THAT(rows, SizeIs(4));
  EXPECT_EQ(rows[0].String(0) + "/" + rows[0].String(1) + "=" + std::to_string(rows[0].Int(2)),
            "tokyo/Ping=2");
  EXPECT_EQ(rows[3].String(0) + "/" + rows[3].String(1) + "=" + std::to_string(rows[3].Int(2)),
            "utc/Unknown=1");
}

// The consumer hands the applier each page once, with only the events after
// its cursor, in feed order.
TEST(MetricsApplierTest, ConsumerAppliesOnePagePerPoll) {
  MetricsHarness harness;
  std::vector<PublishedEvent> events;
  for (int i = 0; i < 25; ++i) {
    auto created = std::make_shared<sv1::TicketCreated>();
    created->mutable_ticket()->set_name(absl::StrCat("tickets/", i));
    events.push_back(PublishedEvent{"t1", absl::StrCat("tickets/", i), created,
                                    At(2026, 3, 1) + absl::Minutes(i)});
  }
  ASSERT_OK(harness.support_feed().PublishAll(events));
  CountingKeeper created("TicketCreated");
  MetricsApplier applier({&created}, &harness.rollups());
  feed::ConsumerOptions options;
  options.feed = "support";
  options.page_size = 10;
  feed::FeedConsumer consumer(
      options, harness.support_feed().stub(),
      [] { return absl::StatusOr<std::string>(testing::TestToken("*", {"service"})); },
      &harness.pool(), &applier);
  EXPECT_THAT(consumer.PollOnce(), IsOkAndHolds(10));
  EXPECT_THAT(consumer.PollOnce(), IsOkAndHolds(10));
  EXPECT_THAT(consumer.PollOnce(), IsOkAndHolds(5));
  EXPECT_THAT(consumer.PollOnce(), IsOkAndHolds(0));
  EXPECT_EQ(created.pages, 3);
  ASSERT_OK_AND_ASSIGN(auto read, harness.support_feed().ReadAll());
  std::vector<std::string> in_feed_order;
  for (const Event& event : read) in_feed_order.push_back(event.event_id());
  EXPECT_EQ(created.seen, in_feed_order);
}

// ---- Through the feeds, with every real keeper ----

// Consuming the feeds fills the rollups, and they equal the recomputation
// from the stored facts.
TEST(MetricsCoreTest, ConsumedFeedsEqualTheRecomputationFromFacts) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 12);
  ASSERT_OK_AND_ASSIGN(int64_t applied, harness.CatchUp());
  EXPECT_EQ(applied, 12 * 4);
  EXPECT_THAT(StoredCells(harness, "t1"), ::testing::Not(IsEmpty()));
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  ASSERT_OK_AND_ASSIGN(
      auto sums,
      harness.rollups().Sum(CellQuery{"t1", "", "", {measure::kTicketsCreated}, {Month(2026, 3)}},
                            harness.Deadline()));
  EXPECT_EQ(CountOf(sums, measure::kTicketsCreated), 12);
}

// A page delivered again (in one batch, bypassing the cursors) changes no
// cell.
TEST(MetricsCoreTest, DuplicateDeliveryChangesNoCell) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 10);
  ASSERT_OK(harness.CatchUp().status());
  const auto before = StoredCells(harness, "t1");
  ASSERT_THAT(before, ::testing::Not(IsEmpty()));
  ASSERT_OK_AND_ASSIGN(auto support, harness.support_feed().ReadAll());
  ASSERT_OK_AND_ASSIGN(auto success, harness.success_feed().ReadAll());
  ASSERT_OK(harness.ApplyDirectly(support));
  ASSERT_OK(harness.ApplyDirectly(success));
  // Also out of order: the last half first, one event at a time.
  for (size_t i = support.size(); i-- > support.size() / 2;) {
    ASSERT_OK(harness.ApplyDirectly({support[i]}));
  }
  EXPECT_TRUE(SameCells(before, StoredCells(harness, "t1")));
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
}

// A rebuild replays the feeds into the same cells as incremental
// consumption, records its success, and leaves other tenants alone.
TEST(MetricsCoreTest, RebuildEqualsIncrementalAndLeavesOtherTenantsAlone) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 9);
  PublishHistory(harness, "t2", 4);
  ASSERT_OK(harness.CatchUp().status());
  const auto t1 = StoredCells(harness, "t1");
  const auto t2 = StoredCells(harness, "t2");
  ASSERT_OK(harness.Rebuild("t1"));
  EXPECT_TRUE(SameCells(t1, StoredCells(harness, "t1")));
  EXPECT_TRUE(SameCells(t2, StoredCells(harness, "t2")));
  ASSERT_OK_AND_ASSIGN(auto latest, harness.rebuilds().Latest("t1", harness.Deadline()));
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->state(), v1::RollupRebuild::SUCCEEDED);
  EXPECT_EQ(latest->events_replayed(), 9 * 4);
  EXPECT_TRUE(latest->has_end_time());
  ASSERT_OK_AND_ASSIGN(auto other, harness.rebuilds().Latest("t2", harness.Deadline()));
  EXPECT_FALSE(other.has_value());
  // Event counts were recounted, not doubled.
  ASSERT_OK_AND_ASSIGN(auto db, harness.pool().Acquire());
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT SUM(events) FROM event_counts "
                                            "WHERE tenant_id = 't1'"));
  EXPECT_EQ(rows[0].Int(0), 9 * 4);
}

// A rebuild replays only up to the consumers' cursors; what they had not
// consumed yet is applied once afterwards.
TEST(MetricsCoreTest, EventsAfterTheCursorsAreConsumedOnceAfterARebuild) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 6);
  ASSERT_OK(harness.CatchUp().status());
  PublishHistory(harness, "t1", 5, /*first=*/6);
  ASSERT_OK(harness.Rebuild("t1"));
  ASSERT_OK_AND_ASSIGN(auto latest, harness.rebuilds().Latest("t1", harness.Deadline()));
  EXPECT_EQ(latest->events_replayed(), 6 * 4);
  ASSERT_OK_AND_ASSIGN(int64_t applied, harness.CatchUp());
  EXPECT_EQ(applied, 5 * 4);
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  ASSERT_OK_AND_ASSIGN(
      auto sums,
      harness.rollups().Sum(CellQuery{"t1", "", "", {measure::kTicketsCreated}, {Month(2026, 3)}},
                            harness.Deadline()));
  EXPECT_EQ(CountOf(sums, measure::kTicketsCreated), 11);
}

// While a rebuild replays, readers still see the old cells; the new ones
// replace them at its commit. A second rebuild of the tenant is refused
// meanwhile.
TEST(MetricsCoreTest, RebuildSwapsCellsAtomically) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 8);
  ASSERT_OK(harness.CatchUp().status());
  const auto before = StoredCells(harness, "t1");
  // Knock one cell off so the rebuild has something to repair.
  Contributions damage;
  damage.Add("t1", Segments(), measure::kTicketsCreated, Month(2026, 3), 1000, 0);
  ASSERT_OK(ApplyInTransaction(harness, damage));
  const auto damaged = StoredCells(harness, "t1");

  // The feed answers the rebuild only when the test lets it.
  std::mutex mu;
  std::condition_variable cv;
  bool asked = false;
  bool release = false;
  auto gated = std::make_shared<::testing::NiceMock<tandem::common::v1::MockEventFeedStub>>();
  auto real = harness.support_feed().stub();
  ON_CALL(*gated, ListEvents(_, _, _))
      .WillByDefault([&](grpc::ClientContext* context,
                         const tandem::common::v1::ListEventsRequest& request,
                         tandem::common::v1::ListEventsResponse* response) {
        {
          std::unique_lock<std::mutex> lock(mu);
          asked = true;
          cv.notify_all();
          cv.wait(lock, [&] { return release; });
        }
        grpc::ClientContext forward;
        testing::Authorize(forward, testing::TestToken("t1", {"service"}));
        (void)context;
        return real->ListEvents(&forward, request, response);
      });
  RebuilderDeps deps;
  deps.pool = &harness.pool();
  deps.applier = &harness.applier();
  deps.rollups = &harness.rollups();
  deps.keepers = harness.keepers();
  deps.feeds = {{"support", gated}, {"success", harness.success_feed().stub()}};
  deps.token = [](const std::string& tenant) -> absl::StatusOr<std::string> {
    return testing::TestToken(tenant, {"service"});
  };
  deps.clock = &SystemClock::Get();
  RollupRebuilder rebuilder(std::move(deps));
  ASSERT_OK_AND_ASSIGN(auto started, rebuilder.Start("t1"));
  EXPECT_EQ(started.state(), v1::RollupRebuild::RUNNING);
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return asked; }));
  }
  // The rebuild has deleted and is replaying inside its transaction.
  EXPECT_TRUE(SameCells(damaged, StoredCells(harness, "t1")));
  EXPECT_THAT(rebuilder.Start("t1").status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  ASSERT_OK_AND_ASSIGN(auto running, rebuilder.Latest("t1", harness.Deadline()));
  EXPECT_EQ(running->state(), v1::RollupRebuild::RUNNING);
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
    cv.notify_all();
  }
  rebuilder.WaitIdle();
  EXPECT_TRUE(SameCells(before, StoredCells(harness, "t1")));
  ASSERT_OK_AND_ASSIGN(auto done, rebuilder.Latest("t1", harness.Deadline()));
  EXPECT_EQ(done->state(), v1::RollupRebuild::SUCCEEDED);
}

// A rebuild whose feed fails is FAILED with the reason, and the old cells
// stay.
TEST(MetricsCoreTest, FailedRebuildKeepsTheOldCells) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 3);
  ASSERT_OK(harness.CatchUp().status());
  const auto before = StoredCells(harness, "t1");
  auto broken = std::make_shared<::testing::NiceMock<tandem::common::v1::MockEventFeedStub>>();
  ON_CALL(*broken, ListEvents(_, _, _))
      .WillByDefault(::testing::Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed down")));
  RebuilderDeps deps;
  deps.pool = &harness.pool();
  deps.applier = &harness.applier();
  deps.rollups = &harness.rollups();
  deps.keepers = harness.keepers();
  deps.feeds = {{"support", broken}, {"success", harness.success_feed().stub()}};
  deps.token = [](const std::string&) -> absl::StatusOr<std::string> { return "token"; };
  deps.clock = &SystemClock::Get();
  RollupRebuilder rebuilder(std::move(deps));
  ASSERT_OK(rebuilder.Start("t1").status());
  rebuilder.WaitIdle();
  ASSERT_OK_AND_ASSIGN(auto latest, rebuilder.Latest("t1", harness.Deadline()));
  EXPECT_EQ(latest->state(), v1::RollupRebuild::FAILED);
  EXPECT_THAT(latest->error(), ::testing::HasSubstr("feed down"));
  EXPECT_TRUE(SameCells(before, StoredCells(harness, "t1")));
}

// A RUNNING rebuild left by a stopped process is reported FAILED
// "interrupted" once the process starts again.
TEST(MetricsCoreTest, RebuildLeftRunningByACrashIsReportedInterrupted) {
  MetricsHarness harness;
  {
    ASSERT_OK_AND_ASSIGN(auto db, harness.pool().Acquire());
    ASSERT_OK(db->Execute("INSERT INTO rollup_rebuilds (tenant_id, state, start_time, "
                          "events_replayed, error) VALUES ('t1', 1, UTC_TIMESTAMP(6), 5, '')")
                  .status());
  }
  harness.Restart();
  ASSERT_OK_AND_ASSIGN(auto latest, harness.rebuilds().Latest("t1", harness.Deadline()));
  EXPECT_EQ(latest->state(), v1::RollupRebuild::FAILED);
  EXPECT_THAT(latest->error(), ::testing::HasSubstr("interrupted"));
  EXPECT_TRUE(latest->has_end_time());
  // And a new rebuild may start.
  EXPECT_OK(harness.Rebuild("t1"));
}

// A restarted Metrics resumes from its cursors: nothing is applied twice,
// and later events are applied once.
TEST(MetricsCoreTest, RestartResumesFromTheCursors) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 7);
  ASSERT_OK(harness.CatchUp().status());
  const auto before = StoredCells(harness, "t1");
  harness.Restart();
  EXPECT_THAT(harness.CatchUp(), IsOkAndHolds(0));
  EXPECT_TRUE(SameCells(before, StoredCells(harness, "t1")));
  PublishHistory(harness, "t1", 2, /*first=*/7);
  EXPECT_THAT(harness.CatchUp(), IsOkAndHolds(2 * 4));
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
}

// ---- Settings ----

// Settings start at the defaults, change by mask, carry an etag, and refuse
// a stale one.
TEST(MetricsSettingsTest, UpdateByMaskWithEtags) {
  MetricsHarness harness;
  ASSERT_OK_AND_ASSIGN(auto settings, harness.settings().Get("t1", harness.Deadline()));
  EXPECT_EQ(settings.time_zone(), "UTC");
  EXPECT_EQ(settings.gross_margin_basis_points(), 10000);
  EXPECT_EQ(settings.etag(), "");
  EXPECT_FALSE(settings.has_update_time());

  v1::MetricSettings change;
  change.set_gross_margin_basis_points(7500);
  change.set_time_zone("ignored/not in the mask");
  google::protobuf::FieldMask margin;
  margin.add_paths("gross_margin_basis_points");
  ASSERT_OK_AND_ASSIGN(auto first,
                       harness.settings().Update("t1", change, margin, harness.Deadline()));
  EXPECT_EQ(first.gross_margin_basis_points(), 7500);
  EXPECT_EQ(first.time_zone(), "UTC");
  EXPECT_NE(first.etag(), "");
  EXPECT_TRUE(first.has_update_time());
  ASSERT_OK_AND_ASSIGN(auto read, harness.settings().Get("t1", harness.Deadline()));
  EXPECT_EQ(read.SerializeAsString(), first.SerializeAsString());

  change.set_gross_margin_basis_points(8000);
  change.set_etag(first.etag());
  ASSERT_OK_AND_ASSIGN(auto second,
                       harness.settings().Update("t1", change, margin, harness.Deadline()));
  EXPECT_NE(second.etag(), first.etag());
  // The first etag is stale now.
  EXPECT_THAT(harness.settings().Update("t1", change, margin, harness.Deadline()).status(),
              StatusIs(absl::StatusCode::kAborted));
  // Another tenant is unaffected.
  ASSERT_OK_AND_ASSIGN(auto other, harness.settings().Get("t2", harness.Deadline()));
  EXPECT_EQ(other.gross_margin_basis_points(), 10000);
  // An etag for settings never written is stale too.
  change.set_etag(second.etag());
  EXPECT_THAT(harness.settings().Update("t2", change, margin, harness.Deadline()).status(),
              StatusIs(absl::StatusCode::kAborted));
}

// Changing the time zone rebuilds the tenant's rollups in the new zone.
TEST(MetricsSettingsTest, TimeZoneChangeRebuildsInTheNewZone) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 1);  // created 2026-03-01 21:40 UTC
  ASSERT_OK(harness.CatchUp().status());
  const auto created_on = [&](const Period& day) {
    auto sums = harness.rollups().Sum(CellQuery{"t1", "", "", {measure::kTicketsCreated}, {day}},
                                      harness.Deadline());
    EXPECT_OK(sums);
    return sums.ok() ? CountOf(*sums, measure::kTicketsCreated) : -1;
  };
  EXPECT_EQ(created_on(Day(2026, 3, 1)), 1);
  ASSERT_OK(harness.SetTimeZone("t1", "Asia/Tokyo"));  // 2 March 06:40 there
  EXPECT_EQ(created_on(Day(2026, 3, 1)), 0);
  EXPECT_EQ(created_on(Day(2026, 3, 2)), 1);
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  ASSERT_OK_AND_ASSIGN(auto latest, harness.rebuilds().Latest("t1", harness.Deadline()));
  EXPECT_EQ(latest->state(), v1::RollupRebuild::SUCCEEDED);
}


// A changed zone is only requested until the rebuild that re-derives the
// cells in it commits: pages applied meanwhile (and after a rebuild that
// never starts or fails) stay in the effective zone, so the cells always
// equal the recomputation in it; the successful rebuild switches both.
TEST(MetricsSettingsTest, EventsAppliedBeforeTheRebuildCommitsStayInTheEffectiveZone) {
  MetricsHarness harness;
  PublishHistory(harness, "t1", 1);  // created 2026-03-01 21:40 UTC
  ASSERT_OK(harness.CatchUp().status());
  const auto created_on = [&](const Period& day) {
    auto sums = harness.rollups().Sum(CellQuery{"t1", "", "", {measure::kTicketsCreated}, {day}},
                                      harness.Deadline());
    EXPECT_OK(sums);
    return sums.ok() ? CountOf(*sums, measure::kTicketsCreated) : -1;
  };
  // A settings store whose zone changes start no rebuild.
  MysqlSettingsStore settings(&harness.pool(), &SystemClock::Get(),
                              [](const std::string&) {});
  v1::MetricSettings change;
  change.set_time_zone("Asia/Tokyo");
  google::protobuf::FieldMask mask;
  mask.add_paths("time_zone");
  ASSERT_OK(settings.Update("t1", change, mask, harness.Deadline()).status());
  ASSERT_OK_AND_ASSIGN(v1::MetricSettings requested, settings.Get("t1", harness.Deadline()));
  EXPECT_EQ(requested.time_zone(), "Asia/Tokyo");
  EXPECT_THAT(settings.EffectiveTimeZone("t1", harness.Deadline()), IsOkAndHolds("UTC"));

  PublishHistory(harness, "t1", 1, 1);  // created 2026-03-02 21:41 UTC
  ASSERT_OK(harness.CatchUp().status());
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  EXPECT_EQ(created_on(Day(2026, 3, 1)), 1);
  EXPECT_EQ(created_on(Day(2026, 3, 2)), 1);

  // A failing rebuild leaves the zone and the cells as they were.
  auto broken = std::make_shared<::testing::NiceMock<tandem::common::v1::MockEventFeedStub>>();
  ON_CALL(*broken, ListEvents(_, _, _))
      .WillByDefault(::testing::Return(grpc::Status(grpc::StatusCode::UNAVAILABLE, "feed down")));
  RebuilderDeps deps;
  deps.pool = &harness.pool();
  deps.applier = &harness.applier();
  deps.rollups = &harness.rollups();
  deps.keepers = harness.keepers();
  deps.feeds = {{"support", harness.support_feed().stub()}, {"success", broken}};
  deps.token = [](const std::string&) -> absl::StatusOr<std::string> { return "token"; };
  deps.clock = &SystemClock::Get();
  {
    RollupRebuilder failing(std::move(deps));
    ASSERT_OK(failing.Start("t1").status());
    failing.WaitIdle();
    ASSERT_OK_AND_ASSIGN(auto latest, failing.Latest("t1", harness.Deadline()));
    EXPECT_EQ(latest->state(), v1::RollupRebuild::FAILED);
  }
  EXPECT_THAT(settings.EffectiveTimeZone("t1", harness.Deadline()), IsOkAndHolds("UTC"));
  PublishHistory(harness, "t1", 1, 2);  // created 2026-03-03 21:42 UTC
  ASSERT_OK(harness.CatchUp().status());
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  EXPECT_EQ(created_on(Day(2026, 3, 3)), 1);

  // The rebuild that succeeds makes the requested zone the effective one.
  ASSERT_OK(harness.Rebuild("t1"));
  EXPECT_THAT(settings.EffectiveTimeZone("t1", harness.Deadline()), IsOkAndHolds("Asia/Tokyo"));
  EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
  EXPECT_EQ(created_on(Day(2026, 3, 1)), 0);
  EXPECT_EQ(created_on(Day(2026, 3, 2)), 1);
  EXPECT_EQ(created_on(Day(2026, 3, 4)), 1);
}

// A rollup measure holds a feature name of up to 100 characters.
TEST_F(MetricsRollupStoreTest, MeasureHoldsALongFeatureName) {
  Contributions delta;
  const std::string measure_name = absl::StrCat("feature_accounts:", std::string(100, 'f'));
  delta.Add("t1", Segments(), measure_name, Day(2026, 3, 1), 1, 0);
  ASSERT_OK(ApplyInTransaction(harness_, delta));
  ASSERT_OK_AND_ASSIGN(auto sums, harness_.rollups().Sum(Query({measure_name}, {Day(2026, 3, 1)}),
                                                         harness_.Deadline()));
  EXPECT_EQ(CountOf(sums, measure_name), 1);
}

}  // namespace
}  // namespace tandem::metrics

#include "tests/testing/metrics_harness.h"

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>

#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/clock.h"
#include "common/mysql/transaction.h"
#include "common/status.h"
#include "common_migrations.h"
#include "metrics_migrations.h"
#include "tests/testing/servers.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem::testing {
namespace {

using tandem::common::v1::Event;
using tandem::common::v1::EventFeed;

constexpr int kPageSize = 1000;  // as main.cc's consumers
constexpr absl::Duration kWait = absl::Seconds(60);

// How many times CatchUp() retries a poll that waited on a locked cursor.
constexpr int kAbortedRetries = 20;

std::string ServiceToken(const std::string& tenant) { return TestToken(tenant, {"service"}); }

std::string GrainName(metrics::Grain grain) {
  switch (grain) {
    case metrics::Grain::kDay:
      return "day";
    case metrics::Grain::kWeek:
      return "week";
    case metrics::Grain::kMonth:
      return "month";
    case metrics::Grain::kQuarter:
      return "quarter";
    case metrics::Grain::kYear:
      return "year";
    case metrics::Grain::kCustom:
      return "custom";
  }
  return "?";
}

std::string DescribeKey(const metrics::RollupKey& key) {
  return absl::StrCat(key.measure, " [",
                      key.dimension.empty() ? "all" : absl::StrCat(key.dimension, "=", key.value),
                      "] ", GrainName(key.period.grain), " ",
                      metrics::FormatDate(key.period.start));
}

std::string DescribeCell(const metrics::Cell* cell) {
  if (cell == nullptr) return "none";
  std::string text = absl::StrCat("count ", cell->count, ", total ", cell->total);
  if (!cell->digest.empty()) {
    absl::StrAppend(&text, ", digest of ", cell->digest.count(), " (", cell->digest.total_millis(),
                    " ms, ", cell->digest.Serialize().size(), " bytes)");
  }
  return text;
}

bool SameCell(const metrics::Cell& a, const metrics::Cell& b) {
  return a.count == b.count && a.total == b.total && a.digest == b.digest;
}

}  // namespace

MetricsFeedSource MetricsFeedSource::Of(SupportServer& server) {
  return MetricsFeedSource{
      .outbox = &server.outbox, .pool = &server.database.pool(), .stub = nullptr};
}

MetricsFeedSource MetricsFeedSource::Of(SuccessServer& server) {
  return MetricsFeedSource{
      .outbox = &server.outbox, .pool = &server.database.pool(), .stub = nullptr};
}

// ---- MetricsFeedProducer ----

MetricsFeedProducer::MetricsFeedProducer(const std::string& name)
    : database_(std::make_unique<TestDatabase>(absl::StrCat("feed_", name))) {
  database_->Migrate({CommonMigrations()});
  owned_outbox_ = std::make_unique<feed::Outbox>(&database_->pool());
  outbox_ = owned_outbox_.get();
  pool_ = &database_->pool();
  Serve();
}

MetricsFeedProducer::MetricsFeedProducer(feed::Outbox* outbox, mysql::Pool* pool)
    : outbox_(outbox), pool_(pool) {
  Serve();
}

MetricsFeedProducer::MetricsFeedProducer(std::shared_ptr<EventFeed::StubInterface> stub)
    : stub_(std::move(stub)) {}

MetricsFeedProducer::~MetricsFeedProducer() {
  if (server_ != nullptr) server_->Shutdown();
}

void MetricsFeedProducer::Serve() {
  auth_ = TestAuthenticator();
  service_ = std::make_unique<feed::EventFeedService>(auth_.get(), outbox_);
  server_ = std::make_unique<ServerRunner>(ServerOptions{.name = "metrics-harness-feed"});
  server_->AddService(service_.get());
  EXPECT_OK(server_->Start());
  stub_ = EventFeed::NewStub(grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->grpc_port()),
                                                 grpc::InsecureChannelCredentials()));
}

absl::StatusOr<int64_t> MetricsFeedProducer::Publish(const std::string& tenant,
                                                     const std::string& subject,
                                                     const google::protobuf::Message& payload,
                                                     absl::Time occur_time) {
  if (pool_ == nullptr) return absl::FailedPreconditionError("this feed takes no Publish()");
  RETURN_IF_ERROR(mysql::RunInTransaction(*pool_, absl::Now() + kWait, [&](mysql::Transaction& tx) {
    return outbox_->Append(tx, tenant, subject, payload, occur_time);
  }));
  RETURN_IF_ERROR(SequenceAll());
  return outbox_->Head("", absl::Now() + kWait);
}

absl::Status MetricsFeedProducer::PublishAll(const std::vector<PublishedEvent>& events) {
  if (pool_ == nullptr) return absl::FailedPreconditionError("this feed takes no Publish()");
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *pool_, absl::Now() + kWait, [&](mysql::Transaction& tx) -> absl::Status {
        for (const PublishedEvent& event : events) {
          RETURN_IF_ERROR(
              outbox_->Append(tx, event.tenant, event.subject, *event.payload, event.occur_time));
        }
        return absl::OkStatus();
      }));
  return SequenceAll();
}

absl::Status MetricsFeedProducer::SequenceAll() {
  if (outbox_ == nullptr) return absl::OkStatus();
  while (true) {
    ASSIGN_OR_RETURN(int sequenced, outbox_->SequencePending(10000));
    if (sequenced == 0) return absl::OkStatus();
  }
}

absl::StatusOr<std::vector<Event>> MetricsFeedProducer::ReadAll(const std::string& tenant) {
  std::vector<Event> events;
  int64_t after = 0;
  while (true) {
    grpc::ClientContext context;
    Authorize(context, ServiceToken(tenant.empty() ? std::string(kAllTenants) : tenant), kWait);
    tandem::common::v1::ListEventsRequest request;
    request.set_after_cursor(after);
    request.set_page_size(kPageSize);
    tandem::common::v1::ListEventsResponse page;
    grpc::Status status = stub_->ListEvents(&context, request, &page);
    if (!status.ok()) return FromGrpcStatus(status);
    if (page.events().empty()) return events;
    for (const Event& event : page.events()) {
      after = event.cursor();
      events.push_back(event);
    }
  }
}

// ---- MetricsHarness ----

MetricsHarness::MetricsHarness() : MetricsHarness(MetricsFeedSource{}, MetricsFeedSource{}) {}

MetricsHarness::MetricsHarness(MetricsFeedSource support, MetricsFeedSource success)
    : page_tokens_(kTestPageTokenKey) {
  database_.Migrate({CommonMigrations(), MetricsMigrations()});
  auto producer = [](MetricsFeedSource& source, const std::string& name) {
    if (source.outbox != nullptr) {
      return std::make_unique<MetricsFeedProducer>(source.outbox, source.pool);
    }
    if (source.stub != nullptr) return std::make_unique<MetricsFeedProducer>(source.stub);
    return std::make_unique<MetricsFeedProducer>(name);
  };
  support_ = producer(support, "support");
  success_ = producer(success, "success");
  Wire();
}

MetricsHarness::~MetricsHarness() { Unwire(); }

void MetricsHarness::Wire() {
  mysql::Pool* pool = &database_.pool();
  keepers_ = std::make_unique<metrics::MetricsKeepers>(pool);
  store_ = std::make_unique<metrics::MysqlMetricsStore>(pool);
  rollups_ = std::make_unique<metrics::MysqlRollupStore>(pool);
  applier_ = std::make_unique<metrics::MetricsApplier>(keepers_->keepers(), rollups_.get());
  metrics::RebuilderDeps rebuild_deps;
  rebuild_deps.pool = pool;
  rebuild_deps.applier = applier_.get();
  rebuild_deps.rollups = rollups_.get();
  rebuild_deps.keepers = keepers_->keepers();
  rebuild_deps.feeds = {{"support", support_->stub()}, {"success", success_->stub()}};
  rebuild_deps.token = [](const std::string& tenant) -> absl::StatusOr<std::string> {
    return ServiceToken(tenant);
  };
  rebuild_deps.clock = &SystemClock::Get();
  rebuilder_ = std::make_unique<metrics::RollupRebuilder>(std::move(rebuild_deps));
  EXPECT_OK(rebuilder_->RecoverInterrupted(absl::Now() + kWait));
  settings_ = std::make_unique<metrics::MysqlSettingsStore>(
      pool, &SystemClock::Get(),
      [this](const std::string& tenant) { rebuilder_->StartOrQueue(tenant); });
  metrics::MetricsDeps deps;
  deps.store = store_.get();
  deps.rollups = rollups_.get();
  deps.settings = settings_.get();
  deps.rebuilds = rebuilder_.get();
  deps.key_features = keepers_->key_features();
  deps.keepers = keepers_->keepers();
  deps.pool = pool;
  deps.page_tokens = &page_tokens_;
  deps.clock = &SystemClock::Get();
  deps.feeds = {"support", "success"};
  manager_ = std::make_unique<metrics::MetricsManager>(std::move(deps));
  for (MetricsFeedProducer* producer : {support_.get(), success_.get()}) {
    feed::ConsumerOptions options;
    options.feed = producer == support_.get() ? "support" : "success";
    options.page_size = kPageSize;
    options.call_timeout = kWait;
    consumers_.push_back(std::make_unique<feed::FeedConsumer>(
        options, producer->stub(),
        [] { return absl::StatusOr<std::string>(ServiceToken(std::string(kAllTenants))); }, pool,
        applier_.get()));
  }
}

void MetricsHarness::Unwire() {
  consumers_.clear();
  manager_.reset();
  settings_.reset();
  rebuilder_.reset();  // waits for running rebuilds
  applier_.reset();
  rollups_.reset();
  store_.reset();
  keepers_.reset();
}

void MetricsHarness::Restart() {
  Unwire();
  Wire();
}

absl::StatusOr<int64_t> MetricsHarness::CatchUp() {
  RETURN_IF_ERROR(support_->SequenceAll());
  RETURN_IF_ERROR(success_->SequenceAll());
  int64_t applied = 0;
  for (auto& consumer : consumers_) {
    int aborted = 0;
    while (true) {
      absl::StatusOr<int> polled = consumer->PollOnce();
      if (absl::IsAborted(polled.status()) && ++aborted <= kAbortedRetries) continue;
      if (!polled.ok()) return polled.status();
      if (*polled == 0) break;
      applied += *polled;
    }
  }
  return applied;
}

absl::Status MetricsHarness::ApplyDirectly(const std::vector<Event>& events) {
  std::vector<const Event*> batch;
  batch.reserve(events.size());
  for (const Event& event : events) batch.push_back(&event);
  return mysql::RunInTransaction(
      database_.pool(), absl::Now() + kWait,
      [&](mysql::Transaction& tx) { return applier_->ApplyBatch(tx, batch); });
}

absl::Status MetricsHarness::Rebuild(const std::string& tenant) {
  RETURN_IF_ERROR(rebuilder_->Start(tenant).status());
  rebuilder_->WaitIdle();
  ASSIGN_OR_RETURN(auto latest, rebuilder_->Latest(tenant, absl::Now() + kWait));
  if (!latest.has_value()) return absl::InternalError("the rebuild left no record");
  if (latest->state() != metrics::v1::RollupRebuild::SUCCEEDED) {
    return absl::InternalError(absl::StrCat("rebuild failed: ", latest->error()));
  }
  return absl::OkStatus();
}

absl::Status MetricsHarness::SetTimeZone(const std::string& tenant, const std::string& zone) {
  metrics::v1::MetricSettings settings;
  settings.set_time_zone(zone);
  google::protobuf::FieldMask mask;
  mask.add_paths("time_zone");
  RETURN_IF_ERROR(settings_->Update(tenant, settings, mask, absl::Now() + kWait).status());
  rebuilder_->WaitIdle();
  ASSIGN_OR_RETURN(auto latest, rebuilder_->Latest(tenant, absl::Now() + kWait));
  if (latest.has_value() && latest->state() == metrics::v1::RollupRebuild::FAILED) {
    return absl::InternalError(
        absl::StrCat("rebuild after the zone change failed: ", latest->error()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> MetricsHarness::RecomputationDiff(const std::string& tenant) {
  const absl::Time deadline = absl::Now() + kWait;
  // The cells are in the effective zone (the requested one once its
  // rebuild committed).
  ASSIGN_OR_RETURN(const std::string zone_name, settings_->EffectiveTimeZone(tenant, deadline));
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(zone_name, &zone)) {
    return absl::FailedPreconditionError(absl::StrCat("unknown zone ", zone_name));
  }
  const metrics::PeriodScheme scheme = metrics::PeriodScheme::Calendar(zone);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, database_.pool().Acquire(deadline));
  metrics::Contributions expected;
  for (metrics::FactKeeper* keeper : keepers_->keepers()) {
    RETURN_IF_ERROR(keeper->AddAllContributions(*db, tenant, scheme, deadline, expected));
  }
  expected.Prune();
  ASSIGN_OR_RETURN(auto stored, rollups_->AllCells(*db, tenant));
  std::set<metrics::RollupKey> keys;
  for (const auto& entry : stored) keys.insert(entry.first);
  for (const auto& entry : expected.cells()) keys.insert(entry.first);
  constexpr int kMaxLines = 40;
  std::string diff;
  int differing = 0;
  for (const metrics::RollupKey& key : keys) {
    auto s = stored.find(key);
    auto e = expected.cells().find(key);
    const metrics::Cell* stored_cell = s == stored.end() ? nullptr : &s->second;
    const metrics::Cell* expected_cell = e == expected.cells().end() ? nullptr : &e->second;
    if (stored_cell != nullptr && expected_cell != nullptr &&
        SameCell(*stored_cell, *expected_cell)) {
      continue;
    }
    if (++differing <= kMaxLines) {
      absl::StrAppend(&diff, DescribeKey(key), ": stored ", DescribeCell(stored_cell),
                      "; recomputed ", DescribeCell(expected_cell),
                      stored_cell != nullptr && expected_cell != nullptr &&
                              stored_cell->count == expected_cell->count &&
                              stored_cell->total == expected_cell->total
                          ? " (digests differ)"
                          : "",
                      "\n");
    }
  }
  if (differing > kMaxLines) {
    absl::StrAppend(&diff, "… and ", differing - kMaxLines, " more differing cells\n");
  }
  return diff;
}

Principal MetricsHarness::Caller(const std::string& tenant, std::vector<std::string> roles) const {
  Principal principal;
  principal.tenant = tenant;
  principal.subject = "metrics-harness-user";
  principal.roles = std::move(roles);
  return principal;
}

absl::Time MetricsHarness::Deadline() const { return absl::Now() + absl::Seconds(10); }

}  // namespace tandem::testing

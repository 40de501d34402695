// Metrics over a fresh database, fed by real event feeds, for integration
// tests: every fact keeper, the rollup store, settings, rebuilds and a
// MetricsManager wired as in main.cc, and two producers whose outboxes are
// served by in-process EventFeed servers and read by real FeedConsumers.
//
//   MetricsHarness harness;
//   ASSERT_OK(harness.SetTimeZone("t1", "Europe/Paris"));
//   ASSERT_OK(harness.support_feed().Publish("t1", "tickets/1", created, time).status());
//   ASSERT_OK(harness.CatchUp());
//   ASSERT_OK_AND_ASSIGN(auto value, harness.manager().GetMetric(
//                                        harness.Caller("t1"), request, harness.Deadline()));
//   EXPECT_THAT(harness.RecomputationDiff("t1"), IsOkAndHolds(""));
#ifndef TANDEM_TESTS_TESTING_METRICS_HARNESS_H_
#define TANDEM_TESTS_TESTING_METRICS_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/feed/consumer.h"
#include "common/feed/feed_service.h"
#include "common/feed/outbox.h"
#include "common/mysql/pool.h"
#include "common/pagination.h"
#include "common/server.h"
#include "services/metrics/metrics_applier.h"
#include "services/metrics/metrics_keepers.h"
#include "services/metrics/metrics_manager.h"
#include "services/metrics/mysql_metrics_store.h"
#include "services/metrics/mysql_rollup_store.h"
#include "services/metrics/mysql_settings_store.h"
#include "services/metrics/rollup_rebuilder.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"
#include "tests/testing/test_database.h"

namespace tandem::testing {

struct SupportServer;
struct SuccessServer;

// One event to publish.
struct PublishedEvent {
  std::string tenant;
  std::string subject;  // a resource name, e.g. "tickets/01H…"
  std::shared_ptr<const google::protobuf::Message> payload;
  absl::Time occur_time;
};

// Where the events of one feed come from, for MetricsHarness's second
// constructor. Give an outbox (the harness serves an EventFeed over it and
// sequences it in CatchUp()), or a ready EventFeed stub (whose events the
// test sequences itself), or neither (the harness makes a producer of its
// own).
struct MetricsFeedSource {
  // The producing service's outbox and the pool of its database.
  feed::Outbox* outbox = nullptr;
  mysql::Pool* pool = nullptr;
  // An EventFeed to consume as it is.
  std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub;

  // The outbox of an in-process Support or Success server (servers.h).
  static MetricsFeedSource Of(SupportServer& server);
  static MetricsFeedSource Of(SuccessServer& server);
};

// A producing service's outbox served by an in-process EventFeed server.
class MetricsFeedProducer {
 public:
  // A producer over a database and outbox of its own.
  explicit MetricsFeedProducer(const std::string& name);
  // A producer over another's outbox (`pool` may be null: no Publish()).
  MetricsFeedProducer(feed::Outbox* outbox, mysql::Pool* pool);
  // Consumes `stub` as it is: no Publish(), no sequencing.
  explicit MetricsFeedProducer(std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub);
  ~MetricsFeedProducer();

  // Appends one event in its own transaction and returns its cursor once it
  // has one. Its type is the payload's message name, its source the
  // payload's package (e.g. "tandem.support.v1").
  absl::StatusOr<int64_t> Publish(const std::string& tenant, const std::string& subject,
                                  const google::protobuf::Message& payload, absl::Time occur_time);
  // Appends `events` in one transaction, in order, and returns once every
  // one has a cursor: much faster than one Publish() each.
  absl::Status PublishAll(const std::vector<PublishedEvent>& events);

  // Gives cursors to every committed event (no-op for a bare stub).
  absl::Status SequenceAll();

  // Every sequenced event, in cursor order (of `tenant` only, if not
  // empty): what a duplicate delivery re-sends.
  absl::StatusOr<std::vector<tandem::common::v1::Event>> ReadAll(const std::string& tenant = "");

  // The EventFeed the consumers and rebuilds read.
  std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub() const { return stub_; }

 private:
  void Serve();

  std::unique_ptr<TestDatabase> database_;  // when the producer owns one
  std::unique_ptr<feed::Outbox> owned_outbox_;
  feed::Outbox* outbox_ = nullptr;
  mysql::Pool* pool_ = nullptr;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<feed::EventFeedService> service_;
  std::unique_ptr<ServerRunner> server_;
  std::shared_ptr<tandem::common::v1::EventFeed::StubInterface> stub_;
};

// Metrics wired as in main.cc over a fresh database.
class MetricsHarness {
 public:
  // Two producers of the harness's own (support_feed(), success_feed()).
  MetricsHarness();
  // Feeds from real services (see MetricsFeedSource); an empty source gets
  // a producer of the harness's own.
  MetricsHarness(MetricsFeedSource support, MetricsFeedSource success);
  ~MetricsHarness();

  MetricsHarness(const MetricsHarness&) = delete;
  MetricsHarness& operator=(const MetricsHarness&) = delete;

  // The producers of the "support" and "success" feeds.
  MetricsFeedProducer& support_feed() { return *support_; }
  MetricsFeedProducer& success_feed() { return *success_; }

  // Sequences both producers, then polls both feeds with the real
  // FeedConsumers (page 1000, as in main.cc) until each is at its head.
  // Returns the number of events applied.
  absl::StatusOr<int64_t> CatchUp();

  // Applies `events` through the applier in one transaction, bypassing the
  // cursors: a duplicate delivery (or a replay out of order).
  absl::Status ApplyDirectly(const std::vector<tandem::common::v1::Event>& events);

  // Rebuilds `tenant`'s rollups and waits for the end: the rebuild's error
  // if it failed.
  absl::Status Rebuild(const std::string& tenant);

  // Compares `tenant`'s stored cells with the sum of every keeper's
  // AddAllContributions of the stored facts under the tenant's calendar
  // scheme: "" when they are equal, else one line per differing cell
  // (measure, segment, period, stored and recomputed count/total/digest).
  absl::StatusOr<std::string> RecomputationDiff(const std::string& tenant);

  // Sets `tenant`'s time zone (through the settings store, so a change
  // starts a rebuild, which this waits for).
  absl::Status SetTimeZone(const std::string& tenant, const std::string& zone);

  // Rebuilds everything but the database and the producers, as a restarted
  // process would: new consumers resume from the stored cursors.
  void Restart();

  // A caller of `tenant` with `roles`.
  Principal Caller(const std::string& tenant, std::vector<std::string> roles = {"admin"}) const;
  // A deadline for manager calls: ten seconds from now.
  absl::Time Deadline() const;

  metrics::MetricsManager& manager() { return *manager_; }
  mysql::Pool& pool() { return database_.pool(); }
  TestDatabase& database() { return database_; }
  metrics::MysqlRollupStore& rollups() { return *rollups_; }
  metrics::MysqlSettingsStore& settings() { return *settings_; }
  metrics::RollupRebuilder& rebuilds() { return *rebuilder_; }
  metrics::MetricsApplier& applier() { return *applier_; }
  // Every keeper, in the order main.cc runs them.
  std::vector<metrics::FactKeeper*> keepers() const { return keepers_->keepers(); }

 private:
  void Wire();
  void Unwire();

  TestDatabase database_{"metrics"};
  std::unique_ptr<MetricsFeedProducer> support_;
  std::unique_ptr<MetricsFeedProducer> success_;
  PageTokenCodec page_tokens_;
  std::unique_ptr<metrics::MetricsKeepers> keepers_;
  std::unique_ptr<metrics::MysqlMetricsStore> store_;
  std::unique_ptr<metrics::MysqlRollupStore> rollups_;
  std::unique_ptr<metrics::MetricsApplier> applier_;
  std::unique_ptr<metrics::RollupRebuilder> rebuilder_;
  std::unique_ptr<metrics::MysqlSettingsStore> settings_;
  std::unique_ptr<metrics::MetricsManager> manager_;
  std::vector<std::unique_ptr<feed::FeedConsumer>> consumers_;
};

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_METRICS_HARNESS_H_

// tandem-metrics: wires Metrics' parts together, consumes the Support and
// Success event feeds into fact tables and rollups, and serves the KPI API.
#include <iostream>

#include "common/feed/consumer.h"
#include "common/server.h"
#include "common/service_process.h"
#include "common_migrations.h"
#include "metrics_migrations.h"
#include "services/metrics/metrics_applier.h"
#include "services/metrics/metrics_keepers.h"
#include "services/metrics/metrics_manager.h"
#include "services/metrics/metrics_service.h"
#include "services/metrics/mysql_metrics_store.h"
#include "services/metrics/mysql_rollup_store.h"
#include "services/metrics/mysql_settings_store.h"
#include "services/metrics/rollup_rebuilder.h"

int main(int argc, char** argv) {
  using namespace tandem;
  BlockTerminationSignals();
  ServiceProcess process("metrics", 50053, 9463);
  process.flags().AddString("support-address", "127.0.0.1:50051",
                            "Support service address, host:port (its event feed).");
  process.flags().AddString("success-address", "127.0.0.1:50052",
                            "Success service address, host:port (its event feed).");
  process.flags().AddDuration("poll-interval", absl::Milliseconds(500),
                              "Wait between feed polls once caught up.");
  if (auto exit_code = process.Init(argc, argv, {CommonMigrations(), MetricsMigrations()})) {
    return *exit_code;
  }
  const std::vector<std::string> feed_names = {"support", "success"};
  std::vector<metrics::RebuildFeed> feeds;
  for (const std::string& feed_name : feed_names) {
    auto channel = process.PeerChannel(feed_name + "-address");
    if (!channel.ok()) {
      std::cerr << "tandem-metrics: " << channel.status().message() << "\n";
      return 2;
    }
    feeds.push_back({feed_name, tandem::common::v1::EventFeed::NewStub(*channel)});
  }

  metrics::MetricsKeepers keepers(&process.pool());
  metrics::MysqlMetricsStore store(&process.pool());
  metrics::MysqlRollupStore rollups(&process.pool());
  metrics::MetricsApplier applier(keepers.keepers(), &rollups);

  metrics::RebuilderDeps rebuild_deps;
  rebuild_deps.pool = &process.pool();
  rebuild_deps.applier = &applier;
  rebuild_deps.rollups = &rollups;
  rebuild_deps.keepers = keepers.keepers();
  rebuild_deps.feeds = feeds;
  rebuild_deps.token = [&process](const std::string& tenant) {
    return process.service_tokens().For(tenant);
  };
  rebuild_deps.clock = &process.clock();
  metrics::RollupRebuilder rebuilder(std::move(rebuild_deps));
  if (absl::Status recovered = rebuilder.RecoverInterrupted(absl::Now() + absl::Seconds(30));
      !recovered.ok()) {
    std::cerr << "tandem-metrics: " << recovered.message() << "\n";
    return 1;
  }
  metrics::MysqlSettingsStore settings(
      &process.pool(), &process.clock(),
      [&rebuilder](const std::string& tenant) { rebuilder.StartOrQueue(tenant); });

  // A page of up to 1000 events (the feed's cap) is applied in one
  // transaction, with one batched read and write per fact table.
  std::vector<std::unique_ptr<feed::FeedConsumer>> consumers;
  for (const metrics::RebuildFeed& feed : feeds) {
    feed::ConsumerOptions options;
    options.feed = feed.name;
    options.page_size = 1000;
    options.poll_interval = process.flags().GetDuration("poll-interval");
    consumers.push_back(std::make_unique<feed::FeedConsumer>(
        options, feed.stub, [&process] { return process.service_tokens().For(kAllTenants); },
        &process.pool(), &applier));
  }
  for (auto& consumer : consumers) consumer->Start();
  process.OnShutdown([&consumers] {
    for (auto& consumer : consumers) consumer->Stop();
  });

  metrics::MetricsDeps deps;
  deps.store = &store;
  deps.rollups = &rollups;
  deps.settings = &settings;
  deps.rebuilds = &rebuilder;
  deps.key_features = keepers.key_features();
  deps.keepers = keepers.keepers();
  deps.pool = &process.pool();
  deps.page_tokens = &process.page_tokens();
  deps.clock = &process.clock();
  deps.feeds = feed_names;
  metrics::MetricsManager manager(std::move(deps));
  metrics::MetricsServiceImpl service(&process.auth(), &manager);
  return process.Serve({&service});
}

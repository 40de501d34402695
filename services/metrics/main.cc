// tandem-metrics: wires Metrics' parts together, consumes the Support and
// Success event feeds, and serves the KPI API.
#include <iostream>

#include "common/feed/consumer.h"
#include "common/server.h"
#include "common/service_process.h"
#include "common_migrations.h"
#include "metrics_migrations.h"
#include "services/metrics/metrics_manager.h"
#include "services/metrics/metrics_service.h"
#include "services/metrics/mysql_metrics_store.h"

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
  metrics::EventCountRollup rollup;
  std::vector<std::unique_ptr<feed::FeedConsumer>> consumers;
  for (const std::string feed_name : {"support", "success"}) {
    auto channel = process.PeerChannel(feed_name + "-address");
    if (!channel.ok()) {
      std::cerr << "tandem-metrics: " << channel.status().message() << "\n";
      return 2;
    }
    feed::ConsumerOptions options;
    options.feed = feed_name;
    options.poll_interval = process.flags().GetDuration("poll-interval");
    consumers.push_back(std::make_unique<feed::FeedConsumer>(
        options, tandem::common::v1::EventFeed::NewStub(*channel),
        [&process] { return process.service_tokens().For(kAllTenants); }, &process.pool(),
        &rollup));
  }
  for (auto& consumer : consumers) consumer->Start();
  process.OnShutdown([&consumers] {
    for (auto& consumer : consumers) consumer->Stop();
  });
  metrics::MysqlMetricsStore store(&process.pool());
  metrics::MetricsDeps deps;
  deps.store = &store;
  deps.page_tokens = &process.page_tokens();
  deps.clock = &process.clock();
  deps.feeds = {"support", "success"};
  metrics::MetricsManager manager(std::move(deps));
  metrics::MetricsServiceImpl service(&process.auth(), &manager);
  return process.Serve({&service});
}

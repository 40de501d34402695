#include "tools/tandem-bench/bench.h"

#include <memory>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tools/tandem-bench/feed_lag.h"
#include "tools/tandem-bench/load_runner.h"
#include "tools/tandem-bench/workload.h"

namespace tandem::bench {

absl::StatusOr<RunReport> RunBench(const BenchOptions& options, const Clock& clock) {
  ASSIGN_OR_RETURN(auto support_channels,
                   OpenChannels(options.support_address, options.channels));
  ASSIGN_OR_RETURN(auto success_channels,
                   OpenChannels(options.success_address, options.channels));

  // Load thread i calls through channel i % channels.
  std::vector<ServiceStubs> stubs(options.load.concurrency);
  for (int i = 0; i < options.load.concurrency; ++i) {
    stubs[i].support = support::v1::SupportService::NewStub(support_channels[i % options.channels]);
    stubs[i].success = success::v1::SuccessService::NewStub(success_channels[i % options.channels]);
  }
  Workload workload(options.workload);

  RunReport report;
  report.scenario = options.scenario;
  report.load = options.load;
  report.channels = options.channels;

  // The meter starts before the first write of the run (the seeds), and
  // has channels of its own, so its calls never queue behind the load's.
  std::unique_ptr<metrics::v1::MetricsService::StubInterface> metrics_stub;
  std::optional<FeedLagMeter> meter;
  if (options.measure_feed_lag) {
    ASSIGN_OR_RETURN(auto metrics_channel, OpenChannels(options.metrics_address, 1));
    ASSIGN_OR_RETURN(auto support_feed, OpenChannels(options.support_address, 1));
    ASSIGN_OR_RETURN(auto success_feed, OpenChannels(options.success_address, 1));
    metrics_stub = metrics::v1::MetricsService::NewStub(metrics_channel[0]);
    std::vector<FeedProbe> probes;
    probes.push_back({"support", common::v1::EventFeed::NewStub(support_feed[0]),
                      [&workload] { return workload.tickets_created(); }});
    probes.push_back({"success", common::v1::EventFeed::NewStub(success_feed[0]),
                      [&workload] { return workload.accounts_created(); }});
    FeedLagOptions lag_options;
    lag_options.token = options.workload.token;
    lag_options.rpc_timeout = options.workload.rpc_timeout;
    lag_options.timeout = options.feed_lag_timeout;
    meter.emplace(metrics_stub.get(), std::move(probes), lag_options, &clock);
    if (absl::Status started = meter->Start(); !started.ok()) {
      // The load is still worth measuring without Metrics.
      report.feed_lag_error = started.ToString();
      meter.reset();
    }
  }

  RETURN_IF_ERROR(
      workload.Seed(options.scenario, stubs[0], options.seed_tickets, options.seed_accounts));
  report.result = RunLoad(options.load, options.scenario,
                          [&](int worker, Operation op, std::mt19937_64& random) {
                            return workload.Call(op, stubs[worker], random).error_code();
                          });
  if (meter.has_value()) report.feeds = meter->Finish();
  return report;
}

}  // namespace tandem::bench

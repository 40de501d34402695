// Measures how far Metrics falls behind the event feeds it consumes while
// load runs, and how long it takes to catch up once the load ends.
//
// The truth about a feed comes from its producer: ListEvents returns the
// feed's head cursor. Metrics' position comes from GetFreshness. Metrics has
// caught up when its cursor reaches the head the producer had when the load
// ended. (Metrics' own lag_events compares with the head it saw at its last
// poll, so it can read 0 while events it has not yet asked about wait.)
#ifndef TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_
#define TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"

namespace tandem::bench {

// A producer's feed, as Metrics names it, and the producer's EventFeed.
struct FeedProbe {
  std::string feed;
  std::unique_ptr<tandem::common::v1::EventFeed::StubInterface> stub;
};

// How to measure.
struct FeedLagOptions {
  // Bearer token (role admin or service) for every call.
  std::string token;
  absl::Duration rpc_timeout = absl::Seconds(5);
  // Wait between samples while the load runs.
  absl::Duration sample_interval = absl::Milliseconds(250);
  // Wait between polls while waiting for Metrics to catch up.
  absl::Duration poll_interval = absl::Milliseconds(20);
  // Longest wait for Metrics to catch up.
  absl::Duration timeout = absl::Seconds(60);
};

// What happened to one feed during and after a run.
struct FeedCatchUp {
  std::string feed;
  // Producer's head and Metrics' cursor when the load began.
  int64_t head_at_start = 0;
  int64_t cursor_at_start = 0;
  // Producer's head and Metrics' cursor when the load ended.
  int64_t head_at_end = 0;
  int64_t cursor_at_end = 0;
  // Largest head - cursor seen while the load ran.
  int64_t max_lag = 0;
  // Whether Metrics' cursor reached head_at_end within the timeout.
  bool caught_up = false;
  // From the end of the load until the cursor reached head_at_end.
  absl::Duration catch_up;
  // Events Metrics applied per second, from the start of the load until it
  // caught up (or gave up).
  double consumed_per_second = 0;
  // Why the feed could not be measured; empty when it could.
  std::string error;

  // Returns how many events the run produced on this feed.
  int64_t produced() const { return head_at_end - head_at_start; }
};

// Watches every probe's feed around a run: Start() before the load,
// Finish() right after it.
class FeedLagMeter {
 public:
  FeedLagMeter(tandem::metrics::v1::MetricsService::StubInterface* metrics,
               std::vector<FeedProbe> probes, FeedLagOptions options, const Clock* clock);
  ~FeedLagMeter();

  // Records each feed's head and Metrics' cursor, then samples the lag in
  // the background until Finish(). Fails when Metrics or a producer does
  // not answer.
  absl::Status Start();

  // Stops sampling, records each feed's head, and polls Metrics until its
  // cursor reaches every head or the timeout passes.
  std::vector<FeedCatchUp> Finish();

 private:
  // Returns Metrics' cursor of every probed feed, in probe order.
  absl::StatusOr<std::vector<int64_t>> MetricsCursors();
  // Returns the producer's head cursor of probe `index`.
  absl::StatusOr<int64_t> Head(size_t index);
  void SampleUntilStopped();
  void StopSampling();

  tandem::metrics::v1::MetricsService::StubInterface* metrics_;
  std::vector<FeedProbe> probes_;
  const FeedLagOptions options_;
  const Clock* clock_;
  absl::Time start_time_;
  std::vector<FeedCatchUp> feeds_;

  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread sampler_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_

// Measures how far the event feeds fall behind the writes a run makes, and
// how long they take to catch up once the load ends.
//
// An event goes through two steps before Metrics has it: the producer's
// outbox sequencer gives it a cursor (until then no feed reader sees it),
// then Metrics' consumer reads and applies it. The meter follows both:
//   - the run's own count of committed writes says how many events exist;
//   - the producer's ListEvents says how many have a cursor (head_cursor);
//   - Metrics' GetFreshness says how many Metrics has applied (cursor).
// Metrics' own lag_events compares with the head it saw at its last poll,
// so it reads 0 while events wait unsequenced or unpolled; the meter records
// when it first said 0, for comparison.
//
// The figures assume the run is the only writer to the feeds.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_
#define TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
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

// A producer's feed, as Metrics names it, the producer's EventFeed, and how
// many events the run has committed to it so far.
struct FeedProbe {
  std::string feed;
  std::unique_ptr<tandem::common::v1::EventFeed::StubInterface> stub;
  std::function<int64_t()> committed;
};

// How to measure.
struct FeedLagOptions {
  // Bearer token (role admin or service) for every call.
  std::string token;
  absl::Duration rpc_timeout = absl::Seconds(5);
  // Wait between samples while the load runs.
  absl::Duration sample_interval = absl::Milliseconds(250);
  // Wait between polls while waiting for the feeds to catch up.
  absl::Duration poll_interval = absl::Milliseconds(20);
  // Longest wait for the feeds to catch up after the load.
  absl::Duration timeout = absl::Seconds(60);
};

// What happened to one feed during and after a run.
struct FeedCatchUp {
  std::string feed;
  // Events the run committed to the feed (its successful creates).
  int64_t events = 0;
  // Largest number of committed events Metrics had not applied yet, and of
  // those the largest number the producer had not sequenced yet, while the
  // load ran.
  int64_t max_behind = 0;
  int64_t max_unsequenced = 0;
  // The same two when the load ended.
  int64_t behind_at_end = 0;
  int64_t unsequenced_at_end = 0;
  // From the end of the load until every event had a cursor; unset if that
  // did not happen within the timeout.
  std::optional<absl::Duration> sequenced_after;
  // From the end of the load until Metrics had applied every event; unset
  // if that did not happen within the timeout.
  std::optional<absl::Duration> caught_up_after;
  // From the end of the load until Metrics first reported lag_events 0.
  std::optional<absl::Duration> reported_zero_after;
  // Events Metrics applied per second, from the start of the run until it
  // caught up (or the timeout).
  double consumed_per_second = 0;
  // Why the feed could not be measured; empty when it could.
  std::string error;
};

// Watches every probe's feed around a run: Start() before the run writes
// anything, Finish() right after the load.
class FeedLagMeter {
 public:
  FeedLagMeter(tandem::metrics::v1::MetricsService::StubInterface* metrics,
               std::vector<FeedProbe> probes, FeedLagOptions options, const Clock* clock);
  ~FeedLagMeter();

  // Records each feed's head and Metrics' cursor, then samples the lag in
  // the background until Finish(). Fails when Metrics or a producer does
  // not answer.
  absl::Status Start();

  // Stops sampling, then polls the producers and Metrics until every event
  // the run committed is sequenced and applied, or the timeout passes.
  std::vector<FeedCatchUp> Finish();

 private:
  // Metrics' view of one feed.
  struct MetricsPosition {
    int64_t cursor = 0;
    int64_t lag_events = 0;
  };
  // Returns Metrics' position in every probed feed, in probe order.
  absl::StatusOr<std::vector<MetricsPosition>> MetricsPositions();
  // Returns the producer's head cursor of probe `index`.
  absl::StatusOr<int64_t> Head(size_t index);
  // Returns the cursor the feed reaches once every committed event of the
  // run is sequenced.
  int64_t Target(size_t index) const;
  void SampleUntilStopped();
  void StopSampling();

  tandem::metrics::v1::MetricsService::StubInterface* metrics_;
  std::vector<FeedProbe> probes_;
  const FeedLagOptions options_;
  const Clock* clock_;
  absl::Time start_time_;
  std::vector<int64_t> head_at_start_;
  std::vector<int64_t> cursor_at_start_;
  std::vector<int64_t> committed_at_start_;
  std::vector<FeedCatchUp> feeds_;

  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread sampler_;
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_FEED_LAG_H_

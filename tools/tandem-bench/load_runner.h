// Runs a scenario from N threads for a bounded time and number of calls,
// and collects what each call took.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_LOAD_RUNNER_H_
#define TANDEM_TOOLS_TANDEM_BENCH_LOAD_RUNNER_H_

#include <array>
#include <cstdint>
#include <functional>
#include <random>

#include <grpcpp/support/status.h>

#include "absl/time/time.h"
#include "tools/tandem-bench/latency.h"
#include "tools/tandem-bench/scenario.h"

namespace tandem::bench {

// How long and how hard to load.
struct LoadOptions {
  // Threads calling at once, each one call at a time (a closed loop).
  int concurrency = 8;
  // Calls made first and not recorded, so connections and caches settle.
  absl::Duration warmup = absl::Seconds(2);
  // Length of the recorded window; calls started in it are recorded.
  absl::Duration duration = absl::Seconds(10);
  // Hard cap on recorded calls, and separately on warm-up calls.
  int64_t max_requests = 1'000'000;
};

// Makes one call of `op` on behalf of load thread `worker` (0-based) and
// returns its status code. Must end by itself (every call has a deadline).
using CallFunction =
    std::function<grpc::StatusCode(int worker, Operation op, std::mt19937_64& random)>;

// What a run recorded.
struct LoadResult {
  // Per operation, indexed by IndexOf(op).
  std::array<OperationStats, kAllOperations.size()> stats;
  // From the end of the warm-up until the last recorded call returned.
  absl::Duration elapsed;
  // Calls made (and not recorded) during the warm-up.
  int64_t warmup_calls = 0;
  // True when max_requests ended the run before `duration`.
  bool hit_request_cap = false;

  // Returns every operation's calls merged.
  OperationStats Total() const;
};

// Runs `scenario` with `call` from options.concurrency threads: a warm-up,
// then the recorded window, each bounded in time and count. Returns when
// every thread has finished its last call.
LoadResult RunLoad(const LoadOptions& options, const Scenario& scenario, const CallFunction& call);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_LOAD_RUNNER_H_

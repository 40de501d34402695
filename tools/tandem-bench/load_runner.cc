#include "tools/tandem-bench/load_runner.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tandem::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// What one thread recorded.
struct ThreadRecord {
  std::array<OperationStats, kAllOperations.size()> stats;
  int64_t warmup_calls = 0;
};

}  // namespace

OperationStats LoadResult::Total() const {
  OperationStats total;
  for (const OperationStats& op_stats : stats) total.Merge(op_stats);
  return total;
}

LoadResult RunLoad(const LoadOptions& options, const Scenario& scenario, const CallFunction& call) {
  const int threads = std::max(1, options.concurrency);
  const SteadyClock::time_point start = SteadyClock::now();
  const SteadyClock::time_point measure_start = start + absl::ToChronoNanoseconds(options.warmup);
  const SteadyClock::time_point measure_end =
      measure_start + absl::ToChronoNanoseconds(options.duration);
  // Slots are claimed before each call, so no more than max_requests calls
  // are ever made in either phase, however many threads race for the last.
  std::atomic<int64_t> warmup_slots{0};
  std::atomic<int64_t> measured_slots{0};
  std::atomic<bool> capped{false};

  std::vector<ThreadRecord> records(threads);
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int worker = 0; worker < threads; ++worker) {
    workers.emplace_back([&, worker] {
      ThreadRecord& record = records[worker];
      std::mt19937_64 random(0x7a3d5eedULL + static_cast<uint64_t>(worker) * 7919);
      while (true) {
        const SteadyClock::time_point now = SteadyClock::now();
        if (now >= measure_end) break;
        const bool warming_up = now < measure_start;
        std::atomic<int64_t>& slots = warming_up ? warmup_slots : measured_slots;
        if (slots.fetch_add(1, std::memory_order_relaxed) >= options.max_requests) {
          if (!warming_up) {
            capped = true;
            break;
          }
          // The warm-up is used up: wait for the recorded window instead of
          // calling, still bounded by its start.
          std::this_thread::sleep_until(measure_start);
          continue;
        }
        const Operation op = scenario.Pick(random());
        const SteadyClock::time_point before = SteadyClock::now();
        const grpc::StatusCode code = call(worker, op, random);
        const SteadyClock::time_point after = SteadyClock::now();
        if (warming_up) {
          ++record.warmup_calls;
        } else {
          record.stats[IndexOf(op)].Record(absl::FromChrono(after - before), code);
        }
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  const SteadyClock::time_point finished = SteadyClock::now();

  LoadResult result;
  result.elapsed = absl::FromChrono(finished - std::min(finished, measure_start));
  result.hit_request_cap = capped;
  for (const ThreadRecord& record : records) {
    result.warmup_calls += record.warmup_calls;
    for (size_t i = 0; i < record.stats.size(); ++i) result.stats[i].Merge(record.stats[i]);
  }
  return result;
}

}  // namespace tandem::bench

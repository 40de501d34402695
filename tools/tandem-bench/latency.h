// Per-operation latencies and status codes, recorded by each load thread
// and merged at the end of a run.
//
// Every latency is kept exactly (8 bytes per call), which at the scale of a
// bench run on one machine (well under a million calls) is cheaper and
// simpler than a bucketed histogram, and gives exact percentiles.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_LATENCY_H_
#define TANDEM_TOOLS_TANDEM_BENCH_LATENCY_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem::bench {

// Number of canonical gRPC status codes (OK .. UNAUTHENTICATED).
inline constexpr int kStatusCodeCount = 17;

// Returns the canonical name of `code`, e.g. "DEADLINE_EXCEEDED".
std::string StatusCodeName(int code);

// Latency percentiles of a set of calls.
struct LatencySummary {
  int64_t count = 0;
  absl::Duration mean;
  absl::Duration p50;
  absl::Duration p90;
  absl::Duration p99;
  absl::Duration max;
};

// Returns the nearest-rank `quantile` (0 < quantile <= 1) of `sorted`
// (ascending); 0 when empty. The p99 of 100 samples is the 99th smallest.
int64_t NearestRank(const std::vector<int64_t>& sorted, double quantile);

// What one operation's calls took and returned. Not thread-safe: each load
// thread records into its own, then they are merged.
class OperationStats {
 public:
  // Records one finished call.
  void Record(absl::Duration latency, grpc::StatusCode code);

  // Adds every call recorded by `other`.
  void Merge(const OperationStats& other);

  // Returns how many calls were recorded.
  int64_t count() const { return static_cast<int64_t>(nanos_.size()); }

  // Returns how many calls ended with a code other than OK.
  int64_t errors() const { return count() - codes_[0]; }

  // Returns how many calls ended with each status code, by code number.
  const std::array<int64_t, kStatusCodeCount>& codes() const { return codes_; }

  // Returns the latency percentiles of every call, failed ones included
  // (a call that timed out did cost its caller the whole wait).
  LatencySummary Summarize() const;

 private:
  std::vector<int64_t> nanos_;
  std::array<int64_t, kStatusCodeCount> codes_{};
};

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_LATENCY_H_

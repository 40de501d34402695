#include "tools/tandem-bench/latency.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/status/status.h"

namespace tandem::bench {

std::string StatusCodeName(int code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

int64_t NearestRank(const std::vector<int64_t>& sorted, double quantile) {
  if (sorted.empty()) return 0;
  const double rank = std::ceil(quantile * static_cast<double>(sorted.size()));
  const size_t index = static_cast<size_t>(std::clamp(rank, 1.0, static_cast<double>(sorted.size())));
  return sorted[index - 1];
}

void OperationStats::Record(absl::Duration latency, grpc::StatusCode code) {
  nanos_.push_back(absl::ToInt64Nanoseconds(latency));
  const int index = static_cast<int>(code);
  codes_[index >= 0 && index < kStatusCodeCount ? index : 2] += 1;  // 2: UNKNOWN
}

void OperationStats::Merge(const OperationStats& other) {
  nanos_.insert(nanos_.end(), other.nanos_.begin(), other.nanos_.end());
  for (int i = 0; i < kStatusCodeCount; ++i) codes_[i] += other.codes_[i];
}

LatencySummary OperationStats::Summarize() const {
  LatencySummary summary;
  summary.count = count();
  if (nanos_.empty()) return summary;
  std::vector<int64_t> sorted = nanos_;
  std::sort(sorted.begin(), sorted.end());
  const long double total = std::accumulate(sorted.begin(), sorted.end(), 0.0L);
  summary.mean = absl::Nanoseconds(static_cast<int64_t>(total / sorted.size()));
  summary.p50 = absl::Nanoseconds(NearestRank(sorted, 0.50));
  summary.p90 = absl::Nanoseconds(NearestRank(sorted, 0.90));
  summary.p99 = absl::Nanoseconds(NearestRank(sorted, 0.99));
  summary.max = absl::Nanoseconds(sorted.back());
  return summary;
}

}  // namespace tandem::bench

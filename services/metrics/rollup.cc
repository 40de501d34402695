#include "services/metrics/rollup.h"

namespace tandem::metrics {

void Contributions::Add(const std::string& tenant, const Segments& segments,
                        const std::string& measure, const Period& period, int64_t count,
                        int64_t total, int sign) {
  for (const auto& [dimension, value] : segments.pairs()) {
    Cell& cell = cells_[RollupKey{tenant, dimension, value, measure, period}];
    cell.count += sign * count;
    cell.total += sign * total;
  }
}

void Contributions::AddDuration(const std::string& tenant, const Segments& segments,
                                const std::string& measure, const Period& period,
                                absl::Duration value, int sign) {
  const int64_t millis = absl::ToInt64Milliseconds(value);
  for (const auto& [dimension, segment_value] : segments.pairs()) {
    Cell& cell = cells_[RollupKey{tenant, dimension, segment_value, measure, period}];
    cell.count += sign;
    cell.total += sign * millis;
    cell.digest.Add(millis, sign);
  }
}

void Contributions::Merge(const Contributions& other, int sign) {
  for (const auto& [key, cell] : other.cells_) cells_[key].Merge(cell, sign);
}

void Contributions::Prune() {
  absl::erase_if(cells_, [](const auto& entry) { return entry.second.zero(); });
}

}  // namespace tandem::metrics

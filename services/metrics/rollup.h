// Rollup cells: what Metrics keeps per tenant, segment, measure and period,
// and the contributions of facts to them.
//
// Every KPI is computed from measures (see measures.h). A fact (a ticket, an
// account's ledger, a contact's NPS answers…) contributes to the cells of
// the periods and segments it falls in; the contribution is a pure function
// of the fact, so applying an event is: contributions after minus
// contributions before, added to the stored cells. Applying the same event
// twice changes the fact once, so it changes no cell twice.
#ifndef TANDEM_SERVICES_METRICS_ROLLUP_H_
#define TANDEM_SERVICES_METRICS_ROLLUP_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/time/time.h"
#include "services/metrics/calendar.h"
#include "services/metrics/duration_digest.h"

namespace tandem::metrics {

// Where a cell belongs. `dimension` is empty for the whole tenant (then
// `value` is empty too).
struct RollupKey {
  std::string tenant;
  std::string dimension;
  std::string value;
  std::string measure;
  Period period;

  friend bool operator<(const RollupKey& a, const RollupKey& b) {
    return std::tie(a.tenant, a.dimension, a.value, a.measure, a.period) <
           std::tie(b.tenant, b.dimension, b.value, b.measure, b.period);
  }
  friend bool operator==(const RollupKey& a, const RollupKey& b) {
    return std::tie(a.tenant, a.dimension, a.value, a.measure, a.period) ==
           std::tie(b.tenant, b.dimension, b.value, b.measure, b.period);
  }
};

// One cell: a count, a total (minor units, milliseconds, points… as the
// measure says) and, for duration measures, a digest of the values.
struct Cell {
  int64_t count = 0;
  int64_t total = 0;
  DurationDigest digest;

  bool zero() const { return count == 0 && total == 0 && digest.empty(); }
  void Merge(const Cell& other, int sign = 1) {
    count += sign * other.count;
    total += sign * other.total;
    digest.Merge(other.digest, sign);
  }
};

// The segments a fact belongs to: always the whole tenant ("", ""), then
// one (dimension, value) pair per segment dimension that has a value.
class Segments {
 public:
  Segments() { pairs_.emplace_back("", ""); }
  // Adds a segment; an empty value is skipped (the fact has none).
  Segments& With(std::string dimension, std::string value) {
    if (!value.empty()) pairs_.emplace_back(std::move(dimension), std::move(value));
    return *this;
  }
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }

 private:
  std::vector<std::pair<std::string, std::string>> pairs_;
};

// A sum of contributions to cells, keyed by tenant, segment, measure and
// period. Cells that sum to zero are kept until Prune().
class Contributions {
 public:
  // Adds `sign` × (count, total) to `measure` in `period` for every segment.
  void Add(const std::string& tenant, const Segments& segments, const std::string& measure,
           const Period& period, int64_t count, int64_t total, int sign = 1);
  // Adds `sign` × one duration value (count 1, total and digest in ms).
  void AddDuration(const std::string& tenant, const Segments& segments, const std::string& measure,
                   const Period& period, absl::Duration value, int sign = 1);
  // Adds `sign` × every cell of `other`.
  void Merge(const Contributions& other, int sign = 1);
  // Drops cells that sum to zero.
  void Prune();

  const absl::btree_map<RollupKey, Cell>& cells() const { return cells_; }
  bool empty() const { return cells_.empty(); }

 private:
  absl::btree_map<RollupKey, Cell> cells_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_ROLLUP_H_

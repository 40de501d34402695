// Storage of rollup cells (table `rollup_cells`).
#ifndef TANDEM_SERVICES_METRICS_ROLLUP_STORE_H_
#define TANDEM_SERVICES_METRICS_ROLLUP_STORE_H_

#include <string>
#include <vector>

#include "absl/container/btree_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/mysql/transaction.h"
#include "services/metrics/calendar.h"
#include "services/metrics/rollup.h"

namespace tandem::metrics {

// Which cells to read: one tenant and segment, some measures, and the
// stored periods wanted (kDay … kYear; never kCustom).
struct CellQuery {
  std::string tenant;
  std::string dimension;  // "" for the whole tenant
  std::string value;
  std::vector<std::string> measures;
  std::vector<Period> periods;
};

class RollupStore {
 public:
  virtual ~RollupStore() = default;

  // Adds `delta` to the stored cells in `tx` (a cell that reaches zero is
  // deleted). Digest cells are merged, count and total added.
  virtual absl::Status Apply(mysql::Transaction& tx, const Contributions& delta) = 0;

  // Returns, per measure, the sum of its cells over `query.periods` (each
  // period counted once even if listed twice). Measures with no cell are
  // absent.
  virtual absl::StatusOr<absl::btree_map<std::string, Cell>> Sum(const CellQuery& query,
                                                                 absl::Time deadline) = 0;

  // Returns each stored cell of `query` (ignoring `query.periods`) whose
  // period has `grain` and starts in [from, to), keyed by measure and
  // period: for series and cohorts, one read for many periods.
  virtual absl::StatusOr<absl::btree_map<std::pair<std::string, Period>, Cell>> Cells(
      const CellQuery& query, Grain grain, absl::CivilDay from, absl::CivilDay to,
      absl::Time deadline) = 0;

  // The first day of the month of `tenant`'s earliest stored cell, if any:
  // where balances start.
  virtual absl::StatusOr<std::optional<absl::CivilDay>> FirstMonth(const std::string& tenant,
                                                                   absl::Time deadline) = 0;

  // Deletes every cell of `tenant` in `tx` (a rebuild).
  virtual absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) = 0;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_ROLLUP_STORE_H_

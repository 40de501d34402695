// The rollup cells in MySQL (table `rollup_cells`, one row per tenant,
// segment, measure and stored period).
#ifndef TANDEM_SERVICES_METRICS_MYSQL_ROLLUP_STORE_H_
#define TANDEM_SERVICES_METRICS_MYSQL_ROLLUP_STORE_H_

#include <string>

#include "common/mysql/pool.h"
#include "services/metrics/rollup_store.h"

namespace tandem::metrics {

class MysqlRollupStore final : public RollupStore {
 public:
  explicit MysqlRollupStore(mysql::Pool* pool) : pool_(pool) {}

  // Counts and totals are added by one multi-row upsert per chunk; digest
  // cells are read FOR UPDATE in one statement per chunk, merged and written
  // back; then cells left empty are deleted (one indexed statement per
  // tenant). INVALID_ARGUMENT for a kCustom period (never stored).
  absl::Status Apply(mysql::Transaction& tx, const Contributions& delta) override;
  // One read: per grain, the requested periods merged into runs of
  // consecutive periods, each run a range of `period_start` (a year of
  // months and a month of days are two ranges, not 40 terms). No measures
  // named means every measure.
  absl::StatusOr<absl::btree_map<std::string, Cell>> Sum(const CellQuery& query,
                                                         absl::Time deadline) override;
  absl::StatusOr<absl::btree_map<std::pair<std::string, Period>, Cell>> Cells(
      const CellQuery& query, Grain grain, absl::CivilDay from, absl::CivilDay to,
      absl::Time deadline) override;
  absl::StatusOr<std::optional<absl::CivilDay>> FirstMonth(const std::string& tenant,
                                                           absl::Time deadline) override;
  absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) override;

  // Every stored cell of `tenant` (for the recomputation check and tests).
  absl::StatusOr<absl::btree_map<RollupKey, Cell>> AllCells(mysql::Connection& db,
                                                            const std::string& tenant);

 private:
  mysql::Pool* pool_;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_MYSQL_ROLLUP_STORE_H_

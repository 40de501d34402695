#include "services/metrics/mysql_rollup_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/sql_params.h"
#include "common/status.h"

namespace tandem::metrics {
namespace {

// Rows per multi-row statement: keeps each well under the 65,535
// parameters a prepared statement may have, and its packet small.
constexpr size_t kChunkRows = 500;

constexpr char kKeyColumns[] = "(tenant_id, dimension, dim_value, measure, grain, period_start)";

absl::Status CheckStored(const Period& period) {
  if (period.grain == Grain::kCustom) {
    return absl::InvalidArgumentError(absl::StrCat("custom periods are never stored (",
                                                   FormatDate(period.start), " to ",
                                                   FormatDate(period.end), ")"));
  }
  if (!(PeriodOf(period.grain, period.start) == period)) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a calendar period of grain ", static_cast<int>(period.grain), ": ",
                     FormatDate(period.start), " to ", FormatDate(period.end)));
  }
  return absl::OkStatus();
}

void AppendKey(const RollupKey& key, std::vector<mysql::Value>& params) {
  params.emplace_back(key.tenant);
  params.emplace_back(key.dimension);
  params.emplace_back(key.value);
  params.emplace_back(key.measure);
  params.emplace_back(int64_t{static_cast<int>(key.period.grain)});
  params.emplace_back(FormatDate(key.period.start));
}

// The period stored as (`grain`, `start`).
absl::StatusOr<Period> StoredPeriod(int64_t grain, const std::string& start) {
  std::optional<absl::CivilDay> day = ParseDate(start);
  if (!day.has_value() || grain < static_cast<int>(Grain::kDay) ||
      grain > static_cast<int>(Grain::kYear)) {
    return absl::DataLossError(absl::StrCat("rollup cell with bad period ", grain, "/", start));
  }
  return PeriodOf(static_cast<Grain>(grain), *day);
}

// Reads count, total and digest from columns `first`…`first + 2`.
absl::StatusOr<Cell> CellFrom(const mysql::Row& row, int first) {
  Cell cell;
  cell.count = row.Int(first);
  cell.total = row.Int(first + 1);
  if (!row.IsNull(first + 2)) {
    ASSIGN_OR_RETURN(cell.digest, DurationDigest::Parse(row.String(first + 2)));
  }
  return cell;
}

mysql::Value DigestValue(const DurationDigest& digest) {
  if (digest.empty()) return nullptr;
  return digest.Serialize();
}

// "measure IN (?, …) AND " with the measures appended to `params`, or ""
// when no measure is named (every measure).
std::string MeasureFilter(const std::vector<std::string>& measures,
                          std::vector<mysql::Value>& params) {
  if (measures.empty()) return "";
  const std::set<std::string> distinct(measures.begin(), measures.end());
  for (const std::string& measure : distinct) params.emplace_back(measure);
  return absl::StrCat("measure IN (", mysql::ParameterList(distinct.size()), ") AND ");
}

// Adds `count`, `total` to stored cells (digest cells are handled apart).
absl::Status AddCounts(mysql::Transaction& tx,
                       const std::vector<const std::pair<const RollupKey, Cell>*>& cells) {
  std::vector<mysql::Value> params;
  params.reserve(cells.size() * 8);
  for (const auto* cell : cells) {
    AppendKey(cell->first, params);
    params.emplace_back(cell->second.count);
    params.emplace_back(cell->second.total);
  }
  return mysql::InsertRows(tx.connection(),
                           "INSERT INTO rollup_cells (tenant_id, dimension, dim_value, measure, "
                           "grain, period_start, cell_count, cell_total)",
                           8, params,
                           " ON DUPLICATE KEY UPDATE cell_count = cell_count + VALUES(cell_count), "
                           "cell_total = cell_total + VALUES(cell_total)",
                           {.max_rows = kChunkRows});
}

// Merges digest cells into the stored ones: one locking read and one
// write per chunk.
absl::Status MergeDigests(mysql::Transaction& tx,
                          const std::vector<const std::pair<const RollupKey, Cell>*>& cells) {
  for (size_t start = 0; start < cells.size(); start += kChunkRows) {
    const size_t n = std::min(kChunkRows, cells.size() - start);
    std::vector<mysql::Value> params;
    params.reserve(n * 6);
    for (size_t i = start; i < start + n; ++i) AppendKey(cells[i]->first, params);
    // Past a few hundred keys MariaDB's cost model prefers scanning the
    // table to looking each key up (and a locking scan waits on every cell
    // other pages hold): the primary key is forced.
    ASSIGN_OR_RETURN(
        auto rows,
        tx->Query(absl::StrCat("SELECT tenant_id, dimension, dim_value, measure, "
                               "grain, period_start, cell_count, cell_total, digest "
                               "FROM rollup_cells FORCE INDEX (PRIMARY) WHERE ",
                               kKeyColumns, " IN (", mysql::ParameterRows(n, 6), ") FOR UPDATE"),
                  params));
    std::map<RollupKey, Cell> stored;
    for (const mysql::Row& row : rows) {
      ASSIGN_OR_RETURN(Period period, StoredPeriod(row.Int(4), row.String(5)));
      ASSIGN_OR_RETURN(Cell cell, CellFrom(row, 6));
      stored.emplace(RollupKey{row.String(0), row.String(1), row.String(2), row.String(3), period},
                     std::move(cell));
    }
    // Cells that come out empty are written empty: DeleteEmpty() removes
    // them with the others.
    std::vector<mysql::Value> writes;
    writes.reserve(n * 9);
    for (size_t i = start; i < start + n; ++i) {
      const RollupKey& key = cells[i]->first;
      Cell merged;
      if (auto it = stored.find(key); it != stored.end()) merged = std::move(it->second);
      merged.Merge(cells[i]->second);
      AppendKey(key, writes);
      writes.emplace_back(merged.count);
      writes.emplace_back(merged.total);
      writes.emplace_back(DigestValue(merged.digest));
    }
    RETURN_IF_ERROR(
        tx->Execute(absl::StrCat("INSERT INTO rollup_cells (tenant_id, dimension, dim_value, "
                                 "measure, grain, period_start, cell_count, cell_total, "
                                 "digest) VALUES ",
                                 mysql::ParameterRows(n, 9),
                                 " ON DUPLICATE KEY UPDATE cell_count = VALUES(cell_count), "
                                 "cell_total = VALUES(cell_total), digest = VALUES(digest)"),
                    writes)
            .status());
  }
  return absl::OkStatus();
}

// Deletes the empty cells of the measures each tenant's cells of `delta`
// belong to: an index range that is almost always empty. Naming the
// measures keeps the scan off cells another consumer's keepers (whose
// measures differ) may be emptying concurrently.
absl::Status DeleteEmpty(mysql::Transaction& tx, const Contributions& delta) {
  std::map<std::string, std::set<std::string>> measures;
  for (const auto& [key, cell] : delta.cells()) measures[key.tenant].insert(key.measure);
  for (const auto& [tenant, names] : measures) {
    std::vector<mysql::Value> params = {tenant};
    params.insert(params.end(), names.begin(), names.end());
    RETURN_IF_ERROR(tx->Execute(absl::StrCat("DELETE FROM rollup_cells WHERE tenant_id = ? "
                                             "AND is_empty = 1 AND measure IN (",
                                             mysql::ParameterList(names.size()), ")"),
                                params)
                        .status());
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status MysqlRollupStore::Apply(mysql::Transaction& tx, const Contributions& delta) {
  std::vector<const std::pair<const RollupKey, Cell>*> counts;
  std::vector<const std::pair<const RollupKey, Cell>*> digests;
  for (const auto& entry : delta.cells()) {
    RETURN_IF_ERROR(CheckStored(entry.first.period));
    if (entry.second.zero()) continue;
    (entry.second.digest.empty() ? counts : digests).push_back(&entry);
  }
  if (counts.empty() && digests.empty()) return absl::OkStatus();
  // Cells are visited in key order, so concurrent pages lock in one order.
  RETURN_IF_ERROR(AddCounts(tx, counts));
  RETURN_IF_ERROR(MergeDigests(tx, digests));
  // A retraction may have brought cells back to zero.
  return DeleteEmpty(tx, delta);
}

absl::StatusOr<absl::btree_map<std::string, Cell>> MysqlRollupStore::Sum(const CellQuery& query,
                                                                         absl::Time deadline) {
  absl::btree_map<std::string, Cell> sums;
  // Per grain, the distinct period starts; then runs of consecutive periods.
  std::map<Grain, std::set<absl::CivilDay>> starts;
  for (const Period& period : query.periods) {
    RETURN_IF_ERROR(CheckStored(period));
    starts[period.grain].insert(period.start);
  }
  if (starts.empty()) return sums;
  std::vector<mysql::Value> params = {query.tenant, query.dimension, query.value};
  std::string sql = absl::StrCat(
      "SELECT measure, cell_count, cell_total, digest FROM rollup_cells WHERE tenant_id = ? AND "
      "dimension = ? AND dim_value = ? AND ",
      MeasureFilter(query.measures, params), "(");
  bool first_run = true;
  for (const auto& [grain, days] : starts) {
    auto it = days.begin();
    while (it != days.end()) {
      const absl::CivilDay run_start = *it;
      absl::CivilDay run_end = PeriodOf(grain, *it).end;
      for (++it; it != days.end() && *it == run_end; ++it) run_end = PeriodOf(grain, *it).end;
      absl::StrAppend(&sql, first_run ? "" : " OR ",
                      "(grain = ? AND period_start >= ? AND period_start < ?)");
      first_run = false;
      params.emplace_back(int64_t{static_cast<int>(grain)});
      params.emplace_back(FormatDate(run_start));
      params.emplace_back(FormatDate(run_end));
    }
  }
  absl::StrAppend(&sql, ")");
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  for (const mysql::Row& row : rows) {
    ASSIGN_OR_RETURN(Cell cell, CellFrom(row, 1));
    sums[row.String(0)].Merge(cell);
  }
  return sums;
}

absl::StatusOr<absl::btree_map<std::pair<std::string, Period>, Cell>> MysqlRollupStore::Cells(
    const CellQuery& query, Grain grain, absl::CivilDay from, absl::CivilDay to,
    absl::Time deadline) {
  absl::btree_map<std::pair<std::string, Period>, Cell> cells;
  if (grain == Grain::kCustom) {
    return absl::InvalidArgumentError("custom periods are never stored");
  }
  if (!(from < to)) return cells;
  std::vector<mysql::Value> params = {query.tenant, query.dimension, query.value};
  std::string sql = absl::StrCat(
      "SELECT measure, grain, period_start, cell_count, cell_total, digest FROM rollup_cells "
      "WHERE tenant_id = ? AND dimension = ? AND dim_value = ? AND ",
      MeasureFilter(query.measures, params),
      "grain = ? AND period_start >= ? AND period_start < ?");
  params.emplace_back(int64_t{static_cast<int>(grain)});
  params.emplace_back(FormatDate(from));
  params.emplace_back(FormatDate(to));
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  for (const mysql::Row& row : rows) {
    ASSIGN_OR_RETURN(Period period, StoredPeriod(row.Int(1), row.String(2)));
    ASSIGN_OR_RETURN(Cell cell, CellFrom(row, 3));
    cells.emplace(std::make_pair(row.String(0), period), std::move(cell));
  }
  return cells;
}

absl::StatusOr<std::optional<absl::CivilDay>> MysqlRollupStore::FirstMonth(
    const std::string& tenant, absl::Time deadline) {
  // Every contribution lands in a month cell of the whole tenant, so the
  // earliest month cell is the tenant's first month: one index lookup.
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT period_start FROM rollup_cells "
                             "FORCE INDEX (rollup_cells_by_period) "
                             "WHERE tenant_id = ? AND grain = ? ORDER BY period_start LIMIT 1",
                             {tenant, int64_t{static_cast<int>(Grain::kMonth)}}));
  if (rows.empty()) return std::nullopt;
  std::optional<absl::CivilDay> first = ParseDate(rows[0].String(0));
  if (!first.has_value()) return absl::DataLossError("rollup cell with a bad month");
  return first;
}

absl::Status MysqlRollupStore::DeleteTenant(mysql::Transaction& tx, const std::string& tenant) {
  // In slices, so that no single statement of a large tenant runs into the
  // connection's read timeout.
  constexpr int64_t kSlice = 20000;
  while (true) {
    ASSIGN_OR_RETURN(
        int64_t deleted,
        tx->Execute("DELETE FROM rollup_cells WHERE tenant_id = ? LIMIT ?", {tenant, kSlice}));
    if (deleted < kSlice) return absl::OkStatus();
  }
}

absl::StatusOr<absl::btree_map<RollupKey, Cell>> MysqlRollupStore::AllCells(
    mysql::Connection& db, const std::string& tenant) {
  ASSIGN_OR_RETURN(auto rows, db.Query("SELECT dimension, dim_value, measure, grain, period_start, "
                                       "cell_count, cell_total, digest FROM rollup_cells "
                                       "WHERE tenant_id = ?",
                                       {tenant}));
  absl::btree_map<RollupKey, Cell> cells;
  for (const mysql::Row& row : rows) {
    ASSIGN_OR_RETURN(Period period, StoredPeriod(row.Int(3), row.String(4)));
    ASSIGN_OR_RETURN(Cell cell, CellFrom(row, 5));
    cells.emplace(RollupKey{tenant, row.String(0), row.String(1), row.String(2), period},
                  std::move(cell));
  }
  return cells;
}

}  // namespace tandem::metrics

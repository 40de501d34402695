// Multi-row INSERTs of any number of rows, cut into statements of a bounded
// size:
//   RETURN_IF_ERROR(InsertRows(tx.connection(), "INSERT INTO t (a, b)", 2, params,
//                              " ON DUPLICATE KEY UPDATE b = VALUES(b)"));
#ifndef TANDEM_COMMON_MYSQL_INSERT_ROWS_H_
#define TANDEM_COMMON_MYSQL_INSERT_ROWS_H_

#include <cstddef>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/mysql/connection.h"

namespace tandem::mysql {

struct InsertRowsOptions {
  // Rows per statement at most: max_rows × width must stay within the
  // 65,535 parameter markers a statement may carry.
  size_t max_rows = 500;
  // Repeats the last row of each statement up to PaddedCount rows (at most
  // max_rows), so the connection's prepared statements (cached by their
  // text) take a handful of shapes however the counts vary. Only for statements
  // a repeated row changes nothing in: INSERT IGNORE, or ON DUPLICATE KEY
  // UPDATE setting columns to VALUES(...) or keeping the least of the two.
  // Never for a plain INSERT (the repeat is a duplicate key) or an update
  // that adds.
  bool pad_to_power_of_two = false;
};

// Runs `insert` + " VALUES (?, …), …" + `suffix` over `params`, `width`
// values a row, in as many statements as `options.max_rows` asks. INTERNAL
// when `params` is not whole rows or max_rows is out of bounds. Nothing runs
// for no rows.
absl::Status InsertRows(Connection& db, absl::string_view insert, size_t width,
                        const std::vector<Value>& params, absl::string_view suffix = "",
                        const InsertRowsOptions& options = {});

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_INSERT_ROWS_H_

// SQL for keyset pagination over (create_time, id).
#ifndef TANDEM_COMMON_MYSQL_KEYSET_H_
#define TANDEM_COMMON_MYSQL_KEYSET_H_

#include <string>
#include <vector>

#include "common/listing.h"
#include "common/mysql/connection.h"

namespace tandem::mysql {

// A filter condition on one column; `negated` means "not equal".
struct ColumnCondition {
  const char* column;
  bool negated = false;
  std::string value;
};

// Appends ` AND (column <=> ?)`, or ` AND NOT (column <=> ?)` when negated,
// for each condition. `<=>` is NULL-safe, so "x != v" keeps rows where x
// is NULL.
void AppendConditions(const std::vector<ColumnCondition>& conditions, std::string& sql,
                      std::vector<Value>& params);

// Drops the look-ahead row AppendKeysetPage asked for; returns true if
// another page follows.
bool TrimPage(std::vector<Row>& rows, const ListPlan& plan);

// Appends ` AND <after the plan's position>` (if any), the order and
// `LIMIT page_size + 1` to a query that already has a WHERE clause. The
// extra row tells whether another page follows.
void AppendKeysetPage(const ListPlan& plan, std::string& sql, std::vector<Value>& params);

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_KEYSET_H_

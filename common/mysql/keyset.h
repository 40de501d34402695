// SQL for keyset pagination over (create_time, id).
#ifndef TANDEM_COMMON_MYSQL_KEYSET_H_
#define TANDEM_COMMON_MYSQL_KEYSET_H_

#include <string>
#include <vector>

#include "common/listing.h"
#include "common/mysql/connection.h"

namespace tandem::mysql {

// A filter condition on one column. With `json_array`, the column holds
// a JSON array and `=` means "contains the value".
struct ColumnCondition {
  const char* column;
  FilterOp op = FilterOp::kEq;
  std::string value{};
  bool json_array = false;
};

// Appends ` AND <condition>` for each condition: `=` and `!=` are NULL-safe
// (`<=>`), so "x != v" keeps rows where x is NULL; `<`, `<=`, `>`, `>=`
// compare as SQL does.
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

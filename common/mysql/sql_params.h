// Parameter markers for statements whose length depends on the data: an
// IN (...) list or a multi-row INSERT's VALUES.
//   absl::StrCat("... WHERE id IN (", ParameterList(ids.size()), ")")
//   absl::StrCat("INSERT ... VALUES ", ParameterRows(rows.size(), 3))
#ifndef TANDEM_COMMON_MYSQL_SQL_PARAMS_H_
#define TANDEM_COMMON_MYSQL_SQL_PARAMS_H_

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::mysql {

// "?, ?, ?" for `n` parameters.
inline std::string ParameterList(size_t n) {
  return absl::StrJoin(std::vector<std::string>(n, "?"), ", ");
}

// "(?, ?), (?, ?)": `rows` groups of `width` parameters.
inline std::string ParameterRows(size_t rows, size_t width) {
  const std::string group = absl::StrCat("(", ParameterList(width), ")");
  return absl::StrJoin(std::vector<std::string>(rows, group), ", ");
}

// The smallest power of two not below `n` (1 for 0). A list or VALUES
// padded to it, by repeating an item where a repeat changes nothing, takes
// few shapes in a connection's cache of prepared statements (which is keyed
// by the statement's text) however the counts vary.
inline size_t PaddedCount(size_t n) {
  size_t padded = 1;
  while (padded < n) padded *= 2;
  return padded;
}

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_SQL_PARAMS_H_

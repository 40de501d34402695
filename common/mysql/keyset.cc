#include "common/mysql/keyset.h"

#include "absl/strings/str_cat.h"

namespace tandem::mysql {

void AppendConditions(const std::vector<ColumnCondition>& conditions, std::string& sql,
                      std::vector<Value>& params) {
  for (const ColumnCondition& condition : conditions) {
    const bool negated = condition.op == FilterOp::kNe;
    if (condition.json_array) {
      absl::StrAppend(&sql, negated ? " AND NOT " : " AND ", "JSON_CONTAINS(", condition.column,
                      ", JSON_QUOTE(?))");
    } else if (condition.op == FilterOp::kEq || negated) {
      absl::StrAppend(&sql, negated ? " AND NOT (" : " AND (", condition.column, " <=> ?)");
    } else {
      const char* op = condition.op == FilterOp::kLt   ? " < ?"
                       : condition.op == FilterOp::kLe ? " <= ?"
                       : condition.op == FilterOp::kGt ? " > ?"
                                                       : " >= ?";
      absl::StrAppend(&sql, " AND ", condition.column, op);
    }
    params.emplace_back(condition.value);
  }
}

bool TrimPage(std::vector<Row>& rows, const ListPlan& plan) {
  if (static_cast<int>(rows.size()) <= plan.page_size) return false;
  rows.erase(rows.begin() + plan.page_size, rows.end());
  return true;
}

void AppendKeysetPage(const ListPlan& plan, std::string& sql, std::vector<Value>& params) {
  const char* cmp = plan.newest_first ? "<" : ">";
  if (plan.after.has_value()) {
    absl::StrAppend(&sql, " AND (create_time ", cmp, " ? OR (create_time = ? AND id ", cmp, " ?))");
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->id);
  }
  absl::StrAppend(&sql, plan.newest_first ? " ORDER BY create_time DESC, id DESC"
                                          : " ORDER BY create_time ASC, id ASC",
                  " LIMIT ?");
  params.emplace_back(int64_t{plan.page_size + 1});
}

}  // namespace tandem::mysql

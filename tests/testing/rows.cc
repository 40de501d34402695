#include "tests/testing/rows.h"

#include "absl/time/clock.h"

namespace tandem::testing {

int64_t CountRows(mysql::Pool& pool, const std::string& sql,
                  const std::vector<mysql::Value>& params) {
  auto db = pool.Acquire(absl::Now() + absl::Seconds(5));
  if (!db.ok()) {
    ADD_FAILURE() << "no connection for " << sql << ": " << db.status();
    return -1;
  }
  auto rows = (*db)->Query(sql, params);
  if (!rows.ok()) {
    ADD_FAILURE() << sql << ": " << rows.status();
    return -1;
  }
  return rows->empty() ? -1 : (*rows)[0].Int(0);
}

int64_t CountEvents(mysql::Pool& pool, const std::string& type) {
  return CountRows(pool, "SELECT COUNT(*) FROM outbox WHERE event_type = ?", {type});
}

std::optional<std::string> LastEventPayload(mysql::Pool& pool, const std::string& subject,
                                            const std::string& type) {
  auto db = pool.Acquire(absl::Now() + absl::Seconds(5));
  if (!db.ok()) {
    ADD_FAILURE() << "no connection for the " << type << " about " << subject << ": "
                  << db.status();
    return std::nullopt;
  }
  auto rows = (*db)->Query(
      "SELECT payload FROM outbox WHERE subject = ? AND event_type = ? ORDER BY id DESC LIMIT 1",
      {subject, type});
  if (!rows.ok() || rows->empty()) {
    ADD_FAILURE() << "no " << type << " about " << subject
                  << (rows.ok() ? std::string() : ": " + rows.status().ToString());
    return std::nullopt;
  }
  return (*rows)[0].String(0);
}

}  // namespace tandem::testing

// One MySQL/MariaDB connection with cached prepared statements, behind an
// API of absl::Status: connector exceptions never escape this layer.
#ifndef TANDEM_COMMON_MYSQL_CONNECTION_H_
#define TANDEM_COMMON_MYSQL_CONNECTION_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql/dsn.h"

namespace sql {
class Connection;
class PreparedStatement;
class SQLException;
}  // namespace sql

namespace tandem::mysql {

// A statement parameter. absl::Time is sent as a UTC DATETIME(6) string.
using Value = std::variant<std::nullptr_t, int64_t, double, std::string, bool, absl::Time>;

// Formats `t` as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, as DATETIME(6) wants.
std::string FormatDatetime(absl::Time t);

// One result row; columns are addressed by 0-based position.
class Row {
 public:
  explicit Row(std::vector<std::optional<std::string>> cells) : cells_(std::move(cells)) {}

  // Returns true if the column is SQL NULL.
  bool IsNull(int column) const { return !cells_.at(column).has_value(); }
  // Returns the column as text ("" for NULL).
  const std::string& String(int column) const;
  // Returns the column as an integer (0 for NULL).
  int64_t Int(int column) const;
  // Returns the column as a double (0 for NULL).
  double Double(int column) const;
  // Returns a DATETIME column as a time (InfinitePast for NULL).
  absl::Time Time(int column) const;
  // Returns the number of columns.
  int size() const { return static_cast<int>(cells_.size()); }

 private:
  std::vector<std::optional<std::string>> cells_;
};

// Maps a connector error to a canonical status: 1062 ALREADY_EXISTS, lost
// or refused connections UNAVAILABLE, 1969 DEADLINE_EXCEEDED, deadlocks
// and lock-wait timeouts ABORTED, anything else INTERNAL.
absl::Status MysqlErrorToStatus(int error_code, absl::string_view sql_state,
                                absl::string_view message);

// Returns true for error codes after which the connection must be dropped.
bool IsConnectionLost(int error_code);

// Connection settings beyond the address.
struct ConnectOptions {
  absl::Duration connect_timeout = absl::Seconds(3);
  // Socket read/write timeouts: a silent server fails a call after this.
  absl::Duration io_timeout = absl::Seconds(30);
  // Longest time a statement waits for a row lock.
  absl::Duration lock_wait_timeout = absl::Seconds(5);
};

// A live connection. Not thread-safe: one thread uses it at a time.
class Connection {
 public:
  // Opens a connection, in UTC, utf8mb4, READ COMMITTED, strict SQL mode.
  static absl::StatusOr<std::unique_ptr<Connection>> Open(const Dsn& dsn,
                                                          const ConnectOptions& options);
  ~Connection();

  // Runs a (cached) prepared statement that returns rows.
  absl::StatusOr<std::vector<Row>> Query(absl::string_view sql, const std::vector<Value>& params = {});
  // Runs a (cached) prepared statement and returns the affected row count.
  absl::StatusOr<int64_t> Execute(absl::string_view sql, const std::vector<Value>& params = {});
  // Runs a statement without preparing it (DDL, session settings).
  absl::Status ExecuteDirect(absl::string_view sql);
  // Returns the AUTO_INCREMENT value of the last insert on this connection.
  absl::StatusOr<int64_t> LastInsertId();

  // Makes every later statement fail fast once `deadline` passes, and caps
  // each statement's server-side run time to what remains (MariaDB's
  // max_statement_time, or MySQL's max_execution_time, which covers reads
  // only). InfiniteFuture clears the cap.
  absl::Status SetDeadline(absl::Time deadline);

  // Rolls back the open transaction, whatever the deadline. If that fails
  // the connection is marked broken, so it is never reused mid-transaction.
  void Rollback();

  // Returns true if the server still answers (a ping).
  bool Ping();

  // Returns true once a statement lost the connection; a broken connection is
  // discarded by the pool instead of being reused.
  bool broken() const { return broken_; }

  // When the connection was last returned to the pool.
  absl::Time last_used() const { return last_used_; }
  void set_last_used(absl::Time t) { last_used_ = t; }

 private:
  explicit Connection(std::unique_ptr<sql::Connection> connection);
  absl::StatusOr<sql::PreparedStatement*> Prepare(absl::string_view sql);
  absl::Status CheckDeadline() const;
  absl::Status ExecuteRaw(absl::string_view sql);
  absl::Status FromException(const sql::SQLException& e);

  std::unique_ptr<sql::Connection> connection_;
  absl::flat_hash_map<std::string, std::unique_ptr<sql::PreparedStatement>> statements_;
  absl::Time deadline_ = absl::InfiniteFuture();
  int64_t statement_time_cap_ms_ = 0;
  bool mariadb_ = true;  // else MySQL, whose statement cap is named differently
  bool broken_ = false;
  absl::Time last_used_ = absl::InfinitePast();
};

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_CONNECTION_H_

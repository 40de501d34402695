#include "common/mysql/connection.h"

#include <mysql_driver.h>
#include <cppconn/connection.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>

#include <iterator>
#include <mutex>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tandem::mysql {
namespace {

// Statement time caps, in milliseconds, that deadlines are rounded up to.
constexpr int64_t kStatementCapBucketsMs[] = {250, 500, 1000, 2000, 5000, 10000, 30000, 60000};

// Bounds the statement cache so dynamically built SQL cannot exhaust the
// server's max_prepared_stmt_count.
constexpr size_t kMaxCachedStatements = 256;

sql::mysql::MySQL_Driver* Driver() {
  static std::once_flag once;
  static sql::mysql::MySQL_Driver* driver = nullptr;
  std::call_once(once, [] { driver = sql::mysql::get_mysql_driver_instance(); });
  return driver;
}

// Calls threadInit/threadEnd once per thread that touches the connector.
void EnsureThreadInit() {
  struct ThreadGuard {
    ThreadGuard() { Driver()->threadInit(); }
    ~ThreadGuard() { Driver()->threadEnd(); }
  };
  thread_local ThreadGuard guard;
}

const std::string& EmptyString() {
  static const auto* empty = new std::string;
  return *empty;
}

}  // namespace

std::string FormatDatetime(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S", t, absl::UTCTimeZone());
}

const std::string& Row::String(int column) const {
  const auto& cell = cells_.at(column);
  return cell.has_value() ? *cell : EmptyString();
}

int64_t Row::Int(int column) const {
  int64_t value = 0;
  if (const auto& cell = cells_.at(column); cell.has_value()) {
    if (!absl::SimpleAtoi(*cell, &value)) {
      double d = 0;
      if (absl::SimpleAtod(*cell, &d)) value = static_cast<int64_t>(d);
    }
  }
  return value;
}

double Row::Double(int column) const {
  double value = 0;
  if (const auto& cell = cells_.at(column); cell.has_value()) {
    (void)absl::SimpleAtod(*cell, &value);
  }
  return value;
}

absl::Time Row::Time(int column) const {
  const auto& cell = cells_.at(column);
  if (!cell.has_value()) return absl::InfinitePast();
  absl::Time t;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d %H:%M:%E*S", *cell, absl::UTCTimeZone(), &t, &error)) return t;
  return absl::InfinitePast();
}

bool IsConnectionLost(int error_code) {
  // 2002/2003 cannot connect, 2006 gone away, 2013 lost during query,
  // 2055 lost at system error, 1927 killed connection, 1053 server shutdown.
  return error_code == 2002 || error_code == 2003 || error_code == 2006 ||
         error_code == 2013 || error_code == 2055 || error_code == 1927 ||
         error_code == 1053 || error_code == 4031;
}

absl::Status MysqlErrorToStatus(int error_code, absl::string_view sql_state,
                                absl::string_view message) {
  std::string detail = absl::StrCat("database error ", error_code, " (", sql_state, "): ", message);
  if (error_code == 1062) return absl::AlreadyExistsError(detail);
  // Wrong credentials, a missing grant or database: a setting to fix, not
  // an outage to wait out.
  if (error_code == 1044 || error_code == 1045 || error_code == 1049 || error_code == 1698) {
    return absl::FailedPreconditionError(
        absl::StrCat("the database refused the configured account: ", detail));
  }
  if (error_code == 1969 || error_code == 3024) return absl::DeadlineExceededError(detail);
  if (error_code == 1213 || error_code == 1205) return absl::AbortedError(detail);
  if (IsConnectionLost(error_code) || error_code == 1040 || error_code == 1203) {
    absl::Status status = absl::UnavailableError(absl::StrCat("database unavailable: ", detail));
    return status;
  }
  return absl::InternalError(detail);
}

absl::StatusOr<std::unique_ptr<Connection>> Connection::Open(const Dsn& dsn,
                                                             const ConnectOptions& options) {
  EnsureThreadInit();
  sql::ConnectOptionsMap properties;
  if (!dsn.socket.empty()) {
    properties["socket"] = sql::SQLString(dsn.socket);
    properties["hostName"] = sql::SQLString("localhost");
  } else {
    properties["hostName"] = sql::SQLString(absl::StrCat("tcp://", dsn.host, ":", dsn.port));
  }
  properties["userName"] = sql::SQLString(dsn.user);
  properties["password"] = sql::SQLString(dsn.password);
  properties["schema"] = sql::SQLString(dsn.database);
  properties["OPT_RECONNECT"] = false;
  properties["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  auto seconds = [](absl::Duration d) {
    return static_cast<int>(std::max<int64_t>(1, absl::ToInt64Seconds(d)));
  };
  properties["OPT_CONNECT_TIMEOUT"] = seconds(options.connect_timeout);
  properties["OPT_READ_TIMEOUT"] = seconds(options.io_timeout);
  properties["OPT_WRITE_TIMEOUT"] = seconds(options.io_timeout);
  try {
    std::unique_ptr<sql::Connection> raw(Driver()->connect(properties));
    auto connection = std::unique_ptr<Connection>(new Connection(std::move(raw)));
    for (const std::string& setting :
         {std::string("SET time_zone = '+00:00'"),
          std::string("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
                      "NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'"),
          std::string("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED"),
          absl::StrCat("SET SESSION innodb_lock_wait_timeout = ",
                       seconds(options.lock_wait_timeout))}) {
      absl::Status status = connection->ExecuteDirect(setting);
      if (!status.ok()) return status;
    }
    auto version = connection->Query("SELECT VERSION()");
    if (!version.ok()) return version.status();
    connection->mariadb_ =
        !version->empty() && (*version)[0].String(0).find("MariaDB") != std::string::npos;
    return connection;
  } catch (const sql::SQLException& e) {
    return MysqlErrorToStatus(e.getErrorCode(), e.getSQLStateCStr(), e.what());
  }
}

Connection::Connection(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)) {}

Connection::~Connection() {
  try {
    statements_.clear();
    if (connection_ != nullptr && !broken_) connection_->close();
  } catch (const sql::SQLException&) {
    // Closing a dead connection may throw; nothing is left to clean up.
  }
}

absl::Status Connection::FromException(const sql::SQLException& e) {
  if (IsConnectionLost(e.getErrorCode())) broken_ = true;
  return MysqlErrorToStatus(e.getErrorCode(), e.getSQLStateCStr(), e.what());
}

absl::Status Connection::CheckDeadline() const {
  if (deadline_ != absl::InfiniteFuture() && absl::Now() >= deadline_) {
    return absl::DeadlineExceededError("the request deadline passed before the database answered");
  }
  return absl::OkStatus();
}

absl::Status Connection::SetDeadline(absl::Time deadline) {
  deadline_ = deadline;
  int64_t cap_ms = 0;
  if (deadline != absl::InfiniteFuture()) {
    // Round the remaining time up to a bucket, so a connection reused under
    // similar deadlines keeps its setting instead of paying a round trip on
    // every checkout. The cap is at most 2x loose; CheckDeadline() and the
    // caller's own deadline still end the call on time.
    const int64_t remaining = absl::ToInt64Milliseconds(deadline - absl::Now());
    cap_ms = kStatementCapBucketsMs[std::size(kStatementCapBucketsMs) - 1];
    for (int64_t bucket : kStatementCapBucketsMs) {
      if (remaining <= bucket) {
        cap_ms = bucket;
        break;
      }
    }
  }
  if (cap_ms == statement_time_cap_ms_) return absl::OkStatus();
  absl::Status status =
      mariadb_ ? ExecuteRaw(absl::StrCat("SET SESSION max_statement_time = ", cap_ms / 1000, ".",
                                         absl::Dec(cap_ms % 1000, absl::kZeroPad3)))
               : ExecuteRaw(absl::StrCat("SET SESSION max_execution_time = ", cap_ms));
  if (status.ok()) statement_time_cap_ms_ = cap_ms;
  return status;
}

absl::StatusOr<sql::PreparedStatement*> Connection::Prepare(absl::string_view sql) {
  auto it = statements_.find(sql);
  if (it != statements_.end()) return it->second.get();
  if (statements_.size() >= kMaxCachedStatements) statements_.clear();
  try {
    std::unique_ptr<sql::PreparedStatement> statement(
        connection_->prepareStatement(sql::SQLString(sql.data(), sql.size())));
    sql::PreparedStatement* raw = statement.get();
    statements_.emplace(std::string(sql), std::move(statement));
    return raw;
  } catch (const sql::SQLException& e) {
    return FromException(e);
  }
}

namespace {

void Bind(sql::PreparedStatement* statement, const std::vector<Value>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    const unsigned index = static_cast<unsigned>(i + 1);
    const Value& value = params[i];
    if (std::holds_alternative<std::nullptr_t>(value)) {
      statement->setNull(index, 0);
    } else if (const auto* v = std::get_if<int64_t>(&value)) {
      statement->setInt64(index, *v);
    } else if (const auto* v = std::get_if<double>(&value)) {
      statement->setDouble(index, *v);
    } else if (const auto* v = std::get_if<std::string>(&value)) {
      statement->setString(index, sql::SQLString(*v));
    } else if (const auto* v = std::get_if<bool>(&value)) {
      statement->setBoolean(index, *v);
    } else if (const auto* v = std::get_if<absl::Time>(&value)) {
      statement->setString(index, sql::SQLString(FormatDatetime(*v)));
    }
  }
}

}  // namespace

absl::StatusOr<std::vector<Row>> Connection::Query(absl::string_view sql,
                                                   const std::vector<Value>& params) {
  if (absl::Status status = CheckDeadline(); !status.ok()) return status;
  auto statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  try {
    Bind(*statement, params);
    std::unique_ptr<sql::ResultSet> results((*statement)->executeQuery());
    const int columns = static_cast<int>(results->getMetaData()->getColumnCount());
    std::vector<Row> rows;
    rows.reserve(results->rowsCount());
    while (results->next()) {
      std::vector<std::optional<std::string>> cells;
      cells.reserve(columns);
      for (int c = 1; c <= columns; ++c) {
        if (results->isNull(c)) {
          cells.emplace_back(std::nullopt);
        } else {
          cells.emplace_back(results->getString(c).asStdString());
        }
      }
      rows.emplace_back(std::move(cells));
    }
    return rows;
  } catch (const sql::SQLException& e) {
    return FromException(e);
  }
}

absl::StatusOr<int64_t> Connection::Execute(absl::string_view sql,
                                            const std::vector<Value>& params) {
  if (absl::Status status = CheckDeadline(); !status.ok()) return status;
  auto statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  try {
    Bind(*statement, params);
    return static_cast<int64_t>((*statement)->executeUpdate());
  } catch (const sql::SQLException& e) {
    return FromException(e);
  }
}

absl::Status Connection::ExecuteDirect(absl::string_view sql) {
  if (absl::Status status = CheckDeadline(); !status.ok()) return status;
  return ExecuteRaw(sql);
}

void Connection::Rollback() {
  if (!ExecuteRaw("ROLLBACK").ok()) broken_ = true;
}

absl::Status Connection::ExecuteRaw(absl::string_view sql) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    statement->execute(sql::SQLString(sql.data(), sql.size()));
    return absl::OkStatus();
  } catch (const sql::SQLException& e) {
    return FromException(e);
  }
}

absl::StatusOr<int64_t> Connection::LastInsertId() {
  auto rows = Query("SELECT LAST_INSERT_ID()");
  if (!rows.ok()) return rows.status();
  return rows->empty() ? 0 : (*rows)[0].Int(0);
}

bool Connection::Ping() {
  if (broken_) return false;
  try {
    if (connection_->isValid()) return true;
  } catch (const sql::SQLException&) {
  }
  broken_ = true;
  return false;
}

}  // namespace tandem::mysql

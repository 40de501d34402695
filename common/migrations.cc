#include "common/migrations.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/logging.h"
#include "common/mysql/pool.h"
#include "common/status.h"

namespace tandem {
namespace {

constexpr absl::string_view kCreateTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  component VARCHAR(64) NOT NULL,
  version INT NOT NULL,
  file_name VARCHAR(255) NOT NULL,
  checksum CHAR(64) NOT NULL,
  dirty BOOLEAN NOT NULL,
  applied_at DATETIME(6) NOT NULL,
  PRIMARY KEY (component, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)sql";

absl::Status ApplyOne(mysql::Connection& db, const std::string& component, int version,
                      const Migration& migration, const std::string& checksum) {
  logging::Info("applying migration", {{"component", component}, {"file", migration.file_name}});
  RETURN_IF_ERROR(db.Execute("INSERT INTO schema_migrations "
                             "(component, version, file_name, checksum, dirty, applied_at) "
                             "VALUES (?, ?, ?, ?, TRUE, UTC_TIMESTAMP(6))",
                             {component, int64_t{version}, migration.file_name, checksum})
                      .status());
  for (const std::string& statement : SplitSqlStatements(migration.sql)) {
    absl::Status status = db.ExecuteDirect(statement);
    if (!status.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", component, "/", migration.file_name, " failed and is marked dirty: ",
          status.message(), ". Repair the schema by hand, then delete its row from "
          "schema_migrations (or set dirty = FALSE) and start again"));
    }
  }
  return db.Execute("UPDATE schema_migrations SET dirty = FALSE "
                    "WHERE component = ? AND version = ?",
                    {component, int64_t{version}})
      .status();
}

absl::Status ApplySet(mysql::Connection& db, const MigrationSet& set) {
  std::set<int> seen;
  for (const Migration& migration : *set.migrations) {
    ASSIGN_OR_RETURN(int version, MigrationVersion(migration.file_name));
    if (!seen.insert(version).second) {
      return absl::FailedPreconditionError(absl::StrCat(
          "two ", set.component, " migrations have version ", version));
    }
    const std::string checksum = Sha256Hex(migration.sql);
    ASSIGN_OR_RETURN(auto rows, db.Query("SELECT checksum, dirty, file_name FROM schema_migrations "
                                         "WHERE component = ? AND version = ?",
                                         {set.component, int64_t{version}}));
    if (rows.empty()) {
      RETURN_IF_ERROR(ApplyOne(db, set.component, version, migration, checksum));
      continue;
    }
    if (rows[0].Int(1) != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", set.component, "/", rows[0].String(2),
          " is dirty: it failed or was interrupted. Repair the schema by hand, then clear "
          "the dirty flag in schema_migrations"));
    }
    if (rows[0].String(0) != checksum) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", set.component, "/", migration.file_name,
          " was edited after it was applied (checksum differs); restore it and add a new "
          "migration instead"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> MigrationVersion(absl::string_view file_name) {
  size_t underscore = file_name.find('_');
  int version = 0;
  if (underscore != 4 || !absl::SimpleAtoi(file_name.substr(0, 4), &version) || version <= 0 ||
      !absl::EndsWith(file_name, ".sql")) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration file \"", file_name, "\" must be named NNNN_name.sql with NNNN >= 0001"));
  }
  return version;
}

std::vector<std::string> SplitSqlStatements(absl::string_view script) {
  std::vector<std::string> statements;
  std::string current;
  char quote = 0;
  for (size_t i = 0; i < script.size(); ++i) {
    const char c = script[i];
    const char next = i + 1 < script.size() ? script[i + 1] : '\0';
    if (quote != 0) {
      current.push_back(c);
      if (c == '\\' && quote != '`' && next != '\0') {
        current.push_back(next);
        ++i;
      } else if (c == quote) {
        quote = 0;
      }
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
      current.push_back(c);
    } else if ((c == '-' && next == '-') || c == '#') {
      while (i < script.size() && script[i] != '\n') ++i;
      current.push_back('\n');
    } else if (c == '/' && next == '*') {
      size_t end = script.find("*/", i + 2);
      i = end == absl::string_view::npos ? script.size() : end + 1;
      current.push_back(' ');
    } else if (c == ';') {
      std::string trimmed(absl::StripAsciiWhitespace(current));
      if (!trimmed.empty()) statements.push_back(std::move(trimmed));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  std::string trimmed(absl::StripAsciiWhitespace(current));
  if (!trimmed.empty()) statements.push_back(std::move(trimmed));
  return statements;
}

absl::Status ApplyMigrations(mysql::Pool& pool, const std::vector<MigrationSet>& sets,
                             absl::Duration lock_timeout) {
  // Long DDL must not hit the socket timeout meant for requests (a client
  // timeout would leave the migration dirty while the server finishes it).
  mysql::ConnectOptions options;
  options.io_timeout = absl::Hours(24);
  options.lock_wait_timeout = absl::Minutes(10);
  ASSIGN_OR_RETURN(std::unique_ptr<mysql::Connection> db,
                   mysql::Connection::Open(pool.dsn(), options));
  ASSIGN_OR_RETURN(auto locked,
                   db->Query("SELECT GET_LOCK(CONCAT('tandem_migrate_', DATABASE()), ?)",
                             {absl::ToInt64Seconds(lock_timeout)}));
  if (locked.empty() || locked[0].Int(0) != 1) {
    return absl::UnavailableError(
        "another process is migrating this database; the migration lock was not had in time");
  }
  absl::Status status = db->ExecuteDirect(kCreateTable);
  for (const MigrationSet& set : sets) {
    if (!status.ok()) break;
    status = ApplySet(*db, set);
  }
  (void)db->Query("SELECT RELEASE_LOCK(CONCAT('tandem_migrate_', DATABASE()))");
  return status;
}

}  // namespace tandem

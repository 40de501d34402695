// Schema migrations: ordered `NNNN_name.sql` files per component, applied
// at start-up (or by `--migrate-only`), each recorded in
// `schema_migrations` with a SHA-256 checksum.
//
// DDL is not transactional in MySQL, so a migration is marked dirty before
// it runs and clean after; a dirty row (a crash mid-migration) stops every
// later start until an operator repairs the schema and clears the flag. An
// applied file whose content changed is an error, never a silent skip.
// GET_LOCK serialises concurrent migrators (several replicas starting).
#ifndef TANDEM_COMMON_MIGRATIONS_H_
#define TANDEM_COMMON_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem {

namespace mysql {
class Pool;
}

// One migration file.
struct Migration {
  // File name, `NNNN_name.sql`; NNNN is the version.
  std::string file_name;
  // The file's SQL: statements separated by `;`.
  std::string sql;
};

// The migrations of one component ("common", "support", ...), in order.
struct MigrationSet {
  std::string component;
  const std::vector<Migration>* migrations;
};

// Applies every pending migration of `sets`, in order, on a connection of
// its own (to `pool`'s database) without the request socket timeout. Returns
// FAILED_PRECONDITION for an edited applied migration, a dirty migration,
// or a malformed file name; UNAVAILABLE if the lock is not had in time.
absl::Status ApplyMigrations(mysql::Pool& pool, const std::vector<MigrationSet>& sets,
                             absl::Duration lock_timeout = absl::Seconds(60));

// Splits a SQL script into statements at top-level `;`, skipping comments
// and keeping quoted text intact. Empty statements are dropped.
std::vector<std::string> SplitSqlStatements(absl::string_view script);

// Returns the version number of a `NNNN_name.sql` file name.
absl::StatusOr<int> MigrationVersion(absl::string_view file_name);

}  // namespace tandem

#endif  // TANDEM_COMMON_MIGRATIONS_H_

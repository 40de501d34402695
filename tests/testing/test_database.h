// A private database on the test MariaDB server, made fresh for one test
// and dropped after it. The server comes from tests/run.sh through
// TANDEM_TEST_DB_HOST, TANDEM_TEST_DB_PORT and TANDEM_TEST_DB_ROOT_PASSWORD.
#ifndef TANDEM_TESTS_TESTING_TEST_DATABASE_H_
#define TANDEM_TESTS_TESTING_TEST_DATABASE_H_

#include <memory>
#include <string>
#include <vector>

#include "common/migrations.h"
#include "common/mysql/dsn.h"
#include "common/mysql/pool.h"

namespace tandem::testing {

// Where the test server is, from the environment; aborts the test binary
// with a message naming tests/run.sh if the variables are missing.
mysql::Dsn TestServerRootDsn();

// One fresh database with its own user, granted only that database.
class TestDatabase {
 public:
  // Creates database `<prefix>_<random>` and a user of the same name.
  explicit TestDatabase(const std::string& prefix = "t");
  ~TestDatabase();

  // The database's own user (not root).
  const mysql::Dsn& dsn() const { return dsn_; }
  // The DSN as a mysql:// URL, for --db-dsn.
  std::string url() const;
  const std::string& name() const { return dsn_.database; }

  // A pool on the database's own user; safe to call from any thread.
  mysql::Pool& pool();

  // Applies `sets` to the database.
  void Migrate(const std::vector<MigrationSet>& sets);

 private:
  mysql::Dsn dsn_;
  std::unique_ptr<mysql::Pool> pool_;
};

// Runs `sql` as root on the test server.
absl::Status ExecuteAsRoot(const std::string& sql);

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_TEST_DATABASE_H_

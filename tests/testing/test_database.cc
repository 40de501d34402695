#include "tests/testing/test_database.h"

#include <cstdlib>
#include <iostream>
#include <random>

#include <gtest/gtest.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace tandem::testing {

mysql::Dsn TestServerRootDsn() {
  const char* host = std::getenv("TANDEM_TEST_DB_HOST");
  const char* port = std::getenv("TANDEM_TEST_DB_PORT");
  const char* password = std::getenv("TANDEM_TEST_DB_ROOT_PASSWORD");
  if (host == nullptr || port == nullptr || password == nullptr) {
    std::cerr << "TANDEM_TEST_DB_HOST, TANDEM_TEST_DB_PORT and TANDEM_TEST_DB_ROOT_PASSWORD are "
                 "not set: run the tests through ./tests/run.sh, which starts a MariaDB for "
                 "them.\n";
    std::abort();
  }
  mysql::Dsn dsn;
  dsn.host = host;
  if (!absl::SimpleAtoi(port, &dsn.port)) std::abort();
  dsn.user = "root";
  dsn.password = password;
  dsn.database = "mysql";
  return dsn;
}

absl::Status ExecuteAsRoot(const std::string& sql) {
  auto connection = mysql::Connection::Open(TestServerRootDsn(), {});
  if (!connection.ok()) return connection.status();
  return (*connection)->ExecuteDirect(sql);
}

TestDatabase::TestDatabase(const std::string& prefix) {
  std::string suffix = absl::AsciiStrToLower(RandomToken(9));
  for (char& c : suffix) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = 'x';
  }
  dsn_ = TestServerRootDsn();
  dsn_.database = absl::StrCat(prefix, "_", suffix);
  dsn_.user = dsn_.database;
  dsn_.password = RandomToken(12);
  for (const std::string& sql :
       {absl::StrCat("CREATE DATABASE `", dsn_.database, "` CHARACTER SET utf8mb4"),
        absl::StrCat("CREATE USER '", dsn_.user, "'@'%' IDENTIFIED BY '", dsn_.password, "'"),
        absl::StrCat("GRANT ALL PRIVILEGES ON `", dsn_.database, "`.* TO '", dsn_.user, "'@'%'")}) {
    absl::Status status = ExecuteAsRoot(sql);
    if (!status.ok()) {
      ADD_FAILURE() << "cannot prepare test database: " << status;
      break;
    }
  }
  // Made here, not on first use: tests call pool() from several threads.
  mysql::PoolOptions options;
  options.max_connections = 16;
  pool_ = std::make_unique<mysql::Pool>(dsn_, options);
}

TestDatabase::~TestDatabase() {
  pool_.reset();
  (void)ExecuteAsRoot(absl::StrCat("DROP DATABASE IF EXISTS `", dsn_.database, "`"));
  (void)ExecuteAsRoot(absl::StrCat("DROP USER IF EXISTS '", dsn_.user, "'@'%'"));
}

std::string TestDatabase::url() const {
  return absl::StrCat("mysql://", dsn_.user, ":", dsn_.password, "@", dsn_.host, ":", dsn_.port,
                      "/", dsn_.database);
}

mysql::Pool& TestDatabase::pool() { return *pool_; }

void TestDatabase::Migrate(const std::vector<MigrationSet>& sets) {
  absl::Status status = ApplyMigrations(pool(), sets);
  ASSERT_TRUE(status.ok()) << status;
}

}  // namespace tandem::testing

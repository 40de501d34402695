// The migration runner against a real MariaDB.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/migrations.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::testing::HasSubstr;

int64_t Count(mysql::Pool& pool, const std::string& sql) {
  auto db = pool.Acquire();
  if (!db.ok()) return -1;
  auto rows = (*db)->Query(sql);
  return rows.ok() && !rows->empty() ? (*rows)[0].Int(0) : -1;
}

// Migrations apply in order, are recorded, and a second run does nothing.
TEST(MigrationsTest, AppliesInOrderOnce) {
  TestDatabase database;
  const std::vector<Migration> files = {
      {"0001_create.sql", "CREATE TABLE a (x INT); INSERT INTO a VALUES (1);"},
      {"0002_more.sql", "INSERT INTO a VALUES (2); -- comment; here\nINSERT INTO a VALUES (3)"},
  };
  ASSERT_OK(ApplyMigrations(database.pool(), {{"demo", &files}}));
  ASSERT_OK(ApplyMigrations(database.pool(), {{"demo", &files}}));
  EXPECT_EQ(Count(database.pool(), "SELECT COUNT(*) FROM a"), 3);
  EXPECT_EQ(Count(database.pool(),
                  "SELECT COUNT(*) FROM schema_migrations WHERE component = 'demo' AND NOT dirty"),
            2);
}

// Editing an applied migration is an error naming the file.
TEST(MigrationsTest, EditedAppliedMigrationIsAnError) {
  TestDatabase database;
  std::vector<Migration> files = {{"0001_create.sql", "CREATE TABLE a (x INT)"}};
  ASSERT_OK(ApplyMigrations(database.pool(), {{"demo", &files}}));
  files[0].sql = "CREATE TABLE a (x BIGINT)";
  absl::Status status = ApplyMigrations(database.pool(), {{"demo", &files}});
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(status.message()), HasSubstr("0001_create.sql was edited"));
}

// A failing migration stays dirty and blocks later runs until repaired.
TEST(MigrationsTest, FailedMigrationIsDirtyAndBlocks) {
  TestDatabase database;
  std::vector<Migration> files = {{"0001_ok.sql", "CREATE TABLE a (x INT)"},
                                  {"0002_broken.sql", "CREATE TABLE b (x INT); SELEC oops"}};
  EXPECT_THAT(ApplyMigrations(database.pool(), {{"demo", &files}}),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  absl::Status again = ApplyMigrations(database.pool(), {{"demo", &files}});
  EXPECT_THAT(again, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(std::string(again.message()), HasSubstr("dirty"));
  EXPECT_EQ(Count(database.pool(), "SELECT dirty FROM schema_migrations WHERE version = 2"), 1);
}

// Two migrators at once (two replicas starting) apply each file once.
TEST(MigrationsTest, ConcurrentMigratorsApplyOnce) {
  TestDatabase database;
  const std::vector<Migration> files = {
      {"0001_create.sql", "CREATE TABLE a (x INT)"},
      {"0002_fill.sql", "INSERT INTO a VALUES (1)"},
  };
  absl::Status first, second;
  std::thread a([&] { first = ApplyMigrations(database.pool(), {{"demo", &files}}); });
  std::thread b([&] { second = ApplyMigrations(database.pool(), {{"demo", &files}}); });
  a.join();
  b.join();
  EXPECT_OK(first);
  EXPECT_OK(second);
  EXPECT_EQ(Count(database.pool(), "SELECT COUNT(*) FROM a"), 1);
}

}  // namespace
}  // namespace tandem

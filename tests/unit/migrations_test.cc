#include "common/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::ElementsAre;

// Statements split at top-level semicolons; comments vanish; quoted
// semicolons stay.
TEST(SplitSqlStatementsTest, SplitsAtTopLevelSemicolons) {
  EXPECT_THAT(SplitSqlStatements("-- header; not a statement\n"
                                 "CREATE TABLE a (x INT); /* block; comment */\n"
                                 "INSERT INTO a VALUES (';'), (\"\\\";\");\n"
                                 "# hash comment;\n"
                                 "SELECT `we;ird` FROM a"),
              ElementsAre("CREATE TABLE a (x INT)", "INSERT INTO a VALUES (';'), (\"\\\";\")",
                          "SELECT `we;ird` FROM a"));
  EXPECT_TRUE(SplitSqlStatements("  ;  -- nothing\n").empty());
}

// File names carry the version; anything else is refused.
TEST(MigrationVersionTest, ReadsVersionFromFileName) {
  ASSERT_OK_AND_ASSIGN(int version, MigrationVersion("0012_add_tags.sql"));
  EXPECT_EQ(version, 12);
  for (const char* bad : {"12_add.sql", "0000_zero.sql", "0001-add.sql", "0001_add.txt", "abcd_x.sql"}) {
    EXPECT_THAT(MigrationVersion(bad), StatusIs(absl::StatusCode::kFailedPrecondition)) << bad;
  }
}

}  // namespace
}  // namespace tandem

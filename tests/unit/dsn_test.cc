#include "common/mysql/dsn.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem::mysql {
namespace {

using ::tandem::testing::StatusIs;

// A full URL parses, with percent-escapes decoded.
TEST(DsnTest, ParsesUserPasswordHostPortDatabase) {
  ASSERT_OK_AND_ASSIGN(Dsn dsn, Dsn::Parse("mysql://tandem_support:p%40ss%3Aw@db.local:3307/tandem_support"));
  EXPECT_EQ(dsn.user, "tandem_support");
  EXPECT_EQ(dsn.password, "p@ss:w");
  EXPECT_EQ(dsn.host, "db.local");
  EXPECT_EQ(dsn.port, 3307);
  EXPECT_EQ(dsn.database, "tandem_support");
  EXPECT_EQ(dsn.Redacted(), "mysql://tandem_support:***@db.local:3307/tandem_support");
}

// A unix socket may replace host and port.
TEST(DsnTest, ParsesSocketParameter) {
  ASSERT_OK_AND_ASSIGN(Dsn dsn, Dsn::Parse("mysql://u:p@localhost/db?socket=/tmp/x.sock"));
  EXPECT_EQ(dsn.socket, "/tmp/x.sock");
  EXPECT_EQ(dsn.port, 3306);
}

// Malformed URLs are refused, and the message never contains the password.
TEST(DsnTest, RefusesMalformedUrlsWithoutLeakingPassword) {
  for (const char* url : {"postgres://u:p@h/db", "mysql://u:secretpw@h:99999/db",
                          "mysql://u:secretpw@h:3306", "mysql://h/db", "mysql://u:p%zz@h/db",
                          "mysql://u:p@h/db?ssl=1"}) {
    absl::StatusOr<Dsn> dsn = Dsn::Parse(url);
    EXPECT_THAT(dsn, StatusIs(absl::StatusCode::kInvalidArgument)) << url;
    EXPECT_EQ(std::string(dsn.status().message()).find("secretpw"), std::string::npos);
  }
}

}  // namespace
}  // namespace tandem::mysql

#include "common/config.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::HasSubstr;

Flags ExampleFlags() {
  Flags flags("tandem-test", "TANDEM_CFGTEST");
  flags.AddString("db-dsn", "", "database URL", /*required=*/true);
  flags.AddString("listen", "0.0.0.0:1", "address", false, {"TANDEM_CFGTEST_SHARED_LISTEN"});
  flags.AddInt("pool-size", 8, "pool size");
  flags.AddBool("migrate-only", false, "migrate and exit");
  flags.AddDuration("drain-timeout", absl::Seconds(10), "drain");
  return flags;
}

class FlagsTest : public ::testing::Test {
 protected:
  void TearDown() override {
    for (const char* name : {"TANDEM_CFGTEST_DB_DSN", "TANDEM_CFGTEST_LISTEN",
                             "TANDEM_CFGTEST_SHARED_LISTEN", "TANDEM_CFGTEST_POOL_SIZE"}) {
      unsetenv(name);
    }
  }
};

// The command line wins over the environment, which wins over the default.
TEST_F(FlagsTest, CommandLineOverridesEnvironmentOverridesDefault) {
  setenv("TANDEM_CFGTEST_DB_DSN", "mysql://env", 1);
  setenv("TANDEM_CFGTEST_POOL_SIZE", "3", 1);
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog", "--pool-size=5"};
  ASSERT_OK(flags.Parse(2, argv));
  EXPECT_EQ(flags.GetString("db-dsn"), "mysql://env");
  EXPECT_EQ(flags.GetInt("pool-size"), 5);
  EXPECT_EQ(flags.GetString("listen"), "0.0.0.0:1");
  EXPECT_FALSE(flags.IsSet("listen"));
}

// A shared variable (e.g. TANDEM_JWT_SECRET) is read after the service one.
TEST_F(FlagsTest, SharedEnvironmentVariableIsAFallback) {
  setenv("TANDEM_CFGTEST_DB_DSN", "x", 1);
  setenv("TANDEM_CFGTEST_SHARED_LISTEN", "1.2.3.4:5", 1);
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog"};
  ASSERT_OK(flags.Parse(1, argv));
  EXPECT_EQ(flags.GetString("listen"), "1.2.3.4:5");
}

// A missing required setting fails with the flag and variable named.
TEST_F(FlagsTest, MissingRequiredSettingNamesFlagAndVariable) {
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog"};
  absl::Status status = flags.Parse(1, argv);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(status.message()), HasSubstr("--db-dsn"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("TANDEM_CFGTEST_DB_DSN"));
}

// Malformed values are refused with the flag and where it came from.
TEST_F(FlagsTest, MalformedValuesAreRefused) {
  setenv("TANDEM_CFGTEST_POOL_SIZE", "many", 1);
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog", "--db-dsn=x"};
  absl::Status status = flags.Parse(2, argv);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--pool-size"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("TANDEM_CFGTEST_POOL_SIZE"));

  Flags durations = ExampleFlags();
  const char* bad_duration[] = {"prog", "--db-dsn=x", "--drain-timeout", "soon"};
  EXPECT_THAT(durations.Parse(4, bad_duration), StatusIs(absl::StatusCode::kInvalidArgument));
}

// Unknown flags are errors, not silently ignored.
TEST_F(FlagsTest, UnknownFlagIsAnError) {
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog", "--db-dsn=x", "--colour=blue"};
  absl::Status status = flags.Parse(3, argv);
  EXPECT_THAT(std::string(status.message()), HasSubstr("--colour"));
}

// Booleans take the bare form and explicit values; durations parse.
TEST_F(FlagsTest, BooleanAndDurationForms) {
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog", "--db-dsn", "x", "--migrate-only", "--drain-timeout=250ms"};
  ASSERT_OK(flags.Parse(5, argv));
  EXPECT_TRUE(flags.GetBool("migrate-only"));
  EXPECT_EQ(flags.GetDuration("drain-timeout"), absl::Milliseconds(250));
}

// --help is not an error even with required settings missing, and lists
// every flag with its variable.
TEST_F(FlagsTest, HelpListsEveryFlagWithItsVariable) {
  Flags flags = ExampleFlags();
  const char* argv[] = {"prog", "--help"};
  ASSERT_OK(flags.Parse(2, argv));
  EXPECT_TRUE(flags.help_requested());
  EXPECT_THAT(flags.Help(), HasSubstr("--db-dsn  (TANDEM_CFGTEST_DB_DSN)"));
  EXPECT_THAT(flags.Help(), HasSubstr("TANDEM_CFGTEST_SHARED_LISTEN"));
}

}  // namespace
}  // namespace tandem

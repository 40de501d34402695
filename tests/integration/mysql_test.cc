// The MySQL layer against a real MariaDB: parameters, error mapping,
// deadlines, broken connections and the pool's limits.
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/mysql/insert_rows.h"
#include "common/mysql/transaction.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/test_database.h"

namespace tandem::mysql {
namespace {

using ::tandem::testing::ExecuteAsRoot;
using ::tandem::testing::StatusIs;
using ::tandem::testing::TestDatabase;
using ::testing::HasSubstr;

class MysqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
    ASSERT_OK(db->ExecuteDirect(
        "CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(64) NULL, at DATETIME(6) NULL, "
        "data LONGBLOB NULL, ratio DOUBLE NULL, flag BOOLEAN NULL)"));
  }
  TestDatabase database_;
};

// Every parameter kind round-trips, including NULL, times and binary data.
TEST_F(MysqlTest, ParametersRoundTrip) {
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
  const absl::Time at = absl::FromUnixMicros(1'790'000'000'123'456);
  const std::string binary("a\0b\xff", 4);
  ASSERT_OK(db->Execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)",
                        {int64_t{1}, std::string("日本語"), at, binary, 0.25, true}));
  ASSERT_OK(db->Execute("INSERT INTO items (id, label) VALUES (?, ?)", {int64_t{2}, nullptr}));
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT id, label, at, data, ratio, flag FROM items "
                                            "ORDER BY id"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Int(0), 1);
  EXPECT_EQ(rows[0].String(1), "日本語");
  EXPECT_EQ(rows[0].Time(2), at);
  EXPECT_EQ(rows[0].String(3), binary);
  EXPECT_DOUBLE_EQ(rows[0].Double(4), 0.25);
  EXPECT_EQ(rows[0].Int(5), 1);
  EXPECT_TRUE(rows[1].IsNull(1));
}

// A duplicate key is ALREADY_EXISTS; a bad statement is INTERNAL.
TEST_F(MysqlTest, ErrorsMapToCanonicalCodes) {
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
  ASSERT_OK(db->Execute("INSERT INTO items (id) VALUES (1)"));
  EXPECT_THAT(db->Execute("INSERT INTO items (id) VALUES (1)"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(db->Query("SELECT nope FROM items"), StatusIs(absl::StatusCode::kInternal));
}

// A statement that outlives the request deadline is stopped by the server.
TEST_F(MysqlTest, DeadlineStopsLongStatement) {
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire(absl::Now() + absl::Milliseconds(300)));
  const absl::Time start = absl::Now();
  absl::StatusOr<std::vector<Row>> rows = db->Query("SELECT SLEEP(5) FROM items UNION SELECT 1");
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  // MariaDB either aborts the statement (1969) or SLEEP returns early.
  if (!rows.ok()) {
    EXPECT_THAT(rows, StatusIs(absl::StatusCode::kDeadlineExceeded));
  }
  absl::SleepFor(absl::Milliseconds(350));
  EXPECT_THAT(db->Query("SELECT 1"), StatusIs(absl::StatusCode::kDeadlineExceeded));
}

// A connection the server killed is reported UNAVAILABLE, discarded, and
// the pool hands out a working one next.
TEST_F(MysqlTest, KilledConnectionIsReplaced) {
  int64_t killed_id = 0;
  {
    ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
    ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT CONNECTION_ID()"));
    killed_id = rows[0].Int(0);
    ASSERT_OK(ExecuteAsRoot(absl::StrCat("KILL CONNECTION ", killed_id)));
    EXPECT_THAT(db->Query("SELECT 1"), StatusIs(absl::StatusCode::kUnavailable));
    EXPECT_TRUE(db->broken());
  }
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT CONNECTION_ID()"));
  EXPECT_NE(rows[0].Int(0), killed_id);
  EXPECT_GE(database_.pool().Stats().discarded_total, 1);
}

// A transaction that is not committed leaves nothing behind, and the
// connection goes back clean.
TEST_F(MysqlTest, UncommittedTransactionRollsBack) {
  {
    ASSERT_OK_AND_ASSIGN(Transaction tx, Transaction::Begin(database_.pool(), absl::InfiniteFuture()));
    ASSERT_OK(tx->Execute("INSERT INTO items (id) VALUES (7)"));
  }
  ASSERT_OK(RunInTransaction(database_.pool(), absl::InfiniteFuture(), [](Transaction& tx) {
    return tx->Execute("INSERT INTO items (id) VALUES (8)").status();
  }));
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT id FROM items ORDER BY id"));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 8);
}

// Rows beyond max_rows go in further statements; padding gives every
// statement a power-of-two shape, so the connection prepares fewer.
TEST_F(MysqlTest, InsertRowsCutsStatementsAndPadsToFewShapes) {
  ASSERT_OK_AND_ASSIGN(auto db, database_.pool().Acquire());
  auto prepared = [&]() -> int64_t {
    auto rows = db->Query("SHOW SESSION STATUS LIKE 'Com_stmt_prepare'");
    EXPECT_TRUE(rows.ok() && rows->size() == 1) << rows.status();
    return rows.ok() && rows->size() == 1 ? std::stoll((*rows)[0].String(1)) : -1;
  };
  auto numbered = [](int64_t first, int64_t last) {
    std::vector<Value> params;
    for (int64_t id = first; id <= last; ++id)
      params.insert(params.end(), {id, absl::StrCat("row ", id)});
    return params;
  };
  prepared();  // the status query is prepared once, then cached

  int64_t before = prepared();
  ASSERT_OK(InsertRows(*db, "INSERT IGNORE INTO items (id, label)", 2, numbered(1, 7), "",
                       {.max_rows = 4, .pad_to_power_of_two = true}));
  EXPECT_EQ(prepared() - before, 1) << "4 rows, then 3 padded to 4: one shape";

  before = prepared();
  ASSERT_OK(
      InsertRows(*db, "INSERT INTO items (id, label)", 2, numbered(11, 17), "", {.max_rows = 4}));
  EXPECT_EQ(prepared() - before, 2) << "4 rows, then 3: two shapes";

  ASSERT_OK_AND_ASSIGN(auto rows, db->Query("SELECT id, label FROM items ORDER BY id"));
  ASSERT_EQ(rows.size(), 14u);
  for (const Row& row : rows) EXPECT_EQ(row.String(1), absl::StrCat("row ", row.Int(0)));

  ASSERT_OK(InsertRows(*db, "INSERT INTO items (id, label)", 2, {}));  // no rows, no statement
  const absl::Status half_row = InsertRows(*db, "INSERT INTO items (id, label)", 2, {int64_t{99}});
  EXPECT_THAT(half_row, StatusIs(absl::StatusCode::kInternal));
  EXPECT_THAT(std::string(half_row.message()), HasSubstr("not whole rows"));
  EXPECT_THAT(InsertRows(*db, "INSERT INTO items (id, label)", 2, numbered(21, 22), "",
                         {.max_rows = 40000}),
              StatusIs(absl::StatusCode::kInternal));  // 80,000 markers a statement
}

// When every connection is busy, a checkout waits, then fails UNAVAILABLE.
TEST_F(MysqlTest, ExhaustedPoolFailsUnavailableAfterTimeout) {
  PoolOptions options;
  options.max_connections = 1;
  options.checkout_timeout = absl::Milliseconds(200);
  Pool pool(database_.dsn(), options);
  ASSERT_OK_AND_ASSIGN(auto held, pool.Acquire());
  absl::StatusOr<PooledConnection> second = pool.Acquire();
  EXPECT_THAT(second, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("busy"));
}

// A pool with every connection busy still reads as healthy: the probe has
// a connection of its own.
TEST_F(MysqlTest, BusyPoolIsStillHealthy) {
  PoolOptions options;
  options.max_connections = 1;
  Pool pool(database_.dsn(), options);
  ASSERT_OK_AND_ASSIGN(auto held, pool.Acquire());
  EXPECT_TRUE(pool.Healthy());
}

// A database that cannot be reached is UNAVAILABLE, not a crash or a hang.
TEST(MysqlPoolTest, UnreachableDatabaseIsUnavailable) {
  Dsn dsn = testing::TestServerRootDsn();
  dsn.port = 1;  // nothing listens there
  Pool pool(dsn, PoolOptions{});
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_FALSE(pool.Healthy());
}

// Refused credentials are a setting to fix, not an outage to wait out.
TEST(MysqlPoolTest, RefusedCredentialsAreFailedPrecondition) {
  Dsn dsn = testing::TestServerRootDsn();
  dsn.user = "nobody_here";
  dsn.password = "wrong";
  Pool pool(dsn, PoolOptions{});
  EXPECT_THAT(pool.Acquire(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// The grants keep each service to its own database.
TEST(GrantsTest, ServiceUserCannotReadAnotherServicesDatabase) {
  TestDatabase support("grant_support");
  TestDatabase success("grant_success");
  {
    ASSERT_OK_AND_ASSIGN(auto db, success.pool().Acquire());
    ASSERT_OK(db->ExecuteDirect("CREATE TABLE accounts (id INT)"));
  }
  ASSERT_OK_AND_ASSIGN(auto db, support.pool().Acquire());
  absl::StatusOr<std::vector<Row>> rows =
      db->Query(absl::StrCat("SELECT * FROM `", success.name(), "`.accounts"));
  EXPECT_FALSE(rows.ok());
  EXPECT_THAT(std::string(rows.status().message()), HasSubstr("denied"));
}

}  // namespace
}  // namespace tandem::mysql

// Helpers the integration tests share for reading what a call wrote: row
// counts (to show a refused call wrote nothing) and outbox events.
#ifndef TANDEM_TESTS_TESTING_ROWS_H_
#define TANDEM_TESTS_TESTING_ROWS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/mysql/connection.h"
#include "common/mysql/pool.h"

namespace tandem::testing {

// Runs `sql` (with `params`) and returns the first column of its first row
// as an integer: meant for COUNT(*), SUM(...) and single-value lookups.
// Returns -1 when the query returns no row; fails the test (and returns -1)
// when the database cannot be reached or the query fails.
int64_t CountRows(mysql::Pool& pool, const std::string& sql,
                  const std::vector<mysql::Value>& params = {});

// How many events of `type` the outbox holds (every tenant and subject).
int64_t CountEvents(mysql::Pool& pool, const std::string& type);

// The serialized payload of the newest outbox event of `type` about
// `subject`; nullopt, with a test failure, when there is none.
std::optional<std::string> LastEventPayload(mysql::Pool& pool, const std::string& subject,
                                            const std::string& type);

// The payload of the newest outbox event of `type` about `subject`, parsed
// as `Message`; an empty message, with a test failure, when there is none.
template <typename Message>
Message LastEvent(mysql::Pool& pool, const std::string& subject, const std::string& type) {
  Message message;
  const std::optional<std::string> payload = LastEventPayload(pool, subject, type);
  if (payload.has_value()) {
    EXPECT_TRUE(message.ParseFromString(*payload)) << type << " about " << subject;
  }
  return message;
}

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_ROWS_H_

// gMock matchers and assertions for absl::Status and absl::StatusOr
// (Debian's Abseil ships none).
#ifndef TANDEM_TESTS_TESTING_STATUS_MATCHERS_H_
#define TANDEM_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace tandem::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// Matches an OK Status or StatusOr.
MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status.ToString();
  return status.ok();
}

// Matches a Status or StatusOr with the given code.
MATCHER_P(StatusIs, code, "has code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << status.ToString();
  return status.code() == code;
}

// Matches an OK StatusOr whose value equals `expected`.
MATCHER_P(IsOkAndHolds, expected, "is OK and holds " + ::testing::PrintToString(expected)) {
  if (!arg.ok()) {
    *result_listener << arg.status().ToString();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg);
  return *arg == expected;
}

}  // namespace tandem::testing

#define EXPECT_OK(expr) EXPECT_THAT((expr), ::tandem::testing::IsOk())
#define ASSERT_OK(expr) ASSERT_THAT((expr), ::tandem::testing::IsOk())

#define TANDEM_TEST_CONCAT_INNER(a, b) a##b
#define TANDEM_TEST_CONCAT(a, b) TANDEM_TEST_CONCAT_INNER(a, b)
// Asserts that `expr` (a StatusOr) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                  \
  auto TANDEM_TEST_CONCAT(statusor_, __LINE__) = (expr);                 \
  ASSERT_OK(TANDEM_TEST_CONCAT(statusor_, __LINE__));                    \
  lhs = std::move(TANDEM_TEST_CONCAT(statusor_, __LINE__)).value()

#endif  // TANDEM_TESTS_TESTING_STATUS_MATCHERS_H_

#include "services/support/ticket_lifecycle.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::HasSubstr;
using T = v1::Ticket;

// Every legal move of the state machine is allowed.
TEST(TicketLifecycleTest, AllowsTheWorkflowMoves) {
  const std::pair<T::Status, T::Status> legal[] = {
      {T::NEW, T::OPEN},         {T::NEW, T::PENDING},     {T::NEW, T::ON_HOLD},
      {T::NEW, T::SOLVED},       {T::OPEN, T::PENDING},    {T::OPEN, T::ON_HOLD},
      {T::OPEN, T::SOLVED},      {T::PENDING, T::OPEN},    {T::PENDING, T::ON_HOLD},
      {T::PENDING, T::SOLVED},   {T::ON_HOLD, T::OPEN},    {T::ON_HOLD, T::PENDING},
      {T::ON_HOLD, T::SOLVED},   {T::SOLVED, T::OPEN},     {T::SOLVED, T::CLOSED},
      {T::OPEN, T::OPEN},        {T::CLOSED, T::CLOSED}};
  for (const auto& [from, to] : legal) {
    EXPECT_OK(CheckStatusChange(from, to)) << T::Status_Name(from) << " -> " << T::Status_Name(to);
  }
}

// Illegal moves are FAILED_PRECONDITION and say what is possible.
TEST(TicketLifecycleTest, RefusesIllegalMovesWithTheAlternatives) {
  const std::pair<T::Status, T::Status> illegal[] = {
      {T::OPEN, T::NEW},    {T::SOLVED, T::NEW},     {T::NEW, T::CLOSED},
      {T::OPEN, T::CLOSED}, {T::PENDING, T::CLOSED}, {T::SOLVED, T::PENDING},
      {T::CLOSED, T::OPEN}, {T::CLOSED, T::SOLVED}};
  for (const auto& [from, to] : illegal) {
    EXPECT_THAT(CheckStatusChange(from, to), StatusIs(absl::StatusCode::kFailedPrecondition))
        << T::Status_Name(from) << " -> " << T::Status_Name(to);
  }
  EXPECT_THAT(std::string(CheckStatusChange(T::SOLVED, T::PENDING).message()),
              HasSubstr("it can become OPEN, CLOSED"));
  EXPECT_THAT(std::string(CheckStatusChange(T::CLOSED, T::OPEN).message()),
              HasSubstr("can no longer change"));
}

// Only SOLVED -> OPEN is a reopen.
TEST(TicketLifecycleTest, ReopenIsSolvedToOpen) {
  EXPECT_TRUE(IsReopen(T::SOLVED, T::OPEN));
  EXPECT_FALSE(IsReopen(T::PENDING, T::OPEN));
  EXPECT_FALSE(IsReopen(T::SOLVED, T::CLOSED));
}

// The SLA clock pauses while waiting on the customer or a third party.
TEST(TicketLifecycleTest, SlaClockPausesInPendingAndOnHold) {
  EXPECT_TRUE(SlaClockRuns(T::NEW));
  EXPECT_TRUE(SlaClockRuns(T::OPEN));
  EXPECT_FALSE(SlaClockRuns(T::PENDING));
  EXPECT_FALSE(SlaClockRuns(T::ON_HOLD));
  EXPECT_FALSE(SlaClockRuns(T::SOLVED));
  EXPECT_FALSE(SlaClockRuns(T::CLOSED));
}

}  // namespace
}  // namespace tandem::support

#include "services/support/routing.h"

#include <map>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tandem::support {
namespace {

using ::testing::Eq;
using ::testing::Optional;

const absl::Time kMorning = absl::FromUnixSeconds(1'790'000'000);

RoutingCandidate Available(const std::string& id, int32_t load, int32_t capacity = 0,
                           absl::Time last = absl::InfinitePast()) {
  return {.agent_id = id,
          .availability = v1::Agent::AVAILABLE,
          .deactivated = false,
          .capacity = capacity,
          .load = load,
          .last_assignment_time = last};
}

// The agent with the fewest unsolved tickets gets the next one.
TEST(RoutingTest, ChoosesTheLeastLoadedAgent) {
  EXPECT_THAT(ChooseAssignee({Available("A", 3), Available("B", 1), Available("C", 2)}),
              Optional(Eq("B")));
}

// AWAY, OFFLINE and deactivated agents are never chosen, however idle.
TEST(RoutingTest, SkipsUnavailableAndDeactivatedAgents) {
  RoutingCandidate away = Available("A", 0);
  away.availability = v1::Agent::AWAY;
  RoutingCandidate offline = Available("B", 0);
  offline.availability = v1::Agent::OFFLINE;
  RoutingCandidate gone = Available("C", 0);
  gone.deactivated = true;
  RoutingCandidate unset = Available("D", 0);
  unset.availability = v1::Agent::AVAILABILITY_UNSPECIFIED;
  EXPECT_EQ(ChooseAssignee({away, offline, gone, unset}), std::nullopt);
  EXPECT_THAT(ChooseAssignee({away, offline, gone, unset, Available("E", 9)}), Optional(Eq("E")));
}

// An agent at capacity is passed over, even when less loaded than others.
TEST(RoutingTest, RespectsCapacity) {
  EXPECT_THAT(ChooseAssignee({Available("A", 2, /*capacity=*/2), Available("B", 5, 10)}),
              Optional(Eq("B")));
  EXPECT_EQ(ChooseAssignee({Available("A", 2, 2), Available("B", 10, 10)}), std::nullopt);
  // An over-full agent (explicit assignments go beyond capacity) too.
  EXPECT_EQ(ChooseAssignee({Available("A", 7, 5)}), std::nullopt);
}

// Capacity 0 means no limit.
TEST(RoutingTest, ZeroCapacityHasNoLimit) {
  EXPECT_TRUE(CanTakeTicket(Available("A", 10'000, 0)));
  EXPECT_THAT(ChooseAssignee({Available("A", 10'000, 0)}), Optional(Eq("A")));
}

// Among equally loaded agents, the one waiting longest goes first; never
// assigned counts as waiting longest.
TEST(RoutingTest, TiesGoToTheLongestWaiting) {
  EXPECT_THAT(
      ChooseAssignee({Available("A", 1, 0, kMorning + absl::Minutes(5)),
                      Available("B", 1, 0, kMorning), Available("C", 2, 0, absl::InfinitePast())}),
      Optional(Eq("B")));
  EXPECT_THAT(ChooseAssignee({Available("A", 1, 0, kMorning), Available("B", 1)}),
              Optional(Eq("B")));
}

// A full tie goes to the smallest id, whatever the input order.
TEST(RoutingTest, FullTiesGoToTheSmallestId) {
  EXPECT_THAT(ChooseAssignee({Available("C", 1, 0, kMorning), Available("A", 1, 0, kMorning),
                              Available("B", 1, 0, kMorning)}),
              Optional(Eq("A")));
}

// No candidates: nobody is chosen.
TEST(RoutingTest, EmptyGroupChoosesNobody) { EXPECT_EQ(ChooseAssignee({}), std::nullopt); }

// Assigning one ticket at a time spreads tickets evenly over a group.
TEST(RoutingTest, RepeatedAssignmentSpreadsTheLoad) {
  std::vector<RoutingCandidate> group = {Available("A", 0, 3), Available("B", 0, 3),
                                         Available("C", 4, 5)};
  absl::Time now = kMorning;
  std::map<std::string, int> given;
  for (int i = 0; i < 8; ++i) {
    std::optional<std::string> chosen = ChooseAssignee(group);
    if (!chosen.has_value()) break;
    ++given[*chosen];
    for (RoutingCandidate& candidate : group) {
      if (candidate.agent_id == *chosen) {
        ++candidate.load;
        candidate.last_assignment_time = now;
      }
    }
    now += absl::Seconds(1);
  }
  // A and B fill up to 3; C, already at 4, gets one slot left of 5.
  EXPECT_EQ(given["A"], 3);
  EXPECT_EQ(given["B"], 3);
  EXPECT_EQ(given["C"], 1);
}

}  // namespace
}  // namespace tandem::support

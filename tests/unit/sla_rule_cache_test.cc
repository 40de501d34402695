// The SLA rule cache: reuse within the time to live, reload after it,
// forget on invalidation, and never keep a load that an invalidation
// overtook.
#include <gtest/gtest.h>

#include "common/clock.h"
#include "services/support/sla_rule_cache.h"
#include "tests/testing/status_matchers.h"

namespace tandem::support {
namespace {

std::vector<SlaRule> RulesNamed(const std::string& name) {
  SlaRule rule;
  rule.policy.set_name(name);
  return {rule};
}

TEST(SlaRuleCacheTest, ReusesWithinTimeToLiveAndReloadsAfter) {
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  SlaRuleCache cache(&clock, absl::Seconds(5));
  int loads = 0;
  auto load = [&] {
    ++loads;
    return absl::StatusOr<std::vector<SlaRule>>(RulesNamed("p" + std::to_string(loads)));
  };
  ASSERT_OK_AND_ASSIGN(auto first, cache.Get("acme", load));
  clock.Advance(absl::Seconds(4));
  ASSERT_OK_AND_ASSIGN(auto again, cache.Get("acme", load));
  EXPECT_EQ(again, first);
  EXPECT_EQ(loads, 1);
  ASSERT_OK(cache.Get("globex", load).status());  // tenants apart
  EXPECT_EQ(loads, 2);
  clock.Advance(absl::Seconds(2));
  ASSERT_OK_AND_ASSIGN(auto reloaded, cache.Get("acme", load));
  EXPECT_EQ(loads, 3);
  EXPECT_EQ(reloaded->at(0).policy.name(), "p3");
}

TEST(SlaRuleCacheTest, InvalidationForgetsAndBeatsAnOverlappingLoad) {
  FakeClock clock(absl::FromUnixSeconds(1'790'000'000));
  SlaRuleCache cache(&clock, absl::Minutes(1));
  int loads = 0;
  auto load = [&] {
    ++loads;
    return absl::StatusOr<std::vector<SlaRule>>(RulesNamed("p" + std::to_string(loads)));
  };
  ASSERT_OK(cache.Get("acme", load).status());
  cache.Invalidate("acme");
  ASSERT_OK(cache.Get("acme", load).status());
  EXPECT_EQ(loads, 2);
  // A policy changes while a load is under way: that load's (old) rules
  // are returned to its caller but not kept.
  cache.Invalidate("acme");
  ASSERT_OK_AND_ASSIGN(auto raced, cache.Get("acme", [&] {
    cache.Invalidate("acme");
    return absl::StatusOr<std::vector<SlaRule>>(RulesNamed("stale"));
  }));
  EXPECT_EQ(raced->at(0).policy.name(), "stale");
  ASSERT_OK_AND_ASSIGN(auto fresh, cache.Get("acme", load));
  EXPECT_EQ(fresh->at(0).policy.name(), "p3");
  // A failed load is not kept either.
  cache.Invalidate("acme");
  EXPECT_FALSE(cache.Get("acme", [] {
                      return absl::StatusOr<std::vector<SlaRule>>(absl::UnavailableError("down"));
                    }).ok());
  ASSERT_OK(cache.Get("acme", load).status());
  EXPECT_EQ(loads, 4);
}

}  // namespace
}  // namespace tandem::support

// Segmentation: thresholds on ARR or LTV, manual tiers left alone, and
// policy validation.
#include "services/success/segmentation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status.h"
#include "tests/testing/status_matchers.h"

namespace tandem::success {
namespace {

using ::tandem::testing::StatusIs;
using ::testing::UnorderedElementsAre;

v1::SegmentationPolicy ArrPolicy(int64_t high, int64_t low) {
  v1::SegmentationPolicy policy = DefaultSegmentationPolicy();
  policy.set_basis(v1::SegmentationPolicy::ARR);
  policy.set_high_touch_min_minor(high);
  policy.set_low_touch_min_minor(low);
  return policy;
}

std::vector<std::string> Violations(const v1::SegmentationPolicy& policy) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : FieldViolationsOf(ValidateSegmentationPolicy(policy))) {
    fields.push_back(v.field);
  }
  return fields;
}

// ARR thresholds are inclusive: at X is HIGH_TOUCH, just below is LOW_TOUCH.
TEST(SegmentationTest, ArrThresholdsAreInclusive) {
  const v1::SegmentationPolicy policy = ArrPolicy(120'000, 12'000);
  EXPECT_EQ(TierForMrr(policy, 10'000), v1::HIGH_TOUCH);  // ARR 120,000
  EXPECT_EQ(TierForMrr(policy, 9'999), v1::LOW_TOUCH);
  EXPECT_EQ(TierForMrr(policy, 1'000), v1::LOW_TOUCH);  // ARR 12,000
  EXPECT_EQ(TierForMrr(policy, 999), v1::TECH_TOUCH);
  EXPECT_EQ(TierForMrr(policy, 0), v1::TECH_TOUCH);  // churned
}

// LTV is MRR x gross margin / monthly churn.
TEST(SegmentationTest, LtvBasisUsesMarginAndChurn) {
  v1::SegmentationPolicy policy = ArrPolicy(500'000, 100'000);
  policy.set_basis(v1::SegmentationPolicy::LTV);
  policy.set_gross_margin_bps(8'000);                     // 80 %
  policy.set_monthly_churn_bps(200);                      // 2 %
  EXPECT_EQ(SegmentationValue(policy, 1'000), 40'000);    // 1000 x 0.8 / 0.02
  EXPECT_EQ(TierForMrr(policy, 12'500), v1::HIGH_TOUCH);  // LTV 500,000
  EXPECT_EQ(TierForMrr(policy, 2'500), v1::LOW_TOUCH);    // LTV 100,000
  EXPECT_EQ(TierForMrr(policy, 2'499), v1::TECH_TOUCH);
}

// Huge MRR saturates instead of overflowing.
TEST(SegmentationTest, ValueSaturates) {
  v1::SegmentationPolicy policy = ArrPolicy(1, 0);
  policy.set_basis(v1::SegmentationPolicy::LTV);
  policy.set_monthly_churn_bps(1);
  EXPECT_EQ(SegmentationValue(policy, std::numeric_limits<int64_t>::max()),
            std::numeric_limits<int64_t>::max());
  EXPECT_EQ(SegmentationValue(policy, -5), 0);
}

// A manual tier is left alone; DEFAULT and POLICY tiers follow the policy.
TEST(SegmentationTest, ManualTierIsRespected) {
  const v1::SegmentationPolicy policy = ArrPolicy(120'000, 12'000);
  EXPECT_FALSE(PolicyAssignment(policy, v1::Account::MANUAL, 50'000).has_value());
  auto from_default = PolicyAssignment(policy, v1::Account::DEFAULT, 50'000);
  ASSERT_TRUE(from_default.has_value());
  EXPECT_EQ(from_default->tier, v1::HIGH_TOUCH);
  EXPECT_EQ(from_default->source, v1::Account::POLICY);
  auto from_policy = PolicyAssignment(policy, v1::Account::POLICY, 10);
  ASSERT_TRUE(from_policy.has_value());
  EXPECT_EQ(from_policy->tier, v1::TECH_TOUCH);
}

// The default policy is valid and marked as the default.
TEST(SegmentationTest, DefaultPolicyIsValid) {
  EXPECT_OK(ValidateSegmentationPolicy(DefaultSegmentationPolicy()));
  EXPECT_TRUE(DefaultSegmentationPolicy().default_policy());
  EXPECT_EQ(TierForMrr(DefaultSegmentationPolicy(), 1'000'000), v1::HIGH_TOUCH);
}

// Invalid policies name each bad field.
TEST(SegmentationTest, InvalidPolicyNamesFields) {
  v1::SegmentationPolicy policy = ArrPolicy(100, 200);
  EXPECT_THAT(Violations(policy), UnorderedElementsAre("policy.high_touch_min_minor"));
  policy = ArrPolicy(100, -1);
  EXPECT_THAT(Violations(policy), UnorderedElementsAre("policy.low_touch_min_minor"));
  policy = ArrPolicy(100, 10);
  policy.set_basis(v1::SegmentationPolicy::BASIS_UNSPECIFIED);
  policy.set_gross_margin_bps(0);
  policy.set_monthly_churn_bps(10'001);
  EXPECT_THAT(Violations(policy), UnorderedElementsAre("policy.basis", "policy.gross_margin_bps",
                                                       "policy.monthly_churn_bps"));
  EXPECT_THAT(ValidateSegmentationPolicy(policy), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace tandem::success

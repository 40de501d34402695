#include "services/success/segmentation.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status.h"

namespace tandem::success {
namespace {

constexpr int64_t kMaxThreshold = 100'000'000'000'000'000;  // 10^17
constexpr int32_t kMaxBps = 10'000;

}  // namespace

v1::SegmentationPolicy DefaultSegmentationPolicy() {
  v1::SegmentationPolicy policy;
  policy.set_name(kSegmentationPolicyName);
  policy.set_basis(v1::SegmentationPolicy::ARR);
  policy.set_high_touch_min_minor(10'000'000);
  policy.set_low_touch_min_minor(1'000'000);
  policy.set_gross_margin_bps(10'000);
  policy.set_monthly_churn_bps(200);
  policy.set_default_policy(true);
  return policy;
}

absl::Status ValidateSegmentationPolicy(const v1::SegmentationPolicy& policy) {
  FieldViolations violations;
  if (policy.basis() == v1::SegmentationPolicy::BASIS_UNSPECIFIED ||
      !v1::SegmentationPolicy::Basis_IsValid(policy.basis())) {
    violations.Add("policy.basis", "must be ARR or LTV");
  }
  const int64_t high = policy.high_touch_min_minor();
  const int64_t low = policy.low_touch_min_minor();
  if (low < 0 || low > kMaxThreshold) {
    violations.Add("policy.low_touch_min_minor", absl::StrCat("must be 0 to ", kMaxThreshold));
  }
  if (high < 0 || high > kMaxThreshold) {
    violations.Add("policy.high_touch_min_minor", absl::StrCat("must be 0 to ", kMaxThreshold));
  } else if (high < low) {
    violations.Add("policy.high_touch_min_minor",
                   "must be at least low_touch_min_minor (HIGH_TOUCH starts where LOW_TOUCH "
                   "ends)");
  }
  if (policy.gross_margin_bps() < 1 || policy.gross_margin_bps() > kMaxBps) {
    violations.Add("policy.gross_margin_bps", "must be 1 to 10000 basis points (100 %)");
  }
  if (policy.monthly_churn_bps() < 1 || policy.monthly_churn_bps() > kMaxBps) {
    violations.Add("policy.monthly_churn_bps",
                   "must be 1 to 10000 basis points (LTV is undefined without churn)");
  }
  return violations.ToStatus();
}

int64_t SegmentationValue(const v1::SegmentationPolicy& policy, int64_t mrr_minor) {
  if (mrr_minor <= 0) return 0;
  constexpr __int128 kMax = std::numeric_limits<int64_t>::max();
  __int128 value = 0;
  if (policy.basis() == v1::SegmentationPolicy::LTV) {
    const int32_t churn = policy.monthly_churn_bps() > 0 ? policy.monthly_churn_bps() : 1;
    value = static_cast<__int128>(mrr_minor) * policy.gross_margin_bps() / churn;
  } else {
    value = static_cast<__int128>(mrr_minor) * 12;
  }
  return static_cast<int64_t>(value > kMax ? kMax : value);
}

v1::TouchTier TierForMrr(const v1::SegmentationPolicy& policy, int64_t mrr_minor) {
  const int64_t value = SegmentationValue(policy, mrr_minor);
  if (value >= policy.high_touch_min_minor()) return v1::HIGH_TOUCH;
  if (value >= policy.low_touch_min_minor()) return v1::LOW_TOUCH;
  return v1::TECH_TOUCH;
}

std::optional<TierAssignment> PolicyAssignment(const v1::SegmentationPolicy& policy,
                                               v1::Account::TierSource current_source,
                                               int64_t mrr_minor) {
  if (current_source == v1::Account::MANUAL) return std::nullopt;
  return TierAssignment{.tier = TierForMrr(policy, mrr_minor), .source = v1::Account::POLICY};
}

}  // namespace tandem::success

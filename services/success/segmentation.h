// Segmentation: which touch tier a tenant's policy gives an account from
// its revenue, and when the policy may change an account's tier at all
// (never while a person's manual override stands). Pure functions.
#ifndef TANDEM_SERVICES_SUCCESS_SEGMENTATION_H_
#define TANDEM_SERVICES_SUCCESS_SEGMENTATION_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::success {

// The resource name of a tenant's (only) segmentation policy.
inline constexpr char kSegmentationPolicyName[] = "segmentationPolicy";

// The policy of a tenant that never set one: ARR basis, HIGH_TOUCH from
// 100,000.00 a year (10,000,000 minor units), LOW_TOUCH from 10,000.00
// (1,000,000), TECH_TOUCH below; for LTV, 100 % margin and 2 % monthly
// churn. `default_policy` is true.
v1::SegmentationPolicy DefaultSegmentationPolicy();

// Checks a complete policy; violations name `policy.<field>`. Thresholds
// are 0 <= low <= high <= 10^17; margin and churn 1..10000 basis points.
absl::Status ValidateSegmentationPolicy(const v1::SegmentationPolicy& policy);

// Returns the value the policy measures an account by, in minor units:
// ARR = 12 x MRR, or LTV = MRR x margin / monthly churn. Negative MRR
// counts as 0; the result saturates at INT64_MAX.
int64_t SegmentationValue(const v1::SegmentationPolicy& policy, int64_t mrr_minor);

// Returns the tier the policy gives an account of `mrr_minor`.
v1::TouchTier TierForMrr(const v1::SegmentationPolicy& policy, int64_t mrr_minor);

// The tier and source an account should have.
struct TierAssignment {
  v1::TouchTier tier = v1::TECH_TOUCH;
  v1::Account::TierSource source = v1::Account::POLICY;
};

// Returns the tier the policy assigns an account whose tier now comes
// from `current_source`, or nullopt when the policy must leave it alone (a
// MANUAL tier). The assignment may equal the current tier (only the source
// moving from DEFAULT to POLICY).
std::optional<TierAssignment> PolicyAssignment(const v1::SegmentationPolicy& policy,
                                               v1::Account::TierSource current_source,
                                               int64_t mrr_minor);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_SEGMENTATION_H_

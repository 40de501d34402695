// The revenue side of Success, apart from transport and storage: request
// validation, defaults, and how requests become store calls (the ledger's
// rules are in revenue_ledger.h, segmentation's in segmentation.h,
// opportunities' in opportunity_rules.h).
#ifndef TANDEM_SERVICES_SUCCESS_REVENUE_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_REVENUE_MANAGER_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/revenue_store.h"
#include "tandem/success/v1/revenue.pb.h"

namespace tandem::success {

// Records movements, keeps segmentation policies and tier overrides, and
// runs opportunities, for one caller at a time. The gRPC adapter checks
// roles; this class everything else.
class RevenueManager {
 public:
  RevenueManager(RevenueStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // See RevenueService.RecordMrrMovement.
  absl::StatusOr<v1::MrrMovement> RecordMrrMovement(const Principal& caller,
                                                    const v1::RecordMrrMovementRequest& request,
                                                    absl::Time deadline);
  // See RevenueService.GetMrrMovement.
  absl::StatusOr<v1::MrrMovement> GetMrrMovement(const Principal& caller,
                                                 const v1::GetMrrMovementRequest& request,
                                                 absl::Time deadline);
  // See RevenueService.ListMrrMovements.
  absl::StatusOr<v1::ListMrrMovementsResponse> ListMrrMovements(
      const Principal& caller, const v1::ListMrrMovementsRequest& request, absl::Time deadline);
  // See RevenueService.GetSegmentationPolicy.
  absl::StatusOr<v1::SegmentationPolicy> GetSegmentationPolicy(
      const Principal& caller, const v1::GetSegmentationPolicyRequest& request,
      absl::Time deadline);
  // See RevenueService.UpdateSegmentationPolicy.
  absl::StatusOr<v1::SegmentationPolicy> UpdateSegmentationPolicy(
      const Principal& caller, const v1::UpdateSegmentationPolicyRequest& request,
      absl::Time deadline);
  // See RevenueService.SetAccountTier.
  absl::StatusOr<v1::Account> SetAccountTier(const Principal& caller,
                                             const v1::SetAccountTierRequest& request,
                                             absl::Time deadline);
  // See RevenueService.ClearTierOverride.
  absl::StatusOr<v1::Account> ClearTierOverride(const Principal& caller,
                                                const v1::ClearTierOverrideRequest& request,
                                                absl::Time deadline);
  // See RevenueService.ListTierChanges.
  absl::StatusOr<v1::ListTierChangesResponse> ListTierChanges(
      const Principal& caller, const v1::ListTierChangesRequest& request, absl::Time deadline);
  // See RevenueService.CreateOpportunity.
  absl::StatusOr<v1::Opportunity> CreateOpportunity(const Principal& caller,
                                                    const v1::CreateOpportunityRequest& request,
                                                    absl::Time deadline);
  // See RevenueService.GetOpportunity.
  absl::StatusOr<v1::Opportunity> GetOpportunity(const Principal& caller,
                                                 const v1::GetOpportunityRequest& request,
                                                 absl::Time deadline);
  // See RevenueService.ListOpportunities.
  absl::StatusOr<v1::ListOpportunitiesResponse> ListOpportunities(
      const Principal& caller, const v1::ListOpportunitiesRequest& request, absl::Time deadline);
  // See RevenueService.UpdateOpportunity.
  absl::StatusOr<v1::Opportunity> UpdateOpportunity(const Principal& caller,
                                                    const v1::UpdateOpportunityRequest& request,
                                                    absl::Time deadline);

 private:
  RevenueStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Returns the account id of `parent`, `accounts/{account}`; with
// `allow_all`, `accounts/-` (every account) gives "". INVALID_ARGUMENT on
// `field` otherwise.
absl::StatusOr<std::string> ParseRevenueParent(absl::string_view field, absl::string_view parent,
                                               bool allow_all);

// Returns {account id, child id} of `name`,
// `accounts/{account}/<collection>/{id}`; INVALID_ARGUMENT on `field`
// otherwise.
absl::StatusOr<std::pair<std::string, std::string>> ParseRevenueChild(absl::string_view field,
                                                                      absl::string_view collection,
                                                                      absl::string_view name);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_REVENUE_MANAGER_H_

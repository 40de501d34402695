// The rules of product usage for one caller at a time, apart from
// transport and storage: validation, List requests into store queries,
// key-feature updates, adoption.
#ifndef TANDEM_SERVICES_SUCCESS_USAGE_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_USAGE_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/usage_store.h"
#include "tandem/success/v1/usage.pb.h"

namespace tandem::success {

// Ingests usage and answers usage questions; see UsageService.
class UsageManager {
 public:
  UsageManager(UsageStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and records one batch of events; see
  // UsageService.IngestUsageEvents.
  absl::StatusOr<v1::IngestUsageEventsResponse> IngestUsageEvents(
      const Principal& caller, const google::protobuf::RepeatedPtrField<v1::UsageEvent>& events,
      absl::Time deadline);

  // Lists an account's rollups; see UsageService.ListUsageRollups.
  absl::StatusOr<v1::ListUsageRollupsResponse> ListUsageRollups(
      const Principal& caller, const v1::ListUsageRollupsRequest& request, absl::Time deadline);

  // Returns the tenant's key features.
  absl::StatusOr<v1::KeyFeatures> GetKeyFeatures(const Principal& caller,
                                                 const v1::GetKeyFeaturesRequest& request,
                                                 absl::Time deadline);

  // Replaces the tenant's key features (FieldMask `features`, etag).
  absl::StatusOr<v1::KeyFeatures> UpdateKeyFeatures(const Principal& caller,
                                                    const v1::UpdateKeyFeaturesRequest& request,
                                                    absl::Time deadline);

  // Returns an account's adoption as of now.
  absl::StatusOr<v1::AccountAdoption> GetAccountAdoption(
      const Principal& caller, const v1::GetAccountAdoptionRequest& request, absl::Time deadline);

 private:
  UsageStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_USAGE_MANAGER_H_

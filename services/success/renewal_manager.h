// The rules of renewals, apart from transport and storage: validation,
// defaults from the account (currency, owner), updates of open renewals,
// closing with an outcome, and the "due within N days" list.
#ifndef TANDEM_SERVICES_SUCCESS_RENEWAL_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_RENEWAL_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/lifecycle_store.h"
#include "tandem/success/v1/lifecycle.pb.h"

namespace tandem::success {

// Renewals for one caller at a time; the gRPC adapter checks roles.
class RenewalManager {
 public:
  RenewalManager(LifecycleStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a renewal in the account's currency; its owner
  // defaults to the account's.
  absl::StatusOr<v1::Renewal> CreateRenewal(const Principal& caller,
                                            const v1::CreateRenewalRequest& request,
                                            absl::Time deadline);

  // Returns a renewal of the caller's tenant.
  absl::StatusOr<v1::Renewal> GetRenewal(const Principal& caller,
                                         const v1::GetRenewalRequest& request, absl::Time deadline);

  // Lists renewals of one account or of all, optionally only open ones due
  // within N days.
  absl::StatusOr<v1::ListRenewalsResponse> ListRenewals(const Principal& caller,
                                                        const v1::ListRenewalsRequest& request,
                                                        absl::Time deadline);

  // Changes the fields of an open renewal named in the mask.
  absl::StatusOr<v1::Renewal> UpdateRenewal(const Principal& caller,
                                            const v1::UpdateRenewalRequest& request,
                                            absl::Time deadline);

  // Closes an open renewal with its outcome.
  absl::StatusOr<v1::Renewal> CloseRenewal(const Principal& caller,
                                           const v1::CloseRenewalRequest& request,
                                           absl::Time deadline);

 private:
  LifecycleStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_RENEWAL_MANAGER_H_

// The rules of success plans, apart from transport and storage: validating
// goals and action items, defaults, and how List requests become store
// queries. Progress is computed (lifecycle_rules.h), never stored.
#ifndef TANDEM_SERVICES_SUCCESS_SUCCESS_PLAN_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_SUCCESS_PLAN_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/lifecycle_store.h"
#include "tandem/success/v1/lifecycle.pb.h"

namespace tandem::success {

// Success plans for one caller at a time; the gRPC adapter checks roles.
class SuccessPlanManager {
 public:
  SuccessPlanManager(LifecycleStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a plan; its owner defaults to the account's.
  absl::StatusOr<v1::SuccessPlan> CreateSuccessPlan(const Principal& caller,
                                                    const v1::CreateSuccessPlanRequest& request,
                                                    absl::Time deadline);

  // Returns a plan of the caller's tenant.
  absl::StatusOr<v1::SuccessPlan> GetSuccessPlan(const Principal& caller,
                                                 const v1::GetSuccessPlanRequest& request,
                                                 absl::Time deadline);

  // Lists plans of one account or of all.
  absl::StatusOr<v1::ListSuccessPlansResponse> ListSuccessPlans(
      const Principal& caller, const v1::ListSuccessPlansRequest& request, absl::Time deadline);

  // Changes the fields named in the mask (`goals` and `action_items`
  // replace the lists).
  absl::StatusOr<v1::SuccessPlan> UpdateSuccessPlan(const Principal& caller,
                                                    const v1::UpdateSuccessPlanRequest& request,
                                                    absl::Time deadline);

  // Deletes a plan.
  absl::Status DeleteSuccessPlan(const Principal& caller,
                                 const v1::DeleteSuccessPlanRequest& request, absl::Time deadline);

 private:
  LifecycleStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_SUCCESS_PLAN_MANAGER_H_

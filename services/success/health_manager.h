// The rules of the health API for one caller at a time, apart from
// transport and storage: validation, scorecard updates, history lists and
// "what changed since". Scoring itself is health_scoring.h, run by the
// account review through RescoreHealth.
#ifndef TANDEM_SERVICES_SUCCESS_HEALTH_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_HEALTH_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/health_store.h"
#include "tandem/success/v1/health.pb.h"

namespace tandem::success {

// Answers health questions and changes scorecards; see HealthService.
class HealthManager {
 public:
  HealthManager(HealthStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Returns the tenant's scorecard.
  absl::StatusOr<v1::Scorecard> GetScorecard(const Principal& caller,
                                             const v1::GetScorecardRequest& request,
                                             absl::Time deadline);

  // Changes the fields of the scorecard the mask names (etag honoured).
  absl::StatusOr<v1::Scorecard> UpdateScorecard(const Principal& caller,
                                                const v1::UpdateScorecardRequest& request,
                                                absl::Time deadline);

  // Returns an account's latest health.
  absl::StatusOr<v1::AccountHealth> GetAccountHealth(const Principal& caller,
                                                     const v1::GetAccountHealthRequest& request,
                                                     absl::Time deadline);

  // Lists an account's stored scorings.
  absl::StatusOr<v1::ListHealthHistoryResponse> ListHealthHistory(
      const Principal& caller, const v1::ListHealthHistoryRequest& request, absl::Time deadline);

  // Compares the account's health at `since_time` with now.
  absl::StatusOr<v1::HealthComparison> CompareAccountHealth(
      const Principal& caller, const v1::CompareAccountHealthRequest& request, absl::Time deadline);

  // Queues the account's review now.
  absl::StatusOr<v1::RecomputeAccountHealthResponse> RecomputeAccountHealth(
      const Principal& caller, const v1::RecomputeAccountHealthRequest& request,
      absl::Time deadline);

 private:
  HealthStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Builds the answer to "what changed since" from the scoring in force at
// `since` (if any) and the latest.
v1::HealthComparison CompareScorings(const std::string& account, absl::Time since,
                                     const std::optional<v1::AccountHealth>& then,
                                     const v1::AccountHealth& now);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_HEALTH_MANAGER_H_

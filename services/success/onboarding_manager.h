// The rules of onboarding, apart from transport and storage: validating
// templates, starting plans from them (or from the built-in default), and
// moving milestones; how List requests become store queries.
#ifndef TANDEM_SERVICES_SUCCESS_ONBOARDING_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_ONBOARDING_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/lifecycle_store.h"
#include "tandem/success/v1/lifecycle.pb.h"

namespace tandem::success {

// Onboarding templates and plans for one caller at a time; the gRPC
// adapter checks roles. See LifecycleService in lifecycle.proto for each
// call's contract.
class OnboardingManager {
 public:
  OnboardingManager(LifecycleStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a template.
  absl::StatusOr<v1::OnboardingTemplate> CreateTemplate(
      const Principal& caller, const v1::CreateOnboardingTemplateRequest& request,
      absl::Time deadline);

  // Returns a template of the caller's tenant.
  absl::StatusOr<v1::OnboardingTemplate> GetTemplate(
      const Principal& caller, const v1::GetOnboardingTemplateRequest& request,
      absl::Time deadline);

  // Lists the tenant's templates.
  absl::StatusOr<v1::ListOnboardingTemplatesResponse> ListTemplates(
      const Principal& caller, const v1::ListOnboardingTemplatesRequest& request,
      absl::Time deadline);

  // Changes the fields named in the mask.
  absl::StatusOr<v1::OnboardingTemplate> UpdateTemplate(
      const Principal& caller, const v1::UpdateOnboardingTemplateRequest& request,
      absl::Time deadline);

  // Deletes a template; plans made from it keep their milestones.
  absl::Status DeleteTemplate(const Principal& caller,
                              const v1::DeleteOnboardingTemplateRequest& request,
                              absl::Time deadline);

  // Starts an account's onboarding from a template.
  absl::StatusOr<v1::OnboardingPlan> StartOnboarding(const Principal& caller,
                                                     const v1::StartOnboardingRequest& request,
                                                     absl::Time deadline);

  // Returns a plan with its milestones and progress.
  absl::StatusOr<v1::OnboardingPlan> GetPlan(const Principal& caller,
                                             const v1::GetOnboardingPlanRequest& request,
                                             absl::Time deadline);

  // Lists plans of one account or of all.
  absl::StatusOr<v1::ListOnboardingPlansResponse> ListPlans(
      const Principal& caller, const v1::ListOnboardingPlansRequest& request, absl::Time deadline);

  // Cancels an ACTIVE plan.
  absl::StatusOr<v1::OnboardingPlan> CancelPlan(const Principal& caller,
                                                const v1::CancelOnboardingPlanRequest& request,
                                                absl::Time deadline);

  // Changes the milestone fields named in the mask; returns the plan.
  absl::StatusOr<v1::OnboardingPlan> UpdateMilestone(const Principal& caller,
                                                     const v1::UpdateMilestoneRequest& request,
                                                     absl::Time deadline);

 private:
  LifecycleStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ONBOARDING_MANAGER_H_

// The gRPC adapter for tandem.success.v1.LifecycleService: authenticates,
// checks roles, and hands each call to the onboarding, success plan or
// renewal manager.
#ifndef TANDEM_SERVICES_SUCCESS_LIFECYCLE_SERVICE_H_
#define TANDEM_SERVICES_SUCCESS_LIFECYCLE_SERVICE_H_

#include "common/auth.h"
#include "services/success/onboarding_manager.h"
#include "services/success/renewal_manager.h"
#include "services/success/success_plan_manager.h"
#include "tandem/success/v1/lifecycle.grpc.pb.h"

namespace tandem::success {

class LifecycleServiceImpl final : public v1::LifecycleService::Service {
 public:
  LifecycleServiceImpl(const Authenticator* auth, OnboardingManager* onboarding,
                       SuccessPlanManager* success_plans, RenewalManager* renewals)
      : auth_(auth), onboarding_(onboarding), success_plans_(success_plans), renewals_(renewals) {}
  grpc::Status CreateOnboardingTemplate(grpc::ServerContext* context,
                                        const v1::CreateOnboardingTemplateRequest* request,
                                        v1::OnboardingTemplate* response) override;
  grpc::Status GetOnboardingTemplate(grpc::ServerContext* context,
                                     const v1::GetOnboardingTemplateRequest* request,
                                     v1::OnboardingTemplate* response) override;
  grpc::Status ListOnboardingTemplates(grpc::ServerContext* context,
                                       const v1::ListOnboardingTemplatesRequest* request,
                                       v1::ListOnboardingTemplatesResponse* response) override;
  grpc::Status UpdateOnboardingTemplate(grpc::ServerContext* context,
                                        const v1::UpdateOnboardingTemplateRequest* request,
                                        v1::OnboardingTemplate* response) override;
  grpc::Status DeleteOnboardingTemplate(grpc::ServerContext* context,
                                        const v1::DeleteOnboardingTemplateRequest* request,
                                        google::protobuf::Empty* response) override;
  grpc::Status StartOnboarding(grpc::ServerContext* context,
                               const v1::StartOnboardingRequest* request,
                               v1::OnboardingPlan* response) override;
  grpc::Status GetOnboardingPlan(grpc::ServerContext* context,
                                 const v1::GetOnboardingPlanRequest* request,
                                 v1::OnboardingPlan* response) override;
  grpc::Status ListOnboardingPlans(grpc::ServerContext* context,
                                   const v1::ListOnboardingPlansRequest* request,
                                   v1::ListOnboardingPlansResponse* response) override;
  grpc::Status CancelOnboardingPlan(grpc::ServerContext* context,
                                    const v1::CancelOnboardingPlanRequest* request,
                                    v1::OnboardingPlan* response) override;
  grpc::Status UpdateMilestone(grpc::ServerContext* context,
                               const v1::UpdateMilestoneRequest* request,
                               v1::OnboardingPlan* response) override;
  grpc::Status CreateSuccessPlan(grpc::ServerContext* context,
                                 const v1::CreateSuccessPlanRequest* request,
                                 v1::SuccessPlan* response) override;
  grpc::Status GetSuccessPlan(grpc::ServerContext* context,
                              const v1::GetSuccessPlanRequest* request,
                              v1::SuccessPlan* response) override;
  grpc::Status ListSuccessPlans(grpc::ServerContext* context,
                                const v1::ListSuccessPlansRequest* request,
                                v1::ListSuccessPlansResponse* response) override;
  grpc::Status UpdateSuccessPlan(grpc::ServerContext* context,
                                 const v1::UpdateSuccessPlanRequest* request,
                                 v1::SuccessPlan* response) override;
  grpc::Status DeleteSuccessPlan(grpc::ServerContext* context,
                                 const v1::DeleteSuccessPlanRequest* request,
                                 google::protobuf::Empty* response) override;
  grpc::Status CreateRenewal(grpc::ServerContext* context, const v1::CreateRenewalRequest* request,
                             v1::Renewal* response) override;
  grpc::Status GetRenewal(grpc::ServerContext* context, const v1::GetRenewalRequest* request,
                          v1::Renewal* response) override;
  grpc::Status ListRenewals(grpc::ServerContext* context, const v1::ListRenewalsRequest* request,
                            v1::ListRenewalsResponse* response) override;
  grpc::Status UpdateRenewal(grpc::ServerContext* context, const v1::UpdateRenewalRequest* request,
                             v1::Renewal* response) override;
  grpc::Status CloseRenewal(grpc::ServerContext* context, const v1::CloseRenewalRequest* request,
                            v1::Renewal* response) override;

 private:
  const Authenticator* auth_;
  OnboardingManager* onboarding_;
  SuccessPlanManager* success_plans_;
  RenewalManager* renewals_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_LIFECYCLE_SERVICE_H_

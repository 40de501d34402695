#include "services/success/lifecycle_service.h"

#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {
namespace {

// Who may read the lifecycle; writes are for `csm` (admin may call
// everything).
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status LifecycleServiceImpl::CreateOnboardingTemplate(
    grpc::ServerContext* context, const v1::CreateOnboardingTemplateRequest* request,
    v1::OnboardingTemplate* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->CreateTemplate(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::GetOnboardingTemplate(
    grpc::ServerContext* context, const v1::GetOnboardingTemplateRequest* request,
    v1::OnboardingTemplate* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->GetTemplate(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::ListOnboardingTemplates(
    grpc::ServerContext* context, const v1::ListOnboardingTemplatesRequest* request,
    v1::ListOnboardingTemplatesResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->ListTemplates(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::UpdateOnboardingTemplate(
    grpc::ServerContext* context, const v1::UpdateOnboardingTemplateRequest* request,
    v1::OnboardingTemplate* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->UpdateTemplate(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::DeleteOnboardingTemplate(
    grpc::ServerContext* context, const v1::DeleteOnboardingTemplateRequest* request,
    google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) {
                      return onboarding_->DeleteTemplate(caller, *request, deadline);
                    });
}

grpc::Status LifecycleServiceImpl::StartOnboarding(grpc::ServerContext* context,
                                                   const v1::StartOnboardingRequest* request,
                                                   v1::OnboardingPlan* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->StartOnboarding(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::GetOnboardingPlan(grpc::ServerContext* context,
                                                     const v1::GetOnboardingPlanRequest* request,
                                                     v1::OnboardingPlan* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, onboarding_->GetPlan(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::ListOnboardingPlans(
    grpc::ServerContext* context, const v1::ListOnboardingPlansRequest* request,
    v1::ListOnboardingPlansResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->ListPlans(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::CancelOnboardingPlan(
    grpc::ServerContext* context, const v1::CancelOnboardingPlanRequest* request,
    v1::OnboardingPlan* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->CancelPlan(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::UpdateMilestone(grpc::ServerContext* context,
                                                   const v1::UpdateMilestoneRequest* request,
                                                   v1::OnboardingPlan* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       onboarding_->UpdateMilestone(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::CreateSuccessPlan(grpc::ServerContext* context,
                                                     const v1::CreateSuccessPlanRequest* request,
                                                     v1::SuccessPlan* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          *response, success_plans_->CreateSuccessPlan(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::GetSuccessPlan(grpc::ServerContext* context,
                                                  const v1::GetSuccessPlanRequest* request,
                                                  v1::SuccessPlan* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       success_plans_->GetSuccessPlan(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::ListSuccessPlans(grpc::ServerContext* context,
                                                    const v1::ListSuccessPlansRequest* request,
                                                    v1::ListSuccessPlansResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          *response, success_plans_->ListSuccessPlans(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::UpdateSuccessPlan(grpc::ServerContext* context,
                                                     const v1::UpdateSuccessPlanRequest* request,
                                                     v1::SuccessPlan* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(
                          *response, success_plans_->UpdateSuccessPlan(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::DeleteSuccessPlan(grpc::ServerContext* context,
                                                     const v1::DeleteSuccessPlanRequest* request,
                                                     google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) {
                      return success_plans_->DeleteSuccessPlan(caller, *request, deadline);
                    });
}

grpc::Status LifecycleServiceImpl::CreateRenewal(grpc::ServerContext* context,
                                                 const v1::CreateRenewalRequest* request,
                                                 v1::Renewal* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       renewals_->CreateRenewal(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::GetRenewal(grpc::ServerContext* context,
                                              const v1::GetRenewalRequest* request,
                                              v1::Renewal* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       renewals_->GetRenewal(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::ListRenewals(grpc::ServerContext* context,
                                                const v1::ListRenewalsRequest* request,
                                                v1::ListRenewalsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       renewals_->ListRenewals(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::UpdateRenewal(grpc::ServerContext* context,
                                                 const v1::UpdateRenewalRequest* request,
                                                 v1::Renewal* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       renewals_->UpdateRenewal(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status LifecycleServiceImpl::CloseRenewal(grpc::ServerContext* context,
                                                const v1::CloseRenewalRequest* request,
                                                v1::Renewal* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       renewals_->CloseRenewal(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::success

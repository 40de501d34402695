#include "services/success/onboarding_manager.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/lifecycle_listing.h"
#include "services/success/lifecycle_rules.h"

namespace tandem::success {
namespace {

using google::protobuf::util::MessageDifferencer;

const std::set<std::string>& UpdatableTemplateFields() {
  static const auto* const kFields =
      new std::set<std::string>{"display_name", "description", "milestones"};
  return *kFields;
}

// Copies `field` of `from` into `to`, trimmed as it is stored.
void CopyTemplateField(const v1::OnboardingTemplate& from, const std::string& field,
                       v1::OnboardingTemplate& to) {
  if (field == "display_name") {
    to.set_display_name(std::string(absl::StripAsciiWhitespace(from.display_name())));
  } else if (field == "description") {
    to.set_description(from.description());
  } else if (field == "milestones") {
    *to.mutable_milestones() = from.milestones();
    for (v1::MilestoneTemplate& step : *to.mutable_milestones()) {
      step.set_title(std::string(absl::StripAsciiWhitespace(step.title())));
    }
  }
}

}  // namespace

absl::StatusOr<v1::OnboardingTemplate> OnboardingManager::CreateTemplate(
    const Principal& caller, const v1::CreateOnboardingTemplateRequest& request,
    absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_onboarding_template()) {
    violations.Add("onboarding_template", "is required");
    return violations.ToStatus();
  }
  CheckOnboardingTemplate(
      request.onboarding_template(), [](absl::string_view) { return true; }, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  v1::OnboardingTemplate tmpl;
  tmpl.set_name(ResourceName("onboardingTemplates", NewIdAt(now)));
  for (const std::string& field : UpdatableTemplateFields()) {
    CopyTemplateField(request.onboarding_template(), field, tmpl);
  }
  *tmpl.mutable_create_time() = ToProtoTime(now);
  *tmpl.mutable_update_time() = ToProtoTime(now);
  return store_->CreateTemplate(caller.tenant, tmpl, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::OnboardingTemplate> OnboardingManager::GetTemplate(
    const Principal& caller, const v1::GetOnboardingTemplateRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id,
                   ParseResourceName("name", "onboardingTemplates", request.name()));
  return store_->GetTemplate(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListOnboardingTemplatesResponse> OnboardingManager::ListTemplates(
    const Principal& caller, const v1::ListOnboardingTemplatesRequest& request,
    absl::Time deadline) {
  std::string order_column;
  ASSIGN_OR_RETURN(ListPlan plan, PlanLifecycleList(*page_tokens_, caller.tenant,
                                                    {request.page_size(), request.page_token(),
                                                     request.filter(), request.order_by()},
                                                    {"display_name", "create_time"}, {},
                                                    {"create_time"}, order_column));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> conditions,
                   NormalizeTerms(plan.terms, {}, {"create_time"}, {}));
  ASSIGN_OR_RETURN(auto page, store_->ListTemplates(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListOnboardingTemplatesResponse response;
  for (v1::OnboardingTemplate& tmpl : page.items) {
    *response.add_onboarding_templates() = std::move(tmpl);
  }
  if (page.has_more && response.onboarding_templates_size() > 0) {
    const auto& last = response.onboarding_templates(response.onboarding_templates_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::OnboardingTemplate> OnboardingManager::UpdateTemplate(
    const Principal& caller, const v1::UpdateOnboardingTemplateRequest& request,
    absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_onboarding_template()) violations.Add("onboarding_template", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableTemplateFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::OnboardingTemplate& requested = request.onboarding_template();
  auto id = ParseResourceName("onboarding_template.name", "onboardingTemplates", requested.name());
  if (!id.ok()) {
    violations.Add("onboarding_template.name", "must look like onboardingTemplates/{id}");
  }
  CheckOnboardingTemplate(
      requested, [&](absl::string_view field) { return paths.contains(std::string(field)); },
      violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdateTemplate(
      caller.tenant, *id,
      [&](const v1::OnboardingTemplate& current,
          const std::string& next_etag) -> absl::StatusOr<LifecycleUpdate<v1::OnboardingTemplate>> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        LifecycleUpdate<v1::OnboardingTemplate> update{.after = current};
        for (const std::string& path : paths) CopyTemplateField(requested, path, update.after);
        update.changed = !MessageDifferencer::Equals(update.after, current);
        if (update.changed) {
          *update.after.mutable_update_time() = ToProtoTime(now);
          update.after.set_etag(next_etag);
        }
        return update;
      },
      deadline);
}

absl::Status OnboardingManager::DeleteTemplate(const Principal& caller,
                                               const v1::DeleteOnboardingTemplateRequest& request,
                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id,
                   ParseResourceName("name", "onboardingTemplates", request.name()));
  return store_->DeleteTemplate(caller.tenant, id, request.etag(), clock_->Now(), deadline);
}

absl::StatusOr<v1::OnboardingPlan> OnboardingManager::StartOnboarding(
    const Principal& caller, const v1::StartOnboardingRequest& request, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseResourceName("parent", "accounts", request.parent());
  if (!account_id.ok()) violations.Add("parent", "must look like accounts/{id}");
  std::string template_id;
  if (!request.template_().empty()) {
    auto id = ParseResourceName("template", "onboardingTemplates", request.template_());
    if (id.ok()) {
      template_id = *id;
    } else {
      violations.Add("template",
                     "must look like onboardingTemplates/{id}, or be empty for the "
                     "built-in default");
    }
  }
  if (request.has_start_time()) {
    CheckRecordedTime("start_time", request.start_time(), now, violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time start = request.has_start_time()
                               ? FromProtoTime(ToProtoTime(FromProtoTime(request.start_time())))
                               : now;
  const std::string name =
      absl::StrCat("accounts/", *account_id, "/onboardingPlans/", NewIdAt(now));
  return store_->StartOnboarding(
      caller.tenant, *account_id, name, template_id,
      [&](const std::optional<v1::OnboardingTemplate>& tmpl,
          const v1::LifecycleAccountSnapshot& account) -> absl::StatusOr<v1::OnboardingPlan> {
        if (account.lifecycle_stage() == v1::Account::CHURNED) {
          return absl::FailedPreconditionError(
              absl::StrCat(account.account(), " has CHURNED; reactivate it before onboarding"));
        }
        const v1::OnboardingTemplate& from = tmpl.has_value() ? *tmpl : DefaultOnboardingTemplate();
        v1::OnboardingPlan plan;
        plan.set_name(name);
        if (tmpl.has_value()) plan.set_template_(tmpl->name());
        plan.set_display_name(from.display_name());
        *plan.mutable_start_time() = ToProtoTime(start);
        plan.set_state(v1::OnboardingPlan::ACTIVE);
        for (v1::Milestone& milestone : MilestonesFromTemplate(from, name, start, now)) {
          *plan.add_milestones() = std::move(milestone);
        }
        *plan.mutable_create_time() = ToProtoTime(now);
        *plan.mutable_update_time() = ToProtoTime(now);
        return plan;
      },
      CreateKeyOf(request), now, deadline);
}

absl::StatusOr<v1::OnboardingPlan> OnboardingManager::GetPlan(
    const Principal& caller, const v1::GetOnboardingPlanRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseNestedName("name", request.name(), {"accounts", "onboardingPlans"}));
  return store_->GetPlan(caller.tenant, ids[0], ids[1], clock_->Now(), deadline);
}

absl::StatusOr<v1::ListOnboardingPlansResponse> OnboardingManager::ListPlans(
    const Principal& caller, const v1::ListOnboardingPlansRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, ParseListParent(request.parent()));
  std::string order_column;
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanLifecycleList(*page_tokens_, caller.tenant,
                                     {request.page_size(), request.page_token(), request.filter(),
                                      request.order_by()},
                                     {"state", "overdue", "create_time", "start_time"},
                                     {request.parent()}, {"create_time"}, order_column));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> conditions,
                   NormalizeTerms(plan.terms, {{"state", v1::OnboardingPlan::State_descriptor()}},
                                  {"create_time", "start_time"}, {"overdue"}));
  ASSIGN_OR_RETURN(auto page, store_->ListPlans(caller.tenant, account_id, conditions, plan,
                                                clock_->Now(), deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListOnboardingPlansResponse response;
  for (v1::OnboardingPlan& item : page.items) *response.add_onboarding_plans() = std::move(item);
  if (page.has_more && response.onboarding_plans_size() > 0) {
    const auto& last = response.onboarding_plans(response.onboarding_plans_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::OnboardingPlan> OnboardingManager::CancelPlan(
    const Principal& caller, const v1::CancelOnboardingPlanRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseNestedName("name", request.name(), {"accounts", "onboardingPlans"}));
  return store_->CancelPlan(caller.tenant, ids[0], ids[1], request.etag(), clock_->Now(), deadline);
}

absl::StatusOr<v1::OnboardingPlan> OnboardingManager::UpdateMilestone(
    const Principal& caller, const v1::UpdateMilestoneRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_milestone()) violations.Add("milestone", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableMilestoneFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::Milestone& requested = request.milestone();
  auto ids = ParseNestedName("milestone.name", requested.name(),
                             {"accounts", "onboardingPlans", "milestones"});
  if (!ids.ok()) {
    violations.Add("milestone.name",
                   "must look like accounts/{id}/onboardingPlans/{id}/milestones/{id}");
  }
  const absl::Time now = clock_->Now();
  CheckMilestoneUpdate(requested, paths, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateMilestone(
      caller.tenant, (*ids)[0], (*ids)[1], (*ids)[2],
      [&](const v1::OnboardingPlan& plan,
          const v1::Milestone& current) -> absl::StatusOr<LifecycleUpdate<v1::Milestone>> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        LifecycleUpdate<v1::Milestone> update;
        ASSIGN_OR_RETURN(update.after, ApplyMilestoneUpdate(current, requested, paths,
                                                            FromProtoTime(plan.start_time()), now));
        update.changed = !MessageDifferencer::Equals(update.after, current);
        return update;
      },
      now, deadline);
}

}  // namespace tandem::success

#include "services/success/success_plan_manager.h"

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

// Copies `field` of `from` into `to`, trimmed as it is stored.
void CopyPlanField(const v1::SuccessPlan& from, const std::string& field, v1::SuccessPlan& to) {
  if (field == "title") {
    to.set_title(std::string(absl::StripAsciiWhitespace(from.title())));
  } else if (field == "description") {
    to.set_description(from.description());
  } else if (field == "owner") {
    to.set_owner(from.owner());
  } else if (field == "status") {
    to.set_status(from.status());
  } else if (field == "goals") {
    *to.mutable_goals() = from.goals();
  } else if (field == "action_items") {
    *to.mutable_action_items() = from.action_items();
  }
}

}  // namespace

absl::StatusOr<v1::SuccessPlan> SuccessPlanManager::CreateSuccessPlan(
    const Principal& caller, const v1::CreateSuccessPlanRequest& request, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseResourceName("parent", "accounts", request.parent());
  if (!account_id.ok()) violations.Add("parent", "must look like accounts/{id}");
  if (!request.has_success_plan()) {
    violations.Add("success_plan", "is required");
    return violations.ToStatus();
  }
  CheckSuccessPlan(
      request.success_plan(), [](absl::string_view) { return true; }, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  v1::SuccessPlan plan;
  plan.set_name(absl::StrCat("accounts/", *account_id, "/successPlans/", NewIdAt(now)));
  for (const std::string& field : UpdatableSuccessPlanFields()) {
    CopyPlanField(request.success_plan(), field, plan);
  }
  if (plan.status() == v1::SuccessPlan::STATUS_UNSPECIFIED) {
    plan.set_status(v1::SuccessPlan::ACTIVE);
  }
  StampActionItems(plan, now);
  *plan.mutable_create_time() = ToProtoTime(now);
  *plan.mutable_update_time() = ToProtoTime(now);
  return store_->CreateSuccessPlan(
      caller.tenant, *account_id, plan.name(),
      [&](const v1::LifecycleAccountSnapshot& account) -> absl::StatusOr<v1::SuccessPlan> {
        v1::SuccessPlan created = plan;
        if (created.owner().empty()) created.set_owner(account.owner());
        return created;
      },
      CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::SuccessPlan> SuccessPlanManager::GetSuccessPlan(
    const Principal& caller, const v1::GetSuccessPlanRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseNestedName("name", request.name(), {"accounts", "successPlans"}));
  return store_->GetSuccessPlan(caller.tenant, ids[0], ids[1], deadline);
}

absl::StatusOr<v1::ListSuccessPlansResponse> SuccessPlanManager::ListSuccessPlans(
    const Principal& caller, const v1::ListSuccessPlansRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, ParseListParent(request.parent()));
  std::string order_column;
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanLifecycleList(
          *page_tokens_, caller.tenant,
          {request.page_size(), request.page_token(), request.filter(), request.order_by()},
          {"status", "owner", "create_time"}, {request.parent()}, {"create_time"}, order_column));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> conditions,
                   NormalizeTerms(plan.terms, {{"status", v1::SuccessPlan::Status_descriptor()}},
                                  {"create_time"}, {}));
  ASSIGN_OR_RETURN(auto page,
                   store_->ListSuccessPlans(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListSuccessPlansResponse response;
  for (v1::SuccessPlan& item : page.items) *response.add_success_plans() = std::move(item);
  if (page.has_more && response.success_plans_size() > 0) {
    const auto& last = response.success_plans(response.success_plans_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::SuccessPlan> SuccessPlanManager::UpdateSuccessPlan(
    const Principal& caller, const v1::UpdateSuccessPlanRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_success_plan()) violations.Add("success_plan", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableSuccessPlanFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::SuccessPlan& requested = request.success_plan();
  auto ids = ParseNestedName("success_plan.name", requested.name(), {"accounts", "successPlans"});
  if (!ids.ok()) {
    violations.Add("success_plan.name", "must look like accounts/{id}/successPlans/{id}");
  }
  const absl::Time now = clock_->Now();
  CheckSuccessPlan(
      requested, [&](absl::string_view field) { return paths.contains(std::string(field)); }, now,
      violations);
  if (paths.contains("status") && requested.status() == v1::SuccessPlan::STATUS_UNSPECIFIED) {
    violations.Add("success_plan.status", "must be ACTIVE, COMPLETED or ARCHIVED");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateSuccessPlan(
      caller.tenant, (*ids)[0], (*ids)[1],
      [&](const v1::SuccessPlan& current,
          const std::string& next_etag) -> absl::StatusOr<LifecycleUpdate<v1::SuccessPlan>> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        LifecycleUpdate<v1::SuccessPlan> update{.after = current};
        for (const std::string& path : paths) CopyPlanField(requested, path, update.after);
        if (paths.contains("action_items")) {
          // An item still done keeps when it was done, even if the caller
          // did not send `done_time` back.
          for (v1::ActionItem& item : *update.after.mutable_action_items()) {
            if (!item.done() || item.has_done_time()) continue;
            for (const v1::ActionItem& before : current.action_items()) {
              if (before.done() && before.title() == item.title()) {
                *item.mutable_done_time() = before.done_time();
                break;
              }
            }
          }
        }
        StampActionItems(update.after, now);
        FillSuccessPlanProgress(update.after);
        update.changed = !MessageDifferencer::Equals(update.after, current);
        if (update.changed) {
          *update.after.mutable_update_time() = ToProtoTime(now);
          update.after.set_etag(next_etag);
        }
        return update;
      },
      now, deadline);
}

absl::Status SuccessPlanManager::DeleteSuccessPlan(const Principal& caller,
                                                   const v1::DeleteSuccessPlanRequest& request,
                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseNestedName("name", request.name(), {"accounts", "successPlans"}));
  return store_->DeleteSuccessPlan(caller.tenant, ids[0], ids[1], request.etag(), clock_->Now(),
                                   deadline);
}

}  // namespace tandem::success

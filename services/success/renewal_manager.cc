#include "services/success/renewal_manager.h"

#include <google/protobuf/util/message_differencer.h>

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

constexpr int kMaxDueWithinDays = 3650;

// Copies `field` of `from` into `to`, as it is stored.
void CopyRenewalField(const v1::Renewal& from, const std::string& field, v1::Renewal& to) {
  if (field == "due_time") {
    *to.mutable_due_time() = ToProtoTime(FromProtoTime(from.due_time()));
  } else if (field == "target_amount_minor") {
    to.set_target_amount_minor(from.target_amount_minor());
  } else if (field == "forecast_amount_minor") {
    to.set_forecast_amount_minor(from.forecast_amount_minor());
  } else if (field == "stage") {
    to.set_stage(from.stage());
  } else if (field == "owner") {
    to.set_owner(from.owner());
  } else if (field == "notes") {
    to.set_notes(from.notes());
  }
}

absl::Status RenewalClosed(const v1::Renewal& renewal) {
  return absl::FailedPreconditionError(absl::StrCat("renewal ", renewal.name(), " is closed (",
                                                    v1::Renewal::Outcome_Name(renewal.outcome()),
                                                    ") and can no longer change"));
}

}  // namespace

absl::StatusOr<v1::Renewal> RenewalManager::CreateRenewal(const Principal& caller,
                                                          const v1::CreateRenewalRequest& request,
                                                          absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseResourceName("parent", "accounts", request.parent());
  if (!account_id.ok()) violations.Add("parent", "must look like accounts/{id}");
  if (!request.has_renewal()) {
    violations.Add("renewal", "is required");
    return violations.ToStatus();
  }
  CheckRenewal(
      request.renewal(), [](absl::string_view) { return true; }, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  v1::Renewal renewal;
  renewal.set_name(absl::StrCat("accounts/", *account_id, "/renewals/", NewIdAt(now)));
  for (const std::string& field : UpdatableRenewalFields()) {
    CopyRenewalField(request.renewal(), field, renewal);
  }
  if (renewal.stage() == v1::Renewal::STAGE_UNSPECIFIED)
    renewal.set_stage(v1::Renewal::NOT_STARTED);
  *renewal.mutable_create_time() = ToProtoTime(now);
  *renewal.mutable_update_time() = ToProtoTime(now);
  return store_->CreateRenewal(
      caller.tenant, *account_id, renewal.name(),
      [&](const v1::LifecycleAccountSnapshot& account) -> absl::StatusOr<v1::Renewal> {
        if (account.lifecycle_stage() == v1::Account::CHURNED) {
          return absl::FailedPreconditionError(
              absl::StrCat(account.account(), " has CHURNED; there is nothing to renew"));
        }
        v1::Renewal created = renewal;
        created.set_currency_code(account.currency_code());
        if (created.owner().empty()) created.set_owner(account.owner());
        return created;
      },
      CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Renewal> RenewalManager::GetRenewal(const Principal& caller,
                                                       const v1::GetRenewalRequest& request,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   ParseNestedName("name", request.name(), {"accounts", "renewals"}));
  return store_->GetRenewal(caller.tenant, ids[0], ids[1], deadline);
}

absl::StatusOr<v1::ListRenewalsResponse> RenewalManager::ListRenewals(
    const Principal& caller, const v1::ListRenewalsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, ParseListParent(request.parent()));
  if (request.due_within_days() < 0 || request.due_within_days() > kMaxDueWithinDays) {
    return InvalidField("due_within_days",
                        absl::StrCat("must be 1 to ", kMaxDueWithinDays, " (or 0: no limit)"));
  }
  std::string order_column;
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanLifecycleList(
          *page_tokens_, caller.tenant,
          {request.page_size(), request.page_token(), request.filter(), request.order_by()},
          {"stage", "outcome", "open", "owner", "due_time", "create_time"},
          {request.parent(), absl::StrCat(request.due_within_days())}, {"create_time", "due_time"},
          order_column));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> conditions,
                   NormalizeTerms(plan.terms,
                                  {{"stage", v1::Renewal::Stage_descriptor()},
                                   {"outcome", v1::Renewal::Outcome_descriptor()}},
                                  {"due_time", "create_time"}, {"open"}));
  if (request.due_within_days() > 0) {
    const absl::Time until = clock_->Now() + absl::Hours(24) * request.due_within_days();
    conditions.push_back({.field = "open", .op = FilterOp::kEq, .value = "1"});
    conditions.push_back(
        {.field = "due_time",
         .op = FilterOp::kLe,
         .value = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", until, absl::UTCTimeZone())});
  }
  const RenewalOrder order =
      order_column == "due_time" ? RenewalOrder::kDueTime : RenewalOrder::kCreateTime;
  ASSIGN_OR_RETURN(auto page, store_->ListRenewals(caller.tenant, account_id, conditions, plan,
                                                   order, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListRenewalsResponse response;
  for (v1::Renewal& item : page.items) *response.add_renewals() = std::move(item);
  if (page.has_more && response.renewals_size() > 0) {
    const v1::Renewal& last = response.renewals(response.renewals_size() - 1);
    const absl::Time key = order == RenewalOrder::kDueTime ? FromProtoTime(last.due_time())
                                                           : FromProtoTime(last.create_time());
    response.set_next_page_token(
        NextPageToken(*page_tokens_, plan, {key, ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Renewal> RenewalManager::UpdateRenewal(const Principal& caller,
                                                          const v1::UpdateRenewalRequest& request,
                                                          absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_renewal()) violations.Add("renewal", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableRenewalFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::Renewal& requested = request.renewal();
  auto ids = ParseNestedName("renewal.name", requested.name(), {"accounts", "renewals"});
  if (!ids.ok()) violations.Add("renewal.name", "must look like accounts/{id}/renewals/{id}");
  const absl::Time now = clock_->Now();
  CheckRenewal(
      requested, [&](absl::string_view field) { return paths.contains(std::string(field)); }, now,
      violations);
  if (paths.contains("stage") && requested.stage() == v1::Renewal::STAGE_UNSPECIFIED) {
    violations.Add("renewal.stage",
                   "must be NOT_STARTED, IN_DISCUSSION, NEGOTIATION, COMMITTED or AT_RISK");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateRenewal(
      caller.tenant, (*ids)[0], (*ids)[1],
      [&](const v1::Renewal& current,
          const std::string& next_etag) -> absl::StatusOr<RenewalUpdate> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        if (current.outcome() != v1::Renewal::OUTCOME_UNSPECIFIED) return RenewalClosed(current);
        RenewalUpdate update{.after = current};
        for (const std::string& path : paths) {
          CopyRenewalField(requested, path, update.after);
          v1::Renewal before_only;
          v1::Renewal after_only;
          CopyRenewalField(current, path, before_only);
          CopyRenewalField(update.after, path, after_only);
          if (!MessageDifferencer::Equals(before_only, after_only)) {
            update.changed_fields.push_back(path);
          }
        }
        update.changed = !update.changed_fields.empty();
        if (update.changed) {
          *update.after.mutable_update_time() = ToProtoTime(now);
          update.after.set_etag(next_etag);
        }
        return update;
      },
      now, deadline);
}

absl::StatusOr<v1::Renewal> RenewalManager::CloseRenewal(const Principal& caller,
                                                         const v1::CloseRenewalRequest& request,
                                                         absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  auto ids = ParseNestedName("name", request.name(), {"accounts", "renewals"});
  if (!ids.ok()) violations.Add("name", "must look like accounts/{id}/renewals/{id}");
  CheckCloseRenewal(request, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateRenewal(
      caller.tenant, (*ids)[0], (*ids)[1],
      [&](const v1::Renewal& current,
          const std::string& next_etag) -> absl::StatusOr<RenewalUpdate> {
        RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag()));
        RenewalUpdate update{.changed = true, .closed = true};
        ASSIGN_OR_RETURN(update.after, success::CloseRenewal(current, request, now));
        *update.after.mutable_update_time() = ToProtoTime(now);
        update.after.set_etag(next_etag);
        return update;
      },
      now, deadline);
}

}  // namespace tandem::success

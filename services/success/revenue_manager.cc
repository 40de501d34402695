#include "services/success/revenue_manager.h"

#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/opportunity_rules.h"
#include "services/success/revenue_ledger.h"
#include "services/success/segmentation.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxTierReason = 500;

// The key a List's page token is bound to: the tenant, the RPC and the
// parent, so a token of one parent's list is refused for another's.
std::string ListScope(const Principal& caller, absl::string_view rpc, absl::string_view parent) {
  return absl::StrCat(caller.tenant, "|", rpc, "|", parent);
}

// Translates `effective_time [asc|desc]` (or `change_time`) into the
// create_time order PlanList understands; the store pages on the real
// column. INVALID_ARGUMENT on `order_by` for anything else.
absl::StatusOr<std::string> TimeOrder(absl::string_view order_by, absl::string_view column) {
  const std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(order_by));
  if (order.empty() || order == absl::StrCat(column, " desc")) return std::string();
  if (order == column || order == absl::StrCat(column, " asc")) return std::string("create_time");
  return InvalidField(
      "order_by", absl::StrCat("must be \"", column, " desc\" (the default) or \"", column, "\""));
}

const std::set<std::string>& UpdatablePolicyFields() {
  static const auto* const kFields =
      new std::set<std::string>{"basis", "high_touch_min_minor", "low_touch_min_minor",
                                "gross_margin_bps", "monthly_churn_bps"};
  return *kFields;
}

void CheckTierReason(absl::string_view reason, bool required, FieldViolations& violations) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(reason);
  if (required && trimmed.empty()) {
    violations.Add("reason", "is required: say why the tier is set by hand");
  } else if (trimmed.size() > kMaxTierReason) {
    violations.Add("reason", absl::StrCat("must be at most ", kMaxTierReason, " bytes"));
  }
}

}  // namespace

absl::StatusOr<std::string> ParseRevenueParent(absl::string_view field, absl::string_view parent,
                                               bool allow_all) {
  if (allow_all && parent == "accounts/-") return std::string();
  auto id = ParseResourceName(field, "accounts", parent);
  if (!id.ok()) {
    return InvalidField(std::string(field), allow_all
                                                ? "must look like accounts/{id}, or accounts/- "
                                                  "for every account"
                                                : "must look like accounts/{id}");
  }
  return id;
}

absl::StatusOr<std::pair<std::string, std::string>> ParseRevenueChild(absl::string_view field,
                                                                      absl::string_view collection,
                                                                      absl::string_view name) {
  if (name.empty()) return InvalidField(std::string(field), "is required");
  const std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "accounts" || !IsValidId(parts[1]) ||
      parts[2] != collection || !IsValidId(parts[3])) {
    return InvalidField(std::string(field),
                        absl::StrCat("must look like accounts/{id}/", collection, "/{id}"));
  }
  return std::make_pair(parts[1], parts[3]);
}

absl::StatusOr<v1::MrrMovement> RevenueManager::RecordMrrMovement(
    const Principal& caller, const v1::RecordMrrMovementRequest& request, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseRevenueParent("parent", request.parent(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("parent", std::string(account_id.status().message()));
  if (!request.has_mrr_movement()) {
    violations.Add("mrr_movement", "is required");
  } else {
    CheckMovementFields(request.mrr_movement(), now, "mrr_movement", violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  if (!account_id.ok()) return account_id.status();

  v1::MrrMovement movement;
  movement.set_name(absl::StrCat(request.parent(), "/mrrMovements/", NewIdAt(now)));
  movement.set_type(request.mrr_movement().type());
  movement.set_mrr_delta_minor(request.mrr_movement().mrr_delta_minor());
  *movement.mutable_effective_time() = request.mrr_movement().effective_time();
  movement.set_reason(std::string(absl::StripAsciiWhitespace(request.mrr_movement().reason())));
  movement.set_actor(caller.subject.substr(0, 128));
  *movement.mutable_create_time() = ToProtoTime(now);
  return store_->RecordMovement(caller.tenant, *account_id, movement, CreateKeyOf(request),
                                deadline);
}

absl::StatusOr<v1::MrrMovement> RevenueManager::GetMrrMovement(
    const Principal& caller, const v1::GetMrrMovementRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(auto ids, ParseRevenueChild("name", "mrrMovements", request.name()));
  return store_->GetMovement(caller.tenant, ids.first, ids.second, deadline);
}

absl::StatusOr<v1::ListMrrMovementsResponse> RevenueManager::ListMrrMovements(
    const Principal& caller, const v1::ListMrrMovementsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseRevenueParent("parent", request.parent(), /*allow_all=*/true));
  ASSIGN_OR_RETURN(std::string order, TimeOrder(request.order_by(), "effective_time"));
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, ListScope(caller, "movements", request.parent()),
                            {request.page_size(), request.page_token(), request.filter(), order},
                            {"type", "effective_time"}));
  std::vector<MovementCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    MovementCondition condition{.field = MovementField::kType, .op = term.op, .value = term.value};
    if (term.field == "type") {
      RETURN_IF_ERROR(RequireEquality(term));
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::MrrMovement::Type_descriptor()));
    } else {
      condition.field = MovementField::kEffectiveTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(MovementPage page,
                   store_->ListMovements(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.movements)) page.has_more = true;
  v1::ListMrrMovementsResponse response;
  for (v1::MrrMovement& movement : page.movements) {
    *response.add_mrr_movements() = std::move(movement);
  }
  if (page.has_more && response.mrr_movements_size() > 0) {
    const v1::MrrMovement& last = response.mrr_movements(response.mrr_movements_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.effective_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::SegmentationPolicy> RevenueManager::GetSegmentationPolicy(
    const Principal& caller, const v1::GetSegmentationPolicyRequest& request, absl::Time deadline) {
  if (request.name() != kSegmentationPolicyName) {
    return InvalidField("name", absl::StrCat("must be ", kSegmentationPolicyName));
  }
  return store_->GetPolicy(caller.tenant, deadline);
}

absl::StatusOr<v1::SegmentationPolicy> RevenueManager::UpdateSegmentationPolicy(
    const Principal& caller, const v1::UpdateSegmentationPolicyRequest& request,
    absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_policy()) violations.Add("policy", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatablePolicyFields(), violations);
  if (request.has_policy() && !request.policy().name().empty() &&
      request.policy().name() != kSegmentationPolicyName) {
    violations.Add("policy.name", absl::StrCat("must be ", kSegmentationPolicyName));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::SegmentationPolicy& requested = request.policy();
  return store_->UpdatePolicy(
      caller.tenant,
      [&](const v1::SegmentationPolicy& current) -> absl::StatusOr<v1::SegmentationPolicy> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        v1::SegmentationPolicy next = current;
        if (paths.contains("basis")) next.set_basis(requested.basis());
        if (paths.contains("high_touch_min_minor")) {
          next.set_high_touch_min_minor(requested.high_touch_min_minor());
        }
        if (paths.contains("low_touch_min_minor")) {
          next.set_low_touch_min_minor(requested.low_touch_min_minor());
        }
        if (paths.contains("gross_margin_bps")) {
          next.set_gross_margin_bps(requested.gross_margin_bps());
        }
        if (paths.contains("monthly_churn_bps")) {
          next.set_monthly_churn_bps(requested.monthly_churn_bps());
        }
        RETURN_IF_ERROR(ValidateSegmentationPolicy(next));
        return next;
      },
      caller.subject, clock_->Now(), deadline);
}

absl::StatusOr<v1::Account> RevenueManager::SetAccountTier(const Principal& caller,
                                                           const v1::SetAccountTierRequest& request,
                                                           absl::Time deadline) {
  FieldViolations violations;
  auto account_id = ParseRevenueParent("account", request.account(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("account", std::string(account_id.status().message()));
  if (request.touch_tier() == v1::TOUCH_TIER_UNSPECIFIED ||
      !v1::TouchTier_IsValid(request.touch_tier())) {
    violations.Add("touch_tier", "must be HIGH_TOUCH, LOW_TOUCH or TECH_TOUCH");
  }
  CheckTierReason(request.reason(), /*required=*/true, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  if (!account_id.ok()) return account_id.status();
  return store_->OverrideTier(
      caller.tenant,
      TierOverride{.account_id = *account_id,
                   .tier = request.touch_tier(),
                   .reason = std::string(absl::StripAsciiWhitespace(request.reason())),
                   .etag = request.etag(),
                   .actor = caller.subject.substr(0, 128),
                   .now = clock_->Now()},
      deadline);
}

absl::StatusOr<v1::Account> RevenueManager::ClearTierOverride(
    const Principal& caller, const v1::ClearTierOverrideRequest& request, absl::Time deadline) {
  FieldViolations violations;
  auto account_id = ParseRevenueParent("account", request.account(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("account", std::string(account_id.status().message()));
  CheckTierReason(request.reason(), /*required=*/false, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  if (!account_id.ok()) return account_id.status();
  return store_->OverrideTier(
      caller.tenant,
      TierOverride{.account_id = *account_id,
                   .tier = std::nullopt,
                   .reason = std::string(absl::StripAsciiWhitespace(request.reason())),
                   .etag = request.etag(),
                   .actor = caller.subject.substr(0, 128),
                   .now = clock_->Now()},
      deadline);
}

absl::StatusOr<v1::ListTierChangesResponse> RevenueManager::ListTierChanges(
    const Principal& caller, const v1::ListTierChangesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseRevenueParent("parent", request.parent(), /*allow_all=*/true));
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, ListScope(caller, "tierChanges", request.parent()),
                            {request.page_size(), request.page_token(), "", ""}, {}));
  ASSIGN_OR_RETURN(TierChangePage page,
                   store_->ListTierChanges(caller.tenant, account_id, plan, deadline));
  v1::ListTierChangesResponse response;
  for (v1::TierChange& change : page.changes) *response.add_tier_changes() = std::move(change);
  if (page.has_more && response.tier_changes_size() > 0) {
    const v1::TierChange& last = response.tier_changes(response.tier_changes_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.change_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Opportunity> RevenueManager::CreateOpportunity(
    const Principal& caller, const v1::CreateOpportunityRequest& request, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseRevenueParent("parent", request.parent(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("parent", std::string(account_id.status().message()));
  if (!request.has_opportunity()) {
    violations.Add("opportunity", "is required");
  } else {
    CheckOpportunityFields(request.opportunity(), {}, /*creating=*/true, now, violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  if (!account_id.ok()) return account_id.status();
  const v1::Opportunity opportunity = NewOpportunity(
      request.opportunity(), absl::StrCat(request.parent(), "/opportunities/", NewIdAt(now)), now);
  return store_->CreateOpportunity(caller.tenant, *account_id, opportunity, CreateKeyOf(request),
                                   deadline);
}

absl::StatusOr<v1::Opportunity> RevenueManager::GetOpportunity(
    const Principal& caller, const v1::GetOpportunityRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(auto ids, ParseRevenueChild("name", "opportunities", request.name()));
  return store_->GetOpportunity(caller.tenant, ids.first, ids.second, deadline);
}

absl::StatusOr<v1::ListOpportunitiesResponse> RevenueManager::ListOpportunities(
    const Principal& caller, const v1::ListOpportunitiesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseRevenueParent("parent", request.parent(), /*allow_all=*/true));
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanList(*page_tokens_, ListScope(caller, "opportunities", request.parent()),
               {request.page_size(), request.page_token(), request.filter(), request.order_by()},
               {"stage", "kind", "owner"}));
  std::vector<OpportunityCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    RETURN_IF_ERROR(RequireEquality(term));
    OpportunityCondition condition{
        .field = OpportunityField::kOwner, .op = term.op, .value = term.value};
    if (term.field == "stage") {
      condition.field = OpportunityField::kStage;
      ASSIGN_OR_RETURN(condition.value,
                       EnumFilterValue(term, *v1::Opportunity::Stage_descriptor()));
    } else if (term.field == "kind") {
      condition.field = OpportunityField::kKind;
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::Opportunity::Kind_descriptor()));
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(OpportunityPage page, store_->ListOpportunities(caller.tenant, account_id,
                                                                   conditions, plan, deadline));
  if (FitToByteBudget(page.opportunities)) page.has_more = true;
  v1::ListOpportunitiesResponse response;
  for (v1::Opportunity& opportunity : page.opportunities) {
    *response.add_opportunities() = std::move(opportunity);
  }
  if (page.has_more && response.opportunities_size() > 0) {
    const v1::Opportunity& last = response.opportunities(response.opportunities_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::Opportunity> RevenueManager::UpdateOpportunity(
    const Principal& caller, const v1::UpdateOpportunityRequest& request, absl::Time deadline) {
  const absl::Time now = clock_->Now();
  FieldViolations violations;
  if (!request.has_opportunity()) violations.Add("opportunity", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableOpportunityFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto ids = ParseRevenueChild("opportunity.name", "opportunities", request.opportunity().name());
  if (!ids.ok()) violations.Add("opportunity.name", std::string(ids.status().message()));
  CheckOpportunityFields(request.opportunity(), paths, /*creating=*/false, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::Opportunity& requested = request.opportunity();
  return store_->UpdateOpportunity(
      caller.tenant, ids->first, ids->second,
      [&](const v1::Opportunity& current,
          const std::string& next_etag) -> absl::StatusOr<OpportunityUpdate> {
        RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
        return DecideOpportunityUpdate(current, requested, paths, now, next_etag);
      },
      caller.subject.substr(0, 128), now, deadline);
}

}  // namespace tandem::success

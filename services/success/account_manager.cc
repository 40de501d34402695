#include "services/success/account_manager.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxDisplayName = 200;
constexpr size_t kMaxExternalId = 128;
constexpr size_t kMaxOwner = 128;
constexpr size_t kMaxPlan = 64;

bool IsCurrencyCode(const std::string& code) {
  return code.size() == 3 && std::all_of(code.begin(), code.end(),
                                         [](char c) { return c >= 'A' && c <= 'Z'; });
}

}  // namespace

absl::Status ValidateCreateAccount(const v1::CreateAccountRequest& request) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_account()) {
    violations.Add("account", "is required");
    return violations.ToStatus();
  }
  const v1::Account& account = request.account();
  if (absl::StripAsciiWhitespace(account.display_name()).empty()) {
    violations.Add("account.display_name", "is required");
  } else if (account.display_name().size() > kMaxDisplayName) {
    violations.Add("account.display_name",
                   absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
  }
  if (account.external_id().size() > kMaxExternalId) {
    violations.Add("account.external_id", absl::StrCat("must be at most ", kMaxExternalId, " bytes"));
  }
  if (account.owner().size() > kMaxOwner) {
    violations.Add("account.owner", absl::StrCat("must be at most ", kMaxOwner, " bytes"));
  }
  if (account.plan().size() > kMaxPlan) {
    violations.Add("account.plan", absl::StrCat("must be at most ", kMaxPlan, " bytes"));
  }
  if (!account.currency_code().empty() && !IsCurrencyCode(account.currency_code())) {
    violations.Add("account.currency_code", "must be an ISO 4217 code such as USD or JPY");
  }
  if (!v1::TouchTier_IsValid(account.touch_tier())) {
    violations.Add("account.touch_tier", "is not a known touch tier");
  }
  return violations.ToStatus();
}

absl::StatusOr<v1::Account> AccountManager::CreateAccount(const Principal& caller,
                                                          const v1::CreateAccountRequest& request,
                                                          absl::Time deadline) {
  RETURN_IF_ERROR(ValidateCreateAccount(request));
  const absl::Time now = clock_->Now();
  v1::Account account = request.account();
  account.set_name(ResourceName("accounts", NewIdAt(now)));
  account.set_display_name(std::string(absl::StripAsciiWhitespace(account.display_name())));
  if (account.currency_code().empty()) account.set_currency_code("USD");
  if (account.touch_tier() == v1::TOUCH_TIER_UNSPECIFIED) account.set_touch_tier(v1::TECH_TOUCH);
  account.set_lifecycle_stage(v1::Account::ONBOARDING);
  account.set_mrr_minor(0);
  account.clear_etag();
  *account.mutable_create_time() = ToProtoTime(now);
  *account.mutable_update_time() = ToProtoTime(now);
  return store_->Create(caller.tenant, account, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Account> AccountManager::GetAccount(const Principal& caller,
                                                       const v1::GetAccountRequest& request,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "accounts", request.name()));
  return store_->Get(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListAccountsResponse> AccountManager::ListAccounts(
    const Principal& caller, const v1::ListAccountsRequest& request, absl::Time deadline) {
  struct FieldSpec {
    AccountField field;
    const google::protobuf::EnumDescriptor* values;  // null: free text
  };
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"touch_tier", {AccountField::kTouchTier, v1::TouchTier_descriptor()}},
      {"lifecycle_stage",
       {AccountField::kLifecycleStage, v1::Account::LifecycleStage_descriptor()}},
      {"owner", {AccountField::kOwner, nullptr}},
      {"plan", {AccountField::kPlan, nullptr}},
      {"external_id", {AccountField::kExternalId, nullptr}},
  };
  std::set<std::string> fields;
  for (const auto& [name, spec] : *kSpecs) fields.insert(name);
  ASSIGN_OR_RETURN(ListPlan plan,
                   PlanList(*page_tokens_, caller.tenant,
                            {request.page_size(), request.page_token(), request.filter(),
                             request.order_by()},
                            fields));
  std::vector<AccountCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    const FieldSpec& spec = kSpecs->at(term.field);
    RETURN_IF_ERROR(RequireEquality(term));
    AccountCondition condition{.field = spec.field, .op = term.op, .value = term.value};
    if (spec.values != nullptr) {
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(AccountPage page, store_->List(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.accounts)) page.has_more = true;
  v1::ListAccountsResponse response;
  for (v1::Account& account : page.accounts) *response.add_accounts() = std::move(account);
  if (page.has_more && response.accounts_size() > 0) {
    const v1::Account& last = response.accounts(response.accounts_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan,
        {FromProtoTime(last.create_time()), last.name().substr(last.name().find('/') + 1)}));
  }
  return response;
}

}  // namespace tandem::success

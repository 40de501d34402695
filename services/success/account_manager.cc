#include "services/success/account_manager.h"

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
constexpr int32_t kMaxSeats = 10'000'000;
// A contract may start up to a year ahead (signed, not yet begun).
constexpr absl::Duration kMaxContractStartAhead = absl::Hours(24 * 366);
// A renewal may be up to ten years ahead.
constexpr absl::Duration kMaxRenewalAhead = absl::Hours(24 * 3660);
constexpr int32_t kMaxRenewalWindowDays = 3660;
// The latest time a Timestamp may hold (9999-12-31T23:59:59Z).
constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;

// The fields UpdateAccount may change.
const std::set<std::string>& UpdatableAccountFields() {
  static const auto* const kFields = new std::set<std::string>{
      "display_name",   "external_id",         "owner",        "plan",           "currency_code",
      "seats_licensed", "contract_start_time", "renewal_time", "lifecycle_stage"};
  return *kFields;
}

// The stages a person may set by hand.
bool IsManualStage(v1::Account::LifecycleStage stage) {
  return stage == v1::Account::ONBOARDING || stage == v1::Account::ADOPTION ||
         stage == v1::Account::EXPANSION || stage == v1::Account::RENEWAL;
}

bool IsCurrencyCode(const std::string& code) {
  return code.size() == 3 &&
         std::all_of(code.begin(), code.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

// Checks that `time` is a valid Timestamp from 1970 on, and no later than
// `latest`; returns false if it added a violation.
bool CheckTime(const std::string& field, const google::protobuf::Timestamp& time, absl::Time latest,
               absl::string_view latest_text, FieldViolations& violations) {
  if (time.seconds() < 0 || time.seconds() > kMaxTimestampSeconds || time.nanos() < 0 ||
      time.nanos() > 999'999'999) {
    violations.Add(field, "must be a valid time from 1970 on");
    return false;
  }
  if (FromProtoTime(time) > latest) {
    violations.Add(field, absl::StrCat("must be at most ", latest_text, " from now"));
    return false;
  }
  return true;
}

// Checks the fields of `account` that `checked` names, as "account.<field>".
void CheckAccountFields(const v1::Account& account,
                        const std::function<bool(absl::string_view)>& checked, absl::Time now,
                        FieldViolations& violations) {
  if (checked("display_name")) {
    const absl::string_view trimmed = absl::StripAsciiWhitespace(account.display_name());
    if (trimmed.empty()) {
      violations.Add("account.display_name", "is required");
    } else if (trimmed.size() > kMaxDisplayName) {
      violations.Add("account.display_name",
                     absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
    }
  }
  if (checked("external_id") && account.external_id().size() > kMaxExternalId) {
    violations.Add("account.external_id",
                   absl::StrCat("must be at most ", kMaxExternalId, " bytes"));
  }
  if (checked("owner") && account.owner().size() > kMaxOwner) {
    violations.Add("account.owner", absl::StrCat("must be at most ", kMaxOwner, " bytes"));
  }
  if (checked("plan") && account.plan().size() > kMaxPlan) {
    violations.Add("account.plan", absl::StrCat("must be at most ", kMaxPlan, " bytes"));
  }
  if (checked("seats_licensed") &&
      (account.seats_licensed() < 0 || account.seats_licensed() > kMaxSeats)) {
    violations.Add("account.seats_licensed", absl::StrCat("must be 0 (unknown) to ", kMaxSeats));
  }
  bool start_checked = checked("contract_start_time") && account.has_contract_start_time();
  bool renewal_checked = checked("renewal_time") && account.has_renewal_time();
  if (start_checked) {
    start_checked = CheckTime("account.contract_start_time", account.contract_start_time(),
                              now + kMaxContractStartAhead, "366 days", violations);
  }
  if (renewal_checked) {
    renewal_checked = CheckTime("account.renewal_time", account.renewal_time(),
                                now + kMaxRenewalAhead, "3660 days", violations);
  }
  if (start_checked && renewal_checked &&
      FromProtoTime(account.renewal_time()) <= FromProtoTime(account.contract_start_time())) {
    violations.Add("account.renewal_time", "must be after contract_start_time");
  }
}

// Returns true if `a` and `b` hold the same value of `field`.
bool SameField(const v1::Account& a, const v1::Account& b, const std::string& field) {
  const google::protobuf::FieldDescriptor* descriptor =
      v1::Account::descriptor()->FindFieldByName(field);
  const std::vector<const google::protobuf::FieldDescriptor*> fields = {descriptor};
  google::protobuf::util::MessageDifferencer differencer;
  return differencer.CompareWithFields(a, b, fields, fields);
}

// Copies `field` of `from` into `to`, normalized as it is stored.
void CopyAccountField(const v1::Account& from, const std::string& field, v1::Account& to) {
  if (field == "display_name") {
    to.set_display_name(std::string(absl::StripAsciiWhitespace(from.display_name())));
    return;
  }
  const google::protobuf::FieldDescriptor* descriptor =
      v1::Account::descriptor()->FindFieldByName(field);
  const google::protobuf::Reflection* reflection = v1::Account::GetReflection();
  if (descriptor->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    if (reflection->HasField(from, descriptor)) {
      reflection->MutableMessage(&to, descriptor)
          ->CopyFrom(reflection->GetMessage(from, descriptor));
    } else {
      reflection->ClearField(&to, descriptor);  // unset in the request: cleared
    }
    return;
  }
  switch (descriptor->cpp_type()) {
    case google::protobuf::FieldDescriptor::CPPTYPE_STRING:
      reflection->SetString(&to, descriptor, reflection->GetString(from, descriptor));
      break;
    case google::protobuf::FieldDescriptor::CPPTYPE_INT32:
      reflection->SetInt32(&to, descriptor, reflection->GetInt32(from, descriptor));
      break;
    case google::protobuf::FieldDescriptor::CPPTYPE_ENUM:
      reflection->SetEnumValue(&to, descriptor, reflection->GetEnumValue(from, descriptor));
      break;
    default:
      break;
  }
}

// The canonical spelling of a ListAccounts order.
struct OrderSpec {
  AccountOrder order;
  bool descending;
};

absl::StatusOr<OrderSpec> ParseAccountOrder(absl::string_view order_by) {
  static const auto* const kOrders = new std::map<std::string, OrderSpec>{
      {"", {AccountOrder::kCreateTime, true}},
      {"create_time desc", {AccountOrder::kCreateTime, true}},
      {"create_time", {AccountOrder::kCreateTime, false}},
      {"create_time asc", {AccountOrder::kCreateTime, false}},
      {"renewal_time", {AccountOrder::kRenewalTime, false}},
      {"renewal_time asc", {AccountOrder::kRenewalTime, false}},
      {"renewal_time desc", {AccountOrder::kRenewalTime, true}},
      {"mrr_minor", {AccountOrder::kMrr, false}},
      {"mrr_minor asc", {AccountOrder::kMrr, false}},
      {"mrr_minor desc", {AccountOrder::kMrr, true}},
  };
  const std::string normalized =
      absl::StrJoin(absl::StrSplit(absl::AsciiStrToLower(order_by), ' ', absl::SkipEmpty()), " ");
  const auto found = kOrders->find(normalized);
  if (found == kOrders->end()) {
    return InvalidField("order_by",
                        "must be \"create_time desc\" (the default), \"create_time\", "
                        "\"renewal_time\", \"renewal_time desc\", \"mrr_minor desc\" or "
                        "\"mrr_minor\"");
  }
  return found->second;
}

// Turns filter terms into store conditions, or INVALID_ARGUMENT on `filter`.
absl::StatusOr<std::vector<AccountCondition>> AccountConditions(
    const std::vector<FilterTerm>& terms) {
  struct FieldSpec {
    AccountField field;
    const google::protobuf::EnumDescriptor* values;  // null: free text or time
  };
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"touch_tier", {AccountField::kTouchTier, v1::TouchTier_descriptor()}},
      {"lifecycle_stage",
       {AccountField::kLifecycleStage, v1::Account::LifecycleStage_descriptor()}},
      {"health_band", {AccountField::kHealthBand, v1::HealthBand_descriptor()}},
      {"owner", {AccountField::kOwner, nullptr}},
      {"plan", {AccountField::kPlan, nullptr}},
      {"external_id", {AccountField::kExternalId, nullptr}},
      {"renewal_time", {AccountField::kRenewalTime, nullptr}},
  };
  std::vector<AccountCondition> conditions;
  for (const FilterTerm& term : terms) {
    const FieldSpec& spec = kSpecs->at(term.field);
    AccountCondition condition{.field = spec.field, .op = term.op, .value = term.value};
    if (spec.field == AccountField::kRenewalTime) {
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    } else {
      RETURN_IF_ERROR(RequireEquality(term));
      if (spec.values != nullptr) {
        ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
      }
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

constexpr absl::string_view kNullKey = "null";

}  // namespace

absl::Status ValidateCreateAccount(const v1::CreateAccountRequest& request, absl::Time now) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_account()) {
    violations.Add("account", "is required");
    return violations.ToStatus();
  }
  const v1::Account& account = request.account();
  CheckAccountFields(
      account, [](absl::string_view) { return true; }, now, violations);
  if (!account.currency_code().empty() && !IsCurrencyCode(account.currency_code())) {
    violations.Add("account.currency_code", "must be an ISO 4217 code such as USD or JPY");
  }
  if (!v1::TouchTier_IsValid(account.touch_tier())) {
    violations.Add("account.touch_tier", "is not a known touch tier");
  }
  return violations.ToStatus();
}

absl::StatusOr<std::set<std::string>> ValidateUpdateAccount(const v1::UpdateAccountRequest& request,
                                                            absl::Time now) {
  FieldViolations violations;
  if (!request.has_account()) violations.Add("account", "is required");
  // The tier has its own, recorded, way to change; say which.
  google::protobuf::FieldMask mask;
  bool tier_named = false;
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "touch_tier") {
      tier_named = true;
    } else {
      mask.add_paths(path);
    }
  }
  if (tier_named) {
    violations.Add("update_mask",
                   "touch_tier is not changed by UpdateAccount: set a manual tier with "
                   "RevenueService.SetAccountTier (recorded, with a reason) or let the "
                   "segmentation policy decide");
  }
  std::set<std::string> paths;
  if (!tier_named || mask.paths_size() > 0) {
    paths = CheckUpdateMask(mask, UpdatableAccountFields(), violations);
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::Account& account = request.account();
  if (!ParseResourceName("account.name", "accounts", account.name()).ok()) {
    violations.Add("account.name", "must look like accounts/{id}");
  }
  CheckAccountFields(
      account, [&](absl::string_view field) { return paths.contains(std::string(field)); }, now,
      violations);
  if (paths.contains("currency_code") && !IsCurrencyCode(account.currency_code())) {
    violations.Add("account.currency_code", "must be an ISO 4217 code such as USD or JPY");
  }
  if (paths.contains("lifecycle_stage")) {
    if (account.lifecycle_stage() == v1::Account::CHURNED) {
      violations.Add("account.lifecycle_stage",
                     "CHURNED is set by recording a CHURN movement "
                     "(RevenueService.RecordMrrMovement), not by hand");
    } else if (!IsManualStage(account.lifecycle_stage())) {
      violations.Add("account.lifecycle_stage",
                     "must be ONBOARDING, ADOPTION, EXPANSION or RENEWAL");
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return paths;
}

bool HasRevenue(const v1::Account& account) {
  return account.mrr_minor() != 0 || account.has_churn_time() ||
         account.lifecycle_stage() == v1::Account::CHURNED;
}

absl::StatusOr<AccountUpdate> DecideAccountUpdate(const v1::Account& current,
                                                  const v1::Account& requested,
                                                  const std::set<std::string>& paths,
                                                  absl::Time now, const std::string& next_etag) {
  RETURN_IF_ERROR(CheckEtag(requested.etag(), current.etag()));
  AccountUpdate update{.account = current, .changed_fields = {}, .review_reason = {}};
  for (const std::string& path : paths) CopyAccountField(requested, path, update.account);
  v1::Account& after = update.account;
  for (const std::string& path : UpdatableAccountFields()) {
    if (!SameField(current, after, path)) update.changed_fields.push_back(path);
  }
  auto changed = [&](absl::string_view field) {
    return std::find(update.changed_fields.begin(), update.changed_fields.end(), field) !=
           update.changed_fields.end();
  };
  if (changed("lifecycle_stage") && current.lifecycle_stage() == v1::Account::CHURNED) {
    return absl::FailedPreconditionError(
        absl::StrCat(current.name(),
                     " is CHURNED: it leaves CHURNED only when a REACTIVATION movement is "
                     "recorded (RevenueService.RecordMrrMovement)"));
  }
  if (changed("currency_code") && HasRevenue(current)) {
    return absl::FailedPreconditionError(
        absl::StrCat(current.name(), " has revenue in ", current.currency_code(),
                     "; its currency can change only before its first revenue movement"));
  }
  if ((changed("renewal_time") || changed("contract_start_time")) && after.has_renewal_time() &&
      after.has_contract_start_time() &&
      FromProtoTime(after.renewal_time()) <= FromProtoTime(after.contract_start_time())) {
    return InvalidField(
        paths.contains("renewal_time") ? "account.renewal_time" : "account.contract_start_time",
        "renewal_time must be after contract_start_time");
  }
  if (update.changed_fields.empty()) return update;
  *after.mutable_update_time() = ToProtoTime(now);
  after.set_etag(next_etag);
  // A stage change queues its own review (RecordStageChange).
  if (changed("renewal_time")) {
    update.review_reason = "account:renewal";
  } else if (changed("seats_licensed")) {
    update.review_reason = "account:seats";
  }
  return update;
}

absl::Status CheckAccountDeletable(const v1::Account& current) {
  if (!HasRevenue(current)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      current.name(),
      " has had revenue, so deleting it would rewrite revenue history; churn it instead "
      "(RevenueService.RecordMrrMovement with type CHURN)"));
}

absl::StatusOr<AccountQuery> PlanAccountList(const PageTokenCodec& codec, const std::string& tenant,
                                             const v1::ListAccountsRequest& request,
                                             absl::Time now) {
  static const auto* const kFields =
      new std::set<std::string>{"touch_tier", "lifecycle_stage", "health_band", "owner",
                                "plan",       "external_id",     "renewal_time"};
  AccountQuery query;
  ASSIGN_OR_RETURN(query.page_size, NormalizePageSize(request.page_size(), 50, 500));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseFilter(request.filter(), *kFields));
  ASSIGN_OR_RETURN(query.conditions, AccountConditions(terms));
  ASSIGN_OR_RETURN(OrderSpec order, ParseAccountOrder(request.order_by()));
  query.order = order.order;
  query.descending = order.descending;
  const int32_t days = request.renewal_within_days();
  if (days < 0 || days > kMaxRenewalWindowDays) {
    return InvalidField("renewal_within_days",
                        absl::StrCat("must be 0 (no window) to ", kMaxRenewalWindowDays));
  }
  if (days > 0) {
    query.conditions.push_back(
        {.field = AccountField::kRenewalTime,
         .op = FilterOp::kGe,
         .value = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", now, absl::UTCTimeZone())});
    query.conditions.push_back(
        {.field = AccountField::kRenewalTime,
         .op = FilterOp::kLe,
         .value = absl::FormatTime("%Y-%m-%d %H:%M:%E6S", now + absl::Hours(24 * days),
                                   absl::UTCTimeZone())});
  }
  query.fingerprint =
      QueryFingerprint({tenant, request.filter(), absl::StrCat(static_cast<int>(query.order)),
                        query.descending ? "desc" : "asc", absl::StrCat(days)});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   codec.Decode(request.page_token(), query.fingerprint));
  if (!keys.empty()) {
    AccountCursor cursor;
    int64_t key = 0;
    const bool null_key = keys.size() == 2 && keys[0] == kNullKey;
    if (keys.size() != 2 || !IsValidId(keys[1]) ||
        (null_key && query.order != AccountOrder::kRenewalTime) ||
        (!null_key && !absl::SimpleAtoi(keys[0], &key))) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    if (!null_key) cursor.key = key;
    cursor.id = keys[1];
    query.after = std::move(cursor);
  }
  return query;
}

std::string NextAccountPageToken(const PageTokenCodec& codec, const AccountQuery& query,
                                 const v1::Account& last) {
  std::string key;
  switch (query.order) {
    case AccountOrder::kCreateTime:
      key = absl::StrCat(absl::ToUnixMicros(FromProtoTime(last.create_time())));
      break;
    case AccountOrder::kRenewalTime:
      key = last.has_renewal_time()
                ? absl::StrCat(absl::ToUnixMicros(FromProtoTime(last.renewal_time())))
                : std::string(kNullKey);
      break;
    case AccountOrder::kMrr:
      key = absl::StrCat(last.mrr_minor());
      break;
  }
  return codec.Encode(query.fingerprint, {key, ResourceIdOf(last.name())});
}

absl::StatusOr<v1::Account> AccountManager::CreateAccount(const Principal& caller,
                                                          const v1::CreateAccountRequest& request,
                                                          absl::Time deadline) {
  const absl::Time now = clock_->Now();
  RETURN_IF_ERROR(ValidateCreateAccount(request, now));
  const v1::Account& given = request.account();
  v1::Account account;
  account.set_name(ResourceName("accounts", NewIdAt(now)));
  account.set_display_name(std::string(absl::StripAsciiWhitespace(given.display_name())));
  account.set_external_id(given.external_id());
  account.set_owner(given.owner());
  account.set_plan(given.plan());
  account.set_currency_code(given.currency_code().empty() ? "USD" : given.currency_code());
  if (given.touch_tier() == v1::TOUCH_TIER_UNSPECIFIED) {
    account.set_touch_tier(v1::TECH_TOUCH);
    account.set_tier_source(v1::Account::DEFAULT);
  } else {
    account.set_touch_tier(given.touch_tier());
    account.set_tier_source(v1::Account::MANUAL);
  }
  account.set_lifecycle_stage(v1::Account::ONBOARDING);
  account.set_seats_licensed(given.seats_licensed());
  if (given.has_contract_start_time()) {
    *account.mutable_contract_start_time() = given.contract_start_time();
  }
  if (given.has_renewal_time()) *account.mutable_renewal_time() = given.renewal_time();
  *account.mutable_create_time() = ToProtoTime(now);
  *account.mutable_update_time() = ToProtoTime(now);
  return store_->Create(caller.tenant, account, CreateKeyOf(request), caller.subject, deadline);
}

absl::StatusOr<v1::Account> AccountManager::GetAccount(const Principal& caller,
                                                       const v1::GetAccountRequest& request,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "accounts", request.name()));
  return store_->Get(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListAccountsResponse> AccountManager::ListAccounts(
    const Principal& caller, const v1::ListAccountsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(AccountQuery query,
                   PlanAccountList(*page_tokens_, caller.tenant, request, clock_->Now()));
  ASSIGN_OR_RETURN(AccountPage page, store_->List(caller.tenant, query, deadline));
  if (FitToByteBudget(page.accounts)) page.has_more = true;
  v1::ListAccountsResponse response;
  for (v1::Account& account : page.accounts) *response.add_accounts() = std::move(account);
  if (page.has_more && response.accounts_size() > 0) {
    response.set_next_page_token(NextAccountPageToken(
        *page_tokens_, query, response.accounts(response.accounts_size() - 1)));
  }
  return response;
}

absl::StatusOr<v1::Account> AccountManager::UpdateAccount(const Principal& caller,
                                                          const v1::UpdateAccountRequest& request,
                                                          absl::Time deadline) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::set<std::string> paths, ValidateUpdateAccount(request, now));
  const std::string id = ResourceIdOf(request.account().name());
  return store_->Update(
      caller.tenant, id,
      [&](const v1::Account& current, const std::string& next_etag) {
        return DecideAccountUpdate(current, request.account(), paths, now, next_etag);
      },
      caller.subject, deadline);
}

absl::Status AccountManager::DeleteAccount(const Principal& caller,
                                           const v1::DeleteAccountRequest& request,
                                           absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "accounts", request.name()));
  return store_->Delete(caller.tenant, id, request.etag(), CheckAccountDeletable, caller.subject,
                        clock_->Now(), deadline);
}

absl::StatusOr<v1::ListStageChangesResponse> AccountManager::ListStageChanges(
    const Principal& caller, const v1::ListStageChangesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseResourceName("parent", "accounts", request.parent()));
  // Oldest first by default: a history reads forwards.
  const std::string order = absl::StrJoin(
      absl::StrSplit(absl::AsciiStrToLower(request.order_by()), ' ', absl::SkipEmpty()), " ");
  if (!order.empty() && order != "create_time" && order != "create_time asc" &&
      order != "create_time desc") {
    return InvalidField("order_by",
                        "must be \"create_time\" (the default, oldest first) or "
                        "\"create_time desc\"");
  }
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), /*page_token=*/"",
                                            /*filter=*/"", order.empty() ? "create_time" : order},
                                           {}));
  // A token belongs to one account's history.
  plan.query_fingerprint = QueryFingerprint({plan.query_fingerprint, account_id});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), plan.query_fingerprint));
  if (!keys.empty()) {
    int64_t micros = 0;
    if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &micros) || !IsValidId(keys[1])) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    plan.after = KeysetPosition{absl::FromUnixMicros(micros), keys[1]};
  }
  ASSIGN_OR_RETURN(StageChangePage page,
                   store_->ListStageChanges(caller.tenant, account_id, plan, deadline));
  v1::ListStageChangesResponse response;
  for (v1::StageChange& change : page.stage_changes) {
    *response.add_stage_changes() = std::move(change);
  }
  if (page.has_more && response.stage_changes_size() > 0) {
    response.set_next_page_token(NextPageToken(*page_tokens_, plan, page.last));
  }
  return response;
}

}  // namespace tandem::success

#include "services/success/usage_manager.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kKeyFeaturesName = "keyFeatures";

// Returns the account id in `name`, "accounts/{id}<suffix>", or
// INVALID_ARGUMENT on `field`.
absl::StatusOr<std::string> AccountIdIn(absl::string_view field, absl::string_view name,
                                        absl::string_view suffix) {
  absl::string_view trimmed = name;
  if (!absl::ConsumeSuffix(&trimmed, suffix)) {
    return InvalidField(std::string(field), absl::StrCat("must look like accounts/{id}", suffix));
  }
  auto id = ParseResourceName(field, "accounts", trimmed);
  if (!id.ok()) {
    return InvalidField(std::string(field), absl::StrCat("must look like accounts/{id}", suffix));
  }
  return id;
}

}  // namespace

absl::StatusOr<v1::IngestUsageEventsResponse> UsageManager::IngestUsageEvents(
    const Principal& caller, const google::protobuf::RepeatedPtrField<v1::UsageEvent>& events,
    absl::Time deadline) {
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(std::vector<UsageRecord> records, ValidateUsageEvents(events, now));
  const int repeated = DropRepeatedEventIds(records);
  ASSIGN_OR_RETURN(IngestResult result, store_->Ingest(caller.tenant, records, now, deadline));
  v1::IngestUsageEventsResponse response;
  response.set_accepted_count(result.accepted);
  response.set_duplicate_count(result.duplicates + repeated);
  response.set_account_count(result.accounts);
  return response;
}

absl::StatusOr<v1::ListUsageRollupsResponse> UsageManager::ListUsageRollups(
    const Principal& caller, const v1::ListUsageRollupsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, AccountIdIn("parent", request.parent(), ""));
  RollupQuery query;
  ASSIGN_OR_RETURN(query.page_size, NormalizePageSize(request.page_size(), 50, 500));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms,
                   ParseFilter(request.filter(), {"feature", "day"}));
  for (const FilterTerm& term : terms) {
    if (term.field == "feature") {
      RETURN_IF_ERROR(RequireEquality(term));
      query.conditions.push_back(
          {.field = RollupField::kFeature, .op = term.op, .value = term.value});
    } else {
      ASSIGN_OR_RETURN(std::string day, TimeFilterValue(term));
      query.conditions.push_back({.field = RollupField::kDay, .op = term.op, .value = day});
    }
  }
  const std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.order_by()));
  if (order.empty() || order == "day desc") {
    query.newest_first = true;
  } else if (order == "day" || order == "day asc") {
    query.newest_first = false;
  } else {
    return InvalidField("order_by", "must be \"day desc\" (the default) or \"day\"");
  }
  const std::string fingerprint = QueryFingerprint(
      {caller.tenant, account_id, request.filter(), query.newest_first ? "desc" : "asc"});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), fingerprint));
  if (!keys.empty()) {
    int64_t micros = 0;
    if (keys.size() != 2 || !absl::SimpleAtoi(keys[0], &micros)) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    query.after = std::make_pair(absl::FromUnixMicros(micros), keys[1]);
  }
  ASSIGN_OR_RETURN(RollupPage page,
                   store_->ListRollups(caller.tenant, account_id, query, deadline));
  v1::ListUsageRollupsResponse response;
  for (v1::UsageRollup& rollup : page.rollups) *response.add_rollups() = std::move(rollup);
  if (page.has_more && response.rollups_size() > 0) {
    const v1::UsageRollup& last = response.rollups(response.rollups_size() - 1);
    response.set_next_page_token(page_tokens_->Encode(
        fingerprint,
        {absl::StrCat(absl::ToUnixMicros(FromProtoTime(last.day_start_time()))), last.feature()}));
  }
  return response;
}

absl::StatusOr<v1::KeyFeatures> UsageManager::GetKeyFeatures(
    const Principal& caller, const v1::GetKeyFeaturesRequest& request, absl::Time deadline) {
  if (request.name() != kKeyFeaturesName) return InvalidField("name", "must be keyFeatures");
  return store_->GetKeyFeatures(caller.tenant, deadline);
}

absl::StatusOr<v1::KeyFeatures> UsageManager::UpdateKeyFeatures(
    const Principal& caller, const v1::UpdateKeyFeaturesRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_key_features()) violations.Add("key_features", "is required");
  CheckUpdateMask(request.update_mask(), {"features"}, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  if (request.key_features().name() != kKeyFeaturesName) {
    return InvalidField("key_features.name", "must be keyFeatures");
  }
  ASSIGN_OR_RETURN(std::vector<std::string> features,
                   NormalizeKeyFeatures(request.key_features().features()));
  return store_->UpdateKeyFeatures(
      caller.tenant,
      [&](const v1::KeyFeatures& current) -> absl::StatusOr<std::vector<std::string>> {
        RETURN_IF_ERROR(CheckEtag(request.key_features().etag(), current.etag()));
        return features;
      },
      clock_->Now(), deadline);
}

absl::StatusOr<v1::AccountAdoption> UsageManager::GetAccountAdoption(
    const Principal& caller, const v1::GetAccountAdoptionRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string account_id, AccountIdIn("name", request.name(), "/adoption"));
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(UsageFacts facts,
                   store_->GetUsageFacts(caller.tenant, account_id, now, deadline));
  return AdoptionFrom(account_id, facts, now);
}

}  // namespace tandem::success

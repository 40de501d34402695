#include "services/support/sla_manager.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/support/business_calendar.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxDisplayName = 200;
constexpr int kMaxPosition = 10000;
constexpr int kMaxConditionValues = 20;
constexpr int64_t kMaxTargetSeconds = 365LL * 24 * 3600;

const std::set<std::string>& CalendarPaths() {
  static const std::set<std::string> paths = {"display_name", "time_zone", "business_hours",
                                              "holidays"};
  return paths;
}

const std::set<std::string>& PolicyPaths() {
  static const std::set<std::string> paths = {"display_name",
                                              "position",
                                              "priorities",
                                              "account_tiers",
                                              "channels",
                                              "types",
                                              "calendar",
                                              "first_response_target",
                                              "next_response_target",
                                              "resolution_target"};
  return paths;
}

template <typename Values, typename IsValid>
void CheckEnumList(const Values& values, const std::string& field, bool allow_unspecified,
                   IsValid is_valid, FieldViolations& violations) {
  if (values.size() > kMaxConditionValues) {
    violations.Add(field, absl::StrCat("must have at most ", kMaxConditionValues, " values"));
    return;
  }
  for (int i = 0; i < values.size(); ++i) {
    const int value = values[i];
    if (!is_valid(value) || (value == 0 && !allow_unspecified)) {
      violations.Add(absl::StrCat(field, "[", i, "]"), "is not a known value");
    }
  }
}

void CheckTarget(bool set, const google::protobuf::Duration& target, const std::string& field,
                 FieldViolations& violations) {
  if (!set) return;
  if (target.seconds() <= 0 || target.nanos() != 0 || target.seconds() > kMaxTargetSeconds) {
    violations.Add(field, "must be whole seconds, from 1 second to 365 days");
  }
}

template <typename Values>
void SortUnique(Values& values) {
  std::vector<int> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  values.Clear();
  for (int value : sorted) values.Add(value);
}

// Copies the fields of `mask` from `from` to `to`.
void MergeCalendar(const v1::BusinessCalendar& from, const google::protobuf::FieldMask& mask,
                   v1::BusinessCalendar& to) {
  for (const std::string& path : mask.paths()) {
    if (path == "display_name") to.set_display_name(from.display_name());
    if (path == "time_zone") to.set_time_zone(from.time_zone());
    if (path == "business_hours") *to.mutable_business_hours() = from.business_hours();
    if (path == "holidays") *to.mutable_holidays() = from.holidays();
  }
}

void MergePolicy(const v1::SlaPolicy& from, const google::protobuf::FieldMask& mask,
                 v1::SlaPolicy& to) {
  for (const std::string& path : mask.paths()) {
    if (path == "display_name") to.set_display_name(from.display_name());
    if (path == "position") to.set_position(from.position());
    if (path == "priorities") *to.mutable_priorities() = from.priorities();
    if (path == "account_tiers") *to.mutable_account_tiers() = from.account_tiers();
    if (path == "channels") *to.mutable_channels() = from.channels();
    if (path == "types") *to.mutable_types() = from.types();
    if (path == "calendar") to.set_calendar(from.calendar());
    if (path == "first_response_target") {
      to.clear_first_response_target();
      if (from.has_first_response_target()) {
        *to.mutable_first_response_target() = from.first_response_target();
      }
    }
    if (path == "next_response_target") {
      to.clear_next_response_target();
      if (from.has_next_response_target()) {
        *to.mutable_next_response_target() = from.next_response_target();
      }
    }
    if (path == "resolution_target") {
      to.clear_resolution_target();
      if (from.has_resolution_target()) *to.mutable_resolution_target() = from.resolution_target();
    }
  }
}

}  // namespace

void ValidateSlaPolicy(const v1::SlaPolicy& policy, absl::string_view field,
                       FieldViolations& violations) {
  const std::string prefix = absl::StrCat(field, ".");
  if (absl::StripAsciiWhitespace(policy.display_name()).empty()) {
    violations.Add(prefix + "display_name", "is required");
  } else if (policy.display_name().size() > kMaxDisplayName) {
    violations.Add(prefix + "display_name",
                   absl::StrCat("must be at most ", kMaxDisplayName, " bytes"));
  }
  if (policy.position() < 0 || policy.position() > kMaxPosition) {
    violations.Add(prefix + "position", absl::StrCat("must be from 0 to ", kMaxPosition));
  }
  CheckEnumList(policy.priorities(), prefix + "priorities", false, v1::Ticket::Priority_IsValid,
                violations);
  CheckEnumList(policy.account_tiers(), prefix + "account_tiers", true,
                success::v1::TouchTier_IsValid, violations);
  CheckEnumList(policy.channels(), prefix + "channels", false, v1::Ticket::Channel_IsValid,
                violations);
  CheckEnumList(policy.types(), prefix + "types", false, v1::Ticket::Type_IsValid, violations);
  if (!policy.calendar().empty() &&
      !ParseResourceName(prefix + "calendar", "calendars", policy.calendar()).ok()) {
    violations.Add(prefix + "calendar", "must be empty (24x7) or look like calendars/{id}");
  }
  CheckTarget(policy.has_first_response_target(), policy.first_response_target(),
              prefix + "first_response_target", violations);
  CheckTarget(policy.has_next_response_target(), policy.next_response_target(),
              prefix + "next_response_target", violations);
  CheckTarget(policy.has_resolution_target(), policy.resolution_target(),
              prefix + "resolution_target", violations);
}

void NormalizeSlaPolicy(v1::SlaPolicy& policy) {
  policy.set_display_name(std::string(absl::StripAsciiWhitespace(policy.display_name())));
  SortUnique(*policy.mutable_priorities());
  SortUnique(*policy.mutable_account_tiers());
  SortUnique(*policy.mutable_channels());
  SortUnique(*policy.mutable_types());
}

absl::StatusOr<v1::BusinessCalendar> SlaManager::CreateBusinessCalendar(
    const Principal& caller, const v1::CreateBusinessCalendarRequest& request,
    absl::Time deadline) {
  FieldViolations violations;
  BusinessCalendar::Validate(request.calendar(), "calendar", violations);
  CheckRequestId(request.request_id(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  v1::BusinessCalendar calendar = request.calendar();
  BusinessCalendar::Normalize(calendar);
  calendar.set_name(ResourceName("calendars", NewIdAt(now)));
  calendar.clear_etag();
  *calendar.mutable_create_time() = ToProtoTime(now);
  *calendar.mutable_update_time() = ToProtoTime(now);
  return Changed(caller.tenant,
                 store_->CreateCalendar(caller.tenant, calendar, CreateKeyOf(request), deadline));
}

absl::StatusOr<v1::BusinessCalendar> SlaManager::GetBusinessCalendar(
    const Principal& caller, const v1::GetBusinessCalendarRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "calendars", request.name()));
  return store_->GetCalendar(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListBusinessCalendarsResponse> SlaManager::ListBusinessCalendars(
    const Principal& caller, const v1::ListBusinessCalendarsRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           {"time_zone", "create_time"}));
  std::vector<CalendarCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    CalendarCondition& condition = conditions.emplace_back();
    condition.op = term.op;
    if (term.field == "time_zone") {
      RETURN_IF_ERROR(RequireEquality(term));
      condition.field = CalendarCondition::Field::kTimeZone;
      condition.value = term.value;
    } else {
      condition.field = CalendarCondition::Field::kCreateTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    }
  }
  ASSIGN_OR_RETURN(CalendarPage page,
                   store_->ListCalendars(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.calendars)) page.has_more = true;
  v1::ListBusinessCalendarsResponse response;
  for (v1::BusinessCalendar& calendar : page.calendars) {
    *response.add_calendars() = std::move(calendar);
  }
  if (page.has_more && response.calendars_size() > 0) {
    const v1::BusinessCalendar& last = response.calendars(response.calendars_size() - 1);
    response.set_next_page_token(NextPageToken(
        *page_tokens_, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::BusinessCalendar> SlaManager::UpdateBusinessCalendar(
    const Principal& caller, const v1::UpdateBusinessCalendarRequest& request,
    absl::Time deadline) {
  FieldViolations violations;
  CheckUpdateMask(request.update_mask(), CalendarPaths(), violations);
  absl::StatusOr<std::string> id =
      ParseResourceName("calendar.name", "calendars", request.calendar().name());
  if (!id.ok()) violations.Add("calendar.name", "must look like calendars/{id}");
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return Changed(
      caller.tenant,
      store_->UpdateCalendar(
          caller.tenant, *id,
          [&](const v1::BusinessCalendar& current) -> absl::StatusOr<v1::BusinessCalendar> {
            RETURN_IF_ERROR(CheckEtag(request.calendar().etag(), current.etag()));
            v1::BusinessCalendar after = current;
            MergeCalendar(request.calendar(), request.update_mask(), after);
            FieldViolations merged;
            BusinessCalendar::Validate(after, "calendar", merged);
            RETURN_IF_ERROR(merged.ToStatus());
            BusinessCalendar::Normalize(after);
            *after.mutable_update_time() = ToProtoTime(now);
            return after;
          },
          deadline));
}

absl::Status SlaManager::DeleteBusinessCalendar(const Principal& caller,
                                                const v1::DeleteBusinessCalendarRequest& request,
                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "calendars", request.name()));
  return Changed(caller.tenant,
                 store_->DeleteCalendar(caller.tenant, id, request.etag(), deadline));
}

absl::StatusOr<v1::SlaPolicy> SlaManager::CreateSlaPolicy(const Principal& caller,
                                                          const v1::CreateSlaPolicyRequest& request,
                                                          absl::Time deadline) {
  FieldViolations violations;
  ValidateSlaPolicy(request.sla_policy(), "sla_policy", violations);
  CheckRequestId(request.request_id(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  v1::SlaPolicy policy = request.sla_policy();
  NormalizeSlaPolicy(policy);
  policy.set_name(ResourceName("slaPolicies", NewIdAt(now)));
  policy.clear_etag();
  *policy.mutable_create_time() = ToProtoTime(now);
  *policy.mutable_update_time() = ToProtoTime(now);
  return Changed(caller.tenant,
                 store_->CreatePolicy(caller.tenant, policy, CreateKeyOf(request), deadline));
}

absl::StatusOr<v1::SlaPolicy> SlaManager::GetSlaPolicy(const Principal& caller,
                                                       const v1::GetSlaPolicyRequest& request,
                                                       absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "slaPolicies", request.name()));
  return store_->GetPolicy(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListSlaPoliciesResponse> SlaManager::ListSlaPolicies(
    const Principal& caller, const v1::ListSlaPoliciesRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(int page_size, NormalizePageSize(request.page_size(), 50, 500));
  ASSIGN_OR_RETURN(std::vector<FilterTerm> terms, ParseFilter(request.filter(), {"calendar"}));
  if (terms.size() > 1) return InvalidField("filter", "takes at most one condition on calendar");
  std::optional<PolicyCalendarCondition> calendar;
  if (!terms.empty()) {
    RETURN_IF_ERROR(RequireEquality(terms[0]));
    calendar = PolicyCalendarCondition{.op = terms[0].op, .calendar_id = ""};
    if (!terms[0].value.empty()) {
      absl::StatusOr<std::string> id = ParseResourceName("filter", "calendars", terms[0].value);
      if (!id.ok()) return InvalidField("filter", "calendar must be \"\" or calendars/{id}");
      calendar->calendar_id = *id;
    }
  }
  const std::string fingerprint =
      QueryFingerprint({caller.tenant, "slaPolicies", request.filter()});
  ASSIGN_OR_RETURN(std::vector<std::string> keys,
                   page_tokens_->Decode(request.page_token(), fingerprint));
  std::optional<PolicyPosition> after;
  if (!keys.empty()) {
    int32_t position = 0;
    int64_t micros = 0;
    if (keys.size() != 3 || !absl::SimpleAtoi(keys[0], &position) ||
        !absl::SimpleAtoi(keys[1], &micros)) {
      return InvalidField("page_token", "is not a token this service issued");
    }
    after = PolicyPosition{position, absl::FromUnixMicros(micros), keys[2]};
  }
  ASSIGN_OR_RETURN(PolicyPage page,
                   store_->ListPolicies(caller.tenant, calendar, after, page_size, deadline));
  v1::ListSlaPoliciesResponse response;
  for (v1::SlaPolicy& policy : page.policies) *response.add_sla_policies() = std::move(policy);
  if (page.has_more && response.sla_policies_size() > 0) {
    const v1::SlaPolicy& last = response.sla_policies(response.sla_policies_size() - 1);
    response.set_next_page_token(page_tokens_->Encode(
        fingerprint, {absl::StrCat(last.position()),
                      absl::StrCat(absl::ToUnixMicros(FromProtoTime(last.create_time()))),
                      ResourceIdOf(last.name())}));
  }
  return response;
}

absl::StatusOr<v1::SlaPolicy> SlaManager::UpdateSlaPolicy(const Principal& caller,
                                                          const v1::UpdateSlaPolicyRequest& request,
                                                          absl::Time deadline) {
  FieldViolations violations;
  CheckUpdateMask(request.update_mask(), PolicyPaths(), violations);
  absl::StatusOr<std::string> id =
      ParseResourceName("sla_policy.name", "slaPolicies", request.sla_policy().name());
  if (!id.ok()) violations.Add("sla_policy.name", "must look like slaPolicies/{id}");
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return Changed(caller.tenant,
                 store_->UpdatePolicy(
                     caller.tenant, *id,
                     [&](const v1::SlaPolicy& current) -> absl::StatusOr<v1::SlaPolicy> {
                       RETURN_IF_ERROR(CheckEtag(request.sla_policy().etag(), current.etag()));
                       v1::SlaPolicy after = current;
                       MergePolicy(request.sla_policy(), request.update_mask(), after);
                       FieldViolations merged;
                       ValidateSlaPolicy(after, "sla_policy", merged);
                       RETURN_IF_ERROR(merged.ToStatus());
                       NormalizeSlaPolicy(after);
                       *after.mutable_update_time() = ToProtoTime(now);
                       return after;
                     },
                     deadline));
}

absl::Status SlaManager::DeleteSlaPolicy(const Principal& caller,
                                         const v1::DeleteSlaPolicyRequest& request,
                                         absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "slaPolicies", request.name()));
  return Changed(caller.tenant, store_->DeletePolicy(caller.tenant, id, request.etag(), deadline));
}

}  // namespace tandem::support

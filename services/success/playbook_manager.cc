#include "services/success/playbook_manager.h"

#include <map>
#include <set>

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/playbook_rules.h"

namespace tandem::success {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxOwner = 128;
constexpr size_t kMaxReason = 1000;
constexpr size_t kMaxNote = 2000;
// Earliest due time accepted (2000-01-01), and how far ahead times may lie.
constexpr int64_t kEarliestSeconds = 946684800;
constexpr absl::Duration kLatestDue = absl::Hours(24 * 365 * 5);
constexpr absl::Duration kLongestSnooze = absl::Hours(24 * 365);

bool ValidTimestamp(const google::protobuf::Timestamp& t) {
  return t.nanos() >= 0 && t.nanos() < 1'000'000'000 && t.seconds() >= kEarliestSeconds &&
         t.seconds() < 253402300800;  // year 10000
}

const std::set<std::string>& UpdatablePlaybookFields() {
  static const auto* const kFields =
      new std::set<std::string>{"display_name", "description", "trigger", "high_touch",
                                "low_touch",    "tech_touch",  "disabled"};
  return *kFields;
}

const std::set<std::string>& UpdatableCtaFields() {
  static const auto* const kFields =
      new std::set<std::string>{"title", "owner", "priority", "due_time", "snooze_until"};
  return *kFields;
}

// How a List's filter field is read.
enum class ValueKind { kEnum, kBool, kTime, kText, kAccount, kPlaybook, kOwner, kStatus };

struct FieldSpec {
  PlaybookListField field;
  ValueKind kind;
  const google::protobuf::EnumDescriptor* values = nullptr;
};

// Validates a List request's paging and filter against `specs` and returns
// the plan and the store conditions.
absl::StatusOr<std::pair<ListPlan, std::vector<PlaybookCondition>>> PlanFiltered(
    const PageTokenCodec& codec, const Principal& caller, const ListParams& params,
    const std::map<std::string, FieldSpec>& specs) {
  std::set<std::string> fields;
  for (const auto& [name, spec] : specs) fields.insert(name);
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(codec, caller.tenant, params, fields));
  std::vector<PlaybookCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    const FieldSpec& spec = specs.at(term.field);
    PlaybookCondition condition{.field = spec.field, .op = term.op, .value = term.value};
    switch (spec.kind) {
      case ValueKind::kTime: {
        ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
        break;
      }
      case ValueKind::kEnum: {
        RETURN_IF_ERROR(RequireEquality(term));
        ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
        break;
      }
      case ValueKind::kStatus: {
        if (term.op != FilterOp::kEq) {
          return InvalidField("filter", "status takes only `=` (e.g. status = OPEN)");
        }
        ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *spec.values));
        if (condition.value == "0") {
          return InvalidField("filter", "status must be OPEN, SNOOZED, COMPLETED or CANCELLED");
        }
        break;
      }
      case ValueKind::kBool: {
        RETURN_IF_ERROR(RequireEquality(term));
        if (term.value != "true" && term.value != "false") {
          return InvalidField("filter", absl::StrCat(term.field, " must be true or false"));
        }
        condition.value = term.value == "true" ? "1" : "0";
        break;
      }
      case ValueKind::kAccount:
      case ValueKind::kPlaybook: {
        RETURN_IF_ERROR(RequireEquality(term));
        const char* collection = spec.kind == ValueKind::kAccount ? "accounts" : "playbooks";
        auto id = ParseResourceName("filter", collection, term.value);
        if (!id.ok()) {
          return InvalidField("filter",
                              absl::StrCat(term.field, " must look like ", collection, "/{id}"));
        }
        condition.value = *id;
        break;
      }
      case ValueKind::kOwner:
        RETURN_IF_ERROR(RequireEquality(term));
        if (term.value == "mine") condition.value = caller.subject;
        break;
      case ValueKind::kText:
        RETURN_IF_ERROR(RequireEquality(term));
        break;
    }
    conditions.push_back(std::move(condition));
  }
  return std::make_pair(std::move(plan), std::move(conditions));
}

// Fills `response`'s items and next page token from `page`.
template <typename Item, typename Response>
void FillPage(const PageTokenCodec& codec, const ListPlan& plan, PlaybookPage<Item>& page,
              google::protobuf::RepeatedPtrField<Item>* out, Response& response) {
  if (FitToByteBudget(page.items)) page.has_more = true;
  for (Item& item : page.items) *out->Add() = std::move(item);
  if (page.has_more && !out->empty()) {
    const Item& last = out->at(out->size() - 1);
    response.set_next_page_token(
        NextPageToken(codec, plan, {FromProtoTime(last.create_time()), ResourceIdOf(last.name())}));
  }
}

// Checks the CTA fields a create sets or an update names.
void CheckCtaFields(const v1::Cta& cta, const std::function<bool(absl::string_view)>& checked,
                    absl::Time now, FieldViolations& violations) {
  if (checked("title")) {
    const absl::string_view title = absl::StripAsciiWhitespace(cta.title());
    if (title.empty()) {
      violations.Add("cta.title", "is required");
    } else if (title.size() > kMaxTitle) {
      violations.Add("cta.title", absl::StrCat("must be at most ", kMaxTitle, " bytes"));
    }
  }
  if (checked("owner") && (cta.owner().size() > kMaxOwner ||
                           std::any_of(cta.owner().begin(), cta.owner().end(), [](char c) {
                             return absl::ascii_isspace(static_cast<unsigned char>(c));
                           }))) {
    violations.Add("cta.owner", "must be at most 128 characters, without spaces");
  }
  if (checked("priority") && !v1::Cta::Priority_IsValid(cta.priority())) {
    violations.Add("cta.priority", "must be LOW, MEDIUM, HIGH or URGENT");
  }
  if (checked("due_time") && cta.has_due_time() &&
      (!ValidTimestamp(cta.due_time()) || FromProtoTime(cta.due_time()) > now + kLatestDue)) {
    violations.Add("cta.due_time", "must be a time from 2000 to 5 years from now");
  }
  if (checked("snooze_until") && cta.has_snooze_until() &&
      (!ValidTimestamp(cta.snooze_until()) || FromProtoTime(cta.snooze_until()) <= now ||
       FromProtoTime(cta.snooze_until()) > now + kLongestSnooze)) {
    violations.Add("cta.snooze_until", "must lie in the future, at most a year from now");
  }
}

}  // namespace

// ---- Playbooks ------------------------------------------------------------

absl::StatusOr<v1::Playbook> PlaybookManager::CreatePlaybook(
    const Principal& caller, const v1::CreatePlaybookRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_playbook()) {
    violations.Add("playbook", "is required");
    return violations.ToStatus();
  }
  CheckPlaybookFields(
      request.playbook(), [](absl::string_view) { return true; }, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  v1::Playbook playbook;
  playbook.set_name(ResourceName("playbooks", NewIdAt(now)));
  playbook.set_display_name(request.playbook().display_name());
  playbook.set_description(request.playbook().description());
  *playbook.mutable_trigger() = request.playbook().trigger();
  if (request.playbook().has_high_touch()) {
    *playbook.mutable_high_touch() = request.playbook().high_touch();
  }
  if (request.playbook().has_low_touch()) {
    *playbook.mutable_low_touch() = request.playbook().low_touch();
  }
  if (request.playbook().has_tech_touch()) {
    *playbook.mutable_tech_touch() = request.playbook().tech_touch();
  }
  playbook.set_disabled(request.playbook().disabled());
  NormalizePlaybook(playbook);
  *playbook.mutable_create_time() = ToProtoTime(now);
  *playbook.mutable_update_time() = ToProtoTime(now);
  return store_->CreatePlaybook(caller.tenant, playbook, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Playbook> PlaybookManager::GetPlaybook(const Principal& caller,
                                                          const v1::GetPlaybookRequest& request,
                                                          absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "playbooks", request.name()));
  return store_->GetPlaybook(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListPlaybooksResponse> PlaybookManager::ListPlaybooks(
    const Principal& caller, const v1::ListPlaybooksRequest& request, absl::Time deadline) {
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"trigger",
       {PlaybookListField::kTrigger, ValueKind::kEnum, v1::Playbook::Trigger::Type_descriptor()}},
      {"disabled", {PlaybookListField::kDisabled, ValueKind::kBool}},
      {"create_time", {PlaybookListField::kCreateTime, ValueKind::kTime}},
  };
  ASSIGN_OR_RETURN(auto planned, PlanFiltered(*page_tokens_, caller,
                                              {request.page_size(), request.page_token(),
                                               request.filter(), request.order_by()},
                                              *kSpecs));
  auto& [plan, conditions] = planned;
  ASSIGN_OR_RETURN(PlaybookPage<v1::Playbook> page,
                   store_->ListPlaybooks(caller.tenant, conditions, plan, clock_->Now(), deadline));
  v1::ListPlaybooksResponse response;
  FillPage(*page_tokens_, plan, page, response.mutable_playbooks(), response);
  return response;
}

absl::StatusOr<v1::Playbook> PlaybookManager::UpdatePlaybook(
    const Principal& caller, const v1::UpdatePlaybookRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_playbook()) violations.Add("playbook", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatablePlaybookFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto id = ParseResourceName("playbook.name", "playbooks", request.playbook().name());
  if (!id.ok()) violations.Add("playbook.name", "must look like playbooks/{id}");
  CheckPlaybookFields(
      request.playbook(),
      [&](absl::string_view field) { return paths.contains(std::string(field)); }, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdatePlaybook(
      caller.tenant, *id,
      [&](const v1::Playbook& current,
          const std::string& next_etag) -> absl::StatusOr<PlaybookUpdate> {
        RETURN_IF_ERROR(CheckEtag(request.playbook().etag(), current.etag()));
        PlaybookUpdate update{.playbook = current};
        v1::Playbook& after = update.playbook;
        const v1::Playbook& from = request.playbook();
        if (paths.contains("display_name")) after.set_display_name(from.display_name());
        if (paths.contains("description")) after.set_description(from.description());
        if (paths.contains("trigger")) *after.mutable_trigger() = from.trigger();
        if (paths.contains("disabled")) after.set_disabled(from.disabled());
        if (paths.contains("high_touch")) {
          after.clear_high_touch();
          if (from.has_high_touch()) *after.mutable_high_touch() = from.high_touch();
        }
        if (paths.contains("low_touch")) {
          after.clear_low_touch();
          if (from.has_low_touch()) *after.mutable_low_touch() = from.low_touch();
        }
        if (paths.contains("tech_touch")) {
          after.clear_tech_touch();
          if (from.has_tech_touch()) *after.mutable_tech_touch() = from.tech_touch();
        }
        NormalizePlaybook(after);
        // The result as a whole: e.g. a trigger changed to
        // SLA_BREACH_HIGH_TOUCH with a low-touch action kept.
        FieldViolations whole;
        CheckPlaybookFields(
            after, [](absl::string_view) { return true; }, whole);
        RETURN_IF_ERROR(whole.ToStatus());
        update.changed = !MessageDifferencer::Equals(after, current);
        if (update.changed) {
          *after.mutable_update_time() = ToProtoTime(now);
          after.set_etag(next_etag);
        }
        return update;
      },
      deadline);
}

absl::Status PlaybookManager::DeletePlaybook(const Principal& caller,
                                             const v1::DeletePlaybookRequest& request,
                                             absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "playbooks", request.name()));
  return store_->DeletePlaybook(caller.tenant, id, request.etag(), clock_->Now(), deadline);
}

// ---- CTAs -----------------------------------------------------------------

absl::StatusOr<v1::Cta> PlaybookManager::CreateCta(const Principal& caller,
                                                   const v1::CreateCtaRequest& request,
                                                   absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_cta()) {
    violations.Add("cta", "is required");
    return violations.ToStatus();
  }
  const absl::Time now = clock_->Now();
  const v1::Cta& given = request.cta();
  if (!ParseResourceName("cta.account", "accounts", given.account()).ok()) {
    violations.Add("cta.account",
                   given.account().empty() ? "is required" : "must look like accounts/{id}");
  }
  if (!v1::Cta::Type_IsValid(given.type()) || given.type() == v1::Cta::TYPE_UNSPECIFIED) {
    violations.Add("cta.type", "must be RISK, RENEWAL, EXPANSION, ONBOARDING or LIFECYCLE");
  }
  CheckCtaFields(
      given, [](absl::string_view field) { return field != "snooze_until"; }, now, violations);
  if (request.reason().size() > kMaxReason) {
    violations.Add("reason", absl::StrCat("must be at most ", kMaxReason, " bytes"));
  }
  RETURN_IF_ERROR(violations.ToStatus());

  v1::Cta cta;
  cta.set_name(ResourceName("ctas", NewIdAt(now)));
  cta.set_account(given.account());
  cta.set_type(given.type());
  cta.set_title(std::string(absl::StripAsciiWhitespace(given.title())));
  cta.set_owner(given.owner());
  cta.set_priority(given.priority() == v1::Cta::PRIORITY_UNSPECIFIED ? v1::Cta::MEDIUM
                                                                     : given.priority());
  if (given.has_due_time()) *cta.mutable_due_time() = given.due_time();
  cta.set_status(v1::Cta::OPEN);
  v1::CtaReason* reason = cta.add_reasons();
  reason->set_text(request.reason().empty() ? cta.title() : request.reason());
  *reason->mutable_add_time() = ToProtoTime(now);
  *cta.mutable_create_time() = ToProtoTime(now);
  *cta.mutable_update_time() = ToProtoTime(now);
  return store_->CreateCta(caller.tenant, cta, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Cta> PlaybookManager::GetCta(const Principal& caller,
                                                const v1::GetCtaRequest& request,
                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "ctas", request.name()));
  ASSIGN_OR_RETURN(v1::Cta cta, store_->GetCta(caller.tenant, id, deadline));
  return WithSnoozeExpired(std::move(cta), clock_->Now());
}

absl::StatusOr<v1::ListCtasResponse> PlaybookManager::ListCtas(const Principal& caller,
                                                               const v1::ListCtasRequest& request,
                                                               absl::Time deadline) {
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"owner", {PlaybookListField::kOwner, ValueKind::kOwner}},
      {"account", {PlaybookListField::kAccount, ValueKind::kAccount}},
      {"type", {PlaybookListField::kType, ValueKind::kEnum, v1::Cta::Type_descriptor()}},
      {"priority",
       {PlaybookListField::kPriority, ValueKind::kEnum, v1::Cta::Priority_descriptor()}},
      {"status", {PlaybookListField::kStatus, ValueKind::kStatus, v1::Cta::Status_descriptor()}},
      {"due_time", {PlaybookListField::kDueTime, ValueKind::kTime}},
      {"create_time", {PlaybookListField::kCreateTime, ValueKind::kTime}},
  };
  ASSIGN_OR_RETURN(auto planned, PlanFiltered(*page_tokens_, caller,
                                              {request.page_size(), request.page_token(),
                                               request.filter(), request.order_by()},
                                              *kSpecs));
  auto& [plan, conditions] = planned;
  const absl::Time now = clock_->Now();
  ASSIGN_OR_RETURN(PlaybookPage<v1::Cta> page,
                   store_->ListCtas(caller.tenant, conditions, plan, now, deadline));
  for (v1::Cta& cta : page.items) cta = WithSnoozeExpired(std::move(cta), now);
  v1::ListCtasResponse response;
  FillPage(*page_tokens_, plan, page, response.mutable_ctas(), response);
  return response;
}

absl::StatusOr<v1::Cta> PlaybookManager::UpdateCta(const Principal& caller,
                                                   const v1::UpdateCtaRequest& request,
                                                   absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_cta()) violations.Add("cta", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableCtaFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto id = ParseResourceName("cta.name", "ctas", request.cta().name());
  if (!id.ok()) violations.Add("cta.name", "must look like ctas/{id}");
  const absl::Time now = clock_->Now();
  CheckCtaFields(
      request.cta(), [&](absl::string_view field) { return paths.contains(std::string(field)); },
      now, violations);
  if (paths.contains("priority") && request.cta().priority() == v1::Cta::PRIORITY_UNSPECIFIED) {
    violations.Add("cta.priority", "must be LOW, MEDIUM, HIGH or URGENT");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateCta(
      caller.tenant, *id,
      [&](const v1::Cta& current, const std::string& next_etag) -> absl::StatusOr<CtaUpdate> {
        if (!IsOpenCta(current.status())) {
          return absl::FailedPreconditionError(absl::StrCat(current.name(), " is ",
                                                            v1::Cta::Status_Name(current.status()),
                                                            "; a closed CTA cannot change"));
        }
        RETURN_IF_ERROR(CheckEtag(request.cta().etag(), current.etag()));
        CtaUpdate update{.cta = current, .changed_fields = {}, .closed = false};
        v1::Cta& after = update.cta;
        const v1::Cta& from = request.cta();
        auto note = [&](const char* field, bool changed) {
          if (changed) update.changed_fields.emplace_back(field);
        };
        if (paths.contains("title")) {
          const std::string title(absl::StripAsciiWhitespace(from.title()));
          note("title", title != after.title());
          after.set_title(title);
        }
        if (paths.contains("owner")) {
          note("owner", from.owner() != after.owner());
          after.set_owner(from.owner());
        }
        if (paths.contains("priority")) {
          note("priority", from.priority() != after.priority());
          after.set_priority(from.priority());
        }
        if (paths.contains("due_time")) {
          note("due_time", !MessageDifferencer::Equals(from.due_time(), after.due_time()) ||
                               from.has_due_time() != after.has_due_time());
          after.clear_due_time();
          if (from.has_due_time()) *after.mutable_due_time() = from.due_time();
        }
        if (paths.contains("snooze_until")) {
          const bool was = after.has_snooze_until();
          note("snooze_until",
               !MessageDifferencer::Equals(from.snooze_until(), after.snooze_until()) ||
                   from.has_snooze_until() != was);
          after.clear_snooze_until();
          if (from.has_snooze_until()) {
            *after.mutable_snooze_until() = from.snooze_until();
            after.set_status(v1::Cta::SNOOZED);
          } else {
            after.set_status(v1::Cta::OPEN);
          }
          note("status", after.status() != current.status());
        }
        if (!update.changed_fields.empty()) {
          *after.mutable_update_time() = ToProtoTime(now);
          after.set_etag(next_etag);
        }
        return update;
      },
      now, deadline);
}

absl::StatusOr<v1::Cta> PlaybookManager::CloseCta(const Principal& caller,
                                                  const v1::CloseCtaRequest& request,
                                                  absl::Time deadline) {
  FieldViolations violations;
  auto id = ParseResourceName("name", "ctas", request.name());
  if (!id.ok()) violations.Add("name", "must look like ctas/{id}");
  if (request.outcome() != v1::Cta::COMPLETED && request.outcome() != v1::Cta::CANCELLED) {
    violations.Add("outcome", "must be COMPLETED or CANCELLED");
  }
  if (request.note().size() > kMaxNote) {
    violations.Add("note", absl::StrCat("must be at most ", kMaxNote, " bytes"));
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdateCta(
      caller.tenant, *id,
      [&](const v1::Cta& current, const std::string& next_etag) -> absl::StatusOr<CtaUpdate> {
        if (!IsOpenCta(current.status())) {
          return absl::FailedPreconditionError(
              absl::StrCat(current.name(), " is already ", v1::Cta::Status_Name(current.status())));
        }
        RETURN_IF_ERROR(CheckEtag(request.etag(), current.etag()));
        CtaUpdate update{.cta = current, .changed_fields = {"status"}, .closed = true};
        v1::Cta& after = update.cta;
        after.set_status(request.outcome());
        after.clear_snooze_until();
        after.set_close_note(request.note());
        *after.mutable_close_time() = ToProtoTime(now);
        after.set_closed_by(caller.subject);
        *after.mutable_update_time() = ToProtoTime(now);
        after.set_etag(next_etag);
        return update;
      },
      now, deadline);
}

// ---- Enrolments and outreach ---------------------------------------------------

absl::StatusOr<v1::ListEnrolmentsResponse> PlaybookManager::ListEnrolments(
    const Principal& caller, const v1::ListEnrolmentsRequest& request, absl::Time deadline) {
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"account", {PlaybookListField::kAccount, ValueKind::kAccount}},
      {"program", {PlaybookListField::kProgram, ValueKind::kText}},
      {"playbook", {PlaybookListField::kPlaybook, ValueKind::kPlaybook}},
      {"create_time", {PlaybookListField::kCreateTime, ValueKind::kTime}},
  };
  ASSIGN_OR_RETURN(auto planned, PlanFiltered(*page_tokens_, caller,
                                              {request.page_size(), request.page_token(),
                                               request.filter(), request.order_by()},
                                              *kSpecs));
  auto& [plan, conditions] = planned;
  ASSIGN_OR_RETURN(PlaybookPage<v1::Enrolment> page,
                   store_->ListEnrolments(caller.tenant, conditions, plan, deadline));
  v1::ListEnrolmentsResponse response;
  FillPage(*page_tokens_, plan, page, response.mutable_enrolments(), response);
  return response;
}

absl::StatusOr<v1::ListOutreachMessagesResponse> PlaybookManager::ListOutreachMessages(
    const Principal& caller, const v1::ListOutreachMessagesRequest& request, absl::Time deadline) {
  static const auto* const kSpecs = new std::map<std::string, FieldSpec>{
      {"account", {PlaybookListField::kAccount, ValueKind::kAccount}},
      {"template_id", {PlaybookListField::kTemplate, ValueKind::kText}},
      {"playbook", {PlaybookListField::kPlaybook, ValueKind::kPlaybook}},
      {"create_time", {PlaybookListField::kCreateTime, ValueKind::kTime}},
  };
  ASSIGN_OR_RETURN(auto planned, PlanFiltered(*page_tokens_, caller,
                                              {request.page_size(), request.page_token(),
                                               request.filter(), request.order_by()},
                                              *kSpecs));
  auto& [plan, conditions] = planned;
  ASSIGN_OR_RETURN(PlaybookPage<v1::OutreachMessage> page,
                   store_->ListOutreachMessages(caller.tenant, conditions, plan, deadline));
  v1::ListOutreachMessagesResponse response;
  FillPage(*page_tokens_, plan, page, response.mutable_outreach_messages(), response);
  return response;
}

}  // namespace tandem::success

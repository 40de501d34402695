#include "services/success/engagement_manager.h"

#include <algorithm>
#include <map>

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::success {
namespace {

constexpr size_t kMaxSubject = 200;
constexpr size_t kMaxSummary = 10000;
constexpr int kMaxParticipants = 50;
constexpr size_t kMaxParticipant = 254;
constexpr size_t kMaxComment = 5000;
constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxDescription = 10000;
constexpr int kMaxFeedbackAccounts = 100;
// Times of their own may lie this far ahead (a meeting logged just before
// it starts, a clock a little fast), and no earlier than 2000.
constexpr absl::Duration kMaxFutureTime = absl::Hours(24);
const absl::Time kEarliestTime = absl::FromUnixSeconds(946684800);  // 2000-01-01

std::string Trimmed(absl::string_view text) {
  return std::string(absl::StripAsciiWhitespace(text));
}

// Checks an optional time of the record's own: a valid timestamp, not
// before 2000 and at most a day after `now`.
void CheckOwnTime(const std::string& field, bool has, const google::protobuf::Timestamp& time,
                  absl::Time now, FieldViolations& violations) {
  if (!has) return;
  if (time.nanos() < 0 || time.nanos() > 999'999'999) {
    violations.Add(field, "must be a valid timestamp");
    return;
  }
  const absl::Time t = FromProtoTime(time);
  if (t < kEarliestTime || t > now + kMaxFutureTime) {
    violations.Add(field, "must be after 2000-01-01 and at most one day in the future");
  }
}

void CheckTitle(const std::string& field, absl::string_view value, size_t max,
                FieldViolations& violations) {
  const std::string trimmed = Trimmed(value);
  if (trimmed.empty()) {
    violations.Add(field, "is required");
  } else if (trimmed.size() > max) {
    violations.Add(field, absl::StrCat("must be at most ", max, " bytes"));
  }
}

const std::set<std::string>& UpdatableActivityFields() {
  static const auto* const kFields = new std::set<std::string>{
      "kind", "meeting_type", "subject", "summary", "participants", "activity_time"};
  return *kFields;
}

const std::set<std::string>& UpdatableFeedbackFields() {
  static const auto* const kFields = new std::set<std::string>{"title", "description", "status"};
  return *kFields;
}

void CopyActivityField(const v1::Activity& from, absl::string_view field, v1::Activity& to) {
  if (field == "kind") to.set_kind(from.kind());
  if (field == "meeting_type") to.set_meeting_type(from.meeting_type());
  if (field == "subject") to.set_subject(Trimmed(from.subject()));
  if (field == "summary") to.set_summary(from.summary());
  if (field == "participants") *to.mutable_participants() = from.participants();
  if (field == "activity_time") *to.mutable_activity_time() = from.activity_time();
}

// A MEETING may say which kind of meeting; other kinds may not.
absl::Status CheckMeetingType(const v1::Activity& activity) {
  if (activity.kind() != v1::Activity::MEETING &&
      activity.meeting_type() != v1::Activity::MEETING_TYPE_UNSPECIFIED) {
    return InvalidField("activity.meeting_type", "must be unset unless kind is MEETING");
  }
  return absl::OkStatus();
}

// Maps `order_by` over `field` ("<field> desc" by default, or "<field>")
// onto PlanList's creation-time order, whose keyset position then holds
// `field`'s value.
absl::StatusOr<std::string> TimeOrder(absl::string_view order_by, absl::string_view field) {
  const std::string order = absl::AsciiStrToLower(absl::StripAsciiWhitespace(order_by));
  if (order.empty() || order == absl::StrCat(field, " desc")) return std::string();
  if (order == field || order == absl::StrCat(field, " asc")) return std::string("create_time");
  return InvalidField(
      "order_by", absl::StrCat("must be \"", field, " desc\" (the default) or \"", field, "\""));
}

// Returns the token for the page after an item at (`time`, `id`).
std::string NextToken(const PageTokenCodec& codec, const ListPlan& plan, absl::Time time,
                      const std::string& id) {
  return NextPageToken(codec, plan, {time, id});
}

// The scope a page token is bound to: the tenant, what is listed and under
// which parent.
std::string Scope(const std::string& tenant, absl::string_view what, absl::string_view parent) {
  return absl::StrCat(tenant, "|", what, "|", parent);
}

}  // namespace

v1::NpsResponse::Category NpsCategory(int32_t score) {
  if (score >= 9) return v1::NpsResponse::PROMOTER;
  if (score >= 7) return v1::NpsResponse::PASSIVE;
  return v1::NpsResponse::DETRACTOR;
}

absl::StatusOr<ChildName> ParseChildName(absl::string_view field, absl::string_view collection,
                                         absl::string_view name) {
  if (name.empty()) return InvalidField(std::string(field), "is required");
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  if (parts.size() != 4 || parts[0] != "accounts" || parts[2] != collection ||
      !IsValidId(parts[1]) || !IsValidId(parts[3])) {
    return InvalidField(std::string(field),
                        absl::StrCat("must look like accounts/{account}/", collection, "/{id}"));
  }
  return ChildName{.account_id = parts[1], .id = parts[3]};
}

absl::StatusOr<std::string> ParseAccountParent(absl::string_view field, absl::string_view parent,
                                               bool allow_all) {
  if (allow_all && parent == "accounts/-") return std::string();
  auto id = ParseResourceName(field, "accounts", parent);
  if (!id.ok()) {
    return InvalidField(std::string(field), allow_all ? "must look like accounts/{id} or accounts/-"
                                                      : "must look like accounts/{id}");
  }
  return id;
}

void CheckActivity(const v1::Activity& activity, const std::set<std::string>* paths, absl::Time now,
                   FieldViolations& violations) {
  auto checked = [&](const char* field) { return paths == nullptr || paths->contains(field); };
  if (checked("kind") && (activity.kind() == v1::Activity::KIND_UNSPECIFIED ||
                          !v1::Activity::Kind_IsValid(activity.kind()))) {
    violations.Add("activity.kind", "must be MEETING, CALL, EMAIL or NOTE");
  }
  if (checked("meeting_type") && !v1::Activity::MeetingType_IsValid(activity.meeting_type())) {
    violations.Add("activity.meeting_type", "must be KICKOFF, MONTHLY_REVIEW, QBR or unset");
  }
  if (checked("subject"))
    CheckTitle("activity.subject", activity.subject(), kMaxSubject, violations);
  if (checked("summary") && activity.summary().size() > kMaxSummary) {
    violations.Add("activity.summary", absl::StrCat("must be at most ", kMaxSummary, " bytes"));
  }
  if (checked("participants")) {
    if (activity.participants_size() > kMaxParticipants) {
      violations.Add("activity.participants",
                     absl::StrCat("must have at most ", kMaxParticipants, " entries"));
    }
    for (int i = 0; i < activity.participants_size(); ++i) {
      const std::string& participant = activity.participants(i);
      if (Trimmed(participant).empty() || participant.size() > kMaxParticipant) {
        violations.Add(absl::StrCat("activity.participants[", i, "]"),
                       absl::StrCat("must be 1 to ", kMaxParticipant, " characters"));
      }
    }
  }
  if (checked("activity_time")) {
    CheckOwnTime("activity.activity_time", activity.has_activity_time(), activity.activity_time(),
                 now, violations);
  }
}

// ---- Activities ------------------------------------------------------------

absl::StatusOr<v1::Activity> EngagementManager::CreateActivity(
    const Principal& caller, const v1::CreateActivityRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseAccountParent("parent", request.parent(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("parent", "must look like accounts/{id}");
  if (!request.has_activity()) {
    violations.Add("activity", "is required");
    return violations.ToStatus();
  }
  const absl::Time now = clock_->Now();
  CheckActivity(request.activity(), nullptr, now, violations);
  if (violations.empty()) {
    if (absl::Status status = CheckMeetingType(request.activity()); !status.ok()) return status;
  }
  RETURN_IF_ERROR(violations.ToStatus());

  v1::Activity activity;
  activity.set_name(absl::StrCat("accounts/", *account_id, "/activities/", NewIdAt(now)));
  for (const std::string& field : UpdatableActivityFields()) {
    CopyActivityField(request.activity(), field, activity);
  }
  if (!activity.has_activity_time()) *activity.mutable_activity_time() = ToProtoTime(now);
  // Stored with microsecond precision: return what a Get will.
  *activity.mutable_activity_time() = ToProtoTime(FromProtoTime(activity.activity_time()));
  activity.set_author(caller.subject);
  *activity.mutable_create_time() = ToProtoTime(now);
  *activity.mutable_update_time() = ToProtoTime(now);
  return store_->CreateActivity(caller.tenant, *account_id, activity, CreateKeyOf(request),
                                deadline);
}

absl::StatusOr<v1::Activity> EngagementManager::GetActivity(const Principal& caller,
                                                            const v1::GetActivityRequest& request,
                                                            absl::Time deadline) {
  ASSIGN_OR_RETURN(ChildName name, ParseChildName("name", "activities", request.name()));
  return store_->GetActivity(caller.tenant, name.account_id, name.id, deadline);
}

absl::StatusOr<v1::ListActivitiesResponse> EngagementManager::ListActivities(
    const Principal& caller, const v1::ListActivitiesRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"kind", "meeting_type", "author", "activity_time"};
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseAccountParent("parent", request.parent(), /*allow_all=*/true));
  ASSIGN_OR_RETURN(std::string order, TimeOrder(request.order_by(), "activity_time"));
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanList(*page_tokens_, Scope(caller.tenant, "activities", request.parent()),
               {request.page_size(), request.page_token(), request.filter(), order}, kFields));
  std::vector<ActivityCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    ActivityCondition condition{.field = ActivityField::kKind, .op = term.op, .value = term.value};
    if (term.field == "kind") {
      RETURN_IF_ERROR(RequireEquality(term));
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::Activity::Kind_descriptor()));
    } else if (term.field == "meeting_type") {
      RETURN_IF_ERROR(RequireEquality(term));
      condition.field = ActivityField::kMeetingType;
      ASSIGN_OR_RETURN(condition.value,
                       EnumFilterValue(term, *v1::Activity::MeetingType_descriptor()));
    } else if (term.field == "author") {
      RETURN_IF_ERROR(RequireEquality(term));
      condition.field = ActivityField::kAuthor;
    } else {
      condition.field = ActivityField::kActivityTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(EngagementPage<v1::Activity> page,
                   store_->ListActivities(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListActivitiesResponse response;
  for (v1::Activity& activity : page.items) *response.add_activities() = std::move(activity);
  if (page.has_more && response.activities_size() > 0) {
    const v1::Activity& last = response.activities(response.activities_size() - 1);
    response.set_next_page_token(NextToken(*page_tokens_, plan, FromProtoTime(last.activity_time()),
                                           ResourceIdOf(last.name())));
  }
  return response;
}

absl::StatusOr<v1::Activity> EngagementManager::UpdateActivity(
    const Principal& caller, const v1::UpdateActivityRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_activity()) violations.Add("activity", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableActivityFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto name = ParseChildName("activity.name", "activities", request.activity().name());
  if (!name.ok()) {
    violations.Add("activity.name", "must look like accounts/{account}/activities/{id}");
  }
  const absl::Time now = clock_->Now();
  CheckActivity(request.activity(), &paths, now, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->UpdateActivity(
      caller.tenant, name->account_id, name->id,
      [&](const v1::Activity& current,
          const std::string& next_etag) -> absl::StatusOr<EngagementUpdate<v1::Activity>> {
        RETURN_IF_ERROR(CheckEtag(request.activity().etag(), current.etag()));
        EngagementUpdate<v1::Activity> update{.resource = current, .changed_fields = {}};
        v1::Activity& after = update.resource;
        for (const std::string& path : paths) {
          CopyActivityField(request.activity(), path, after);
        }
        if (!after.has_activity_time()) *after.mutable_activity_time() = current.activity_time();
        *after.mutable_activity_time() = ToProtoTime(FromProtoTime(after.activity_time()));
        // A kind that stops being MEETING drops its meeting type.
        if (paths.contains("kind") && !paths.contains("meeting_type") &&
            after.kind() != v1::Activity::MEETING) {
          after.set_meeting_type(v1::Activity::MEETING_TYPE_UNSPECIFIED);
        }
        RETURN_IF_ERROR(CheckMeetingType(after));
        const auto* descriptor = v1::Activity::descriptor();
        for (const std::string& path : UpdatableActivityFields()) {
          google::protobuf::util::MessageDifferencer differ;
          std::vector<const google::protobuf::FieldDescriptor*> fields = {
              descriptor->FindFieldByName(path)};
          if (!differ.CompareWithFields(current, after, fields, fields)) {
            update.changed_fields.push_back(path);
          }
        }
        update.changed = !update.changed_fields.empty();
        if (update.changed) {
          *after.mutable_update_time() = ToProtoTime(now);
          after.set_etag(next_etag);
        }
        return update;
      },
      deadline);
}

absl::Status EngagementManager::DeleteActivity(const Principal& caller,
                                               const v1::DeleteActivityRequest& request,
                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(ChildName name, ParseChildName("name", "activities", request.name()));
  return store_->DeleteActivity(caller.tenant, name.account_id, name.id, request.etag(),
                                caller.subject, clock_->Now(), deadline);
}

// ---- Timeline --------------------------------------------------------------

absl::StatusOr<v1::ListTimelineResponse> EngagementManager::ListTimeline(
    const Principal& caller, const v1::ListTimelineRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"source", "time"};
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseAccountParent("parent", request.parent(), /*allow_all=*/false));
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanList(*page_tokens_, Scope(caller.tenant, "timeline", request.parent()),
               {request.page_size(), request.page_token(), request.filter(), ""}, kFields));
  TimelineQuery query;
  for (const FilterTerm& term : plan.terms) {
    if (term.field == "source") {
      if (term.op != FilterOp::kEq || (term.value != "ACTIVITY" && term.value != "SUPPORT")) {
        return InvalidField("filter", "source must be compared with = to ACTIVITY or SUPPORT");
      }
      if (term.value == "ACTIVITY") query.support_events = false;
      if (term.value == "SUPPORT") query.activities = false;
    } else {
      FilterTerm time = term;
      ASSIGN_OR_RETURN(time.value, TimeFilterValue(term));
      query.time_terms.push_back(std::move(time));
    }
  }
  v1::ListTimelineResponse response;
  if (!query.activities && !query.support_events) return response;  // both sources excluded
  ASSIGN_OR_RETURN(EngagementPage<v1::TimelineEntry> page,
                   store_->ListTimeline(caller.tenant, account_id, query, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  for (v1::TimelineEntry& entry : page.items) *response.add_entries() = std::move(entry);
  if (page.has_more && response.entries_size() > 0) {
    const v1::TimelineEntry& last = response.entries(response.entries_size() - 1);
    const std::string id = last.has_activity() ? ResourceIdOf(last.activity().name())
                                               : last.support_event().event_id();
    response.set_next_page_token(NextToken(*page_tokens_, plan, FromProtoTime(last.time()), id));
  }
  return response;
}

// ---- NPS -------------------------------------------------------------------

absl::StatusOr<v1::NpsResponse> EngagementManager::RecordNpsResponse(
    const Principal& caller, const v1::RecordNpsResponseRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  auto account_id = ParseAccountParent("parent", request.parent(), /*allow_all=*/false);
  if (!account_id.ok()) violations.Add("parent", "must look like accounts/{id}");
  if (!request.has_nps_response()) {
    violations.Add("nps_response", "is required");
    return violations.ToStatus();
  }
  const v1::NpsResponse& given = request.nps_response();
  if (!given.has_score()) {
    violations.Add("nps_response.score", "is required (0 to 10)");
  } else if (given.score() < 0 || given.score() > 10) {
    violations.Add("nps_response.score", "must be 0 to 10");
  }
  if (given.comment().size() > kMaxComment) {
    violations.Add("nps_response.comment", absl::StrCat("must be at most ", kMaxComment, " bytes"));
  }
  if (!given.contact().empty()) {
    auto contact = ParseChildName("nps_response.contact", "contacts", given.contact());
    if (!contact.ok()) {
      violations.Add("nps_response.contact", "must look like accounts/{account}/contacts/{id}");
    } else if (account_id.ok() && contact->account_id != *account_id) {
      violations.Add("nps_response.contact", "must be a contact of the parent account");
    }
  }
  const absl::Time now = clock_->Now();
  CheckOwnTime("nps_response.response_time", given.has_response_time(), given.response_time(), now,
               violations);
  RETURN_IF_ERROR(violations.ToStatus());

  v1::NpsResponse response;
  response.set_name(absl::StrCat("accounts/", *account_id, "/npsResponses/", NewIdAt(now)));
  response.set_contact(given.contact());
  response.set_score(given.score());
  response.set_category(NpsCategory(given.score()));
  response.set_comment(given.comment());
  *response.mutable_response_time() =
      ToProtoTime(given.has_response_time() ? FromProtoTime(given.response_time()) : now);
  response.set_recorded_by(caller.subject);
  *response.mutable_create_time() = ToProtoTime(now);
  return store_->RecordNpsResponse(caller.tenant, *account_id, response, CreateKeyOf(request),
                                   deadline);
}

absl::StatusOr<v1::NpsResponse> EngagementManager::GetNpsResponse(
    const Principal& caller, const v1::GetNpsResponseRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(ChildName name, ParseChildName("name", "npsResponses", request.name()));
  return store_->GetNpsResponse(caller.tenant, name.account_id, name.id, deadline);
}

absl::StatusOr<v1::ListNpsResponsesResponse> EngagementManager::ListNpsResponses(
    const Principal& caller, const v1::ListNpsResponsesRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"category", "score", "response_time"};
  ASSIGN_OR_RETURN(std::string account_id,
                   ParseAccountParent("parent", request.parent(), /*allow_all=*/true));
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanList(*page_tokens_, Scope(caller.tenant, "nps", request.parent()),
               {request.page_size(), request.page_token(), request.filter(), ""}, kFields));
  std::vector<NpsCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    NpsCondition condition{.field = NpsField::kCategory, .op = term.op, .value = term.value};
    if (term.field == "category") {
      RETURN_IF_ERROR(RequireEquality(term));
      ASSIGN_OR_RETURN(condition.value,
                       EnumFilterValue(term, *v1::NpsResponse::Category_descriptor()));
    } else if (term.field == "score") {
      condition.field = NpsField::kScore;
      int score = -1;
      if (!absl::SimpleAtoi(term.value, &score) || score < 0 || score > 10) {
        return InvalidField("filter", "score must be compared with a number from 0 to 10");
      }
      condition.value = absl::StrCat(score);
    } else {
      condition.field = NpsField::kResponseTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(EngagementPage<v1::NpsResponse> page,
                   store_->ListNpsResponses(caller.tenant, account_id, conditions, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListNpsResponsesResponse response;
  for (v1::NpsResponse& item : page.items) *response.add_nps_responses() = std::move(item);
  if (page.has_more && response.nps_responses_size() > 0) {
    const v1::NpsResponse& last = response.nps_responses(response.nps_responses_size() - 1);
    response.set_next_page_token(NextToken(*page_tokens_, plan, FromProtoTime(last.response_time()),
                                           ResourceIdOf(last.name())));
  }
  return response;
}

// ---- Feedback --------------------------------------------------------------

absl::StatusOr<v1::Feedback> EngagementManager::CreateFeedback(
    const Principal& caller, const v1::CreateFeedbackRequest& request, absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_feedback()) {
    violations.Add("feedback", "is required");
    return violations.ToStatus();
  }
  const v1::Feedback& given = request.feedback();
  CheckTitle("feedback.title", given.title(), kMaxTitle, violations);
  if (given.description().size() > kMaxDescription) {
    violations.Add("feedback.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
  if (!v1::Feedback::Source_IsValid(given.source())) {
    violations.Add("feedback.source", "must be CSM or SURVEY");
  } else if (given.source() == v1::Feedback::SUPPORT_TICKET) {
    violations.Add("feedback.source",
                   "SUPPORT_TICKET items are made by Success from Support's FEATURE_REQUEST "
                   "tickets; use CSM or SURVEY");
  }
  if (given.accounts_size() > kMaxFeedbackAccounts) {
    violations.Add("feedback.accounts",
                   absl::StrCat("must have at most ", kMaxFeedbackAccounts, " accounts"));
  }
  // De-duplicated in request order; the store names a missing account by
  // its place in this list, which is mapped back to the request's.
  std::vector<std::string> account_ids;
  std::vector<int> request_index;
  for (int i = 0; i < given.accounts_size(); ++i) {
    auto id = ParseResourceName(absl::StrCat("feedback.accounts[", i, "]"), "accounts",
                                given.accounts(i));
    if (!id.ok()) {
      violations.Add(absl::StrCat("feedback.accounts[", i, "]"), "must look like accounts/{id}");
    } else if (std::find(account_ids.begin(), account_ids.end(), *id) == account_ids.end()) {
      account_ids.push_back(*id);
      request_index.push_back(i);
    }
  }
  RETURN_IF_ERROR(violations.ToStatus());

  const absl::Time now = clock_->Now();
  v1::Feedback feedback;
  feedback.set_name(ResourceName("feedback", NewIdAt(now)));
  feedback.set_title(Trimmed(given.title()));
  feedback.set_description(given.description());
  feedback.set_source(given.source() == v1::Feedback::SOURCE_UNSPECIFIED ? v1::Feedback::CSM
                                                                         : given.source());
  feedback.set_status(v1::Feedback::NEW);
  feedback.set_creator(caller.subject);
  *feedback.mutable_create_time() = ToProtoTime(now);
  *feedback.mutable_update_time() = ToProtoTime(now);
  absl::StatusOr<v1::Feedback> created =
      store_->CreateFeedback(caller.tenant, feedback, account_ids, CreateKeyOf(request), deadline);
  if (created.ok() || created.status().code() != absl::StatusCode::kInvalidArgument) {
    return created;
  }
  FieldViolations remapped;
  for (const FieldViolation& violation : FieldViolationsOf(created.status())) {
    absl::string_view field = violation.field;
    size_t k = 0;
    if (absl::ConsumePrefix(&field, "feedback.accounts[") && absl::ConsumeSuffix(&field, "]") &&
        absl::SimpleAtoi(field, &k) && k < request_index.size()) {
      remapped.Add(absl::StrCat("feedback.accounts[", request_index[k], "]"),
                   violation.description);
    } else {
      remapped.Add(violation.field, violation.description);
    }
  }
  return remapped.empty() ? created.status() : remapped.ToStatus();
}

absl::StatusOr<v1::Feedback> EngagementManager::GetFeedback(const Principal& caller,
                                                            const v1::GetFeedbackRequest& request,
                                                            absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "feedback", request.name()));
  return store_->GetFeedback(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListFeedbackResponse> EngagementManager::ListFeedback(
    const Principal& caller, const v1::ListFeedbackRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"status", "source", "account"};
  const std::string order_by =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(request.order_by()));
  FeedbackOrder order = FeedbackOrder::kCreateTime;
  std::string plan_order;
  if (order_by.empty() || order_by == "requested_arr desc") {
    order = FeedbackOrder::kRequestedArr;
  } else if (order_by == "create_time desc" || order_by == "create_time" ||
             order_by == "create_time asc") {
    plan_order = order_by;
  } else {
    return InvalidField("order_by",
                        "must be \"requested_arr desc\" (the default), \"create_time desc\" or "
                        "\"create_time\"");
  }
  ASSIGN_OR_RETURN(
      ListPlan plan,
      PlanList(*page_tokens_,
               Scope(caller.tenant, "feedback",
                     order == FeedbackOrder::kRequestedArr ? "arr" : "create_time"),
               {request.page_size(), request.page_token(), request.filter(), plan_order}, kFields));
  std::vector<FeedbackCondition> conditions;
  for (const FilterTerm& term : plan.terms) {
    RETURN_IF_ERROR(RequireEquality(term));
    FeedbackCondition condition{
        .field = FeedbackField::kStatus, .op = term.op, .value = term.value};
    if (term.field == "status") {
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::Feedback::Status_descriptor()));
    } else if (term.field == "source") {
      condition.field = FeedbackField::kSource;
      ASSIGN_OR_RETURN(condition.value, EnumFilterValue(term, *v1::Feedback::Source_descriptor()));
    } else {
      condition.field = FeedbackField::kAccount;
      auto id = ParseResourceName("filter", "accounts", term.value);
      if (!id.ok()) return InvalidField("filter", "account must look like accounts/{id}");
      condition.value = *id;
    }
    conditions.push_back(std::move(condition));
  }
  ASSIGN_OR_RETURN(EngagementPage<v1::Feedback> page,
                   store_->ListFeedback(caller.tenant, conditions, order, plan, deadline));
  if (FitToByteBudget(page.items)) page.has_more = true;
  v1::ListFeedbackResponse response;
  for (v1::Feedback& item : page.items) *response.add_feedback() = std::move(item);
  if (page.has_more && response.feedback_size() > 0) {
    const v1::Feedback& last = response.feedback(response.feedback_size() - 1);
    const absl::Time key = order == FeedbackOrder::kRequestedArr
                               ? absl::FromUnixMicros(last.requested_arr_minor())
                               : FromProtoTime(last.create_time());
    response.set_next_page_token(NextToken(*page_tokens_, plan, key, ResourceIdOf(last.name())));
  }
  return response;
}

absl::StatusOr<v1::Feedback> EngagementManager::UpdateFeedback(
    const Principal& caller, const v1::UpdateFeedbackRequest& request, absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_feedback()) violations.Add("feedback", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableFeedbackFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  const v1::Feedback& given = request.feedback();
  auto id = ParseResourceName("feedback.name", "feedback", given.name());
  if (!id.ok()) violations.Add("feedback.name", "must look like feedback/{id}");
  if (paths.contains("title")) CheckTitle("feedback.title", given.title(), kMaxTitle, violations);
  if (paths.contains("description") && given.description().size() > kMaxDescription) {
    violations.Add("feedback.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
  if (paths.contains("status") && (given.status() == v1::Feedback::STATUS_UNSPECIFIED ||
                                   !v1::Feedback::Status_IsValid(given.status()))) {
    violations.Add("feedback.status", "must be NEW, UNDER_REVIEW, PLANNED, SHIPPED or DECLINED");
  }
  RETURN_IF_ERROR(violations.ToStatus());
  const absl::Time now = clock_->Now();
  return store_->UpdateFeedback(
      caller.tenant, *id, caller.subject,
      [&](const v1::Feedback& current,
          const std::string& next_etag) -> absl::StatusOr<EngagementUpdate<v1::Feedback>> {
        RETURN_IF_ERROR(CheckEtag(given.etag(), current.etag()));
        EngagementUpdate<v1::Feedback> update{.resource = current, .changed_fields = {}};
        v1::Feedback& after = update.resource;
        if (paths.contains("title") && Trimmed(given.title()) != current.title()) {
          after.set_title(Trimmed(given.title()));
          update.changed_fields.push_back("title");
        }
        if (paths.contains("description") && given.description() != current.description()) {
          after.set_description(given.description());
          update.changed_fields.push_back("description");
        }
        if (paths.contains("status") && given.status() != current.status()) {
          after.set_status(given.status());
          update.changed_fields.push_back("status");
        }
        update.changed = !update.changed_fields.empty();
        if (update.changed) {
          *after.mutable_update_time() = ToProtoTime(now);
          after.set_etag(next_etag);
        }
        return update;
      },
      deadline);
}

absl::StatusOr<v1::Feedback> EngagementManager::AddFeedbackAccount(
    const Principal& caller, const v1::AddFeedbackAccountRequest& request, absl::Time deadline) {
  FieldViolations violations;
  auto id = ParseResourceName("name", "feedback", request.name());
  if (!id.ok()) violations.Add("name", "must look like feedback/{id}");
  auto account_id = ParseResourceName("account", "accounts", request.account());
  if (!account_id.ok()) violations.Add("account", "must look like accounts/{id}");
  RETURN_IF_ERROR(violations.ToStatus());
  return store_->AddFeedbackAccount(caller.tenant, *id, *account_id, caller.subject, clock_->Now(),
                                    deadline);
}

}  // namespace tandem::success

#include "services/success/mysql_engagement_store.h"
#include "services/success/mysql_account_store.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/mysql/keyset.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/support_signal_applier.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kTicketFeedbackCreator = "system:support-feed";
constexpr size_t kMaxTitle = 200;
constexpr size_t kMaxDescription = 10000;

// ---- Names ---------------------------------------------------------------

std::string AccountName(const std::string& account_id) {
  return ResourceName("accounts", account_id);
}

std::string ActivityName(const std::string& account_id, const std::string& id) {
  return absl::StrCat("accounts/", account_id, "/activities/", id);
}

std::string NpsName(const std::string& account_id, const std::string& id) {
  return absl::StrCat("accounts/", account_id, "/npsResponses/", id);
}

// The account id of `accounts/{account}/...`.
std::string AccountOf(const std::string& name) {
  std::vector<std::string> parts = absl::StrSplit(name, '/');
  return parts.size() >= 2 ? parts[1] : "";
}

// ---- Accounts (read only here) --------------------------------------------

// What events say about the account an engagement belongs to.
struct AccountSnapshot {
  v1::TouchTier tier = v1::TOUCH_TIER_UNSPECIFIED;
  std::string plan;
  std::string owner;
  int64_t mrr_minor = 0;
  std::string currency_code;
};

// Share-locks the account (so it cannot be deleted before the caller
// commits) and returns its snapshot, or NOT_FOUND.
absl::StatusOr<AccountSnapshot> LockAccount(mysql::Connection& tx, const std::string& tenant,
                                            const std::string& account_id) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT touch_tier, plan, owner, mrr_minor, currency_code "
                                       "FROM accounts WHERE tenant_id = ? AND id = ? "
                                       "LOCK IN SHARE MODE",
                                       {tenant, account_id}));
  if (rows.empty()) return AccountNotFound(account_id);
  return AccountSnapshot{.tier = static_cast<v1::TouchTier>(rows[0].Int(0)),
                         .plan = rows[0].String(1),
                         .owner = rows[0].String(2),
                         .mrr_minor = rows[0].Int(3),
                         .currency_code = rows[0].String(4)};
}

// ---- Keyset pages on other columns than (create_time, id) -----------------

// Appends the plan's keyset condition, order and limit for rows ordered by
// (`time_column`, `id_column`).
void AppendTimePage(const ListPlan& plan, absl::string_view time_column,
                    absl::string_view id_column, std::string& sql,
                    std::vector<mysql::Value>& params) {
  const char* cmp = plan.newest_first ? "<" : ">";
  const char* dir = plan.newest_first ? " DESC" : " ASC";
  if (plan.after.has_value()) {
    absl::StrAppend(&sql, " AND (", time_column, " ", cmp, " ? OR (", time_column, " = ? AND ",
                    id_column, " ", cmp, " ?))");
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->id);
  }
  absl::StrAppend(&sql, " ORDER BY ", time_column, dir, ", ", id_column, dir, " LIMIT ?");
  params.emplace_back(int64_t{plan.page_size + 1});
}

const char* SqlOp(FilterOp op) {
  switch (op) {
    case FilterOp::kEq:
      return " = ?";
    case FilterOp::kNe:
      return " <> ?";
    case FilterOp::kLt:
      return " < ?";
    case FilterOp::kLe:
      return " <= ?";
    case FilterOp::kGt:
      return " > ?";
    case FilterOp::kGe:
      return " >= ?";
  }
  return " = ?";
}

// ---- Activities ----------------------------------------------------------

constexpr absl::string_view kActivityColumns =
    "SELECT id, account_id, kind, meeting_type, subject, summary, participants, author, "
    "activity_time, version, create_time, update_time FROM activities ";

std::string JsonStrings(const google::protobuf::RepeatedPtrField<std::string>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const std::string& value : values) array.push_back(value);
  return array.dump();
}

void ParseJsonStrings(const std::string& text,
                      google::protobuf::RepeatedPtrField<std::string>& out) {
  nlohmann::json array = nlohmann::json::parse(text, nullptr, false);
  if (!array.is_array()) return;
  for (const auto& value : array) {
    if (value.is_string()) out.Add(value.get<std::string>());
  }
}

v1::Activity ActivityFromRow(const mysql::Row& row) {
  v1::Activity activity;
  activity.set_name(ActivityName(row.String(1), row.String(0)));
  activity.set_kind(static_cast<v1::Activity::Kind>(row.Int(2)));
  activity.set_meeting_type(static_cast<v1::Activity::MeetingType>(row.Int(3)));
  activity.set_subject(row.String(4));
  activity.set_summary(row.String(5));
  ParseJsonStrings(row.String(6), *activity.mutable_participants());
  activity.set_author(row.String(7));
  *activity.mutable_activity_time() = ToProtoTime(row.Time(8));
  activity.set_etag(EtagFor(row.String(0), row.Int(9)));
  *activity.mutable_create_time() = ToProtoTime(row.Time(10));
  *activity.mutable_update_time() = ToProtoTime(row.Time(11));
  return activity;
}

absl::StatusOr<v1::Activity> ReadActivity(mysql::Connection& db, const std::string& tenant,
                                          const std::string& account_id, const std::string& id,
                                          bool lock) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kActivityColumns, "WHERE tenant_id = ? AND id = ? AND account_id = ?",
                            lock ? " FOR UPDATE" : ""),
               {tenant, id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("activity ", ActivityName(account_id, id), " does not exist"));
  }
  return ActivityFromRow(rows[0]);
}

// Meetings, calls and e-mails are engagement; a note is not, so a note's
// changes do not need a review.
bool IsEngagement(v1::Activity::Kind kind) { return kind != v1::Activity::NOTE; }

const char* ColumnOf(ActivityField field) {
  switch (field) {
    case ActivityField::kKind:
      return "kind";
    case ActivityField::kMeetingType:
      return "meeting_type";
    case ActivityField::kAuthor:
      return "author";
    case ActivityField::kActivityTime:
      return "activity_time";
  }
  return "id";
}

// ---- Support events on the timeline ---------------------------------------

std::string TicketTypeName(int64_t type) {
  const std::string& name = support::v1::Ticket::Type_Name(static_cast<int>(type));
  return name.empty() ? absl::StrCat(type) : name;
}

std::string TicketStatusName(int64_t status) {
  const std::string& name = support::v1::Ticket::Status_Name(static_cast<int>(status));
  return name.empty() ? absl::StrCat(status) : name;
}

// ---- NPS -------------------------------------------------------------------

constexpr absl::string_view kNpsColumns =
    "SELECT id, account_id, contact_id, score, comment, response_time, recorded_by, "
    "create_time FROM nps_responses ";

v1::NpsResponse::Category CategoryOf(int32_t score) {
  if (score >= 9) return v1::NpsResponse::PROMOTER;
  if (score >= 7) return v1::NpsResponse::PASSIVE;
  return v1::NpsResponse::DETRACTOR;
}

v1::NpsResponse NpsFromRow(const mysql::Row& row) {
  v1::NpsResponse response;
  response.set_name(NpsName(row.String(1), row.String(0)));
  if (!row.IsNull(2)) {
    response.set_contact(absl::StrCat("accounts/", row.String(1), "/contacts/", row.String(2)));
  }
  response.set_score(static_cast<int32_t>(row.Int(3)));
  response.set_category(CategoryOf(response.score()));
  response.set_comment(row.String(4));
  *response.mutable_response_time() = ToProtoTime(row.Time(5));
  response.set_recorded_by(row.String(6));
  *response.mutable_create_time() = ToProtoTime(row.Time(7));
  return response;
}

absl::StatusOr<v1::NpsResponse> ReadNps(mysql::Connection& db, const std::string& tenant,
                                        const std::string& account_id, const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat(kNpsColumns,
                                                    "WHERE tenant_id = ? AND id = ? "
                                                    "AND account_id = ?"),
                                       {tenant, id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("NPS response ", NpsName(account_id, id), " does not exist"));
  }
  return NpsFromRow(rows[0]);
}

// The SQL condition of an NPS category, on column `score`.
const char* CategoryCondition(const std::string& category) {
  if (category == absl::StrCat(int{v1::NpsResponse::PROMOTER})) return "score >= 9";
  if (category == absl::StrCat(int{v1::NpsResponse::PASSIVE})) return "score BETWEEN 7 AND 8";
  return "score <= 6";
}

// ---- Feedback --------------------------------------------------------------

// The item's columns, the accounts asking (sorted ids, comma separated) and
// their summed ARR now; a derived table `x` so lists can order and page on
// the ARR.
constexpr absl::string_view kFeedbackSelect =
    "SELECT f.id AS id, f.title, f.description, f.source, f.status, f.source_ticket, "
    "f.creator, f.version, f.create_time AS create_time, f.update_time, "
    "(SELECT GROUP_CONCAT(fa.account_id ORDER BY fa.account_id SEPARATOR ',') "
    "FROM feedback_accounts fa WHERE fa.tenant_id = f.tenant_id AND fa.feedback_id = f.id) "
    "AS account_ids, "
    "(SELECT COALESCE(SUM(a.mrr_minor), 0) * 12 FROM feedback_accounts fa JOIN accounts a "
    "ON a.tenant_id = fa.tenant_id AND a.id = fa.account_id "
    "WHERE fa.tenant_id = f.tenant_id AND fa.feedback_id = f.id) AS arr "
    "FROM feedback f ";

v1::Feedback FeedbackFromRow(const mysql::Row& row) {
  v1::Feedback feedback;
  feedback.set_name(ResourceName("feedback", row.String(0)));
  feedback.set_title(row.String(1));
  feedback.set_description(row.String(2));
  feedback.set_source(static_cast<v1::Feedback::Source>(row.Int(3)));
  feedback.set_status(static_cast<v1::Feedback::Status>(row.Int(4)));
  if (!row.IsNull(5)) feedback.set_source_ticket(ResourceName("tickets", row.String(5)));
  feedback.set_creator(row.String(6));
  feedback.set_etag(EtagFor(row.String(0), row.Int(7)));
  *feedback.mutable_create_time() = ToProtoTime(row.Time(8));
  *feedback.mutable_update_time() = ToProtoTime(row.Time(9));
  if (!row.IsNull(10) && !row.String(10).empty()) {
    for (absl::string_view id : absl::StrSplit(row.String(10), ',')) {
      feedback.add_accounts(AccountName(std::string(id)));
    }
  }
  feedback.set_requested_arr_minor(row.Int(11));
  return feedback;
}

absl::StatusOr<v1::Feedback> ReadFeedback(mysql::Connection& db, const std::string& tenant,
                                          const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kFeedbackSelect, "WHERE f.tenant_id = ? AND f.id = ?"), {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("feedback feedback/", id, " does not exist"));
  }
  return FeedbackFromRow(rows[0]);
}

absl::StatusOr<int64_t> LockFeedback(mysql::Connection& tx, const std::string& tenant,
                                     const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT version FROM feedback WHERE tenant_id = ? AND "
                                       "id = ? FOR UPDATE",
                                       {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("feedback feedback/", id, " does not exist"));
  }
  return rows[0].Int(0);
}

// Inserts the item's row and its accounts, then its FeedbackSubmitted event
// (with the accounts' ARR as it is now).
absl::Status InsertFeedback(mysql::Transaction& tx, feed::Outbox& outbox, const std::string& tenant,
                            const v1::Feedback& feedback,
                            const std::vector<std::string>& account_ids,
                            const std::string& source_ticket) {
  const std::string id = ResourceIdOf(feedback.name());
  const absl::Time created = FromProtoTime(feedback.create_time());
  RETURN_IF_ERROR(
      tx->Execute("INSERT INTO feedback (tenant_id, id, title, description, source, status, "
                  "source_ticket, creator, version, create_time, update_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                  {tenant, id, feedback.title(), feedback.description(), int64_t{feedback.source()},
                   int64_t{feedback.status()},
                   source_ticket.empty() ? mysql::Value{nullptr} : mysql::Value{source_ticket},
                   feedback.creator(), created, FromProtoTime(feedback.update_time())})
          .status());
  for (const std::string& account_id : account_ids) {
    RETURN_IF_ERROR(tx->Execute("INSERT INTO feedback_accounts (tenant_id, feedback_id, "
                                "account_id, add_time) VALUES (?, ?, ?, ?)",
                                {tenant, id, account_id, created})
                        .status());
  }
  v1::FeedbackSubmitted event;
  ASSIGN_OR_RETURN(*event.mutable_feedback(), ReadFeedback(tx.connection(), tenant, id));
  return outbox.Append(tx, tenant, feedback.name(), event, created);
}

}  // namespace

// ---- Activities ------------------------------------------------------------

absl::StatusOr<v1::Activity> MysqlEngagementStore::CreateActivity(const std::string& tenant,
                                                                  const std::string& account_id,
                                                                  const v1::Activity& activity,
                                                                  const CreateKey& key,
                                                                  absl::Time deadline) {
  const std::string id = ResourceIdOf(activity.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(AccountSnapshot account, LockAccount(tx.connection(), tenant, account_id));
    const absl::Time created = FromProtoTime(activity.create_time());
    RETURN_IF_ERROR(
        tx->Execute(
              "INSERT INTO activities (tenant_id, id, account_id, kind, meeting_type, "
              "subject, summary, participants, author, activity_time, version, "
              "create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {tenant, id, account_id, int64_t{activity.kind()}, int64_t{activity.meeting_type()},
               activity.subject(), activity.summary(), JsonStrings(activity.participants()),
               activity.author(), FromProtoTime(activity.activity_time()), created,
               FromProtoTime(activity.update_time())})
            .status());
    v1::ActivityRecorded event;
    *event.mutable_activity() = activity;
    event.mutable_activity()->set_etag(EtagFor(id, 1));
    event.set_account_tier(account.tier);
    event.set_account_plan(account.plan);
    event.set_account_owner(account.owner);
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, activity.name(), event, created));
    if (IsEngagement(activity.kind())) {
      RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account_id, "activity", created));
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateActivity", key,
                                                activity.name(), insert));
  if (name != activity.name()) {
    return GetActivity(tenant, AccountOf(name), ResourceIdOf(name), deadline);
  }
  v1::Activity created = activity;
  created.set_etag(EtagFor(id, 1));
  return created;
}

absl::StatusOr<v1::Activity> MysqlEngagementStore::GetActivity(const std::string& tenant,
                                                               const std::string& account_id,
                                                               const std::string& id,
                                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadActivity(*db, tenant, account_id, id, /*lock=*/false);
}

absl::StatusOr<EngagementPage<v1::Activity>> MysqlEngagementStore::ListActivities(
    const std::string& tenant, const std::string& account_id,
    const std::vector<ActivityCondition>& conditions, const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kActivityColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (!account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  std::vector<mysql::ColumnCondition> columns;
  for (const ActivityCondition& condition : conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  AppendTimePage(plan, "activity_time", "id", sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  EngagementPage<v1::Activity> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(ActivityFromRow(row));
  return page;
}

absl::StatusOr<v1::Activity> MysqlEngagementStore::UpdateActivity(
    const std::string& tenant, const std::string& account_id, const std::string& id,
    const EngagementDecision<v1::Activity>& decide, absl::Time deadline) {
  v1::Activity result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Activity current,
                         ReadActivity(tx.connection(), tenant, account_id, id, /*lock=*/true));
        ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT version FROM activities WHERE tenant_id = ? "
                                              "AND id = ?",
                                              {tenant, id}));
        const int64_t version = rows.at(0).Int(0);
        ASSIGN_OR_RETURN(EngagementUpdate<v1::Activity> update,
                         decide(current, EtagFor(id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Activity& after = update.resource;
        RETURN_IF_ERROR(
            tx->Execute("UPDATE activities SET kind = ?, meeting_type = ?, subject = ?, "
                        "summary = ?, participants = ?, activity_time = ?, version = ?, "
                        "update_time = ? WHERE tenant_id = ? AND id = ?",
                        {int64_t{after.kind()}, int64_t{after.meeting_type()}, after.subject(),
                         after.summary(), JsonStrings(after.participants()),
                         FromProtoTime(after.activity_time()), version + 1,
                         FromProtoTime(after.update_time()), tenant, id})
                .status());
        v1::ActivityUpdated event;
        *event.mutable_activity() = after;
        for (const std::string& field : update.changed_fields) event.add_changed_fields(field);
        const absl::Time now = FromProtoTime(after.update_time());
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), event, now));
        if (IsEngagement(after.kind()) || IsEngagement(current.kind())) {
          RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account_id, "activity", now));
        }
        result = after;
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlEngagementStore::DeleteActivity(const std::string& tenant,
                                                  const std::string& account_id,
                                                  const std::string& id, const std::string& etag,
                                                  const std::string& actor, absl::Time now,
                                                  absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Activity current,
                     ReadActivity(tx.connection(), tenant, account_id, id, /*lock=*/true));
    RETURN_IF_ERROR(CheckEtag(etag, current.etag()));
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM activities WHERE tenant_id = ? AND id = ?", {tenant, id})
            .status());
    v1::ActivityDeleted event;
    *event.mutable_activity() = current;
    event.set_actor(actor);
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, current.name(), event, now));
    if (IsEngagement(current.kind())) {
      RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account_id, "activity", now));
    }
    return absl::OkStatus();
  });
}

// ---- Timeline --------------------------------------------------------------

absl::StatusOr<EngagementPage<v1::TimelineEntry>> MysqlEngagementStore::ListTimeline(
    const std::string& tenant, const std::string& account_id, const TimelineQuery& query,
    const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  // Each branch pages on its own index, then the union is merged: a page
  // never reads more than page_size + 1 rows of either table.
  // Columns: source, id, time, then per source:
  //   activity: kind, meeting_type, subject, summary, participants, author,
  //             version, create_time, update_time
  //   support:  NULL, ticket_type, ticket_subject, summary, event_type,
  //             ticket_id, ticket_status, NULL, NULL
  std::vector<std::string> branches;
  std::vector<mysql::Value> params;
  auto time_conditions = [&](absl::string_view column, std::string& sql) {
    for (const FilterTerm& term : query.time_terms) {
      absl::StrAppend(&sql, " AND ", column, SqlOp(term.op));
      params.emplace_back(term.value);
    }
  };
  if (query.activities) {
    std::string sql =
        "(SELECT 1 AS source, id AS entry_id, activity_time AS entry_time, kind AS c1, "
        "meeting_type AS c2, subject AS c3, summary AS c4, participants AS c5, author AS c6, "
        "version AS c7, create_time AS c8, update_time AS c9 FROM activities "
        "WHERE tenant_id = ? AND account_id = ?";
    params.emplace_back(tenant);
    params.emplace_back(account_id);
    time_conditions("activity_time", sql);
    AppendTimePage(plan, "activity_time", "id", sql, params);
    branches.push_back(sql + ")");
  }
  if (query.support_events) {
    std::string sql =
        "(SELECT 2 AS source, event_id AS entry_id, event_time AS entry_time, NULL AS c1, "
        "ticket_type AS c2, ticket_subject AS c3, summary AS c4, event_type AS c5, "
        "ticket_id AS c6, ticket_status AS c7, NULL AS c8, NULL AS c9 FROM support_events "
        "WHERE tenant_id = ? AND account_id = ? AND on_timeline = TRUE";
    params.emplace_back(tenant);
    params.emplace_back(account_id);
    time_conditions("event_time", sql);
    AppendTimePage(plan, "event_time", "event_id", sql, params);
    branches.push_back(sql + ")");
  }
  const char* dir = plan.newest_first ? " DESC" : " ASC";
  std::string sql = absl::StrCat("SELECT * FROM (", absl::StrJoin(branches, " UNION ALL "),
                                 ") u ORDER BY entry_time", dir, ", entry_id", dir, " LIMIT ?");
  params.emplace_back(int64_t{plan.page_size + 1});
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  EngagementPage<v1::TimelineEntry> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) {
    v1::TimelineEntry& entry = page.items.emplace_back();
    *entry.mutable_time() = ToProtoTime(row.Time(2));
    if (row.Int(0) == 1) {
      v1::Activity& activity = *entry.mutable_activity();
      activity.set_name(ActivityName(account_id, row.String(1)));
      activity.set_kind(static_cast<v1::Activity::Kind>(row.Int(3)));
      activity.set_meeting_type(static_cast<v1::Activity::MeetingType>(row.Int(4)));
      activity.set_subject(row.String(5));
      activity.set_summary(row.String(6));
      ParseJsonStrings(row.String(7), *activity.mutable_participants());
      activity.set_author(row.String(8));
      *activity.mutable_activity_time() = ToProtoTime(row.Time(2));
      activity.set_etag(EtagFor(row.String(1), row.Int(9)));
      *activity.mutable_create_time() = ToProtoTime(row.Time(10));
      *activity.mutable_update_time() = ToProtoTime(row.Time(11));
    } else {
      v1::SupportEvent& event = *entry.mutable_support_event();
      event.set_event_id(row.String(1));
      event.set_ticket_type(TicketTypeName(row.Int(4)));
      event.set_ticket_subject(row.String(5));
      event.set_summary(row.String(6));
      event.set_type(row.String(7));
      event.set_ticket(ResourceName("tickets", row.String(8)));
      event.set_ticket_status(TicketStatusName(row.Int(9)));
      *event.mutable_event_time() = ToProtoTime(row.Time(2));
    }
  }
  return page;
}

// ---- NPS -------------------------------------------------------------------

absl::StatusOr<v1::NpsResponse> MysqlEngagementStore::RecordNpsResponse(
    const std::string& tenant, const std::string& account_id, const v1::NpsResponse& response,
    const CreateKey& key, absl::Time deadline) {
  const std::string id = ResourceIdOf(response.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(AccountSnapshot account, LockAccount(tx.connection(), tenant, account_id));
    mysql::Value contact_id = nullptr;
    if (!response.contact().empty()) {
      contact_id = ResourceIdOf(response.contact());
      ASSIGN_OR_RETURN(auto rows,
                       tx->Query("SELECT 1 FROM contacts WHERE tenant_id = ? AND "
                                 "id = ? AND account_id = ? LOCK IN SHARE MODE",
                                 {tenant, ResourceIdOf(response.contact()), account_id}));
      if (rows.empty()) {
        return InvalidField("nps_response.contact", "is not a contact of this account");
      }
    }
    const absl::Time created = FromProtoTime(response.create_time());
    RETURN_IF_ERROR(
        tx->Execute(
              "INSERT INTO nps_responses (tenant_id, id, account_id, contact_id, score, "
              "comment, response_time, recorded_by, create_time) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
              {tenant, id, account_id, contact_id, int64_t{response.score()}, response.comment(),
               FromProtoTime(response.response_time()), response.recorded_by(), created})
            .status());
    v1::NpsRecorded event;
    *event.mutable_nps_response() = response;
    event.set_account(AccountName(account_id));
    event.set_category(response.category());
    event.set_account_tier(account.tier);
    event.set_account_plan(account.plan);
    event.set_account_owner(account.owner);
    event.set_account_mrr_minor(account.mrr_minor);
    event.set_currency_code(account.currency_code);
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, response.name(), event,
                                    FromProtoTime(response.response_time())));
    return QueueAccountReview(tx, tenant, account_id, "nps", created);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "RecordNpsResponse", key,
                                                response.name(), insert));
  if (name != response.name()) {
    return GetNpsResponse(tenant, AccountOf(name), ResourceIdOf(name), deadline);
  }
  return response;
}

absl::StatusOr<v1::NpsResponse> MysqlEngagementStore::GetNpsResponse(const std::string& tenant,
                                                                     const std::string& account_id,
                                                                     const std::string& id,
                                                                     absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadNps(*db, tenant, account_id, id);
}

absl::StatusOr<EngagementPage<v1::NpsResponse>> MysqlEngagementStore::ListNpsResponses(
    const std::string& tenant, const std::string& account_id,
    const std::vector<NpsCondition>& conditions, const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kNpsColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (!account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  for (const NpsCondition& condition : conditions) {
    switch (condition.field) {
      case NpsField::kCategory:
        absl::StrAppend(&sql, condition.op == FilterOp::kNe ? " AND NOT (" : " AND (",
                        CategoryCondition(condition.value), ")");
        break;
      case NpsField::kScore:
        absl::StrAppend(&sql, " AND score", SqlOp(condition.op));
        params.emplace_back(int64_t{std::stoi(condition.value)});
        break;
      case NpsField::kResponseTime:
        absl::StrAppend(&sql, " AND response_time", SqlOp(condition.op));
        params.emplace_back(condition.value);
        break;
    }
  }
  AppendTimePage(plan, "response_time", "id", sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  EngagementPage<v1::NpsResponse> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(NpsFromRow(row));
  return page;
}

// ---- Feedback --------------------------------------------------------------

absl::StatusOr<v1::Feedback> MysqlEngagementStore::CreateFeedback(
    const std::string& tenant, const v1::Feedback& feedback,
    const std::vector<std::string>& account_ids, const CreateKey& key, absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    FieldViolations missing;
    for (size_t i = 0; i < account_ids.size(); ++i) {
      ASSIGN_OR_RETURN(const bool exists,
                       AccountExists(tx.connection(), tenant, account_ids[i], /*lock=*/true));
      if (!exists) {
        missing.Add(absl::StrCat("feedback.accounts[", i, "]"), "is not an account of this tenant");
      }
    }
    RETURN_IF_ERROR(missing.ToStatus());
    return InsertFeedback(tx, *outbox_, tenant, feedback, account_ids, "");
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateFeedback", key,
                                                feedback.name(), insert));
  return GetFeedback(tenant, ResourceIdOf(name), deadline);
}

absl::StatusOr<v1::Feedback> MysqlEngagementStore::GetFeedback(const std::string& tenant,
                                                               const std::string& id,
                                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadFeedback(*db, tenant, id);
}

absl::StatusOr<EngagementPage<v1::Feedback>> MysqlEngagementStore::ListFeedback(
    const std::string& tenant, const std::vector<FeedbackCondition>& conditions,
    FeedbackOrder order, const ListPlan& plan, absl::Time deadline) {
  std::string inner = absl::StrCat(kFeedbackSelect, "WHERE f.tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  for (const FeedbackCondition& condition : conditions) {
    const char* negate = condition.op == FilterOp::kNe ? " AND NOT " : " AND ";
    switch (condition.field) {
      case FeedbackField::kStatus:
        absl::StrAppend(&inner, negate, "(f.status = ?)");
        params.emplace_back(int64_t{std::stoi(condition.value)});
        break;
      case FeedbackField::kSource:
        absl::StrAppend(&inner, negate, "(f.source = ?)");
        params.emplace_back(int64_t{std::stoi(condition.value)});
        break;
      case FeedbackField::kAccount:
        absl::StrAppend(&inner, negate,
                        "EXISTS (SELECT 1 FROM feedback_accounts fa WHERE "
                        "fa.tenant_id = f.tenant_id AND fa.feedback_id = f.id AND "
                        "fa.account_id = ?)");
        params.emplace_back(condition.value);
        break;
    }
  }
  std::string sql = absl::StrCat("SELECT * FROM (", inner, ") x WHERE TRUE");
  if (order == FeedbackOrder::kRequestedArr) {
    // Always highest first; the position's "time" carries the ARR.
    if (plan.after.has_value()) {
      const int64_t arr = absl::ToUnixMicros(plan.after->create_time);
      absl::StrAppend(&sql, " AND (arr < ? OR (arr = ? AND id < ?))");
      params.emplace_back(arr);
      params.emplace_back(arr);
      params.emplace_back(plan.after->id);
    }
    absl::StrAppend(&sql, " ORDER BY arr DESC, id DESC LIMIT ?");
    params.emplace_back(int64_t{plan.page_size + 1});
  } else {
    mysql::AppendKeysetPage(plan, sql, params);
  }
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  EngagementPage<v1::Feedback> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(FeedbackFromRow(row));
  return page;
}

absl::StatusOr<v1::Feedback> MysqlEngagementStore::UpdateFeedback(
    const std::string& tenant, const std::string& id, const std::string& actor,
    const EngagementDecision<v1::Feedback>& decide, absl::Time deadline) {
  v1::Feedback result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version, LockFeedback(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(v1::Feedback current, ReadFeedback(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(EngagementUpdate<v1::Feedback> update,
                         decide(current, EtagFor(id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Feedback& after = update.resource;
        RETURN_IF_ERROR(tx->Execute("UPDATE feedback SET title = ?, description = ?, status = ?, "
                                    "version = ?, update_time = ? WHERE tenant_id = ? AND id = ?",
                                    {after.title(), after.description(), int64_t{after.status()},
                                     version + 1, FromProtoTime(after.update_time()), tenant, id})
                            .status());
        v1::FeedbackUpdated event;
        *event.mutable_feedback() = after;
        for (const std::string& field : update.changed_fields) event.add_changed_fields(field);
        event.set_previous_status(current.status());
        event.set_actor(actor);
        RETURN_IF_ERROR(
            outbox_->Append(tx, tenant, after.name(), event, FromProtoTime(after.update_time())));
        result = after;
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Feedback> MysqlEngagementStore::AddFeedbackAccount(
    const std::string& tenant, const std::string& id, const std::string& account_id,
    const std::string& actor, absl::Time now, absl::Time deadline) {
  v1::Feedback result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version, LockFeedback(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(const bool exists,
                         AccountExists(tx.connection(), tenant, account_id, /*lock=*/true));
        if (!exists) return InvalidField("account", "is not an account of this tenant");
        ASSIGN_OR_RETURN(int64_t added,
                         tx->Execute("INSERT IGNORE INTO feedback_accounts (tenant_id, "
                                     "feedback_id, account_id, add_time) VALUES (?, ?, ?, ?)",
                                     {tenant, id, account_id, now}));
        if (added > 0) {
          RETURN_IF_ERROR(tx->Execute("UPDATE feedback SET version = ?, update_time = ? "
                                      "WHERE tenant_id = ? AND id = ?",
                                      {version + 1, now, tenant, id})
                              .status());
        }
        ASSIGN_OR_RETURN(result, ReadFeedback(tx.connection(), tenant, id));
        if (added == 0) return absl::OkStatus();
        v1::FeedbackUpdated event;
        *event.mutable_feedback() = result;
        event.add_changed_fields("accounts");
        event.set_previous_status(result.status());
        event.set_actor(actor);
        return outbox_->Append(tx, tenant, result.name(), event, now);
      }));
  return result;
}

// ---- In the caller's transaction -------------------------------------------

absl::Status LoadSupportSignals(mysql::Transaction& tx, const std::string& tenant,
                                const std::string& account_id, absl::Time now,
                                SupportSignals& out) {
  out = SupportSignals{};
  ASSIGN_OR_RETURN(auto tickets,
                   tx->Query("SELECT COUNT(*), COALESCE(SUM(status IN (?, ?, ?, ?)), 0) "
                             "FROM support_tickets WHERE tenant_id = ? AND account_id = ?",
                             {int64_t{support::v1::Ticket::NEW}, int64_t{support::v1::Ticket::OPEN},
                              int64_t{support::v1::Ticket::PENDING},
                              int64_t{support::v1::Ticket::ON_HOLD}, tenant, account_id}));
  out.has_tickets = tickets.at(0).Int(0) > 0;
  out.open_tickets = static_cast<int32_t>(tickets.at(0).Int(1));
  // Newest first, so the first row of a kind is its latest.
  ASSIGN_OR_RETURN(auto signals,
                   tx->Query("SELECT kind, signal_time, ticket_id, score FROM support_signals "
                             "WHERE tenant_id = ? AND account_id = ? AND signal_time > ? "
                             "ORDER BY signal_time DESC",
                             {tenant, account_id, now - absl::Hours(24 * 90)}));
  const absl::Time month_ago = now - absl::Hours(24 * 30);
  int32_t rated = 0;
  int32_t satisfied = 0;
  for (const mysql::Row& row : signals) {
    const auto kind = static_cast<SupportSignalKind>(row.Int(0));
    const absl::Time time = row.Time(1);
    const std::string ticket = ResourceName("tickets", row.String(2));
    if (kind == SupportSignalKind::kCsat) {
      ++rated;
      if (row.Int(3) >= 4) ++satisfied;
      continue;
    }
    if (time <= month_ago) continue;
    switch (kind) {
      case SupportSignalKind::kTicket:
        ++out.tickets_30d;
        break;
      case SupportSignalKind::kComplaint:
        if (out.complaints_30d++ == 0) {
          out.last_complaint_time = time;
          out.last_complaint_ticket = ticket;
        }
        break;
      case SupportSignalKind::kEscalation:
        if (out.escalations_30d++ == 0) {
          out.last_escalation_time = time;
          out.last_escalation_ticket = ticket;
        }
        break;
      case SupportSignalKind::kSlaBreach:
        if (out.sla_breaches_30d++ == 0) {
          out.last_sla_breach_time = time;
          out.last_sla_breach_ticket = ticket;
        }
        break;
      case SupportSignalKind::kCsat:
        break;
    }
  }
  if (rated > 0) out.csat_90d = static_cast<double>(satisfied) / rated;
  return absl::OkStatus();
}

absl::Status LoadEngagementSignals(mysql::Transaction& tx, const std::string& tenant,
                                   const std::string& account_id, absl::Time now,
                                   EngagementSignals& out) {
  out = EngagementSignals{};
  ASSIGN_OR_RETURN(auto nps, tx->Query("SELECT id, score, response_time FROM nps_responses "
                                       "WHERE tenant_id = ? AND account_id = ? "
                                       "ORDER BY response_time DESC, id DESC LIMIT 1",
                                       {tenant, account_id}));
  if (!nps.empty()) {
    out.latest_nps = static_cast<int32_t>(nps[0].Int(1));
    out.latest_nps_time = nps[0].Time(2);
    out.latest_nps_response = NpsName(account_id, nps[0].String(0));
  }
  ASSIGN_OR_RETURN(auto engaged,
                   tx->Query("SELECT MAX(activity_time) FROM activities WHERE tenant_id = ? AND "
                             "account_id = ? AND kind IN (?, ?, ?) AND activity_time <= ?",
                             {tenant, account_id, int64_t{v1::Activity::MEETING},
                              int64_t{v1::Activity::CALL}, int64_t{v1::Activity::EMAIL}, now}));
  if (!engaged.empty() && !engaged[0].IsNull(0)) out.last_engagement_time = engaged[0].Time(0);
  return absl::OkStatus();
}

absl::Status InsertTicketFeedback(mysql::Transaction& tx, feed::Outbox& outbox,
                                  const std::string& tenant, const std::string& ticket_id,
                                  const std::string& account_id, const std::string& title,
                                  const std::string& description, absl::Time time) {
  ASSIGN_OR_RETURN(auto existing, tx->Query("SELECT 1 FROM feedback WHERE tenant_id = ? AND "
                                            "source_ticket = ?",
                                            {tenant, ticket_id}));
  if (!existing.empty()) return absl::OkStatus();
  v1::Feedback feedback;
  feedback.set_name(ResourceName("feedback", NewIdAt(time)));
  std::string clipped_title = title.empty() ? absl::StrCat("Ticket ", ticket_id) : title;
  feedback.set_title(clipped_title.substr(0, kMaxTitle));
  feedback.set_description(description.substr(0, kMaxDescription));
  feedback.set_source(v1::Feedback::SUPPORT_TICKET);
  feedback.set_status(v1::Feedback::NEW);
  feedback.set_creator(std::string(kTicketFeedbackCreator));
  *feedback.mutable_create_time() = ToProtoTime(time);
  *feedback.mutable_update_time() = ToProtoTime(time);
  return InsertFeedback(
      tx, outbox, tenant, feedback,
      account_id.empty() ? std::vector<std::string>{} : std::vector<std::string>{account_id},
      ticket_id);
}

}  // namespace tandem::success

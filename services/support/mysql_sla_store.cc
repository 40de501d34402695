#include "services/support/mysql_sla_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/mysql/keyset.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {
namespace {

constexpr absl::string_view kCalendarColumns =
    "c.id, c.display_name, c.time_zone, c.business_hours, c.holidays, c.version, "
    "c.create_time, c.update_time";
constexpr int kCalendarColumnCount = 8;

constexpr absl::string_view kPolicyColumns =
    "p.id, p.display_name, p.position, p.priorities, p.account_tiers, p.channels, p.types, "
    "p.calendar_id, p.first_response_seconds, p.next_response_seconds, p.resolution_seconds, "
    "p.version, p.create_time, p.update_time";
constexpr int kPolicyColumnCount = 14;

nlohmann::json ParseJson(const std::string& text) {
  return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
}

std::string HoursJson(const v1::BusinessCalendar& calendar) {
  nlohmann::json hours = nlohmann::json::array();
  for (const auto& interval : calendar.business_hours()) {
    hours.push_back({{"weekday", static_cast<int>(interval.weekday())},
                     {"start", interval.start_time()},
                     {"end", interval.end_time()}});
  }
  return hours.dump();
}

std::string HolidaysJson(const v1::BusinessCalendar& calendar) {
  nlohmann::json holidays = nlohmann::json::array();
  for (const auto& holiday : calendar.holidays()) {
    holidays.push_back({{"date", holiday.date()}, {"description", holiday.description()}});
  }
  return holidays.dump();
}

template <typename Values>
std::string NumbersJson(const Values& values) {
  nlohmann::json numbers = nlohmann::json::array();
  for (int value : values) numbers.push_back(value);
  return numbers.dump();
}

std::vector<int> NumbersOf(const std::string& text) {
  std::vector<int> numbers;
  const nlohmann::json json = ParseJson(text);
  if (!json.is_array()) return numbers;
  for (const auto& number : json) {
    if (number.is_number_integer()) numbers.push_back(number.get<int>());
  }
  return numbers;
}

std::string StringField(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

v1::BusinessCalendar CalendarFromRow(const mysql::Row& row, int first = 0) {
  v1::BusinessCalendar calendar;
  calendar.set_name(ResourceName("calendars", row.String(first)));
  calendar.set_display_name(row.String(first + 1));
  calendar.set_time_zone(row.String(first + 2));
  const nlohmann::json hours = ParseJson(row.String(first + 3));
  if (hours.is_array()) {
    for (const auto& item : hours) {
      if (!item.is_object()) continue;
      auto& interval = *calendar.add_business_hours();
      interval.set_weekday(static_cast<v1::BusinessCalendar::Weekday>(item.value("weekday", 0)));
      interval.set_start_time(StringField(item, "start"));
      interval.set_end_time(StringField(item, "end"));
    }
  }
  const nlohmann::json holidays = ParseJson(row.String(first + 4));
  if (holidays.is_array()) {
    for (const auto& item : holidays) {
      if (!item.is_object()) continue;
      auto& holiday = *calendar.add_holidays();
      holiday.set_date(StringField(item, "date"));
      holiday.set_description(StringField(item, "description"));
    }
  }
  calendar.set_etag(EtagFor(row.String(first), row.Int(first + 5)));
  *calendar.mutable_create_time() = ToProtoTime(row.Time(first + 6));
  *calendar.mutable_update_time() = ToProtoTime(row.Time(first + 7));
  return calendar;
}

v1::SlaPolicy PolicyFromRow(const mysql::Row& row) {
  v1::SlaPolicy policy;
  policy.set_name(ResourceName("slaPolicies", row.String(0)));
  policy.set_display_name(row.String(1));
  policy.set_position(static_cast<int32_t>(row.Int(2)));
  for (int v : NumbersOf(row.String(3)))
    policy.add_priorities(static_cast<v1::Ticket::Priority>(v));
  for (int v : NumbersOf(row.String(4))) {
    policy.add_account_tiers(static_cast<success::v1::TouchTier>(v));
  }
  for (int v : NumbersOf(row.String(5))) policy.add_channels(static_cast<v1::Ticket::Channel>(v));
  for (int v : NumbersOf(row.String(6))) policy.add_types(static_cast<v1::Ticket::Type>(v));
  if (!row.IsNull(7)) policy.set_calendar(ResourceName("calendars", row.String(7)));
  if (!row.IsNull(8)) policy.mutable_first_response_target()->set_seconds(row.Int(8));
  if (!row.IsNull(9)) policy.mutable_next_response_target()->set_seconds(row.Int(9));
  if (!row.IsNull(10)) policy.mutable_resolution_target()->set_seconds(row.Int(10));
  policy.set_etag(EtagFor(row.String(0), row.Int(11)));
  *policy.mutable_create_time() = ToProtoTime(row.Time(12));
  *policy.mutable_update_time() = ToProtoTime(row.Time(13));
  return policy;
}

mysql::Value TargetSeconds(bool set, const google::protobuf::Duration& target) {
  if (!set) return nullptr;
  return int64_t{target.seconds()};
}

// The values of a policy's columns from display_name to resolution_seconds.
std::vector<mysql::Value> PolicyValues(const v1::SlaPolicy& policy) {
  mysql::Value calendar = nullptr;
  if (!policy.calendar().empty()) calendar = ResourceIdOf(policy.calendar());
  return {policy.display_name(),
          int64_t{policy.position()},
          NumbersJson(policy.priorities()),
          NumbersJson(policy.account_tiers()),
          NumbersJson(policy.channels()),
          NumbersJson(policy.types()),
          calendar,
          TargetSeconds(policy.has_first_response_target(), policy.first_response_target()),
          TargetSeconds(policy.has_next_response_target(), policy.next_response_target()),
          TargetSeconds(policy.has_resolution_target(), policy.resolution_target())};
}

absl::Status NotFound(absl::string_view collection, const std::string& id) {
  return absl::NotFoundError(absl::StrCat(collection, "/", id, " does not exist"));
}

// Refuses a create once the tenant has `limit` rows in `table`.
absl::Status CheckQuota(mysql::Transaction& tx, absl::string_view table, const std::string& tenant,
                        int limit, absl::string_view what) {
  ASSIGN_OR_RETURN(
      auto rows,
      tx->Query(absl::StrCat("SELECT COUNT(*) FROM ", table, " WHERE tenant_id = ?"), {tenant}));
  if (!rows.empty() && rows[0].Int(0) >= limit) {
    return absl::FailedPreconditionError(
        absl::StrCat("a tenant may have at most ", limit, " ", what, "; delete one first"));
  }
  return absl::OkStatus();
}

// Checks, under a shared lock held until commit (so it cannot be deleted
// meanwhile), that the policy's calendar exists.
absl::Status CheckCalendarExists(mysql::Transaction& tx, const std::string& tenant,
                                 const v1::SlaPolicy& policy) {
  if (policy.calendar().empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(auto rows, tx->Query("SELECT id FROM sla_calendars WHERE tenant_id = ? AND "
                                        "id = ? LOCK IN SHARE MODE",
                                        {tenant, ResourceIdOf(policy.calendar())}));
  if (rows.empty()) return InvalidField("sla_policy.calendar", "does not exist");
  return absl::OkStatus();
}

// Locks a row of `table` and returns its version; NOT_FOUND if missing.
absl::StatusOr<int64_t> LockVersion(mysql::Transaction& tx, absl::string_view table,
                                    absl::string_view collection, const std::string& tenant,
                                    const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat("SELECT version FROM ", table,
                                                     " WHERE tenant_id = ? AND id = ? FOR UPDATE"),
                                        {tenant, id}));
  if (rows.empty()) return NotFound(collection, id);
  return rows[0].Int(0);
}

}  // namespace

absl::StatusOr<v1::BusinessCalendar> MysqlSlaStore::CreateCalendar(
    const std::string& tenant, const v1::BusinessCalendar& calendar, const CreateKey& key,
    absl::Time deadline) {
  const std::string id = ResourceIdOf(calendar.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckQuota(tx, "sla_calendars", tenant, kMaxCalendarsPerTenant, "calendars"));
    return tx
        ->Execute(
            "INSERT INTO sla_calendars (tenant_id, id, display_name, time_zone, "
            "business_hours, holidays, version, create_time, update_time) "
            "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            {tenant, id, calendar.display_name(), calendar.time_zone(), HoursJson(calendar),
             HolidaysJson(calendar), FromProtoTime(calendar.create_time()),
             FromProtoTime(calendar.update_time())})
        .status();
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateBusinessCalendar",
                                                key, calendar.name(), insert));
  if (name != calendar.name()) return GetCalendar(tenant, ResourceIdOf(name), deadline);
  v1::BusinessCalendar created = calendar;
  created.set_etag(EtagFor(id, 1));
  return created;
}

absl::StatusOr<v1::BusinessCalendar> MysqlSlaStore::GetCalendar(const std::string& tenant,
                                                                const std::string& id,
                                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat("SELECT ", kCalendarColumns,
                                                     " FROM sla_calendars c WHERE "
                                                     "c.tenant_id = ? AND c.id = ?"),
                                        {tenant, id}));
  if (rows.empty()) return NotFound("calendars", id);
  return CalendarFromRow(rows[0]);
}

absl::StatusOr<CalendarPage> MysqlSlaStore::ListCalendars(
    const std::string& tenant, const std::vector<CalendarCondition>& conditions,
    const ListPlan& plan, absl::Time deadline) {
  // The keyset helpers name bare columns, unambiguous in a one-table query.
  std::string sql =
      absl::StrCat("SELECT ", kCalendarColumns, " FROM sla_calendars c WHERE c.tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> typed;
  for (const CalendarCondition& condition : conditions) {
    typed.push_back({.column = condition.field == CalendarCondition::Field::kTimeZone
                                   ? "time_zone"
                                   : "create_time",
                     .op = condition.op,
                     .value = condition.value});
  }
  mysql::AppendConditions(typed, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  CalendarPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.calendars.push_back(CalendarFromRow(row));
  return page;
}

absl::StatusOr<v1::BusinessCalendar> MysqlSlaStore::UpdateCalendar(
    const std::string& tenant, const std::string& id, const CalendarUpdateDecision& decide,
    absl::Time deadline) {
  v1::BusinessCalendar result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat("SELECT ", kCalendarColumns,
                                                           " FROM sla_calendars c WHERE "
                                                           "c.tenant_id = ? AND c.id = ? "
                                                           "FOR UPDATE"),
                                              {tenant, id}));
        if (rows.empty()) return NotFound("calendars", id);
        const v1::BusinessCalendar current = CalendarFromRow(rows[0]);
        const int64_t version = rows[0].Int(5);
        ASSIGN_OR_RETURN(v1::BusinessCalendar after, decide(current));
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE sla_calendars SET display_name = ?, time_zone = ?, "
                  "business_hours = ?, holidays = ?, version = ?, update_time = ? "
                  "WHERE tenant_id = ? AND id = ?",
                  {after.display_name(), after.time_zone(), HoursJson(after), HolidaysJson(after),
                   version + 1, FromProtoTime(after.update_time()), tenant, id})
                .status());
        after.set_etag(EtagFor(id, version + 1));
        result = std::move(after);
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlSlaStore::DeleteCalendar(const std::string& tenant, const std::string& id,
                                           const std::string& etag, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    // The calendar's row lock makes a policy being pointed at it wait
    // (CheckCalendarExists takes a shared lock on the same row).
    ASSIGN_OR_RETURN(int64_t version, LockVersion(tx, "sla_calendars", "calendars", tenant, id));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, version)));
    ASSIGN_OR_RETURN(auto users, tx->Query("SELECT id FROM sla_policies WHERE tenant_id = ? AND "
                                           "calendar_id = ? ORDER BY id LIMIT 3",
                                           {tenant, id}));
    if (!users.empty()) {
      std::vector<std::string> names;
      for (const mysql::Row& row : users)
        names.push_back(ResourceName("slaPolicies", row.String(0)));
      return absl::FailedPreconditionError(
          absl::StrCat("calendars/", id, " is used by ", absl::StrJoin(names, ", "),
                       users.size() == 3 ? " and maybe more" : "",
                       "; point those policies at another calendar first"));
    }
    return tx->Execute("DELETE FROM sla_calendars WHERE tenant_id = ? AND id = ?", {tenant, id})
        .status();
  });
}

absl::StatusOr<v1::SlaPolicy> MysqlSlaStore::CreatePolicy(const std::string& tenant,
                                                          const v1::SlaPolicy& policy,
                                                          const CreateKey& key,
                                                          absl::Time deadline) {
  const std::string id = ResourceIdOf(policy.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckQuota(tx, "sla_policies", tenant, kMaxPoliciesPerTenant, "SLA policies"));
    RETURN_IF_ERROR(CheckCalendarExists(tx, tenant, policy));
    std::vector<mysql::Value> values = {tenant, id};
    for (mysql::Value& value : PolicyValues(policy)) values.push_back(std::move(value));
    values.push_back(FromProtoTime(policy.create_time()));
    values.push_back(FromProtoTime(policy.update_time()));
    return tx
        ->Execute(
            "INSERT INTO sla_policies (tenant_id, id, display_name, position, priorities, "
            "account_tiers, channels, types, calendar_id, first_response_seconds, "
            "next_response_seconds, resolution_seconds, version, create_time, update_time) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
            values)
        .status();
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateSlaPolicy", key,
                                                policy.name(), insert));
  if (name != policy.name()) return GetPolicy(tenant, ResourceIdOf(name), deadline);
  v1::SlaPolicy created = policy;
  created.set_etag(EtagFor(id, 1));
  return created;
}

absl::StatusOr<v1::SlaPolicy> MysqlSlaStore::GetPolicy(const std::string& tenant,
                                                       const std::string& id, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat("SELECT ", kPolicyColumns,
                                                     " FROM sla_policies p WHERE "
                                                     "p.tenant_id = ? AND p.id = ?"),
                                        {tenant, id}));
  if (rows.empty()) return NotFound("slaPolicies", id);
  return PolicyFromRow(rows[0]);
}

absl::StatusOr<PolicyPage> MysqlSlaStore::ListPolicies(
    const std::string& tenant, const std::optional<PolicyCalendarCondition>& calendar,
    const std::optional<PolicyPosition>& after, int limit, absl::Time deadline) {
  std::string sql =
      absl::StrCat("SELECT ", kPolicyColumns, " FROM sla_policies p WHERE p.tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (calendar.has_value()) {
    const bool equal = calendar->op == FilterOp::kEq;
    if (calendar->calendar_id.empty()) {
      absl::StrAppend(&sql,
                      equal ? " AND p.calendar_id IS NULL" : " AND p.calendar_id IS NOT NULL");
    } else {
      absl::StrAppend(&sql, equal ? " AND p.calendar_id <=> ?" : " AND NOT (p.calendar_id <=> ?)");
      params.push_back(calendar->calendar_id);
    }
  }
  if (after.has_value()) {
    absl::StrAppend(&sql,
                    " AND (p.position > ? OR (p.position = ? AND (p.create_time > ? OR "
                    "(p.create_time = ? AND p.id > ?))))");
    for (mysql::Value value :
         std::vector<mysql::Value>{int64_t{after->position}, int64_t{after->position},
                                   after->create_time, after->create_time, after->id}) {
      params.push_back(std::move(value));
    }
  }
  absl::StrAppend(&sql, " ORDER BY p.position, p.create_time, p.id LIMIT ?");
  params.push_back(int64_t{limit + 1});
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  PolicyPage page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < std::min<int>(limit, static_cast<int>(rows.size())); ++i) {
    page.policies.push_back(PolicyFromRow(rows[i]));
  }
  return page;
}

absl::StatusOr<v1::SlaPolicy> MysqlSlaStore::UpdatePolicy(const std::string& tenant,
                                                          const std::string& id,
                                                          const PolicyUpdateDecision& decide,
                                                          absl::Time deadline) {
  v1::SlaPolicy result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat("SELECT ", kPolicyColumns,
                                                           " FROM sla_policies p WHERE "
                                                           "p.tenant_id = ? AND p.id = ? "
                                                           "FOR UPDATE"),
                                              {tenant, id}));
        if (rows.empty()) return NotFound("slaPolicies", id);
        const v1::SlaPolicy current = PolicyFromRow(rows[0]);
        const int64_t version = rows[0].Int(11);
        ASSIGN_OR_RETURN(v1::SlaPolicy after, decide(current));
        if (after.calendar() != current.calendar()) {
          RETURN_IF_ERROR(CheckCalendarExists(tx, tenant, after));
        }
        std::vector<mysql::Value> values = PolicyValues(after);
        values.push_back(version + 1);
        values.push_back(FromProtoTime(after.update_time()));
        values.push_back(tenant);
        values.push_back(id);
        RETURN_IF_ERROR(
            tx->Execute("UPDATE sla_policies SET display_name = ?, position = ?, priorities = ?, "
                        "account_tiers = ?, channels = ?, types = ?, calendar_id = ?, "
                        "first_response_seconds = ?, next_response_seconds = ?, "
                        "resolution_seconds = ?, version = ?, update_time = ? "
                        "WHERE tenant_id = ? AND id = ?",
                        values)
                .status());
        after.set_etag(EtagFor(id, version + 1));
        result = std::move(after);
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlSlaStore::DeletePolicy(const std::string& tenant, const std::string& id,
                                         const std::string& etag, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version, LockVersion(tx, "sla_policies", "slaPolicies", tenant, id));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, version)));
    return tx->Execute("DELETE FROM sla_policies WHERE tenant_id = ? AND id = ?", {tenant, id})
        .status();
  });
}

absl::StatusOr<std::vector<StoredSlaPolicy>> MysqlSlaStore::LoadPolicies(
    mysql::Connection& db, const std::string& tenant) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat("SELECT ", kPolicyColumns, ", ", kCalendarColumns,
                            " FROM sla_policies p LEFT JOIN sla_calendars c "
                            "ON c.tenant_id = p.tenant_id AND c.id = p.calendar_id "
                            "WHERE p.tenant_id = ? ORDER BY p.position, p.create_time, p.id"),
               {tenant}));
  std::vector<StoredSlaPolicy> policies;
  policies.reserve(rows.size());
  for (const mysql::Row& row : rows) {
    StoredSlaPolicy& stored = policies.emplace_back();
    stored.policy = PolicyFromRow(row);
    if (!row.IsNull(kPolicyColumnCount)) stored.calendar = CalendarFromRow(row, kPolicyColumnCount);
  }
  static_assert(kCalendarColumnCount == 8);
  return policies;
}

absl::StatusOr<std::vector<StoredSlaPolicy>> MysqlSlaStore::LoadPolicies(const std::string& tenant,
                                                                         absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return LoadPolicies(*db, tenant);
}

}  // namespace tandem::support

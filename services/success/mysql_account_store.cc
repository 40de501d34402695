#include "services/success/mysql_account_store.h"

#include <utility>

#include <google/protobuf/field_mask.pb.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/mysql/keyset.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/mysql_revenue_store.h"
#include "tandem/success/v1/events.pb.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kColumns =
    "SELECT id, display_name, external_id, owner, plan, currency_code, touch_tier, "
    "lifecycle_stage, mrr_minor, version, create_time, update_time, seats_licensed, "
    "seats_active, contract_start_time, renewal_time, health_score, health_band, health_trend, "
    "health_update_time, tier_source, churn_time, churn_reason FROM accounts ";

// Months in a year: ARR is 12 x MRR.
constexpr int64_t kMonthsPerYear = 12;

v1::Account FromRow(const mysql::Row& row) {
  v1::Account account;
  account.set_name(ResourceName("accounts", row.String(0)));
  account.set_display_name(row.String(1));
  account.set_external_id(row.String(2));
  account.set_owner(row.String(3));
  account.set_plan(row.String(4));
  account.set_currency_code(row.String(5));
  account.set_touch_tier(static_cast<v1::TouchTier>(row.Int(6)));
  account.set_lifecycle_stage(static_cast<v1::Account::LifecycleStage>(row.Int(7)));
  account.set_mrr_minor(row.Int(8));
  account.set_arr_minor(kMonthsPerYear * row.Int(8));
  account.set_etag(EtagFor(row.String(0), row.Int(9)));
  *account.mutable_create_time() = ToProtoTime(row.Time(10));
  *account.mutable_update_time() = ToProtoTime(row.Time(11));
  account.set_seats_licensed(static_cast<int32_t>(row.Int(12)));
  account.set_seats_active(static_cast<int32_t>(row.Int(13)));
  if (!row.IsNull(14)) *account.mutable_contract_start_time() = ToProtoTime(row.Time(14));
  if (!row.IsNull(15)) *account.mutable_renewal_time() = ToProtoTime(row.Time(15));
  account.set_health_score(static_cast<int32_t>(row.Int(16)));
  account.set_health_band(static_cast<v1::HealthBand>(row.Int(17)));
  account.set_health_trend(static_cast<v1::HealthTrend>(row.Int(18)));
  if (!row.IsNull(19)) *account.mutable_health_update_time() = ToProtoTime(row.Time(19));
  account.set_tier_source(static_cast<v1::Account::TierSource>(row.Int(20)));
  if (!row.IsNull(21)) *account.mutable_churn_time() = ToProtoTime(row.Time(21));
  account.set_churn_reason(row.String(22));
  return account;
}

const char* ColumnOf(AccountField field) {
  switch (field) {
    case AccountField::kTouchTier:
      return "touch_tier";
    case AccountField::kLifecycleStage:
      return "lifecycle_stage";
    case AccountField::kHealthBand:
      return "health_band";
    case AccountField::kOwner:
      return "owner";
    case AccountField::kPlan:
      return "plan";
    case AccountField::kExternalId:
      return "external_id";
    case AccountField::kRenewalTime:
      return "renewal_time";
  }
  return "id";
}

// Turns a duplicate external id into a message naming it (the database's
// own text names keys the caller need not see).
absl::Status ExplainDuplicate(absl::Status status, const v1::Account& account) {
  if (status.code() == absl::StatusCode::kAlreadyExists &&
      absl::StrContains(status.message(), "accounts_external_id")) {
    return absl::AlreadyExistsError(
        absl::StrCat("another account already has external_id \"", account.external_id(), "\""));
  }
  return status;
}

mysql::Value ExternalIdValue(const v1::Account& account) {
  if (account.external_id().empty()) return nullptr;  // accounts without one do not collide
  return account.external_id();
}

mysql::Value TimeValue(bool present, const google::protobuf::Timestamp& time) {
  if (!present) return nullptr;
  return FromProtoTime(time);
}

// Locks the account's row and returns it with its version.
absl::StatusOr<std::pair<v1::Account, int64_t>> LockRow(mysql::Connection& tx,
                                                        const std::string& tenant,
                                                        const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ? FOR UPDATE"), {tenant, id}));
  if (rows.empty()) return AccountNotFound(id);
  return std::make_pair(FromRow(rows[0]), rows[0].Int(9));
}

absl::Status InsertStageChange(mysql::Transaction& tx, const std::string& tenant,
                               const std::string& change_id, const std::string& account_id,
                               v1::Account::LifecycleStage from, v1::Account::LifecycleStage to,
                               absl::string_view actor, absl::string_view reason,
                               absl::Time change_time, absl::Time now) {
  return tx
      ->Execute(
          "INSERT INTO stage_changes (tenant_id, id, account_id, from_stage, to_stage, actor, "
          "reason, change_time, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {tenant, change_id, account_id, int64_t{from}, int64_t{to},
           std::string(actor.substr(0, 128)), std::string(reason.substr(0, 500)), change_time, now})
      .status();
}

v1::StageChange StageChangeFromRow(const std::string& account_id, const mysql::Row& row) {
  v1::StageChange change;
  change.set_name(absl::StrCat("accounts/", account_id, "/stageChanges/", row.String(0)));
  change.set_from_stage(static_cast<v1::Account::LifecycleStage>(row.Int(1)));
  change.set_to_stage(static_cast<v1::Account::LifecycleStage>(row.Int(2)));
  change.set_actor(row.String(3));
  change.set_reason(row.String(4));
  *change.mutable_change_time() = ToProtoTime(row.Time(5));
  return change;
}

// The sort column of an order, as SQL.
const char* SortColumn(AccountOrder order) {
  switch (order) {
    case AccountOrder::kCreateTime:
      return "create_time";
    case AccountOrder::kRenewalTime:
      return "renewal_time";
    case AccountOrder::kMrr:
      return "mrr_minor";
  }
  return "create_time";
}

// A cursor's sort key as a statement parameter.
mysql::Value KeyValue(AccountOrder order, int64_t key) {
  if (order == AccountOrder::kMrr) return key;
  return absl::FromUnixMicros(key);
}

// Which accounts one statement of a list reads. Ordered by renewal time,
// a page reads the scheduled accounts first and then, if it has room, the
// unscheduled ones (which come last either way): two index range scans
// instead of a sort on `renewal_time IS NULL`.
enum class Segment { kAll, kScheduled, kUnscheduled };

// Appends the segment, keyset condition, order and `limit` for `query`.
void AppendAccountPage(const AccountQuery& query, Segment segment, int64_t limit, std::string& sql,
                       std::vector<mysql::Value>& params) {
  const char* column = SortColumn(query.order);
  const char* cmp = query.descending ? "<" : ">";
  const char* dir = query.descending ? " DESC" : " ASC";
  if (segment == Segment::kScheduled) absl::StrAppend(&sql, " AND ", column, " IS NOT NULL");
  if (segment == Segment::kUnscheduled) absl::StrAppend(&sql, " AND ", column, " IS NULL");
  if (query.after.has_value()) {
    if (segment == Segment::kUnscheduled) {
      if (!query.after->key.has_value()) {  // already among the unscheduled
        absl::StrAppend(&sql, " AND id ", cmp, " ?");
        params.emplace_back(query.after->id);
      }
    } else {
      const mysql::Value key = KeyValue(query.order, query.after->key.value_or(0));
      absl::StrAppend(&sql, " AND (", column, " ", cmp, " ? OR (", column, " = ? AND id ", cmp,
                      " ?))");
      params.push_back(key);
      params.push_back(key);
      params.emplace_back(query.after->id);
    }
  }
  if (segment == Segment::kUnscheduled) {
    absl::StrAppend(&sql, " ORDER BY id", dir, " LIMIT ?");
  } else {
    absl::StrAppend(&sql, " ORDER BY ", column, dir, ", id", dir, " LIMIT ?");
  }
  params.emplace_back(limit);
}

}  // namespace

absl::Status AccountNotFound(absl::string_view account_id) {
  return absl::NotFoundError(absl::StrCat("account accounts/", account_id, " does not exist"));
}

absl::StatusOr<bool> AccountExists(mysql::Connection& db, const std::string& tenant,
                                   const std::string& account_id, bool lock) {
  ASSIGN_OR_RETURN(auto rows,
                   db.Query(lock ? "SELECT 1 FROM accounts WHERE tenant_id = ? AND "
                                   "id = ? LOCK IN SHARE MODE"
                                 : "SELECT 1 FROM accounts WHERE tenant_id = ? AND id = ?",
                            {tenant, account_id}));
  return !rows.empty();
}

absl::Status CheckAccountExists(mysql::Connection& db, const std::string& tenant,
                                const std::string& account_id, bool lock) {
  ASSIGN_OR_RETURN(const bool exists, AccountExists(db, tenant, account_id, lock));
  return exists ? absl::OkStatus() : AccountNotFound(account_id);
}

absl::Status LoadAccountFacts(mysql::Transaction& tx, const std::string& tenant,
                              const std::string& account_id, AccountFacts& out) {
  ASSIGN_OR_RETURN(auto rows,
                   tx->Query("SELECT display_name, owner, plan, touch_tier, lifecycle_stage, "
                             "mrr_minor, seats_licensed, renewal_time, create_time FROM accounts "
                             "WHERE tenant_id = ? AND id = ?",
                             {tenant, account_id}));
  if (rows.empty()) return AccountNotFound(account_id);
  const mysql::Row& row = rows[0];
  out.tenant = tenant;
  out.account_id = account_id;
  out.display_name = row.String(0);
  out.owner = row.String(1);
  out.plan = row.String(2);
  out.tier = static_cast<v1::TouchTier>(row.Int(3));
  out.stage = static_cast<v1::Account::LifecycleStage>(row.Int(4));
  out.mrr_minor = row.Int(5);
  out.seats_licensed = static_cast<int32_t>(row.Int(6));
  out.renewal_time.reset();
  if (!row.IsNull(7)) out.renewal_time = row.Time(7);
  out.create_time = row.Time(8);
  return absl::OkStatus();
}

absl::StatusOr<v1::Account> LockAccount(mysql::Transaction& tx, const std::string& tenant,
                                        const std::string& account_id) {
  ASSIGN_OR_RETURN(auto locked, LockRow(tx.connection(), tenant, account_id));
  return std::move(locked.first);
}

absl::Status RecordStageChange(mysql::Transaction& tx, feed::Outbox& outbox,
                               const std::string& tenant, const v1::Account& account_after,
                               v1::Account::LifecycleStage from, absl::string_view actor,
                               absl::string_view reason, absl::Time change_time, absl::Time now) {
  const std::string account_id = ResourceIdOf(account_after.name());
  const std::string change_id = NewIdAt(now);
  RETURN_IF_ERROR(InsertStageChange(tx, tenant, change_id, account_id, from,
                                    account_after.lifecycle_stage(), actor, reason, change_time,
                                    now));
  v1::StageChanged event;
  *event.mutable_account() = account_after;
  v1::StageChange& change = *event.mutable_change();
  change.set_name(absl::StrCat(account_after.name(), "/stageChanges/", change_id));
  change.set_from_stage(from);
  change.set_to_stage(account_after.lifecycle_stage());
  change.set_actor(std::string(actor.substr(0, 128)));
  change.set_reason(std::string(reason.substr(0, 500)));
  *change.mutable_change_time() = ToProtoTime(change_time);
  // Stamped when the stage changed (a back-loaded change shows then).
  RETURN_IF_ERROR(outbox.Append(tx, tenant, account_after.name(), event, change_time));
  return QueueAccountReview(tx, tenant, account_id, "account:stage", now);
}

absl::StatusOr<v1::Account> MysqlAccountStore::Create(const std::string& tenant,
                                                      const v1::Account& account,
                                                      const CreateKey& key,
                                                      const std::string& actor,
                                                      absl::Time deadline) {
  const std::string id = ResourceIdOf(account.name());
  v1::Account created = account;  // exactly what is stored
  created.set_etag(EtagFor(id, 1));
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    const absl::Time now = FromProtoTime(account.create_time());
    RETURN_IF_ERROR(ExplainDuplicate(
        tx->Execute("INSERT INTO accounts (tenant_id, id, display_name, external_id, owner, plan, "
                    "currency_code, touch_tier, lifecycle_stage, mrr_minor, version, create_time, "
                    "update_time, seats_licensed, contract_start_time, renewal_time, tier_source) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?, ?, ?, ?)",
                    {tenant, id, account.display_name(), ExternalIdValue(account), account.owner(),
                     account.plan(), account.currency_code(), int64_t{account.touch_tier()},
                     int64_t{account.lifecycle_stage()}, now, FromProtoTime(account.update_time()),
                     int64_t{account.seats_licensed()},
                     TimeValue(account.has_contract_start_time(), account.contract_start_time()),
                     TimeValue(account.has_renewal_time(), account.renewal_time()),
                     int64_t{account.tier_source()}})
            .status(),
        account));
    // The history starts with the account's first stage.
    RETURN_IF_ERROR(InsertStageChange(tx, tenant, NewIdAt(now), id,
                                      v1::Account::LIFECYCLE_STAGE_UNSPECIFIED,
                                      account.lifecycle_stage(), actor, "created", now, now));
    v1::AccountCreated event;
    *event.mutable_account() = created;
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, account.name(), event, now));
    RETURN_IF_ERROR(QueueAccountReview(tx, tenant, id, "account:created", now));
    if (account.tier_source() != v1::Account::MANUAL) return absl::OkStatus();
    // A tier given at create is a manual change from no tier.
    return RecordTierChange(tx, *outbox_, tenant, created, v1::TOUCH_TIER_UNSPECIFIED,
                            "set at create", actor, now, now);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateAccount", key,
                                                account.name(), insert));
  if (name != account.name()) {
    return Get(tenant, ResourceIdOf(name), deadline);  // an earlier request's
  }
  return created;
}

absl::StatusOr<v1::Account> MysqlAccountStore::Get(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows, db->Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) return AccountNotFound(id);
  return FromRow(rows[0]);
}

absl::StatusOr<AccountPage> MysqlAccountStore::List(const std::string& tenant,
                                                    const AccountQuery& query,
                                                    absl::Time deadline) {
  std::vector<mysql::ColumnCondition> columns;
  for (const AccountCondition& condition : query.conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  // Reads up to `limit` accounts of `segment` onto `rows`.
  std::vector<mysql::Row> rows;
  auto read = [&](Segment segment, int64_t limit) -> absl::Status {
    std::string sql = absl::StrCat(kColumns, "WHERE tenant_id = ?");
    std::vector<mysql::Value> params = {tenant};
    mysql::AppendConditions(columns, sql, params);
    AppendAccountPage(query, segment, limit, sql, params);
    ASSIGN_OR_RETURN(auto found, db->Query(sql, params));
    for (mysql::Row& row : found) rows.push_back(std::move(row));
    return absl::OkStatus();
  };
  const int64_t wanted = query.page_size + 1;  // one more tells whether a page follows
  if (query.order != AccountOrder::kRenewalTime) {
    RETURN_IF_ERROR(read(Segment::kAll, wanted));
  } else {
    if (!query.after.has_value() || query.after->key.has_value()) {
      RETURN_IF_ERROR(read(Segment::kScheduled, wanted));
    }
    const int64_t room = wanted - static_cast<int64_t>(rows.size());
    if (room > 0) RETURN_IF_ERROR(read(Segment::kUnscheduled, room));
  }
  AccountPage page;
  if (static_cast<int>(rows.size()) > query.page_size) {
    rows.erase(rows.begin() + query.page_size, rows.end());
    page.has_more = true;
  }
  for (const mysql::Row& row : rows) page.accounts.push_back(FromRow(row));
  return page;
}

absl::StatusOr<v1::Account> MysqlAccountStore::Update(const std::string& tenant,
                                                      const std::string& id,
                                                      const AccountUpdateDecision& decide,
                                                      const std::string& actor,
                                                      absl::Time deadline) {
  v1::Account result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, LockRow(tx.connection(), tenant, id));
        const auto& [current, version] = locked;
        ASSIGN_OR_RETURN(AccountUpdate update, decide(current, EtagFor(id, version + 1)));
        if (update.changed_fields.empty()) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Account& after = update.account;
        const absl::Time now = FromProtoTime(after.update_time());
        RETURN_IF_ERROR(ExplainDuplicate(
            tx->Execute(
                  "UPDATE accounts SET display_name = ?, external_id = ?, owner = ?, plan = ?, "
                  "currency_code = ?, seats_licensed = ?, contract_start_time = ?, "
                  "renewal_time = ?, lifecycle_stage = ?, version = ?, update_time = ? "
                  "WHERE tenant_id = ? AND id = ?",
                  {after.display_name(), ExternalIdValue(after), after.owner(), after.plan(),
                   after.currency_code(), int64_t{after.seats_licensed()},
                   TimeValue(after.has_contract_start_time(), after.contract_start_time()),
                   TimeValue(after.has_renewal_time(), after.renewal_time()),
                   int64_t{after.lifecycle_stage()}, version + 1, now, tenant, id})
                .status(),
            after));
        v1::AccountUpdated event;
        *event.mutable_account() = after;
        *event.mutable_previous() = current;
        for (const std::string& field : update.changed_fields) {
          event.mutable_changed_fields()->add_paths(field);
        }
        event.set_actor(actor);
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), event, now));
        if (after.lifecycle_stage() != current.lifecycle_stage()) {
          RETURN_IF_ERROR(RecordStageChange(tx, *outbox_, tenant, after, current.lifecycle_stage(),
                                            actor, "", now, now));
        }
        if (!update.review_reason.empty()) {
          RETURN_IF_ERROR(QueueAccountReview(tx, tenant, id, update.review_reason, now));
        }
        result = after;
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlAccountStore::Delete(const std::string& tenant, const std::string& id,
                                       const std::string& etag, const AccountDeleteCheck& check,
                                       const std::string& actor, absl::Time now,
                                       absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto locked, LockRow(tx.connection(), tenant, id));
    const v1::Account& current = locked.first;
    RETURN_IF_ERROR(CheckEtag(etag, current.etag()));
    RETURN_IF_ERROR(check(current));
    for (const char* sql : {"DELETE FROM contacts WHERE tenant_id = ? AND account_id = ?",
                            "DELETE FROM stage_changes WHERE tenant_id = ? AND account_id = ?"}) {
      RETURN_IF_ERROR(tx->Execute(sql, {tenant, id}).status());
    }
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM accounts WHERE tenant_id = ? AND id = ?", {tenant, id}).status());
    v1::AccountDeleted event;
    *event.mutable_account() = current;
    event.set_actor(actor);
    return outbox_->Append(tx, tenant, current.name(), event, now);
  });
}

absl::StatusOr<StageChangePage> MysqlAccountStore::ListStageChanges(const std::string& tenant,
                                                                    const std::string& account_id,
                                                                    const ListPlan& plan,
                                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  std::string sql =
      "SELECT id, from_stage, to_stage, actor, reason, change_time, create_time "
      "FROM stage_changes WHERE tenant_id = ? AND account_id = ?";
  std::vector<mysql::Value> params = {tenant, account_id};
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  StageChangePage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) {
    page.stage_changes.push_back(StageChangeFromRow(account_id, row));
    page.last = {row.Time(6), row.String(0)};
  }
  return page;
}

}  // namespace tandem::success

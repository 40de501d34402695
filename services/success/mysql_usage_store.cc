#include "services/success/mysql_usage_store.h"
#include "services/success/mysql_account_store.h"

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/mysql/keyset.h"
#include "common/mysql/sql_params.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kKeyFeatures = "keyFeatures";

// The account columns an event carries for Metrics.
struct AccountSnapshot {
  std::string owner;
  std::string plan;
  v1::TouchTier tier = v1::TOUCH_TIER_UNSPECIFIED;
  int32_t seats_licensed = 0;
};

std::vector<std::string> ParseFeatures(const std::string& text) {
  std::vector<std::string> features;
  const nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return features;
  for (const auto& feature : parsed) {
    if (feature.is_string()) features.push_back(feature.get<std::string>());
  }
  return features;
}

v1::KeyFeatures KeyFeaturesOf(const std::vector<std::string>& features, int64_t version,
                              std::optional<absl::Time> update_time) {
  v1::KeyFeatures key_features;
  key_features.set_name(std::string(kKeyFeatures));
  for (const std::string& feature : features) key_features.add_features(feature);
  key_features.set_etag(EtagFor(kKeyFeatures, version));
  if (update_time.has_value()) *key_features.mutable_update_time() = ToProtoTime(*update_time);
  return key_features;
}

absl::StatusOr<v1::KeyFeatures> ReadKeyFeatures(mysql::Connection& db, const std::string& tenant,
                                                bool for_update) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT features, version, update_time FROM "
                                                    "usage_key_features WHERE tenant_id = ?",
                                                    for_update ? " FOR UPDATE" : ""),
                                       {tenant}));
  if (rows.empty()) return KeyFeaturesOf({}, 0, std::nullopt);
  std::optional<absl::Time> update_time;
  if (!rows[0].IsNull(2)) update_time = rows[0].Time(2);
  return KeyFeaturesOf(ParseFeatures(rows[0].String(0)), rows[0].Int(1), update_time);
}

// Writes one batch; see UsageStore::Ingest.
absl::Status IngestInTransaction(mysql::Transaction& tx, feed::Outbox& outbox,
                                 const std::string& tenant, const std::vector<UsageRecord>& records,
                                 absl::Time now, IngestResult& result) {
  result = {};
  if (records.empty()) return absl::OkStatus();
  // The accounts, as they are now (for the events).
  std::set<std::string> account_ids;
  for (const UsageRecord& record : records) account_ids.insert(record.account_id);
  std::vector<mysql::Value> params = {tenant};
  for (const std::string& id : account_ids) params.emplace_back(id);
  ASSIGN_OR_RETURN(auto account_rows,
                   tx->Query(absl::StrCat("SELECT id, owner, plan, touch_tier, seats_licensed "
                                          "FROM accounts WHERE tenant_id = ? AND id IN (",
                                          mysql::ParameterList(account_ids.size()), ")"),
                             params));
  std::map<std::string, AccountSnapshot> accounts;
  for (const mysql::Row& row : account_rows) {
    accounts[row.String(0)] = {.owner = row.String(1),
                               .plan = row.String(2),
                               .tier = static_cast<v1::TouchTier>(row.Int(3)),
                               .seats_licensed = static_cast<int32_t>(row.Int(4))};
  }
  FieldViolations missing;
  for (const UsageRecord& record : records) {
    if (!accounts.contains(record.account_id)) {
      missing.Add(
          absl::StrCat("events[", record.index, "].account"),
          absl::StrCat("accounts/", record.account_id, " is not an account of this tenant"));
    }
  }
  RETURN_IF_ERROR(missing.ToStatus());

  // Events the tenant sent before are skipped.
  params = {tenant};
  for (const UsageRecord& record : records) params.emplace_back(record.event_id);
  ASSIGN_OR_RETURN(auto known_rows,
                   tx->Query(absl::StrCat("SELECT event_id FROM usage_events WHERE tenant_id = ? "
                                          "AND event_id IN (",
                                          mysql::ParameterList(records.size()), ")"),
                             params));
  std::set<std::string> known;
  for (const mysql::Row& row : known_rows) known.insert(row.String(0));
  std::vector<UsageRecord> fresh;
  for (const UsageRecord& record : records) {
    if (!known.contains(record.event_id)) fresh.push_back(record);
  }
  result.duplicates = static_cast<int>(records.size() - fresh.size());
  result.accepted = static_cast<int>(fresh.size());
  if (fresh.empty()) return absl::OkStatus();
  const IngestPlan plan = PlanIngest(fresh);
  result.accounts = static_cast<int>(plan.accounts.size());

  // A concurrent ingest of the same ids makes this a duplicate key
  // (ALREADY_EXISTS): the caller retries, and then skips them.
  params.clear();
  for (const UsageRecord& r : fresh) {
    params.insert(params.end(), {tenant, r.event_id, r.account_id, r.feature, r.user, r.count,
                                 r.event_time, now});
  }
  RETURN_IF_ERROR(tx->Execute(absl::StrCat("INSERT INTO usage_events (tenant_id, event_id, "
                                           "account_id, feature, user_id, usage_count, "
                                           "event_time, ingest_time) VALUES ",
                                           mysql::ParameterRows(fresh.size(), 8)),
                              params)
                      .status());

  params.clear();
  for (const DayUser& u : plan.feature_users) {
    params.insert(params.end(), {tenant, u.account_id, u.day, u.feature, u.user});
  }
  RETURN_IF_ERROR(tx->Execute(absl::StrCat("INSERT IGNORE INTO usage_feature_users (tenant_id, "
                                           "account_id, day_start, feature, user_id) VALUES ",
                                           mysql::ParameterRows(plan.feature_users.size(), 5)),
                              params)
                      .status());
  params.clear();
  for (const DayUser& u : plan.account_users) {
    params.insert(params.end(), {tenant, u.account_id, u.day, u.user});
  }
  RETURN_IF_ERROR(tx->Execute(absl::StrCat("INSERT IGNORE INTO usage_account_users (tenant_id, "
                                           "account_id, day_start, user_id) VALUES ",
                                           mysql::ParameterRows(plan.account_users.size(), 4)),
                              params)
                      .status());

  params.clear();
  for (const FeatureDayIncrement& f : plan.feature_days) {
    params.insert(params.end(),
                  {tenant, f.account_id, f.day, f.feature, f.usage_count, f.event_count});
  }
  RETURN_IF_ERROR(
      tx->Execute(absl::StrCat("INSERT INTO usage_rollups (tenant_id, account_id, day_start, "
                               "feature, usage_count, event_count) VALUES ",
                               mysql::ParameterRows(plan.feature_days.size(), 6),
                               " ON DUPLICATE KEY UPDATE usage_count = usage_count + "
                               "VALUES(usage_count), event_count = event_count + "
                               "VALUES(event_count)"),
                  params)
          .status());
  for (const FeatureDayIncrement& f : plan.feature_days) {
    RETURN_IF_ERROR(
        tx->Execute(
              "UPDATE usage_rollups SET active_users = (SELECT COUNT(*) FROM "
              "usage_feature_users u WHERE u.tenant_id = ? AND u.account_id = ? AND "
              "u.day_start = ? AND u.feature = ?) WHERE tenant_id = ? AND account_id = ? "
              "AND day_start = ? AND feature = ?",
              {tenant, f.account_id, f.day, f.feature, tenant, f.account_id, f.day, f.feature})
            .status());
  }

  params.clear();
  for (const AccountDayIncrement& d : plan.account_days) {
    params.insert(params.end(),
                  {tenant, d.account_id, d.day, d.usage_count, d.event_count, d.last_event_time});
  }
  RETURN_IF_ERROR(
      tx->Execute(absl::StrCat("INSERT INTO usage_account_days (tenant_id, account_id, "
                               "day_start, usage_count, event_count, last_event_time) VALUES ",
                               mysql::ParameterRows(plan.account_days.size(), 6),
                               " ON DUPLICATE KEY UPDATE usage_count = usage_count + "
                               "VALUES(usage_count), event_count = event_count + "
                               "VALUES(event_count), last_event_time = "
                               "GREATEST(last_event_time, VALUES(last_event_time))"),
                  params)
          .status());
  for (const AccountDayIncrement& d : plan.account_days) {
    RETURN_IF_ERROR(
        tx->Execute("UPDATE usage_account_days SET active_users = (SELECT COUNT(*) FROM "
                    "usage_account_users u WHERE u.tenant_id = ? AND u.account_id = ? AND "
                    "u.day_start = ?) WHERE tenant_id = ? AND account_id = ? AND day_start = ?",
                    {tenant, d.account_id, d.day, tenant, d.account_id, d.day})
            .status());
    ASSIGN_OR_RETURN(auto totals,
                     tx->Query("SELECT usage_count, event_count, active_users FROM "
                               "usage_account_days WHERE tenant_id = ? AND account_id = ? AND "
                               "day_start = ?",
                               {tenant, d.account_id, d.day}));
    ASSIGN_OR_RETURN(auto features,
                     tx->Query("SELECT feature FROM usage_rollups WHERE tenant_id = ? AND "
                               "account_id = ? AND day_start = ? ORDER BY feature",
                               {tenant, d.account_id, d.day}));
    const AccountSnapshot& account = accounts[d.account_id];
    v1::UsageRolledUp event;
    event.set_account(ResourceName("accounts", d.account_id));
    *event.mutable_day_start_time() = ToProtoTime(d.day);
    if (!totals.empty()) {
      event.set_usage_count(totals[0].Int(0));
      event.set_event_count(totals[0].Int(1));
      event.set_active_users(static_cast<int32_t>(totals[0].Int(2)));
    }
    for (const mysql::Row& row : features) event.add_features(row.String(0));
    event.set_events_added(static_cast<int32_t>(d.event_count));
    event.set_touch_tier(account.tier);
    event.set_plan(account.plan);
    event.set_owner(account.owner);
    event.set_seats_licensed(account.seats_licensed);
    // As it happened: at the day's latest event of this batch.
    RETURN_IF_ERROR(outbox.Append(tx, tenant, event.account(), event, d.last_event_time));
  }
  for (const std::string& account_id : plan.accounts) {
    RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account_id, "usage", now));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<IngestResult> MysqlUsageStore::Ingest(const std::string& tenant,
                                                     const std::vector<UsageRecord>& records,
                                                     absl::Time now, absl::Time deadline) {
  IngestResult result;
  for (int attempt = 0;; ++attempt) {
    absl::Status status = mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) {
      return IngestInTransaction(tx, *outbox_, tenant, records, now, result);
    });
    // Another ingest stored some of the same event ids first: once it has
    // committed, this batch skips them.
    if (status.code() == absl::StatusCode::kAlreadyExists && attempt < 3) continue;
    RETURN_IF_ERROR(status);
    return result;
  }
}

absl::StatusOr<RollupPage> MysqlUsageStore::ListRollups(const std::string& tenant,
                                                        const std::string& account_id,
                                                        const RollupQuery& query,
                                                        absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  std::string sql =
      "SELECT day_start, feature, usage_count, event_count, active_users FROM usage_rollups "
      "WHERE tenant_id = ? AND account_id = ?";
  std::vector<mysql::Value> params = {tenant, account_id};
  std::vector<mysql::ColumnCondition> columns;
  for (const RollupCondition& condition : query.conditions) {
    columns.push_back({.column = condition.field == RollupField::kDay ? "day_start" : "feature",
                       .op = condition.op,
                       .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  const char* cmp = query.newest_first ? "<" : ">";
  if (query.after.has_value()) {
    absl::StrAppend(&sql, " AND (day_start ", cmp, " ? OR (day_start = ? AND feature ", cmp,
                    " ?))");
    params.insert(params.end(), {query.after->first, query.after->first, query.after->second});
  }
  absl::StrAppend(&sql,
                  query.newest_first ? " ORDER BY day_start DESC, feature DESC"
                                     : " ORDER BY day_start ASC, feature ASC",
                  " LIMIT ?");
  params.emplace_back(int64_t{query.page_size + 1});
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  RollupPage page;
  if (static_cast<int>(rows.size()) > query.page_size) {
    rows.erase(rows.begin() + query.page_size, rows.end());
    page.has_more = true;
  }
  for (const mysql::Row& row : rows) {
    v1::UsageRollup& rollup = page.rollups.emplace_back();
    rollup.set_account(ResourceName("accounts", account_id));
    *rollup.mutable_day_start_time() = ToProtoTime(row.Time(0));
    rollup.set_feature(row.String(1));
    rollup.set_usage_count(row.Int(2));
    rollup.set_event_count(row.Int(3));
    rollup.set_active_users(static_cast<int32_t>(row.Int(4)));
  }
  return page;
}

absl::StatusOr<v1::KeyFeatures> MysqlUsageStore::GetKeyFeatures(const std::string& tenant,
                                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadKeyFeatures(*db, tenant, false);
}

absl::StatusOr<v1::KeyFeatures> MysqlUsageStore::UpdateKeyFeatures(
    const std::string& tenant, const KeyFeaturesDecision& decide, absl::Time now,
    absl::Time deadline) {
  v1::KeyFeatures result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        // A row to lock, so two first updates queue behind each other.
        RETURN_IF_ERROR(tx->Execute("INSERT IGNORE INTO usage_key_features (tenant_id, "
                                    "features, version, update_time) VALUES (?, '[]', 0, NULL)",
                                    {tenant})
                            .status());
        ASSIGN_OR_RETURN(v1::KeyFeatures current, ReadKeyFeatures(tx.connection(), tenant, true));
        ASSIGN_OR_RETURN(std::vector<std::string> features, decide(current));
        if (std::equal(features.begin(), features.end(), current.features().begin(),
                       current.features().end())) {
          result = current;
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(
            auto version_rows,
            tx->Query("SELECT version FROM usage_key_features WHERE tenant_id = ?", {tenant}));
        const int64_t version = version_rows.at(0).Int(0) + 1;
        RETURN_IF_ERROR(tx->Execute("UPDATE usage_key_features SET features = ?, version = ?, "
                                    "update_time = ? WHERE tenant_id = ?",
                                    {nlohmann::json(features).dump(), version, now, tenant})
                            .status());
        // Adoption of every recently active account changes.
        ASSIGN_OR_RETURN(auto active,
                         tx->Query("SELECT DISTINCT account_id FROM usage_account_days WHERE "
                                   "tenant_id = ? AND day_start >= ?",
                                   {tenant, WindowStart(now)}));
        std::vector<std::string> account_ids;
        for (const mysql::Row& row : active) account_ids.push_back(row.String(0));
        RETURN_IF_ERROR(QueueAccountReviews(tx, tenant, account_ids, "key_features", now));
        result = KeyFeaturesOf(features, version, now);
        // Metrics measures adoption against these features.
        v1::KeyFeaturesUpdated event;
        *event.mutable_key_features() = result;
        return outbox_->Append(tx, tenant, result.name(), event, now);
      }));
  return result;
}

absl::StatusOr<UsageFacts> MysqlUsageStore::GetUsageFacts(const std::string& tenant,
                                                          const std::string& account_id,
                                                          absl::Time now, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  UsageFacts facts;
  RETURN_IF_ERROR(LoadUsageFacts(*db, tenant, account_id, now, facts));
  return facts;
}

absl::Status LoadUsageFacts(mysql::Connection& db, const std::string& tenant,
                            const std::string& account_id, absl::Time now, UsageFacts& out) {
  out = {};
  ASSIGN_OR_RETURN(auto account,
                   db.Query("SELECT seats_licensed FROM accounts WHERE tenant_id = ? AND id = ?",
                            {tenant, account_id}));
  if (account.empty()) return AccountNotFound(account_id);
  out.seats_licensed = static_cast<int32_t>(account[0].Int(0));
  ASSIGN_OR_RETURN(v1::KeyFeatures key_features, ReadKeyFeatures(db, tenant, false));
  out.key_features.assign(key_features.features().begin(), key_features.features().end());

  const absl::Time window = WindowStart(now);
  const absl::Time prior = PriorWindowStart(now);
  ASSIGN_OR_RETURN(auto features,
                   db.Query("SELECT DISTINCT feature FROM usage_rollups WHERE tenant_id = ? AND "
                            "account_id = ? AND day_start >= ?",
                            {tenant, account_id, window}));
  for (const mysql::Row& row : features) out.features_used_30d.insert(row.String(0));
  ASSIGN_OR_RETURN(auto users,
                   db.Query("SELECT COUNT(DISTINCT CASE WHEN day_start >= ? THEN user_id END), "
                            "COUNT(DISTINCT CASE WHEN day_start < ? THEN user_id END) FROM "
                            "usage_account_users WHERE tenant_id = ? AND account_id = ? AND "
                            "day_start >= ?",
                            {window, window, tenant, account_id, prior}));
  if (!users.empty()) {
    out.active_users_30d = static_cast<int32_t>(users[0].Int(0));
    out.active_users_prior_30d = static_cast<int32_t>(users[0].Int(1));
  }
  ASSIGN_OR_RETURN(auto days,
                   db.Query("SELECT day_start, usage_count, active_users FROM usage_account_days "
                            "WHERE tenant_id = ? AND account_id = ? AND day_start >= ?",
                            {tenant, account_id, prior}));
  for (const mysql::Row& row : days) {
    const absl::Time day = row.Time(0);
    if (day >= window) {
      out.usage_30d += row.Int(1);
      out.daily_active_users.emplace_back(day, static_cast<int32_t>(row.Int(2)));
    } else {
      out.usage_prior_30d += row.Int(1);
    }
  }
  // The newest and oldest day rows, each one primary-key probe: a day row's
  // events all fall on that day, so the newest holds the latest event.
  ASSIGN_OR_RETURN(auto newest,
                   db.Query("SELECT last_event_time FROM usage_account_days WHERE tenant_id = ? "
                            "AND account_id = ? ORDER BY day_start DESC LIMIT 1",
                            {tenant, account_id}));
  if (!newest.empty()) {
    out.last_usage_time = newest[0].Time(0);
    ASSIGN_OR_RETURN(auto oldest,
                     db.Query("SELECT day_start FROM usage_account_days WHERE tenant_id = ? AND "
                              "account_id = ? ORDER BY day_start ASC LIMIT 1",
                              {tenant, account_id}));
    out.usage_before_window = !oldest.empty() && oldest[0].Time(0) < window;
  }
  return absl::OkStatus();
}

}  // namespace tandem::success

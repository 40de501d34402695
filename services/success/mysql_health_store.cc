#include "services/success/mysql_health_store.h"
#include "services/success/mysql_account_store.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/mysql/keyset.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/health_scoring.h"
#include "services/success/mysql_usage_store.h"
#include "services/success/usage_rules.h"
#include "tandem/success/v1/account.pb.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kScorecardName = "scorecard";
// A scoring is stored at least this often even when nothing moved.
constexpr absl::Duration kHistoryHeartbeat = absl::Hours(24);
// The trend compares with the score this long ago.
constexpr absl::Duration kTrendWindow = absl::Hours(24 * 30);

constexpr absl::string_view kHistoryColumns =
    "SELECT id, account_id, create_time, score, band, trend, cause, breakdown "
    "FROM health_history ";

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

// The breakdown alone, as stored in health_history.breakdown.
std::string BreakdownJson(const std::vector<v1::MeasureScore>& breakdown) {
  v1::AccountHealth holder;
  for (const v1::MeasureScore& entry : breakdown) *holder.add_breakdown() = entry;
  return ToJson(holder);
}

v1::AccountHealth HealthFromRow(const mysql::Row& row) {
  v1::AccountHealth health;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  (void)google::protobuf::util::JsonStringToMessage(row.String(7), &health, options);
  const std::string account = ResourceName("accounts", row.String(1));
  health.set_name(absl::StrCat(account, "/healthHistory/", row.String(0)));
  health.set_account(account);
  *health.mutable_compute_time() = ToProtoTime(row.Time(2));
  health.set_score(static_cast<int32_t>(row.Int(3)));
  health.set_band(static_cast<v1::HealthBand>(row.Int(4)));
  health.set_trend(static_cast<v1::HealthTrend>(row.Int(5)));
  health.set_cause(row.String(6));
  return health;
}

absl::StatusOr<std::optional<v1::AccountHealth>> LatestScoring(mysql::Connection& db,
                                                               const std::string& tenant,
                                                               const std::string& account_id,
                                                               std::optional<absl::Time> at) {
  std::string sql = absl::StrCat(kHistoryColumns, "WHERE tenant_id = ? AND account_id = ?");
  std::vector<mysql::Value> params = {tenant, account_id};
  if (at.has_value()) {
    absl::StrAppend(&sql, " AND create_time <= ?");
    params.emplace_back(*at);
  }
  absl::StrAppend(&sql, " ORDER BY create_time DESC, id DESC LIMIT 1");
  ASSIGN_OR_RETURN(auto rows, db.Query(sql, params));
  if (rows.empty()) return std::nullopt;
  return HealthFromRow(rows[0]);
}

// Reads the tenant's scorecard, normalized; the defaults (version 0)
// without a row.
absl::StatusOr<v1::Scorecard> ReadScorecard(mysql::Connection& db, const std::string& tenant,
                                            bool for_update) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT scorecard, version, update_time FROM "
                                                    "health_scorecards WHERE tenant_id = ?",
                                                    for_update ? " FOR UPDATE" : ""),
                                       {tenant}));
  v1::Scorecard scorecard = DefaultScorecard();
  int64_t version = 0;
  if (!rows.empty() && rows[0].Int(1) > 0) {
    v1::Scorecard stored;
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    if (google::protobuf::util::JsonStringToMessage(rows[0].String(0), &stored, options).ok()) {
      scorecard = NormalizeScorecard(stored);
    }
    version = rows[0].Int(1);
    if (!rows[0].IsNull(2)) *scorecard.mutable_update_time() = ToProtoTime(rows[0].Time(2));
  }
  scorecard.set_name(std::string(kScorecardName));
  scorecard.set_etag(EtagFor(kScorecardName, version));
  return scorecard;
}

const char* ColumnOf(HistoryField field) {
  return field == HistoryField::kBand ? "band" : "create_time";
}

}  // namespace

absl::StatusOr<v1::Scorecard> MysqlHealthStore::GetScorecard(const std::string& tenant,
                                                             absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadScorecard(*db, tenant, false);
}

absl::StatusOr<v1::Scorecard> MysqlHealthStore::UpdateScorecard(const std::string& tenant,
                                                                const ScorecardDecision& decide,
                                                                absl::Time now,
                                                                absl::Time deadline) {
  v1::Scorecard result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        // A row to lock, so two first updates queue behind each other.
        RETURN_IF_ERROR(tx->Execute("INSERT IGNORE INTO health_scorecards (tenant_id, "
                                    "scorecard, version, update_time) VALUES (?, '{}', 0, NULL)",
                                    {tenant})
                            .status());
        ASSIGN_OR_RETURN(v1::Scorecard current, ReadScorecard(tx.connection(), tenant, true));
        ASSIGN_OR_RETURN(v1::Scorecard next, decide(current));
        next = NormalizeScorecard(next);
        next.clear_etag();
        next.clear_update_time();
        v1::Scorecard compared = current;
        compared.clear_etag();
        compared.clear_update_time();
        if (google::protobuf::util::MessageDifferencer::Equals(next, compared)) {
          result = current;
          return absl::OkStatus();
        }
        ASSIGN_OR_RETURN(
            auto version_rows,
            tx->Query("SELECT version FROM health_scorecards WHERE tenant_id = ?", {tenant}));
        const int64_t version = version_rows.at(0).Int(0) + 1;
        RETURN_IF_ERROR(tx->Execute("UPDATE health_scorecards SET scorecard = ?, version = ?, "
                                    "update_time = ? WHERE tenant_id = ?",
                                    {ToJson(next), version, now, tenant})
                            .status());
        // Every live account's score follows the new scorecard.
        ASSIGN_OR_RETURN(auto accounts, tx->Query("SELECT id FROM accounts WHERE tenant_id = ? AND "
                                                  "lifecycle_stage <> ?",
                                                  {tenant, int64_t{v1::Account::CHURNED}}));
        std::vector<std::string> account_ids;
        for (const mysql::Row& row : accounts) account_ids.push_back(row.String(0));
        RETURN_IF_ERROR(QueueAccountReviews(tx, tenant, account_ids, "scorecard", now));
        result = next;
        result.set_etag(EtagFor(kScorecardName, version));
        *result.mutable_update_time() = ToProtoTime(now);
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::AccountHealth> MysqlHealthStore::GetAccountHealth(const std::string& tenant,
                                                                     const std::string& account_id,
                                                                     absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  ASSIGN_OR_RETURN(std::optional<v1::AccountHealth> latest,
                   LatestScoring(*db, tenant, account_id, std::nullopt));
  v1::AccountHealth health = latest.value_or(v1::AccountHealth());
  const std::string account = ResourceName("accounts", account_id);
  health.set_name(absl::StrCat(account, "/health"));
  health.set_account(account);
  return health;
}

absl::StatusOr<HistoryPage> MysqlHealthStore::ListHistory(
    const std::string& tenant, const std::string& account_id,
    const std::vector<HistoryCondition>& conditions, const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  std::string sql = absl::StrCat(kHistoryColumns, "WHERE tenant_id = ? AND account_id = ?");
  std::vector<mysql::Value> params = {tenant, account_id};
  std::vector<mysql::ColumnCondition> columns;
  for (const HistoryCondition& condition : conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  HistoryPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.scorings.push_back(HealthFromRow(row));
  return page;
}

absl::StatusOr<HealthThenAndNow> MysqlHealthStore::GetThenAndNow(const std::string& tenant,
                                                                 const std::string& account_id,
                                                                 absl::Time since,
                                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
  HealthThenAndNow result;
  ASSIGN_OR_RETURN(result.then, LatestScoring(*db, tenant, account_id, since));
  ASSIGN_OR_RETURN(result.now, LatestScoring(*db, tenant, account_id, std::nullopt));
  return result;
}

absl::Status MysqlHealthStore::QueueRecompute(const std::string& tenant,
                                              const std::string& account_id, absl::Time now,
                                              absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckAccountExists(tx.connection(), tenant, account_id));
    return QueueAccountReview(tx, tenant, account_id, "recompute", now);
  });
}

absl::Status LoadUsageSignals(mysql::Transaction& tx, const std::string& tenant,
                              const std::string& account_id, absl::Time now, UsageSignals& out) {
  UsageFacts facts;
  RETURN_IF_ERROR(LoadUsageFacts(tx.connection(), tenant, account_id, now, facts));
  out = UsageSignalsFrom(facts);
  return absl::OkStatus();
}

absl::StatusOr<HealthChange> RescoreHealth(mysql::Transaction& tx, feed::Outbox& outbox,
                                           const AccountSignals& signals, absl::string_view cause) {
  const std::string& tenant = signals.account.tenant;
  const std::string& account_id = signals.account.account_id;
  const absl::Time now = signals.as_of;
  const std::string reason(cause.substr(0, 64));
  ASSIGN_OR_RETURN(auto account_rows,
                   tx->Query("SELECT health_score, health_band, touch_tier, plan, owner, "
                             "mrr_minor FROM accounts WHERE tenant_id = ? AND id = ? FOR UPDATE",
                             {tenant, account_id}));
  if (account_rows.empty()) return AccountNotFound(account_id);
  const mysql::Row& account = account_rows[0];
  HealthChange change;
  if (!account.IsNull(0)) change.previous_score = static_cast<int32_t>(account.Int(0));
  change.previous_band = static_cast<v1::HealthBand>(account.Int(1));

  ASSIGN_OR_RETURN(v1::Scorecard scorecard, ReadScorecard(tx.connection(), tenant, false));
  const HealthAssessment assessment = ScoreHealth(scorecard, signals);
  const int64_t seats_active = signals.usage.active_users_30d;
  if (!assessment.scored) {
    change.band = change.previous_band;
    change.score = change.previous_score.value_or(0);
    RETURN_IF_ERROR(tx->Execute("UPDATE accounts SET seats_active = ? WHERE tenant_id = ? AND "
                                "id = ?",
                                {seats_active, tenant, account_id})
                        .status());
    return change;
  }
  change.band = assessment.band;
  change.score = assessment.score;

  // The trend: against the score in force 30 days ago, or else the oldest.
  ASSIGN_OR_RETURN(std::optional<v1::AccountHealth> earlier,
                   LatestScoring(tx.connection(), tenant, account_id, now - kTrendWindow));
  if (!earlier.has_value()) {
    ASSIGN_OR_RETURN(auto oldest, tx->Query("SELECT score FROM health_history WHERE tenant_id = ? "
                                            "AND account_id = ? ORDER BY create_time ASC, id ASC "
                                            "LIMIT 1",
                                            {tenant, account_id}));
    if (!oldest.empty()) {
      earlier.emplace();
      earlier->set_score(static_cast<int32_t>(oldest[0].Int(0)));
    }
  }
  std::optional<int32_t> earlier_score;
  if (earlier.has_value()) earlier_score = earlier->score();
  const v1::HealthTrend trend = TrendFor(scorecard.trend_margin(), earlier_score, assessment.score);

  // History: when anything moved, and at least daily.
  const std::string breakdown = BreakdownJson(assessment.breakdown);
  ASSIGN_OR_RETURN(auto latest_rows,
                   tx->Query("SELECT create_time, score, band, breakdown FROM health_history "
                             "WHERE tenant_id = ? AND account_id = ? ORDER BY create_time DESC, "
                             "id DESC LIMIT 1",
                             {tenant, account_id}));
  const bool store = latest_rows.empty() || latest_rows[0].Int(1) != assessment.score ||
                     latest_rows[0].Int(2) != int64_t{assessment.band} ||
                     latest_rows[0].String(3) != breakdown ||
                     now - latest_rows[0].Time(0) >= kHistoryHeartbeat;
  if (store) {
    RETURN_IF_ERROR(tx->Execute("INSERT INTO health_history (tenant_id, id, account_id, "
                                "create_time, score, band, trend, cause, breakdown) VALUES "
                                "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                {tenant, NewIdAt(now), account_id, now, int64_t{assessment.score},
                                 int64_t{assessment.band}, int64_t{trend}, reason, breakdown})
                        .status());
  }
  RETURN_IF_ERROR(tx->Execute("UPDATE accounts SET health_score = ?, health_band = ?, "
                              "health_trend = ?, health_update_time = ?, seats_active = ? "
                              "WHERE tenant_id = ? AND id = ?",
                              {int64_t{assessment.score}, int64_t{assessment.band}, int64_t{trend},
                               now, seats_active, tenant, account_id})
                      .status());

  const bool moved = !change.previous_score.has_value() ||
                     *change.previous_score != assessment.score ||
                     change.previous_band != assessment.band;
  if (moved) {
    v1::HealthChanged event;
    event.set_account(ResourceName("accounts", account_id));
    event.set_has_previous_score(change.previous_score.has_value());
    event.set_previous_score(change.previous_score.value_or(0));
    event.set_previous_band(change.previous_band);
    event.set_score(assessment.score);
    event.set_band(assessment.band);
    event.set_trend(trend);
    event.set_cause(reason);
    if (const v1::MeasureScore* loss = LargestLoss(assessment.breakdown); loss != nullptr) {
      *event.mutable_largest_loss() = *loss;
    }
    event.set_touch_tier(static_cast<v1::TouchTier>(account.Int(2)));
    event.set_plan(account.String(3));
    event.set_owner(account.String(4));
    event.set_mrr_minor(account.Int(5));
    *event.mutable_compute_time() = ToProtoTime(now);
    RETURN_IF_ERROR(outbox.Append(tx, tenant, event.account(), event, now));
  }
  return change;
}

}  // namespace tandem::success

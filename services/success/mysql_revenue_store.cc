#include "services/success/mysql_revenue_store.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/mysql/keyset.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/mysql_account_store.h"
#include "services/success/revenue_ledger.h"
#include "services/success/segmentation.h"

namespace tandem::success {
namespace {

std::string ChildName(const std::string& account_id, absl::string_view collection,
                      const std::string& id) {
  return absl::StrCat("accounts/", account_id, "/", collection, "/", id);
}

mysql::Value NullableId(const std::string& id) {
  if (id.empty()) return nullptr;
  return id;
}

// ---- Movements ------------------------------------------------------------

constexpr absl::string_view kMovementColumns =
    "SELECT id, account_id, type, mrr_delta_minor, mrr_before_minor, mrr_after_minor, "
    "currency_code, effective_time, reason, opportunity_id, actor, create_time "
    "FROM mrr_movements ";

v1::MrrMovement MovementFromRow(const mysql::Row& row) {
  v1::MrrMovement movement;
  const std::string account_id = row.String(1);
  movement.set_name(ChildName(account_id, "mrrMovements", row.String(0)));
  movement.set_type(static_cast<v1::MrrMovement::Type>(row.Int(2)));
  movement.set_mrr_delta_minor(row.Int(3));
  movement.set_mrr_before_minor(row.Int(4));
  movement.set_mrr_after_minor(row.Int(5));
  movement.set_currency_code(row.String(6));
  *movement.mutable_effective_time() = ToProtoTime(row.Time(7));
  movement.set_reason(row.String(8));
  if (!row.IsNull(9))
    movement.set_opportunity(ChildName(account_id, "opportunities", row.String(9)));
  movement.set_actor(row.String(10));
  *movement.mutable_create_time() = ToProtoTime(row.Time(11));
  return movement;
}

const char* ColumnOf(MovementField field) {
  switch (field) {
    case MovementField::kType:
      return "type";
    case MovementField::kEffectiveTime:
      return "effective_time";
  }
  return "id";
}

// Like mysql::AppendKeysetPage, over (`column`, id) instead of
// (create_time, id): the plan's KeysetPosition carries `column`'s value.
void AppendTimeKeyset(const ListPlan& plan, absl::string_view column, std::string& sql,
                      std::vector<mysql::Value>& params) {
  const char* cmp = plan.newest_first ? "<" : ">";
  if (plan.after.has_value()) {
    absl::StrAppend(&sql, " AND (", column, " ", cmp, " ? OR (", column, " = ? AND id ", cmp,
                    " ?))");
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->create_time);
    params.emplace_back(plan.after->id);
  }
  const char* dir = plan.newest_first ? " DESC" : " ASC";
  absl::StrAppend(&sql, " ORDER BY ", column, dir, ", id", dir, " LIMIT ?");
  params.emplace_back(int64_t{plan.page_size + 1});
}

// ---- Policies -------------------------------------------------------------

v1::SegmentationPolicy PolicyFromRow(const mysql::Row& row) {
  v1::SegmentationPolicy policy;
  policy.set_name(kSegmentationPolicyName);
  policy.set_basis(static_cast<v1::SegmentationPolicy::Basis>(row.Int(0)));
  policy.set_high_touch_min_minor(row.Int(1));
  policy.set_low_touch_min_minor(row.Int(2));
  policy.set_gross_margin_bps(static_cast<int32_t>(row.Int(3)));
  policy.set_monthly_churn_bps(static_cast<int32_t>(row.Int(4)));
  policy.set_etag(EtagFor(kSegmentationPolicyName, row.Int(5)));
  *policy.mutable_update_time() = ToProtoTime(row.Time(6));
  return policy;
}

constexpr absl::string_view kPolicyColumns =
    "SELECT basis, high_touch_min_minor, low_touch_min_minor, gross_margin_bps, "
    "monthly_churn_bps, version, update_time, reapply_after_id, reapply_actor "
    "FROM segmentation_policies WHERE tenant_id = ?";

v1::SegmentationPolicy DefaultWithEtag() {
  v1::SegmentationPolicy policy = DefaultSegmentationPolicy();
  policy.set_etag(EtagFor(kSegmentationPolicyName, 0));
  return policy;
}

// ---- Tier changes ---------------------------------------------------------

constexpr absl::string_view kTierChangeColumns =
    "SELECT id, account_id, from_tier, to_tier, source, reason, actor, change_time "
    "FROM tier_changes ";

v1::TierChange TierChangeFromRow(const mysql::Row& row) {
  v1::TierChange change;
  change.set_name(ChildName(row.String(1), "tierChanges", row.String(0)));
  change.set_from_tier(static_cast<v1::TouchTier>(row.Int(2)));
  change.set_to_tier(static_cast<v1::TouchTier>(row.Int(3)));
  change.set_source(static_cast<v1::Account::TierSource>(row.Int(4)));
  change.set_reason(row.String(5));
  change.set_actor(row.String(6));
  *change.mutable_change_time() = ToProtoTime(row.Time(7));
  return change;
}

// Writes the account's tier and source (bumping its version), and reads
// it back locked.
absl::StatusOr<v1::Account> WriteTier(mysql::Transaction& tx, const std::string& tenant,
                                      const std::string& account_id, v1::TouchTier tier,
                                      v1::Account::TierSource source, absl::Time now) {
  RETURN_IF_ERROR(tx->Execute("UPDATE accounts SET touch_tier = ?, tier_source = ?, "
                              "version = version + 1, update_time = ? "
                              "WHERE tenant_id = ? AND id = ?",
                              {int64_t{tier}, int64_t{source}, now, tenant, account_id})
                      .status());
  return LockAccount(tx, tenant, account_id);
}

}  // namespace

absl::Status RecordTierChange(mysql::Transaction& tx, feed::Outbox& outbox,
                              const std::string& tenant, const v1::Account& account_after,
                              v1::TouchTier from, absl::string_view reason, absl::string_view actor,
                              absl::Time change_time, absl::Time now) {
  const std::string account_id = ResourceIdOf(account_after.name());
  const std::string id = NewIdAt(now);
  v1::TierChanged event;
  *event.mutable_account() = account_after;
  v1::TierChange& change = *event.mutable_change();
  change.set_name(ChildName(account_id, "tierChanges", id));
  change.set_from_tier(from);
  change.set_to_tier(account_after.touch_tier());
  change.set_source(account_after.tier_source());
  change.set_reason(std::string(reason.substr(0, 500)));
  change.set_actor(std::string(actor.substr(0, 128)));
  *change.mutable_change_time() = ToProtoTime(change_time);
  RETURN_IF_ERROR(
      tx->Execute("INSERT INTO tier_changes (tenant_id, id, account_id, from_tier, "
                  "to_tier, source, reason, actor, change_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {tenant, id, account_id, int64_t{from}, int64_t{change.to_tier()},
                   int64_t{change.source()}, change.reason(), change.actor(), change_time})
          .status());
  RETURN_IF_ERROR(outbox.Append(tx, tenant, account_after.name(), event, change_time));
  return QueueAccountReview(tx, tenant, account_id, "revenue:tier", now);
}

namespace {

// ---- Opportunities --------------------------------------------------------

constexpr absl::string_view kOpportunityColumns =
    "SELECT id, account_id, display_name, kind, stage, mrr_delta_minor, currency_code, "
    "expected_close_time, owner, close_time, close_reason, movement_id, version, create_time, "
    "update_time FROM opportunities ";

v1::Opportunity OpportunityFromRow(const mysql::Row& row) {
  v1::Opportunity opportunity;
  const std::string account_id = row.String(1);
  opportunity.set_name(ChildName(account_id, "opportunities", row.String(0)));
  opportunity.set_display_name(row.String(2));
  opportunity.set_kind(static_cast<v1::Opportunity::Kind>(row.Int(3)));
  opportunity.set_stage(static_cast<v1::Opportunity::Stage>(row.Int(4)));
  opportunity.set_mrr_delta_minor(row.Int(5));
  opportunity.set_currency_code(row.String(6));
  if (!row.IsNull(7)) *opportunity.mutable_expected_close_time() = ToProtoTime(row.Time(7));
  opportunity.set_owner(row.String(8));
  if (!row.IsNull(9)) *opportunity.mutable_close_time() = ToProtoTime(row.Time(9));
  opportunity.set_close_reason(row.String(10));
  if (!row.IsNull(11)) {
    opportunity.set_mrr_movement(ChildName(account_id, "mrrMovements", row.String(11)));
  }
  opportunity.set_etag(EtagFor(row.String(0), row.Int(12)));
  *opportunity.mutable_create_time() = ToProtoTime(row.Time(13));
  *opportunity.mutable_update_time() = ToProtoTime(row.Time(14));
  return opportunity;
}

const char* ColumnOf(OpportunityField field) {
  switch (field) {
    case OpportunityField::kStage:
      return "stage";
    case OpportunityField::kKind:
      return "kind";
    case OpportunityField::kOwner:
      return "owner";
  }
  return "id";
}

mysql::Value OptionalTime(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return nullptr;
  return FromProtoTime(t);
}

absl::Status OpportunityNotFound(const std::string& account_id, const std::string& id) {
  return absl::NotFoundError(
      absl::StrCat("opportunity ", ChildName(account_id, "opportunities", id), " does not exist"));
}

absl::StatusOr<v1::Opportunity> ReadOpportunity(mysql::Connection& db, const std::string& tenant,
                                                const std::string& account_id,
                                                const std::string& id, bool lock) {
  ASSIGN_OR_RETURN(auto rows,
                   db.Query(absl::StrCat(kOpportunityColumns,
                                         "WHERE tenant_id = ? AND id = ? AND account_id = ?",
                                         lock ? " FOR UPDATE" : ""),
                            {tenant, id, account_id}));
  if (rows.empty()) return OpportunityNotFound(account_id, id);
  return OpportunityFromRow(rows[0]);
}

}  // namespace

absl::StatusOr<v1::SegmentationPolicy> LoadSegmentationPolicy(mysql::Transaction& tx,
                                                              const std::string& tenant) {
  ASSIGN_OR_RETURN(auto rows, tx->Query(kPolicyColumns, {tenant}));
  if (rows.empty()) return DefaultWithEtag();
  return PolicyFromRow(rows[0]);
}

absl::StatusOr<v1::MrrMovement> RecordMrrMovementInTransaction(mysql::Transaction& tx,
                                                               feed::Outbox& outbox,
                                                               const std::string& tenant,
                                                               const std::string& account_id,
                                                               const v1::MrrMovement& movement) {
  ASSIGN_OR_RETURN(v1::Account before, LockAccount(tx, tenant, account_id));
  LedgerState state;
  state.mrr_minor = before.mrr_minor();
  state.stage = before.lifecycle_stage();
  ASSIGN_OR_RETURN(auto latest, tx->Query("SELECT effective_time FROM mrr_movements "
                                          "WHERE tenant_id = ? AND account_id = ? "
                                          "ORDER BY effective_time DESC, id DESC LIMIT 1",
                                          {tenant, account_id}));
  if (!latest.empty()) {
    state.has_movements = true;
    state.latest_effective_time = latest[0].Time(0);
  }
  ASSIGN_OR_RETURN(MovementOutcome outcome, ApplyMovement(state, movement));
  const absl::Time effective = FromProtoTime(movement.effective_time());
  const absl::Time now = FromProtoTime(movement.create_time());

  // Read after the account's lock, so a concurrent policy change either
  // committed before (and is seen here) or re-segments this account after.
  ASSIGN_OR_RETURN(v1::SegmentationPolicy policy, LoadSegmentationPolicy(tx, tenant));
  v1::TouchTier tier = before.touch_tier();
  v1::Account::TierSource source = before.tier_source();
  if (auto assignment = PolicyAssignment(policy, source, outcome.mrr_after_minor)) {
    tier = assignment->tier;
    source = assignment->source;
  }

  std::string update =
      "UPDATE accounts SET mrr_minor = ?, lifecycle_stage = ?, touch_tier = ?, "
      "tier_source = ?, version = version + 1, update_time = ?";
  std::vector<mysql::Value> params = {outcome.mrr_after_minor, int64_t{outcome.stage_after},
                                      int64_t{tier}, int64_t{source}, now};
  if (outcome.churned) {
    absl::StrAppend(&update, ", churn_time = ?, churn_reason = ?");
    params.emplace_back(effective);
    params.emplace_back(movement.reason());
  } else if (outcome.reactivated) {
    absl::StrAppend(&update, ", churn_time = NULL, churn_reason = ''");
  }
  absl::StrAppend(&update, " WHERE tenant_id = ? AND id = ?");
  params.emplace_back(tenant);
  params.emplace_back(account_id);
  RETURN_IF_ERROR(tx->Execute(update, params).status());

  v1::MrrMovement stored = movement;
  stored.set_mrr_delta_minor(outcome.delta_minor);
  stored.set_mrr_before_minor(outcome.mrr_before_minor);
  stored.set_mrr_after_minor(outcome.mrr_after_minor);
  stored.set_currency_code(before.currency_code());
  const std::string opportunity_id =
      movement.opportunity().empty() ? "" : ResourceIdOf(movement.opportunity());
  RETURN_IF_ERROR(
      tx->Execute("INSERT INTO mrr_movements (tenant_id, id, account_id, type, mrr_delta_minor, "
                  "mrr_before_minor, mrr_after_minor, currency_code, effective_time, reason, "
                  "opportunity_id, actor, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
                  "?, ?)",
                  {tenant, ResourceIdOf(movement.name()), account_id, int64_t{movement.type()},
                   stored.mrr_delta_minor(), stored.mrr_before_minor(), stored.mrr_after_minor(),
                   stored.currency_code(), effective, movement.reason(), NullableId(opportunity_id),
                   movement.actor(), now})
          .status());

  ASSIGN_OR_RETURN(v1::Account after, LockAccount(tx, tenant, account_id));
  v1::MrrMovementRecorded recorded;
  *recorded.mutable_movement() = stored;
  *recorded.mutable_account() = after;
  RETURN_IF_ERROR(outbox.Append(tx, tenant, stored.name(), recorded, effective));
  if (outcome.churned) {
    v1::AccountChurned churned;
    *churned.mutable_account() = after;
    churned.set_reason(movement.reason());
    *churned.mutable_churn_time() = movement.effective_time();
    churned.set_mrr_lost_minor(outcome.mrr_before_minor);
    churned.set_mrr_movement(stored.name());
    RETURN_IF_ERROR(outbox.Append(tx, tenant, after.name(), churned, effective));
  }
  if (outcome.stage_after != before.lifecycle_stage()) {
    RETURN_IF_ERROR(
        RecordStageChange(tx, outbox, tenant, after, before.lifecycle_stage(),
                          movement.actor().empty() ? "system:revenue" : movement.actor(),
                          movement.reason(), effective, now));
  }
  if (tier != before.touch_tier()) {
    RETURN_IF_ERROR(
        RecordTierChange(tx, outbox, tenant, after, before.touch_tier(),
                         absl::StrCat("MRR changed to ", outcome.mrr_after_minor, " by ",
                                      v1::MrrMovement::Type_Name(movement.type())),
                         movement.actor(), effective, now));
  }
  RETURN_IF_ERROR(QueueAccountReview(
      tx, tenant, account_id, absl::StrCat("revenue:", v1::MrrMovement::Type_Name(movement.type())),
      now));
  return stored;
}

absl::StatusOr<v1::MrrMovement> MysqlRevenueStore::RecordMovement(const std::string& tenant,
                                                                  const std::string& account_id,
                                                                  const v1::MrrMovement& movement,
                                                                  const CreateKey& key,
                                                                  absl::Time deadline) {
  v1::MrrMovement stored;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(stored,
                     RecordMrrMovementInTransaction(tx, *outbox_, tenant, account_id, movement));
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "RecordMrrMovement", key,
                                                movement.name(), insert));
  if (name != movement.name()) {  // an earlier request's
    const std::string prefix = "accounts/";
    const std::string earlier_account =
        name.substr(prefix.size(), name.find('/', prefix.size()) - prefix.size());
    return GetMovement(tenant, earlier_account, ResourceIdOf(name), deadline);
  }
  return stored;
}

absl::StatusOr<v1::MrrMovement> MysqlRevenueStore::GetMovement(const std::string& tenant,
                                                               const std::string& account_id,
                                                               const std::string& id,
                                                               absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows,
      db->Query(absl::StrCat(kMovementColumns, "WHERE tenant_id = ? AND id = ? AND account_id = ?"),
                {tenant, id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("movement ", ChildName(account_id, "mrrMovements", id), " does not exist"));
  }
  return MovementFromRow(rows[0]);
}

absl::StatusOr<MovementPage> MysqlRevenueStore::ListMovements(
    const std::string& tenant, const std::string& account_id,
    const std::vector<MovementCondition>& conditions, const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kMovementColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (!account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  std::vector<mysql::ColumnCondition> columns;
  for (const MovementCondition& condition : conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  AppendTimeKeyset(plan, "effective_time", sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  MovementPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.movements.push_back(MovementFromRow(row));
  return page;
}

absl::StatusOr<v1::SegmentationPolicy> MysqlRevenueStore::GetPolicy(const std::string& tenant,
                                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(kPolicyColumns, {tenant}));
  if (rows.empty()) return DefaultWithEtag();
  return PolicyFromRow(rows[0]);
}

absl::StatusOr<v1::SegmentationPolicy> MysqlRevenueStore::UpdatePolicy(
    const std::string& tenant, const PolicyUpdateDecision& decide, const std::string& actor,
    absl::Time now, absl::Time deadline) {
  v1::SegmentationPolicy result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows,
                         tx->Query(absl::StrCat(kPolicyColumns, " FOR UPDATE"), {tenant}));
        const v1::SegmentationPolicy current =
            rows.empty() ? DefaultWithEtag() : PolicyFromRow(rows[0]);
        const int64_t version = rows.empty() ? 0 : rows[0].Int(5);
        ASSIGN_OR_RETURN(v1::SegmentationPolicy next, decide(current));
        RETURN_IF_ERROR(
            tx->Execute(
                  "INSERT INTO segmentation_policies (tenant_id, basis, high_touch_min_minor, "
                  "low_touch_min_minor, gross_margin_bps, monthly_churn_bps, reapply_after_id, "
                  "reapply_actor, version, update_time) VALUES (?, ?, ?, ?, ?, ?, '', ?, ?, ?) "
                  "ON DUPLICATE KEY UPDATE basis = VALUES(basis), "
                  "high_touch_min_minor = VALUES(high_touch_min_minor), "
                  "low_touch_min_minor = VALUES(low_touch_min_minor), "
                  "gross_margin_bps = VALUES(gross_margin_bps), "
                  "monthly_churn_bps = VALUES(monthly_churn_bps), reapply_after_id = '', "
                  "reapply_actor = VALUES(reapply_actor), version = VALUES(version), "
                  "update_time = VALUES(update_time)",
                  {tenant, int64_t{next.basis()}, next.high_touch_min_minor(),
                   next.low_touch_min_minor(), int64_t{next.gross_margin_bps()},
                   int64_t{next.monthly_churn_bps()}, actor, version + 1, now})
                .status());
        result = next;
        result.set_name(kSegmentationPolicyName);
        result.set_default_policy(false);
        result.set_etag(EtagFor(kSegmentationPolicyName, version + 1));
        *result.mutable_update_time() = ToProtoTime(now);
        v1::SegmentationPolicyUpdated event;
        *event.mutable_policy() = result;
        *event.mutable_previous() = current;
        event.set_actor(actor);
        return outbox_->Append(tx, tenant, kSegmentationPolicyName, event, now);
      }));
  // Re-segment in batches, each its own transaction, while the call has
  // time. The policy is committed whatever happens here: progress is kept
  // in its row and ResumeReapplies finishes what is left.
  if (absl::Status done = FinishReapply(tenant, now, deadline - reapply_reserve_); !done.ok()) {
    logging::Warn("re-segmenting after a policy change stopped; the background pass finishes it",
                  {{"tenant", tenant}, {"error", done.ToString()}});
  }
  return result;
}

absl::Status MysqlRevenueStore::FinishReapply(const std::string& tenant, absl::Time now,
                                              absl::Time deadline) {
  for (bool more = true; more;) {
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError("re-segmenting ran out of time");
    }
    ASSIGN_OR_RETURN(more, ReapplyBatch(tenant, now, deadline));
  }
  return absl::OkStatus();
}

absl::StatusOr<int> MysqlRevenueStore::ResumeReapplies(absl::Time now, absl::Time deadline) {
  std::vector<std::string> tenants;
  {
    ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
    ASSIGN_OR_RETURN(auto rows, db->Query("SELECT tenant_id FROM segmentation_policies "
                                          "WHERE reapply_after_id IS NOT NULL ORDER BY tenant_id"));
    for (const mysql::Row& row : rows) tenants.push_back(row.String(0));
  }
  // One tenant that fails (or runs out of time) must not hold back those
  // after it: it is logged, and the next pass tries it again.
  int finished = 0;
  for (const std::string& tenant : tenants) {
    if (absl::Status done = FinishReapply(tenant, now, deadline); done.ok()) {
      ++finished;
    } else {
      logging::Warn("re-segmenting after a policy change failed; retried on the next pass",
                    {{"tenant", tenant}, {"error", done.ToString()}});
    }
  }
  return finished;
}

absl::StatusOr<bool> MysqlRevenueStore::ReapplyBatch(const std::string& tenant, absl::Time now,
                                                     absl::Time deadline) {
  bool more = false;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        more = false;
        ASSIGN_OR_RETURN(auto rows,
                         tx->Query(absl::StrCat(kPolicyColumns, " FOR UPDATE"), {tenant}));
        if (rows.empty() || rows[0].IsNull(7)) return absl::OkStatus();
        const v1::SegmentationPolicy policy = PolicyFromRow(rows[0]);
        const std::string after_id = rows[0].String(7);
        // Runs left unfinished before migration 0056 have no actor.
        const std::string actor =
            rows[0].String(8).empty() ? "system:segmentation" : rows[0].String(8);
        ASSIGN_OR_RETURN(
            auto accounts,
            tx->Query("SELECT id, touch_tier, tier_source, mrr_minor FROM accounts "
                      "WHERE tenant_id = ? AND id > ? AND tier_source <> ? "
                      "ORDER BY id LIMIT ? FOR UPDATE",
                      {tenant, after_id, int64_t{v1::Account::MANUAL}, int64_t{reapply_batch_}}));
        for (const mysql::Row& row : accounts) {
          const std::string id = row.String(0);
          const auto tier = static_cast<v1::TouchTier>(row.Int(1));
          const auto source = static_cast<v1::Account::TierSource>(row.Int(2));
          auto assignment = PolicyAssignment(policy, source, row.Int(3));
          if (!assignment.has_value() ||
              (assignment->tier == tier && assignment->source == source)) {
            continue;
          }
          ASSIGN_OR_RETURN(v1::Account after,
                           WriteTier(tx, tenant, id, assignment->tier, assignment->source, now));
          if (assignment->tier != tier) {
            RETURN_IF_ERROR(RecordTierChange(tx, *outbox_, tenant, after, tier,
                                             "segmentation policy changed", actor, now, now));
          }
        }
        more = static_cast<int>(accounts.size()) == reapply_batch_;
        mysql::Value cursor = nullptr;
        if (more) cursor = accounts.back().String(0);
        return tx
            ->Execute(
                "UPDATE segmentation_policies SET reapply_after_id = ? "
                "WHERE tenant_id = ?",
                {cursor, tenant})
            .status();
      }));
  return more;
}

absl::StatusOr<v1::Account> MysqlRevenueStore::OverrideTier(const std::string& tenant,
                                                            const TierOverride& change,
                                                            absl::Time deadline) {
  v1::Account result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Account current, LockAccount(tx, tenant, change.account_id));
        RETURN_IF_ERROR(CheckEtag(change.etag, current.etag()));
        v1::TouchTier tier;
        v1::Account::TierSource source;
        std::string reason = change.reason;
        if (change.tier.has_value()) {
          if (current.tier_source() == v1::Account::MANUAL &&
              current.touch_tier() == *change.tier) {
            result = current;  // already so: nothing to record
            return absl::OkStatus();
          }
          tier = *change.tier;
          source = v1::Account::MANUAL;
        } else {
          if (current.tier_source() != v1::Account::MANUAL) {
            return absl::FailedPreconditionError(absl::StrCat(
                "account ", current.name(), " has no manual tier to clear; its tier comes from ",
                current.tier_source() == v1::Account::POLICY ? "the segmentation policy"
                                                             : "the default"));
          }
          ASSIGN_OR_RETURN(v1::SegmentationPolicy policy, LoadSegmentationPolicy(tx, tenant));
          tier = TierForMrr(policy, current.mrr_minor());
          source = v1::Account::POLICY;
          reason = reason.empty() ? "manual tier cleared"
                                  : absl::StrCat("manual tier cleared: ", reason);
        }
        ASSIGN_OR_RETURN(result,
                         WriteTier(tx, tenant, change.account_id, tier, source, change.now));
        return RecordTierChange(tx, *outbox_, tenant, result, current.touch_tier(), reason,
                                change.actor, change.now, change.now);
      }));
  return result;
}

absl::StatusOr<TierChangePage> MysqlRevenueStore::ListTierChanges(const std::string& tenant,
                                                                  const std::string& account_id,
                                                                  const ListPlan& plan,
                                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kTierChangeColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (!account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  AppendTimeKeyset(plan, "change_time", sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  TierChangePage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.changes.push_back(TierChangeFromRow(row));
  return page;
}

absl::StatusOr<v1::Opportunity> MysqlRevenueStore::CreateOpportunity(
    const std::string& tenant, const std::string& account_id, const v1::Opportunity& opportunity,
    const CreateKey& key, absl::Time deadline) {
  v1::Opportunity created;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::Account account, LockAccount(tx, tenant, account_id));
    created = opportunity;
    created.set_currency_code(account.currency_code());
    if (created.owner().empty()) created.set_owner(account.owner());
    const std::string id = ResourceIdOf(created.name());
    created.set_etag(EtagFor(id, 1));
    RETURN_IF_ERROR(
        tx->Execute("INSERT INTO opportunities (tenant_id, id, account_id, display_name, kind, "
                    "stage, mrr_delta_minor, currency_code, expected_close_time, owner, "
                    "close_time, close_reason, movement_id, version, create_time, update_time) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL, 1, ?, ?)",
                    {tenant, id, account_id, created.display_name(), int64_t{created.kind()},
                     int64_t{created.stage()}, created.mrr_delta_minor(), created.currency_code(),
                     OptionalTime(created.has_expected_close_time(), created.expected_close_time()),
                     created.owner(), created.close_reason(), FromProtoTime(created.create_time()),
                     FromProtoTime(created.update_time())})
            .status());
    v1::OpportunityCreated event;
    *event.mutable_opportunity() = created;
    *event.mutable_account() = account;
    return outbox_->Append(tx, tenant, created.name(), event, FromProtoTime(created.create_time()));
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateOpportunity", key,
                                                opportunity.name(), insert));
  if (name != opportunity.name()) {
    const std::string prefix = "accounts/";
    const std::string earlier_account =
        name.substr(prefix.size(), name.find('/', prefix.size()) - prefix.size());
    return GetOpportunity(tenant, earlier_account, ResourceIdOf(name), deadline);
  }
  return created;
}

absl::StatusOr<v1::Opportunity> MysqlRevenueStore::GetOpportunity(const std::string& tenant,
                                                                  const std::string& account_id,
                                                                  const std::string& id,
                                                                  absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadOpportunity(*db, tenant, account_id, id, /*lock=*/false);
}

absl::StatusOr<OpportunityPage> MysqlRevenueStore::ListOpportunities(
    const std::string& tenant, const std::string& account_id,
    const std::vector<OpportunityCondition>& conditions, const ListPlan& plan,
    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kOpportunityColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (!account_id.empty()) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  std::vector<mysql::ColumnCondition> columns;
  for (const OpportunityCondition& condition : conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  OpportunityPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.opportunities.push_back(OpportunityFromRow(row));
  return page;
}

absl::StatusOr<v1::Opportunity> MysqlRevenueStore::UpdateOpportunity(
    const std::string& tenant, const std::string& account_id, const std::string& id,
    const OpportunityUpdateDecision& decide, const std::string& actor, absl::Time now,
    absl::Time deadline) {
  v1::Opportunity result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(v1::Opportunity current,
                         ReadOpportunity(tx.connection(), tenant, account_id, id, /*lock=*/true));
        ASSIGN_OR_RETURN(auto versions, tx->Query("SELECT version FROM opportunities WHERE "
                                                  "tenant_id = ? AND id = ?",
                                                  {tenant, id}));
        const int64_t version = versions.at(0).Int(0);
        ASSIGN_OR_RETURN(OpportunityUpdate update, decide(current, EtagFor(id, version + 1)));
        if (update.changed_fields.empty()) {
          result = current;
          return absl::OkStatus();
        }
        v1::Opportunity& after = update.opportunity;
        if (update.won) {
          v1::MrrMovement movement;
          movement.set_name(ChildName(account_id, "mrrMovements", NewIdAt(now)));
          movement.set_type(after.kind() == v1::Opportunity::CROSS_SELL
                                ? v1::MrrMovement::CROSS_SELL
                                : v1::MrrMovement::EXPANSION);
          movement.set_mrr_delta_minor(after.mrr_delta_minor());
          *movement.mutable_effective_time() = after.close_time();
          movement.set_reason(after.close_reason().empty()
                                  ? absl::StrCat("won opportunity \"", after.display_name(), "\"")
                                  : after.close_reason());
          movement.set_opportunity(after.name());
          movement.set_actor(actor);
          *movement.mutable_create_time() = ToProtoTime(now);
          ASSIGN_OR_RETURN(
              v1::MrrMovement recorded,
              RecordMrrMovementInTransaction(tx, *outbox_, tenant, account_id, movement));
          after.set_mrr_movement(recorded.name());
        }
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE opportunities SET display_name = ?, kind = ?, stage = ?, "
                  "mrr_delta_minor = ?, expected_close_time = ?, owner = ?, close_time = ?, "
                  "close_reason = ?, movement_id = ?, version = ?, update_time = ? "
                  "WHERE tenant_id = ? AND id = ?",
                  {after.display_name(), int64_t{after.kind()}, int64_t{after.stage()},
                   after.mrr_delta_minor(),
                   OptionalTime(after.has_expected_close_time(), after.expected_close_time()),
                   after.owner(), OptionalTime(after.has_close_time(), after.close_time()),
                   after.close_reason(),
                   NullableId(after.mrr_movement().empty() ? ""
                                                           : ResourceIdOf(after.mrr_movement())),
                   version + 1, FromProtoTime(after.update_time()), tenant, id})
                .status());
        ASSIGN_OR_RETURN(v1::Account account, LockAccount(tx, tenant, account_id));
        v1::OpportunityUpdated event;
        *event.mutable_opportunity() = after;
        for (const std::string& field : update.changed_fields) {
          event.mutable_changed_fields()->add_paths(field);
        }
        *event.mutable_account() = account;
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), event, now));
        result = after;
        result.set_etag(EtagFor(id, version + 1));
        return absl::OkStatus();
      }));
  return result;
}

}  // namespace tandem::success

#include "services/success/mysql_lifecycle_store.h"
#include "services/success/mysql_account_store.h"

#include <map>
#include <optional>

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/mysql/keyset.h"
#include "common/mysql/sql_params.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/lifecycle_rules.h"

namespace tandem::success {
namespace {

using google::protobuf::util::MessageDifferencer;

mysql::Value OptionalTime(const google::protobuf::Timestamp& time, bool present) {
  if (!present) return nullptr;
  return FromProtoTime(time);
}

std::string PlanName(const std::string& account_id, const std::string& plan_id) {
  return absl::StrCat("accounts/", account_id, "/onboardingPlans/", plan_id);
}

std::string SuccessPlanName(const std::string& account_id, const std::string& plan_id) {
  return absl::StrCat("accounts/", account_id, "/successPlans/", plan_id);
}

std::string RenewalName(const std::string& account_id, const std::string& renewal_id) {
  return absl::StrCat("accounts/", account_id, "/renewals/", renewal_id);
}

// Reads the account (share-locked when `lock`, so it cannot be deleted
// before the caller commits) as events describe it. NOT_FOUND if the
// tenant has no such account.
absl::StatusOr<v1::LifecycleAccountSnapshot> ReadAccount(mysql::Connection& db,
                                                         const std::string& tenant,
                                                         const std::string& account_id, bool lock) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat("SELECT touch_tier, plan, owner, mrr_minor, "
                                                    "currency_code, lifecycle_stage FROM accounts "
                                                    "WHERE tenant_id = ? AND id = ?",
                                                    lock ? " LOCK IN SHARE MODE" : ""),
                                       {tenant, account_id}));
  if (rows.empty()) return AccountNotFound(account_id);
  v1::LifecycleAccountSnapshot account;
  account.set_account(ResourceName("accounts", account_id));
  account.set_touch_tier(static_cast<v1::TouchTier>(rows[0].Int(0)));
  account.set_plan(rows[0].String(1));
  account.set_owner(rows[0].String(2));
  account.set_mrr_minor(rows[0].Int(3));
  account.set_currency_code(rows[0].String(4));
  account.set_lifecycle_stage(static_cast<v1::Account::LifecycleStage>(rows[0].Int(5)));
  return account;
}

// Appends the conditions, mapping API field names to columns of `table`.
void AppendLifecycleConditions(const std::vector<LifecycleCondition>& conditions,
                               const std::map<std::string, const char*>& columns, std::string& sql,
                               std::vector<mysql::Value>& params) {
  std::vector<mysql::ColumnCondition> mapped;
  for (const LifecycleCondition& condition : conditions) {
    auto column = columns.find(condition.field);
    if (column == columns.end()) continue;  // handled by the caller
    mapped.push_back({.column = column->second, .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(mapped, sql, params);
}

// Reads the version of a row, locked for update, or NOT_FOUND.
absl::StatusOr<int64_t> LockRow(mysql::Connection& tx, absl::string_view table,
                                const std::string& tenant, const std::string& id,
                                const std::string& account_id, absl::string_view what) {
  std::string sql = absl::StrCat("SELECT version FROM ", table, " WHERE tenant_id = ? AND id = ?");
  std::vector<mysql::Value> params = {tenant, id};
  if (!account_id.empty()) {
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  absl::StrAppend(&sql, " FOR UPDATE");
  ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat(what, " does not exist"));
  return rows[0].Int(0);
}

// Indexes `plans` by id into `by_id` and returns the parameters of a
// "tenant_id = ? AND plan_id IN (...)" query over them: the tenant, then
// each plan's id.
template <typename Plan>
std::vector<mysql::Value> IndexPlans(const std::string& tenant, const std::vector<Plan*>& plans,
                                     std::map<std::string, Plan*>& by_id) {
  std::vector<mysql::Value> params = {tenant};
  for (Plan* plan : plans) {
    const std::string id = ResourceIdOf(plan->name());
    by_id[id] = plan;
    params.emplace_back(id);
  }
  return params;
}

// Starts a List query: `columns` (a "SELECT ... FROM table " prefix) over
// the tenant's rows, only `account_id`'s unless it is empty; sets `params`
// to match.
std::string ListQuery(absl::string_view columns, const std::string& tenant,
                      const std::string& account_id, std::vector<mysql::Value>& params) {
  std::string sql = absl::StrCat(columns, "WHERE tenant_id = ?");
  params = {tenant};
  if (!account_id.empty()) {
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  return sql;
}

// ---- Templates ----

constexpr absl::string_view kTemplateColumns =
    "SELECT id, display_name, description, milestones, version, create_time, update_time "
    "FROM onboarding_templates ";

std::string MilestonesJson(const v1::OnboardingTemplate& tmpl) {
  v1::OnboardingTemplate only;
  *only.mutable_milestones() = tmpl.milestones();
  std::string json;
  (void)google::protobuf::util::MessageToJsonString(only, &json);
  return json;
}

v1::OnboardingTemplate TemplateFromRow(const mysql::Row& row) {
  v1::OnboardingTemplate tmpl;
  (void)google::protobuf::util::JsonStringToMessage(row.String(3), &tmpl);
  tmpl.set_name(ResourceName("onboardingTemplates", row.String(0)));
  tmpl.set_display_name(row.String(1));
  tmpl.set_description(row.String(2));
  tmpl.set_etag(EtagFor(row.String(0), row.Int(4)));
  *tmpl.mutable_create_time() = ToProtoTime(row.Time(5));
  *tmpl.mutable_update_time() = ToProtoTime(row.Time(6));
  return tmpl;
}

absl::StatusOr<v1::OnboardingTemplate> ReadTemplate(mysql::Connection& db,
                                                    const std::string& tenant,
                                                    const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kTemplateColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("onboarding template onboardingTemplates/", id, " does not exist"));
  }
  return TemplateFromRow(rows[0]);
}

absl::Status ExplainTemplateDuplicate(absl::Status status, const v1::OnboardingTemplate& tmpl) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return status;
  return absl::AlreadyExistsError(
      absl::StrCat("another onboarding template is already named \"", tmpl.display_name(), "\""));
}

// ---- Plans and milestones ----

constexpr absl::string_view kPlanColumns =
    "SELECT id, account_id, template_id, display_name, start_time, state, end_time, version, "
    "create_time, update_time FROM onboarding_plans ";

v1::OnboardingPlan PlanFromRow(const mysql::Row& row) {
  v1::OnboardingPlan plan;
  plan.set_name(PlanName(row.String(1), row.String(0)));
  if (!row.IsNull(2)) plan.set_template_(ResourceName("onboardingTemplates", row.String(2)));
  plan.set_display_name(row.String(3));
  *plan.mutable_start_time() = ToProtoTime(row.Time(4));
  plan.set_state(static_cast<v1::OnboardingPlan::State>(row.Int(5)));
  if (!row.IsNull(6)) *plan.mutable_end_time() = ToProtoTime(row.Time(6));
  plan.set_etag(EtagFor(row.String(0), row.Int(7)));
  *plan.mutable_create_time() = ToProtoTime(row.Time(8));
  *plan.mutable_update_time() = ToProtoTime(row.Time(9));
  return plan;
}

// Reads the milestones of `plans` (in position order) into them.
absl::Status ReadMilestones(mysql::Connection& db, const std::string& tenant,
                            std::vector<v1::OnboardingPlan*> plans) {
  if (plans.empty()) return absl::OkStatus();
  std::map<std::string, v1::OnboardingPlan*> by_id;
  const std::vector<mysql::Value> params = IndexPlans(tenant, plans, by_id);
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat("SELECT id, plan_id, account_id, position, title, description, "
                            "due_time, state, complete_time, owner, first_value, version, "
                            "update_time FROM onboarding_milestones WHERE tenant_id = ? AND "
                            "plan_id IN (",
                            mysql::ParameterList(plans.size()), ") ORDER BY plan_id, position"),
               params));
  for (const mysql::Row& row : rows) {
    v1::OnboardingPlan* plan = by_id[row.String(1)];
    v1::Milestone* milestone = plan->add_milestones();
    milestone->set_name(absl::StrCat(plan->name(), "/milestones/", row.String(0)));
    milestone->set_position(static_cast<int32_t>(row.Int(3)));
    milestone->set_title(row.String(4));
    milestone->set_description(row.String(5));
    *milestone->mutable_due_time() = ToProtoTime(row.Time(6));
    milestone->set_state(static_cast<v1::Milestone::State>(row.Int(7)));
    if (!row.IsNull(8)) *milestone->mutable_complete_time() = ToProtoTime(row.Time(8));
    milestone->set_owner(row.String(9));
    milestone->set_first_value(row.Int(10) != 0);
    milestone->set_etag(EtagFor(row.String(0), row.Int(11)));
    *milestone->mutable_update_time() = ToProtoTime(row.Time(12));
  }
  return absl::OkStatus();
}

// Reads a plan with its milestones and progress as of `now`.
absl::StatusOr<v1::OnboardingPlan> ReadPlan(mysql::Connection& db, const std::string& tenant,
                                            const std::string& account_id,
                                            const std::string& plan_id, absl::Time now) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kPlanColumns, "WHERE tenant_id = ? AND id = ? AND account_id = ?"),
               {tenant, plan_id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("onboarding plan ", PlanName(account_id, plan_id), " does not exist"));
  }
  v1::OnboardingPlan plan = PlanFromRow(rows[0]);
  RETURN_IF_ERROR(ReadMilestones(db, tenant, {&plan}));
  FillPlanProgress(plan, now);
  return plan;
}

mysql::Value OpenDueTime(const v1::Milestone& milestone) {
  if (milestone.state() == v1::Milestone::DONE || milestone.state() == v1::Milestone::SKIPPED) {
    return nullptr;
  }
  return FromProtoTime(milestone.due_time());
}

// ---- Success plans ----

constexpr absl::string_view kSuccessPlanColumns =
    "SELECT id, account_id, title, description, owner, status, version, create_time, "
    "update_time FROM success_plans ";

v1::SuccessPlan SuccessPlanFromRow(const mysql::Row& row) {
  v1::SuccessPlan plan;
  plan.set_name(SuccessPlanName(row.String(1), row.String(0)));
  plan.set_title(row.String(2));
  plan.set_description(row.String(3));
  plan.set_owner(row.String(4));
  plan.set_status(static_cast<v1::SuccessPlan::Status>(row.Int(5)));
  plan.set_etag(EtagFor(row.String(0), row.Int(6)));
  *plan.mutable_create_time() = ToProtoTime(row.Time(7));
  *plan.mutable_update_time() = ToProtoTime(row.Time(8));
  return plan;
}

// Reads the goals and action items of `plans` into them, with progress.
absl::Status ReadGoalsAndItems(mysql::Connection& db, const std::string& tenant,
                               std::vector<v1::SuccessPlan*> plans) {
  if (plans.empty()) return absl::OkStatus();
  std::map<std::string, v1::SuccessPlan*> by_id;
  const std::vector<mysql::Value> params = IndexPlans(tenant, plans, by_id);
  ASSIGN_OR_RETURN(
      auto goals,
      db.Query(absl::StrCat("SELECT plan_id, title, metric, baseline, target, "
                            "current_value, due_time FROM success_goals WHERE "
                            "tenant_id = ? AND plan_id IN (",
                            mysql::ParameterList(plans.size()), ") ORDER BY plan_id, position"),
               params));
  for (const mysql::Row& row : goals) {
    v1::SuccessGoal* goal = by_id[row.String(0)]->add_goals();
    goal->set_title(row.String(1));
    goal->set_metric(row.String(2));
    goal->set_baseline(row.Double(3));
    goal->set_target(row.Double(4));
    goal->set_current_value(row.Double(5));
    if (!row.IsNull(6)) *goal->mutable_due_time() = ToProtoTime(row.Time(6));
  }
  ASSIGN_OR_RETURN(
      auto items,
      db.Query(absl::StrCat("SELECT plan_id, title, owner, due_time, done, "
                            "done_time FROM success_action_items WHERE "
                            "tenant_id = ? AND plan_id IN (",
                            mysql::ParameterList(plans.size()), ") ORDER BY plan_id, position"),
               params));
  for (const mysql::Row& row : items) {
    v1::ActionItem* item = by_id[row.String(0)]->add_action_items();
    item->set_title(row.String(1));
    item->set_owner(row.String(2));
    if (!row.IsNull(3)) *item->mutable_due_time() = ToProtoTime(row.Time(3));
    item->set_done(row.Int(4) != 0);
    if (!row.IsNull(5)) *item->mutable_done_time() = ToProtoTime(row.Time(5));
  }
  for (v1::SuccessPlan* plan : plans) FillSuccessPlanProgress(*plan);
  return absl::OkStatus();
}

absl::StatusOr<v1::SuccessPlan> ReadSuccessPlan(mysql::Connection& db, const std::string& tenant,
                                                const std::string& account_id,
                                                const std::string& plan_id) {
  ASSIGN_OR_RETURN(auto rows,
                   db.Query(absl::StrCat(kSuccessPlanColumns,
                                         "WHERE tenant_id = ? AND id = ? AND account_id = ?"),
                            {tenant, plan_id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("success plan ", SuccessPlanName(account_id, plan_id), " does not exist"));
  }
  v1::SuccessPlan plan = SuccessPlanFromRow(rows[0]);
  RETURN_IF_ERROR(ReadGoalsAndItems(db, tenant, {&plan}));
  return plan;
}

// Replaces the plan's goals and action items by `plan`'s.
absl::Status WriteGoalsAndItems(mysql::Connection& tx, const std::string& tenant,
                                const std::string& plan_id, const v1::SuccessPlan& plan, bool goals,
                                bool items) {
  if (goals) {
    RETURN_IF_ERROR(tx.Execute("DELETE FROM success_goals WHERE tenant_id = ? AND plan_id = ?",
                               {tenant, plan_id})
                        .status());
    for (int i = 0; i < plan.goals_size(); ++i) {
      const v1::SuccessGoal& goal = plan.goals(i);
      RETURN_IF_ERROR(
          tx.Execute(
                "INSERT INTO success_goals (tenant_id, plan_id, position, title, metric, "
                "baseline, target, current_value, due_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {tenant, plan_id, int64_t{i}, goal.title(), goal.metric(), goal.baseline(),
                 goal.target(), goal.current_value(),
                 OptionalTime(goal.due_time(), goal.has_due_time())})
              .status());
    }
  }
  if (items) {
    RETURN_IF_ERROR(
        tx.Execute("DELETE FROM success_action_items WHERE tenant_id = ? AND plan_id = ?",
                   {tenant, plan_id})
            .status());
    for (int i = 0; i < plan.action_items_size(); ++i) {
      const v1::ActionItem& item = plan.action_items(i);
      RETURN_IF_ERROR(
          tx.Execute("INSERT INTO success_action_items (tenant_id, plan_id, position, title, "
                     "owner, due_time, done, done_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     {tenant, plan_id, int64_t{i}, item.title(), item.owner(),
                      OptionalTime(item.due_time(), item.has_due_time()), item.done(),
                      OptionalTime(item.done_time(), item.has_done_time())})
              .status());
    }
  }
  return absl::OkStatus();
}

// ---- Renewals ----

constexpr absl::string_view kRenewalColumns =
    "SELECT id, account_id, due_time, target_amount_minor, forecast_amount_minor, "
    "final_amount_minor, currency_code, stage, owner, notes, outcome, close_time, version, "
    "create_time, update_time FROM renewals ";

v1::Renewal RenewalFromRow(const mysql::Row& row) {
  v1::Renewal renewal;
  renewal.set_name(RenewalName(row.String(1), row.String(0)));
  *renewal.mutable_due_time() = ToProtoTime(row.Time(2));
  renewal.set_target_amount_minor(row.Int(3));
  renewal.set_forecast_amount_minor(row.Int(4));
  renewal.set_final_amount_minor(row.Int(5));
  renewal.set_currency_code(row.String(6));
  renewal.set_stage(static_cast<v1::Renewal::Stage>(row.Int(7)));
  renewal.set_owner(row.String(8));
  renewal.set_notes(row.String(9));
  renewal.set_outcome(static_cast<v1::Renewal::Outcome>(row.Int(10)));
  if (!row.IsNull(11)) *renewal.mutable_close_time() = ToProtoTime(row.Time(11));
  renewal.set_etag(EtagFor(row.String(0), row.Int(12)));
  *renewal.mutable_create_time() = ToProtoTime(row.Time(13));
  *renewal.mutable_update_time() = ToProtoTime(row.Time(14));
  return renewal;
}

absl::StatusOr<v1::Renewal> ReadRenewal(mysql::Connection& db, const std::string& tenant,
                                        const std::string& account_id,
                                        const std::string& renewal_id) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kRenewalColumns, "WHERE tenant_id = ? AND id = ? AND account_id = ?"),
               {tenant, renewal_id, account_id}));
  if (rows.empty()) {
    return absl::NotFoundError(
        absl::StrCat("renewal ", RenewalName(account_id, renewal_id), " does not exist"));
  }
  return RenewalFromRow(rows[0]);
}

}  // namespace

// ---- Templates ----------------------------------------------------------

absl::StatusOr<v1::OnboardingTemplate> MysqlLifecycleStore::CreateTemplate(
    const std::string& tenant, const v1::OnboardingTemplate& tmpl, const CreateKey& key,
    absl::Time deadline) {
  const std::string id = ResourceIdOf(tmpl.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(ExplainTemplateDuplicate(
        tx->Execute(
              "INSERT INTO onboarding_templates (tenant_id, id, display_name, description, "
              "milestones, version, create_time, update_time) VALUES (?, ?, ?, ?, ?, 1, ?, ?)",
              {tenant, id, tmpl.display_name(), tmpl.description(), MilestonesJson(tmpl),
               FromProtoTime(tmpl.create_time()), FromProtoTime(tmpl.update_time())})
            .status(),
        tmpl));
    v1::OnboardingTemplateChanged event;
    *event.mutable_onboarding_template() = tmpl;
    event.mutable_onboarding_template()->set_etag(EtagFor(id, 1));
    event.set_kind(v1::LifecycleChange::CREATED);
    return outbox_->Append(tx, tenant, tmpl.name(), event, FromProtoTime(tmpl.create_time()));
  };
  ASSIGN_OR_RETURN(
      std::string name,
      CreateOnce(*pool_, deadline, tenant, "CreateOnboardingTemplate", key, tmpl.name(), insert));
  if (name != tmpl.name()) return GetTemplate(tenant, ResourceIdOf(name), deadline);
  v1::OnboardingTemplate created = tmpl;
  created.set_etag(EtagFor(id, 1));
  return created;
}

absl::StatusOr<v1::OnboardingTemplate> MysqlLifecycleStore::GetTemplate(const std::string& tenant,
                                                                        const std::string& id,
                                                                        absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadTemplate(*db, tenant, id);
}

absl::StatusOr<LifecyclePage<v1::OnboardingTemplate>> MysqlLifecycleStore::ListTemplates(
    const std::string& tenant, const std::vector<LifecycleCondition>& conditions,
    const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(kTemplateColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  AppendLifecycleConditions(
      conditions, {{"display_name", "display_name"}, {"create_time", "create_time"}}, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  LifecyclePage<v1::OnboardingTemplate> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(TemplateFromRow(row));
  return page;
}

absl::StatusOr<v1::OnboardingTemplate> MysqlLifecycleStore::UpdateTemplate(
    const std::string& tenant, const std::string& id,
    const LifecycleDecision<v1::OnboardingTemplate>& decide, absl::Time deadline) {
  v1::OnboardingTemplate result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version,
                         LockRow(tx.connection(), "onboarding_templates", tenant, id, "",
                                 absl::StrCat("onboarding template onboardingTemplates/", id)));
        ASSIGN_OR_RETURN(v1::OnboardingTemplate current, ReadTemplate(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(auto update, decide(current, EtagFor(id, version + 1)));
        result = update.after;
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(ExplainTemplateDuplicate(
            tx->Execute(
                  "UPDATE onboarding_templates SET display_name = ?, description = ?, "
                  "milestones = ?, version = ?, update_time = ? WHERE tenant_id = ? AND id = ?",
                  {result.display_name(), result.description(), MilestonesJson(result), version + 1,
                   FromProtoTime(result.update_time()), tenant, id})
                .status(),
            result));
        result.set_etag(EtagFor(id, version + 1));
        v1::OnboardingTemplateChanged event;
        *event.mutable_onboarding_template() = result;
        event.set_kind(v1::LifecycleChange::UPDATED);
        return outbox_->Append(tx, tenant, result.name(), event,
                               FromProtoTime(result.update_time()));
      }));
  return result;
}

absl::Status MysqlLifecycleStore::DeleteTemplate(const std::string& tenant, const std::string& id,
                                                 const std::string& etag, absl::Time now,
                                                 absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version,
                     LockRow(tx.connection(), "onboarding_templates", tenant, id, "",
                             absl::StrCat("onboarding template onboardingTemplates/", id)));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, version)));
    ASSIGN_OR_RETURN(v1::OnboardingTemplate current, ReadTemplate(tx.connection(), tenant, id));
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM onboarding_templates WHERE tenant_id = ? AND id = ?", {tenant, id})
            .status());
    v1::OnboardingTemplateChanged event;
    *event.mutable_onboarding_template() = current;
    event.set_kind(v1::LifecycleChange::DELETED);
    return outbox_->Append(tx, tenant, current.name(), event, now);
  });
}

// ---- Onboarding plans ---------------------------------------------------

absl::StatusOr<v1::OnboardingPlan> MysqlLifecycleStore::StartOnboarding(
    const std::string& tenant, const std::string& account_id, const std::string& name,
    const std::string& template_id, const PlanFromTemplate& build, const CreateKey& key,
    absl::Time now, absl::Time deadline) {
  const std::string plan_id = ResourceIdOf(name);
  v1::OnboardingPlan result;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                     ReadAccount(tx.connection(), tenant, account_id, /*lock=*/true));
    ASSIGN_OR_RETURN(auto active, tx->Query("SELECT id FROM onboarding_plans WHERE tenant_id = ? "
                                            "AND account_id = ? AND active = 1 FOR UPDATE",
                                            {tenant, account_id}));
    if (!active.empty()) {
      return absl::FailedPreconditionError(
          absl::StrCat("accounts/", account_id, " already has the ACTIVE onboarding plan ",
                       PlanName(account_id, active[0].String(0)), "; complete or cancel it first"));
    }
    std::optional<v1::OnboardingTemplate> tmpl;
    if (!template_id.empty()) {
      absl::StatusOr<v1::OnboardingTemplate> found =
          ReadTemplate(tx.connection(), tenant, template_id);
      if (found.status().code() == absl::StatusCode::kNotFound) {
        return InvalidField("template", "is not an onboarding template of this tenant");
      }
      if (!found.ok()) return found.status();
      tmpl = *std::move(found);
    }
    ASSIGN_OR_RETURN(result, build(tmpl, account));
    mysql::Value template_value = nullptr;
    if (!template_id.empty()) template_value = template_id;
    absl::Status inserted =
        tx->Execute(
              "INSERT INTO onboarding_plans (tenant_id, id, account_id, template_id, "
              "display_name, start_time, state, active, version, create_time, update_time) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)",
              {tenant, plan_id, account_id, template_value, result.display_name(),
               FromProtoTime(result.start_time()), int64_t{v1::OnboardingPlan::ACTIVE},
               FromProtoTime(result.create_time()), FromProtoTime(result.update_time())})
            .status();
    if (inserted.code() == absl::StatusCode::kAlreadyExists) {
      return absl::FailedPreconditionError(
          absl::StrCat("accounts/", account_id, " already has an ACTIVE onboarding plan"));
    }
    RETURN_IF_ERROR(inserted);
    for (const v1::Milestone& milestone : result.milestones()) {
      RETURN_IF_ERROR(
          tx->Execute("INSERT INTO onboarding_milestones (tenant_id, id, plan_id, account_id, "
                      "position, title, description, due_time, state, open_due_time, "
                      "complete_time, owner, first_value, version, update_time) VALUES "
                      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, 1, ?)",
                      {tenant, ResourceIdOf(milestone.name()), plan_id, account_id,
                       int64_t{milestone.position()}, milestone.title(), milestone.description(),
                       FromProtoTime(milestone.due_time()), int64_t{milestone.state()},
                       OpenDueTime(milestone), milestone.owner(), milestone.first_value(),
                       FromProtoTime(milestone.update_time())})
              .status());
    }
    result.set_etag(EtagFor(plan_id, 1));
    for (v1::Milestone& milestone : *result.mutable_milestones()) {
      milestone.set_etag(EtagFor(ResourceIdOf(milestone.name()), 1));
    }
    FillPlanProgress(result, now);
    v1::OnboardingStarted event;
    *event.mutable_onboarding_plan() = result;
    *event.mutable_account() = account;
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, name, event, FromProtoTime(result.start_time())));
    return QueueAccountReview(tx, tenant, account_id, "lifecycle:OnboardingStarted", now);
  };
  ASSIGN_OR_RETURN(std::string created,
                   CreateOnce(*pool_, deadline, tenant, "StartOnboarding", key, name, insert));
  if (created != name) return GetPlan(tenant, account_id, ResourceIdOf(created), now, deadline);
  return result;
}

absl::StatusOr<v1::OnboardingPlan> MysqlLifecycleStore::GetPlan(const std::string& tenant,
                                                                const std::string& account_id,
                                                                const std::string& plan_id,
                                                                absl::Time now,
                                                                absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadPlan(*db, tenant, account_id, plan_id, now);
}

absl::StatusOr<LifecyclePage<v1::OnboardingPlan>> MysqlLifecycleStore::ListPlans(
    const std::string& tenant, const std::string& account_id,
    const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, absl::Time now,
    absl::Time deadline) {
  std::vector<mysql::Value> params;
  std::string sql = ListQuery(kPlanColumns, tenant, account_id, params);
  AppendLifecycleConditions(
      conditions,
      {{"state", "state"}, {"create_time", "create_time"}, {"start_time", "start_time"}}, sql,
      params);
  for (const LifecycleCondition& condition : conditions) {
    if (condition.field != "overdue") continue;
    const bool wanted = (condition.value == "1") == (condition.op == FilterOp::kEq);
    absl::StrAppend(&sql, wanted ? " AND " : " AND NOT ",
                    "(state = ? AND EXISTS (SELECT 1 FROM onboarding_milestones m WHERE "
                    "m.tenant_id = onboarding_plans.tenant_id AND m.plan_id = onboarding_plans.id "
                    "AND m.open_due_time < ?))");
    params.emplace_back(int64_t{v1::OnboardingPlan::ACTIVE});
    params.emplace_back(now);
  }
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  LifecyclePage<v1::OnboardingPlan> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(PlanFromRow(row));
  std::vector<v1::OnboardingPlan*> plans;
  for (v1::OnboardingPlan& item : page.items) plans.push_back(&item);
  RETURN_IF_ERROR(ReadMilestones(*db, tenant, plans));
  for (v1::OnboardingPlan& item : page.items) FillPlanProgress(item, now);
  return page;
}

absl::StatusOr<v1::OnboardingPlan> MysqlLifecycleStore::CancelPlan(
    const std::string& tenant, const std::string& account_id, const std::string& plan_id,
    const std::string& etag, absl::Time now, absl::Time deadline) {
  v1::OnboardingPlan result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version,
                         LockRow(tx.connection(), "onboarding_plans", tenant, plan_id, account_id,
                                 absl::StrCat("onboarding plan ", PlanName(account_id, plan_id))));
        RETURN_IF_ERROR(CheckEtag(etag, EtagFor(plan_id, version)));
        ASSIGN_OR_RETURN(v1::OnboardingPlan current,
                         ReadPlan(tx.connection(), tenant, account_id, plan_id, now));
        if (current.state() != v1::OnboardingPlan::ACTIVE) {
          return absl::FailedPreconditionError(
              absl::StrCat("onboarding plan ", current.name(), " is ",
                           v1::OnboardingPlan::State_Name(current.state()),
                           "; only an ACTIVE plan can be cancelled"));
        }
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE onboarding_plans SET state = ?, active = NULL, "
                  "end_time = ?, version = ?, update_time = ? WHERE tenant_id = ? "
                  "AND id = ?",
                  {int64_t{v1::OnboardingPlan::CANCELLED}, now, version + 1, now, tenant, plan_id})
                .status());
        ASSIGN_OR_RETURN(result, ReadPlan(tx.connection(), tenant, account_id, plan_id, now));
        ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                         ReadAccount(tx.connection(), tenant, account_id, /*lock=*/false));
        v1::OnboardingEnded event;
        *event.mutable_onboarding_plan() = result;
        *event.mutable_account() = account;
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, result.name(), event, now));
        return QueueAccountReview(tx, tenant, account_id, "lifecycle:OnboardingEnded", now);
      }));
  return result;
}

absl::StatusOr<v1::OnboardingPlan> MysqlLifecycleStore::UpdateMilestone(
    const std::string& tenant, const std::string& account_id, const std::string& plan_id,
    const std::string& milestone_id, const MilestoneDecision& decide, absl::Time now,
    absl::Time deadline) {
  v1::OnboardingPlan result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version,
                         LockRow(tx.connection(), "onboarding_plans", tenant, plan_id, account_id,
                                 absl::StrCat("onboarding plan ", PlanName(account_id, plan_id))));
        ASSIGN_OR_RETURN(v1::OnboardingPlan plan,
                         ReadPlan(tx.connection(), tenant, account_id, plan_id, now));
        int index = -1;
        for (int i = 0; i < plan.milestones_size(); ++i) {
          if (ResourceIdOf(plan.milestones(i).name()) == milestone_id) index = i;
        }
        if (index < 0) {
          return absl::NotFoundError(absl::StrCat("milestone ", plan.name(), "/milestones/",
                                                  milestone_id, " does not exist"));
        }
        if (plan.state() != v1::OnboardingPlan::ACTIVE) {
          return absl::FailedPreconditionError(absl::StrCat(
              "onboarding plan ", plan.name(), " is ", v1::OnboardingPlan::State_Name(plan.state()),
              "; milestones change only while it is ACTIVE"));
        }
        const v1::Milestone current = plan.milestones(index);
        ASSIGN_OR_RETURN(auto update, decide(plan, current));
        if (!update.changed) {
          result = plan;
          return absl::OkStatus();
        }
        const v1::Milestone& after = update.after;
        ASSIGN_OR_RETURN(auto versions,
                         tx->Query("SELECT version FROM onboarding_milestones WHERE tenant_id = ? "
                                   "AND id = ?",
                                   {tenant, milestone_id}));
        const int64_t milestone_version = versions.at(0).Int(0) + 1;
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE onboarding_milestones SET title = ?, description = ?, due_time = ?, "
                  "state = ?, open_due_time = ?, complete_time = ?, owner = ?, version = ?, "
                  "update_time = ? WHERE tenant_id = ? AND id = ?",
                  {after.title(), after.description(), FromProtoTime(after.due_time()),
                   int64_t{after.state()}, OpenDueTime(after),
                   OptionalTime(after.complete_time(), after.has_complete_time()), after.owner(),
                   milestone_version, now, tenant, milestone_id})
                .status());
        *plan.mutable_milestones(index) = after;
        const bool completed = AllMilestonesFinished(plan);
        if (completed) {
          RETURN_IF_ERROR(
              tx->Execute("UPDATE onboarding_plans SET state = ?, active = NULL, "
                          "end_time = ?, version = ?, update_time = ? WHERE tenant_id = ? "
                          "AND id = ?",
                          {int64_t{v1::OnboardingPlan::COMPLETED}, now, version + 1, now, tenant,
                           plan_id})
                  .status());
        } else {
          RETURN_IF_ERROR(tx->Execute("UPDATE onboarding_plans SET version = ?, update_time = ? "
                                      "WHERE tenant_id = ? AND id = ?",
                                      {version + 1, now, tenant, plan_id})
                              .status());
        }
        ASSIGN_OR_RETURN(result, ReadPlan(tx.connection(), tenant, account_id, plan_id, now));
        ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                         ReadAccount(tx.connection(), tenant, account_id, /*lock=*/false));
        v1::MilestoneUpdated event;
        *event.mutable_milestone() = result.milestones(index);
        event.set_previous_state(current.state());
        *event.mutable_onboarding_plan() = result;
        *event.mutable_account() = account;
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), event, now));
        if (completed) {
          v1::OnboardingEnded ended;
          *ended.mutable_onboarding_plan() = result;
          *ended.mutable_account() = account;
          RETURN_IF_ERROR(outbox_->Append(tx, tenant, result.name(), ended, now));
        }
        return QueueAccountReview(tx, tenant, account_id, "lifecycle:MilestoneUpdated", now);
      }));
  return result;
}

// ---- Success plans ------------------------------------------------------

absl::StatusOr<v1::SuccessPlan> MysqlLifecycleStore::CreateSuccessPlan(
    const std::string& tenant, const std::string& account_id, const std::string& name,
    const CreateFromAccount<v1::SuccessPlan>& build, const CreateKey& key, absl::Time deadline) {
  const std::string plan_id = ResourceIdOf(name);
  v1::SuccessPlan result;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                     ReadAccount(tx.connection(), tenant, account_id, /*lock=*/true));
    ASSIGN_OR_RETURN(result, build(account));
    RETURN_IF_ERROR(
        tx->Execute("INSERT INTO success_plans (tenant_id, id, account_id, title, description, "
                    "owner, status, version, create_time, update_time) VALUES "
                    "(?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    {tenant, plan_id, account_id, result.title(), result.description(),
                     result.owner(), int64_t{result.status()}, FromProtoTime(result.create_time()),
                     FromProtoTime(result.update_time())})
            .status());
    RETURN_IF_ERROR(WriteGoalsAndItems(tx.connection(), tenant, plan_id, result, true, true));
    result.set_etag(EtagFor(plan_id, 1));
    FillSuccessPlanProgress(result);
    v1::SuccessPlanChanged event;
    *event.mutable_success_plan() = result;
    event.set_kind(v1::LifecycleChange::CREATED);
    *event.mutable_account() = account;
    return outbox_->Append(tx, tenant, name, event, FromProtoTime(result.create_time()));
  };
  ASSIGN_OR_RETURN(std::string created,
                   CreateOnce(*pool_, deadline, tenant, "CreateSuccessPlan", key, name, insert));
  if (created != name) return GetSuccessPlan(tenant, account_id, ResourceIdOf(created), deadline);
  return result;
}

absl::StatusOr<v1::SuccessPlan> MysqlLifecycleStore::GetSuccessPlan(const std::string& tenant,
                                                                    const std::string& account_id,
                                                                    const std::string& plan_id,
                                                                    absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadSuccessPlan(*db, tenant, account_id, plan_id);
}

absl::StatusOr<LifecyclePage<v1::SuccessPlan>> MysqlLifecycleStore::ListSuccessPlans(
    const std::string& tenant, const std::string& account_id,
    const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, absl::Time deadline) {
  std::vector<mysql::Value> params;
  std::string sql = ListQuery(kSuccessPlanColumns, tenant, account_id, params);
  AppendLifecycleConditions(
      conditions, {{"status", "status"}, {"owner", "owner"}, {"create_time", "create_time"}}, sql,
      params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  LifecyclePage<v1::SuccessPlan> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(SuccessPlanFromRow(row));
  std::vector<v1::SuccessPlan*> plans;
  for (v1::SuccessPlan& item : page.items) plans.push_back(&item);
  RETURN_IF_ERROR(ReadGoalsAndItems(*db, tenant, plans));
  return page;
}

absl::StatusOr<v1::SuccessPlan> MysqlLifecycleStore::UpdateSuccessPlan(
    const std::string& tenant, const std::string& account_id, const std::string& plan_id,
    const LifecycleDecision<v1::SuccessPlan>& decide, absl::Time now, absl::Time deadline) {
  v1::SuccessPlan result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            int64_t version,
            LockRow(tx.connection(), "success_plans", tenant, plan_id, account_id,
                    absl::StrCat("success plan ", SuccessPlanName(account_id, plan_id))));
        ASSIGN_OR_RETURN(v1::SuccessPlan current,
                         ReadSuccessPlan(tx.connection(), tenant, account_id, plan_id));
        ASSIGN_OR_RETURN(auto update, decide(current, EtagFor(plan_id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        result = update.after;
        RETURN_IF_ERROR(
            tx->Execute("UPDATE success_plans SET title = ?, description = ?, owner = ?, "
                        "status = ?, version = ?, update_time = ? WHERE tenant_id = ? "
                        "AND id = ?",
                        {result.title(), result.description(), result.owner(),
                         int64_t{result.status()}, version + 1, now, tenant, plan_id})
                .status());
        const bool goals_changed = !std::equal(
            result.goals().begin(), result.goals().end(), current.goals().begin(),
            current.goals().end(), [](const v1::SuccessGoal& a, const v1::SuccessGoal& b) {
              return MessageDifferencer::Equals(a, b);
            });
        const bool items_changed =
            !std::equal(result.action_items().begin(), result.action_items().end(),
                        current.action_items().begin(), current.action_items().end(),
                        [](const v1::ActionItem& a, const v1::ActionItem& b) {
                          return MessageDifferencer::Equals(a, b);
                        });
        RETURN_IF_ERROR(WriteGoalsAndItems(tx.connection(), tenant, plan_id, result, goals_changed,
                                           items_changed));
        result.set_etag(EtagFor(plan_id, version + 1));
        *result.mutable_update_time() = ToProtoTime(now);
        FillSuccessPlanProgress(result);
        ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                         ReadAccount(tx.connection(), tenant, account_id, /*lock=*/false));
        v1::SuccessPlanChanged event;
        *event.mutable_success_plan() = result;
        event.set_kind(v1::LifecycleChange::UPDATED);
        *event.mutable_account() = account;
        return outbox_->Append(tx, tenant, result.name(), event, now);
      }));
  return result;
}

absl::Status MysqlLifecycleStore::DeleteSuccessPlan(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::string& plan_id,
                                                    const std::string& etag, absl::Time now,
                                                    absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version,
                     LockRow(tx.connection(), "success_plans", tenant, plan_id, account_id,
                             absl::StrCat("success plan ", SuccessPlanName(account_id, plan_id))));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(plan_id, version)));
    ASSIGN_OR_RETURN(v1::SuccessPlan current,
                     ReadSuccessPlan(tx.connection(), tenant, account_id, plan_id));
    for (const char* table : {"success_goals", "success_action_items"}) {
      RETURN_IF_ERROR(
          tx->Execute(absl::StrCat("DELETE FROM ", table, " WHERE tenant_id = ? AND plan_id = ?"),
                      {tenant, plan_id})
              .status());
    }
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM success_plans WHERE tenant_id = ? AND id = ?", {tenant, plan_id})
            .status());
    ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                     ReadAccount(tx.connection(), tenant, account_id, /*lock=*/false));
    v1::SuccessPlanChanged event;
    *event.mutable_success_plan() = current;
    event.set_kind(v1::LifecycleChange::DELETED);
    *event.mutable_account() = account;
    return outbox_->Append(tx, tenant, current.name(), event, now);
  });
}

// ---- Renewals -----------------------------------------------------------

absl::StatusOr<v1::Renewal> MysqlLifecycleStore::CreateRenewal(
    const std::string& tenant, const std::string& account_id, const std::string& name,
    const CreateFromAccount<v1::Renewal>& build, const CreateKey& key, absl::Time deadline) {
  const std::string renewal_id = ResourceIdOf(name);
  v1::Renewal result;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                     ReadAccount(tx.connection(), tenant, account_id, /*lock=*/true));
    ASSIGN_OR_RETURN(result, build(account));
    RETURN_IF_ERROR(
        tx->Execute(
              "INSERT INTO renewals (tenant_id, id, account_id, due_time, "
              "target_amount_minor, forecast_amount_minor, final_amount_minor, "
              "currency_code, stage, owner, notes, outcome, close_time, version, "
              "create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, 0, NULL, "
              "1, ?, ?)",
              {tenant, renewal_id, account_id, FromProtoTime(result.due_time()),
               result.target_amount_minor(), result.forecast_amount_minor(), result.currency_code(),
               int64_t{result.stage()}, result.owner(), result.notes(),
               FromProtoTime(result.create_time()), FromProtoTime(result.update_time())})
            .status());
    result.set_etag(EtagFor(renewal_id, 1));
    v1::RenewalCreated event;
    *event.mutable_renewal() = result;
    *event.mutable_account() = account;
    const absl::Time now = FromProtoTime(result.create_time());
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, name, event, now));
    return QueueAccountReview(tx, tenant, account_id, "lifecycle:RenewalCreated", now);
  };
  ASSIGN_OR_RETURN(std::string created,
                   CreateOnce(*pool_, deadline, tenant, "CreateRenewal", key, name, insert));
  if (created != name) return GetRenewal(tenant, account_id, ResourceIdOf(created), deadline);
  return result;
}

absl::StatusOr<v1::Renewal> MysqlLifecycleStore::GetRenewal(const std::string& tenant,
                                                            const std::string& account_id,
                                                            const std::string& renewal_id,
                                                            absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadRenewal(*db, tenant, account_id, renewal_id);
}

absl::StatusOr<LifecyclePage<v1::Renewal>> MysqlLifecycleStore::ListRenewals(
    const std::string& tenant, const std::string& account_id,
    const std::vector<LifecycleCondition>& conditions, const ListPlan& plan, RenewalOrder order,
    absl::Time deadline) {
  std::vector<mysql::Value> params;
  std::string sql = ListQuery(kRenewalColumns, tenant, account_id, params);
  AppendLifecycleConditions(conditions,
                            {{"stage", "stage"},
                             {"outcome", "outcome"},
                             {"owner", "owner"},
                             {"due_time", "due_time"},
                             {"create_time", "create_time"}},
                            sql, params);
  for (const LifecycleCondition& condition : conditions) {
    if (condition.field != "open") continue;
    const bool open = (condition.value == "1") == (condition.op == FilterOp::kEq);
    absl::StrAppend(&sql, open ? " AND outcome = 0" : " AND outcome <> 0");
  }
  if (order == RenewalOrder::kCreateTime) {
    mysql::AppendKeysetPage(plan, sql, params);
  } else {
    const char* cmp = plan.newest_first ? "<" : ">";
    if (plan.after.has_value()) {
      absl::StrAppend(&sql, " AND (due_time ", cmp, " ? OR (due_time = ? AND id ", cmp, " ?))");
      params.emplace_back(plan.after->create_time);  // the due time, for this order
      params.emplace_back(plan.after->create_time);
      params.emplace_back(plan.after->id);
    }
    absl::StrAppend(
        &sql,
        plan.newest_first ? " ORDER BY due_time DESC, id DESC" : " ORDER BY due_time ASC, id ASC",
        " LIMIT ?");
    params.emplace_back(int64_t{plan.page_size + 1});
  }
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  LifecyclePage<v1::Renewal> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(RenewalFromRow(row));
  return page;
}

absl::StatusOr<v1::Renewal> MysqlLifecycleStore::UpdateRenewal(
    const std::string& tenant, const std::string& account_id, const std::string& renewal_id,
    const RenewalDecision& decide, absl::Time now, absl::Time deadline) {
  v1::Renewal result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version,
                         LockRow(tx.connection(), "renewals", tenant, renewal_id, account_id,
                                 absl::StrCat("renewal ", RenewalName(account_id, renewal_id))));
        ASSIGN_OR_RETURN(v1::Renewal current,
                         ReadRenewal(tx.connection(), tenant, account_id, renewal_id));
        ASSIGN_OR_RETURN(RenewalUpdate update, decide(current, EtagFor(renewal_id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        result = update.after;
        RETURN_IF_ERROR(
            tx->Execute("UPDATE renewals SET due_time = ?, target_amount_minor = ?, "
                        "forecast_amount_minor = ?, final_amount_minor = ?, stage = ?, owner = ?, "
                        "notes = ?, outcome = ?, close_time = ?, version = ?, update_time = ? "
                        "WHERE tenant_id = ? AND id = ?",
                        {FromProtoTime(result.due_time()), result.target_amount_minor(),
                         result.forecast_amount_minor(), result.final_amount_minor(),
                         int64_t{result.stage()}, result.owner(), result.notes(),
                         int64_t{result.outcome()},
                         OptionalTime(result.close_time(), result.has_close_time()), version + 1,
                         now, tenant, renewal_id})
                .status());
        result.set_etag(EtagFor(renewal_id, version + 1));
        *result.mutable_update_time() = ToProtoTime(now);
        ASSIGN_OR_RETURN(v1::LifecycleAccountSnapshot account,
                         ReadAccount(tx.connection(), tenant, account_id, /*lock=*/false));
        if (update.closed) {
          v1::RenewalClosed event;
          *event.mutable_renewal() = result;
          *event.mutable_account() = account;
          event.set_final_minus_target_minor(result.final_amount_minor() -
                                             result.target_amount_minor());
          RETURN_IF_ERROR(outbox_->Append(tx, tenant, result.name(), event,
                                          FromProtoTime(result.close_time())));
        } else {
          v1::RenewalUpdated event;
          *event.mutable_renewal() = result;
          for (const std::string& field : update.changed_fields) {
            event.mutable_changed_fields()->add_paths(field);
          }
          *event.mutable_account() = account;
          RETURN_IF_ERROR(outbox_->Append(tx, tenant, result.name(), event, now));
        }
        return QueueAccountReview(
            tx, tenant, account_id,
            update.closed ? "lifecycle:RenewalClosed" : "lifecycle:RenewalUpdated", now);
      }));
  return result;
}

// ---- The account review's section ---------------------------------------

absl::Status LoadLifecycleSignals(mysql::Transaction& tx, const std::string& tenant,
                                  const std::string& account_id, absl::Time now,
                                  LifecycleSignals& out) {
  ASSIGN_OR_RETURN(
      auto plans,
      tx->Query("SELECT id, state FROM onboarding_plans WHERE tenant_id = ? AND "
                "account_id = ? AND state IN (?, ?) ORDER BY state = ? DESC, "
                "create_time DESC, id DESC LIMIT 1",
                {tenant, account_id, int64_t{v1::OnboardingPlan::ACTIVE},
                 int64_t{v1::OnboardingPlan::COMPLETED}, int64_t{v1::OnboardingPlan::ACTIVE}}));
  if (!plans.empty()) {
    const std::string plan_id = plans[0].String(0);
    ASSIGN_OR_RETURN(auto counts,
                     tx->Query("SELECT COALESCE(SUM(state = ?), 0), COALESCE(SUM(state != ?), 0), "
                               "COUNT(*) FROM onboarding_milestones WHERE tenant_id = ? AND "
                               "plan_id = ?",
                               {int64_t{v1::Milestone::DONE}, int64_t{v1::Milestone::SKIPPED},
                                tenant, plan_id}));
    const int64_t done = counts.at(0).Int(0);
    const int64_t counted = counts.at(0).Int(1);
    const int64_t all = counts.at(0).Int(2);
    out.onboarding_progress =
        counted == 0 ? (all > 0 ? 1.0 : 0.0) : static_cast<double>(done) / counted;
    if (plans[0].Int(1) == v1::OnboardingPlan::ACTIVE) {
      ASSIGN_OR_RETURN(auto overdue,
                       tx->Query("SELECT id, COUNT(*) OVER () FROM onboarding_milestones WHERE "
                                 "tenant_id = ? AND plan_id = ? AND open_due_time < ? "
                                 "ORDER BY open_due_time, position LIMIT 1",
                                 {tenant, plan_id, now}));
      if (!overdue.empty()) {
        out.overdue_milestones = static_cast<int32_t>(overdue[0].Int(1));
        out.first_overdue_milestone =
            absl::StrCat(PlanName(account_id, plan_id), "/milestones/", overdue[0].String(0));
      }
    }
  }
  ASSIGN_OR_RETURN(auto renewals,
                   tx->Query("SELECT id, due_time FROM renewals WHERE tenant_id = ? AND "
                             "account_id = ? AND outcome = 0 AND due_time >= ? "
                             "ORDER BY due_time, id LIMIT 1",
                             {tenant, account_id, now}));
  if (!renewals.empty()) {
    out.next_renewal_time = renewals[0].Time(1);
    out.next_renewal = RenewalName(account_id, renewals[0].String(0));
  }
  return absl::OkStatus();
}

}  // namespace tandem::success

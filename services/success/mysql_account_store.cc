#include "services/success/mysql_account_store.h"

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/mysql/keyset.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "tandem/success/v1/events.pb.h"

namespace tandem::success {
namespace {

constexpr absl::string_view kColumns =
    "SELECT id, display_name, external_id, owner, plan, currency_code, touch_tier, "
    "lifecycle_stage, mrr_minor, version, create_time, update_time FROM accounts ";

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
  account.set_etag(EtagFor(row.String(0), row.Int(9)));
  *account.mutable_create_time() = ToProtoTime(row.Time(10));
  *account.mutable_update_time() = ToProtoTime(row.Time(11));
  return account;
}

const char* ColumnOf(AccountField field) {
  switch (field) {
    case AccountField::kTouchTier:
      return "touch_tier";
    case AccountField::kLifecycleStage:
      return "lifecycle_stage";
    case AccountField::kOwner:
      return "owner";
    case AccountField::kPlan:
      return "plan";
    case AccountField::kExternalId:
      return "external_id";
  }
  return "id";
}

std::string IdOf(const std::string& name) { return name.substr(name.find('/') + 1); }

}  // namespace

absl::StatusOr<v1::Account> MysqlAccountStore::Create(const std::string& tenant,
                                                      const v1::Account& account,
                                                      const CreateKey& key, absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    const absl::Time now = FromProtoTime(account.create_time());
    mysql::Value external_id = nullptr;
    if (!account.external_id().empty()) external_id = account.external_id();
    RETURN_IF_ERROR(
        tx->Execute(
              "INSERT INTO accounts (tenant_id, id, display_name, external_id, owner, "
              "plan, currency_code, touch_tier, lifecycle_stage, mrr_minor, version, "
              "create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?)",
              {tenant, IdOf(account.name()), account.display_name(), external_id, account.owner(),
               account.plan(), account.currency_code(), int64_t{account.touch_tier()},
               int64_t{account.lifecycle_stage()}, now, FromProtoTime(account.update_time())})
            .status());
    v1::AccountCreated event;
    *event.mutable_account() = account;
    event.mutable_account()->set_etag(EtagFor(IdOf(account.name()), 1));
    return outbox_->Append(tx, tenant, account.name(), event, now);
  };
  absl::StatusOr<std::string> name =
      CreateOnce(*pool_, deadline, tenant, "CreateAccount", key, account.name(), insert);
  if (name.status().code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        absl::StrCat("an account with external_id \"", account.external_id(), "\" already exists"));
  }
  if (!name.ok()) return name.status();
  if (*name != account.name()) return Get(tenant, IdOf(*name), deadline);  // an earlier request's
  v1::Account created = account;  // exactly what was stored
  created.set_etag(EtagFor(IdOf(account.name()), 1));
  return created;
}

absl::StatusOr<v1::Account> MysqlAccountStore::Get(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows, db->Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("account accounts/", id, " does not exist"));
  }
  return FromRow(rows[0]);
}

absl::StatusOr<AccountPage> MysqlAccountStore::List(const std::string& tenant,
                                                    const std::vector<AccountCondition>& conditions,
                                                    const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(kColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> columns;
  for (const AccountCondition& condition : conditions) {
    columns.push_back({.column = ColumnOf(condition.field), .op = condition.op,
                       .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  AccountPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.accounts.push_back(FromRow(row));
  return page;
}

}  // namespace tandem::success

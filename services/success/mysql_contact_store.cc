#include "services/success/mysql_contact_store.h"
#include "services/success/mysql_account_store.h"

#include <google/protobuf/field_mask.pb.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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
    "SELECT account_id, id, display_name, email, title, roles, version, create_time, "
    "update_time FROM contacts ";

std::string ContactName(const std::string& account_id, const std::string& id) {
  return absl::StrCat("accounts/", account_id, "/contacts/", id);
}

// "CHAMPION,USER": the roles as stored (the contact's are already in enum
// order without duplicates).
std::string RolesText(const v1::Contact& contact) {
  return absl::StrJoin(contact.roles(), ",", [](std::string* out, int role) {
    out->append(v1::Contact::Role_Name(static_cast<v1::Contact::Role>(role)));
  });
}

v1::Contact FromRow(const mysql::Row& row) {
  v1::Contact contact;
  contact.set_name(ContactName(row.String(0), row.String(1)));
  contact.set_display_name(row.String(2));
  contact.set_email(row.String(3));
  contact.set_title(row.String(4));
  for (absl::string_view name : absl::StrSplit(row.String(5), ',', absl::SkipEmpty())) {
    v1::Contact::Role role;
    if (v1::Contact::Role_Parse(std::string(name), &role)) contact.add_roles(role);
  }
  contact.set_etag(EtagFor(row.String(1), row.Int(6)));
  *contact.mutable_create_time() = ToProtoTime(row.Time(7));
  *contact.mutable_update_time() = ToProtoTime(row.Time(8));
  return contact;
}

absl::Status ContactNotFound(const std::string& account_id, const std::string& id) {
  return absl::NotFoundError(
      absl::StrCat("contact ", ContactName(account_id, id), " does not exist"));
}

absl::Status ExplainDuplicate(absl::Status status, const v1::Contact& contact) {
  if (status.code() == absl::StatusCode::kAlreadyExists &&
      absl::StrContains(status.message(), "contacts_by_email")) {
    return absl::AlreadyExistsError(absl::StrCat(
        "another contact of the account already has the e-mail address ", contact.email()));
  }
  return status;
}

// Locks and reads a contact of the account, with its version.
absl::StatusOr<std::pair<v1::Contact, int64_t>> LockContact(mysql::Connection& tx,
                                                            const std::string& tenant,
                                                            const std::string& account_id,
                                                            const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ? FOR UPDATE"), {tenant, id}));
  if (rows.empty() || (account_id != kAnyAccount && rows[0].String(0) != account_id)) {
    return ContactNotFound(account_id, id);
  }
  return std::make_pair(FromRow(rows[0]), rows[0].Int(6));
}

}  // namespace

absl::StatusOr<std::vector<v1::Contact>> LoadAccountContacts(
    mysql::Transaction& tx, const std::string& tenant, const std::string& account_id,
    const std::vector<v1::Contact::Role>& roles) {
  ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kColumns,
                                                     "WHERE tenant_id = ? AND account_id = ? "
                                                     "ORDER BY create_time, id"),
                                        {tenant, account_id}));
  std::vector<v1::Contact> contacts;
  for (const mysql::Row& row : rows) {
    v1::Contact contact = FromRow(row);
    bool wanted = roles.empty();
    for (v1::Contact::Role role : roles) {
      for (int held : contact.roles()) wanted = wanted || held == role;
    }
    if (wanted) contacts.push_back(std::move(contact));
  }
  return contacts;
}

absl::StatusOr<v1::Contact> MysqlContactStore::Create(const std::string& tenant,
                                                      const std::string& account_id,
                                                      const v1::Contact& contact,
                                                      const CreateKey& key, absl::Time deadline) {
  const std::string id = ResourceIdOf(contact.name());
  v1::Contact created = contact;  // exactly what is stored
  created.set_etag(EtagFor(id, 1));
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(CheckAccountExists(tx.connection(), tenant, account_id, /*lock=*/true));
    const absl::Time now = FromProtoTime(contact.create_time());
    RETURN_IF_ERROR(ExplainDuplicate(
        tx->Execute("INSERT INTO contacts (tenant_id, id, account_id, display_name, email, "
                    "title, roles, version, create_time, update_time) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    {tenant, id, account_id, contact.display_name(), contact.email(),
                     contact.title(), RolesText(contact), now, now})
            .status(),
        contact));
    v1::ContactCreated event;
    *event.mutable_contact() = created;
    return outbox_->Append(tx, tenant, contact.name(), event, now);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateContact", key,
                                                contact.name(), insert));
  if (name != contact.name()) {
    return Get(tenant, std::string(kAnyAccount), ResourceIdOf(name), deadline);
  }
  return created;
}

absl::StatusOr<v1::Contact> MysqlContactStore::Get(const std::string& tenant,
                                                   const std::string& account_id,
                                                   const std::string& id, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows, db->Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty() || (account_id != kAnyAccount && rows[0].String(0) != account_id)) {
    return ContactNotFound(account_id, id);
  }
  return FromRow(rows[0]);
}

absl::StatusOr<ContactPage> MysqlContactStore::List(const std::string& tenant,
                                                    const std::string& account_id,
                                                    const std::vector<ContactCondition>& conditions,
                                                    const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  std::string sql = absl::StrCat(kColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  if (account_id != kAnyAccount) {
    RETURN_IF_ERROR(CheckAccountExists(*db, tenant, account_id, /*lock=*/false));
    absl::StrAppend(&sql, " AND account_id = ?");
    params.emplace_back(account_id);
  }
  for (const ContactCondition& condition : conditions) {
    const bool negated = condition.op == FilterOp::kNe;
    if (condition.field == ContactField::kRole) {
      absl::StrAppend(
          &sql, negated ? " AND FIND_IN_SET(?, roles) = 0" : " AND FIND_IN_SET(?, roles) > 0");
    } else {
      absl::StrAppend(&sql, negated ? " AND email <> ?" : " AND email = ?");
    }
    params.emplace_back(condition.value);
  }
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  ContactPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.contacts.push_back(FromRow(row));
  return page;
}

absl::StatusOr<v1::Contact> MysqlContactStore::Update(const std::string& tenant,
                                                      const std::string& account_id,
                                                      const std::string& id,
                                                      const ContactUpdateDecision& decide,
                                                      absl::Time deadline) {
  v1::Contact result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, LockContact(tx.connection(), tenant, account_id, id));
        const auto& [current, version] = locked;
        ASSIGN_OR_RETURN(ContactUpdate update, decide(current, EtagFor(id, version + 1)));
        if (update.changed_fields.empty()) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Contact& after = update.contact;
        const absl::Time now = FromProtoTime(after.update_time());
        RETURN_IF_ERROR(ExplainDuplicate(
            tx->Execute("UPDATE contacts SET display_name = ?, email = ?, title = ?, roles = ?, "
                        "version = ?, update_time = ? WHERE tenant_id = ? AND id = ?",
                        {after.display_name(), after.email(), after.title(), RolesText(after),
                         version + 1, now, tenant, id})
                .status(),
            after));
        v1::ContactUpdated event;
        *event.mutable_contact() = after;
        *event.mutable_previous() = current;
        for (const std::string& field : update.changed_fields) {
          event.mutable_changed_fields()->add_paths(field);
        }
        RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), event, now));
        result = after;
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlContactStore::Delete(const std::string& tenant, const std::string& account_id,
                                       const std::string& id, const std::string& etag,
                                       absl::Time now, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto locked, LockContact(tx.connection(), tenant, account_id, id));
    RETURN_IF_ERROR(CheckEtag(etag, locked.first.etag()));
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM contacts WHERE tenant_id = ? AND id = ?", {tenant, id}).status());
    v1::ContactDeleted event;
    *event.mutable_contact() = locked.first;
    return outbox_->Append(tx, tenant, locked.first.name(), event, now);
  });
}

}  // namespace tandem::success

#include "services/success/mysql_playbook_store.h"
#include "services/success/mysql_account_store.h"

#include <optional>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/mysql/keyset.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/mysql_contact_store.h"
#include "services/success/playbook_rules.h"

namespace tandem::success {
namespace {

using Json = nlohmann::json;

// ---- Playbooks ------------------------------------------------------------

constexpr absl::string_view kPlaybookColumns =
    "SELECT id, display_name, description, trigger_type, threshold_percent, within_days, "
    "cta_type, cta_priority, cta_due_in_days, enrolment_program, outreach_template, disabled, "
    "built_in, version, create_time, update_time FROM playbooks ";

v1::Playbook PlaybookFromRow(const mysql::Row& row) {
  v1::Playbook playbook;
  playbook.set_name(ResourceName("playbooks", row.String(0)));
  playbook.set_display_name(row.String(1));
  playbook.set_description(row.String(2));
  v1::Playbook::Trigger* trigger = playbook.mutable_trigger();
  trigger->set_type(static_cast<v1::Playbook::Trigger::Type>(row.Int(3)));
  trigger->set_threshold_percent(static_cast<int32_t>(row.Int(4)));
  trigger->set_within_days(static_cast<int32_t>(row.Int(5)));
  if (row.Int(6) != 0) {
    v1::Playbook::CtaAction* action = playbook.mutable_high_touch();
    action->set_type(static_cast<v1::Cta::Type>(row.Int(6)));
    action->set_priority(static_cast<v1::Cta::Priority>(row.Int(7)));
    action->set_due_in_days(static_cast<int32_t>(row.Int(8)));
  }
  if (!row.String(9).empty()) playbook.mutable_low_touch()->set_program(row.String(9));
  if (!row.String(10).empty()) playbook.mutable_tech_touch()->set_template_id(row.String(10));
  playbook.set_disabled(row.Int(11) != 0);
  playbook.set_built_in(row.Int(12) != 0);
  playbook.set_etag(EtagFor(row.String(0), row.Int(13)));
  *playbook.mutable_create_time() = ToProtoTime(row.Time(14));
  *playbook.mutable_update_time() = ToProtoTime(row.Time(15));
  return playbook;
}

absl::Status PlaybookNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("playbook playbooks/", id, " does not exist"));
}

absl::StatusOr<v1::Playbook> ReadPlaybook(mysql::Connection& db, const std::string& tenant,
                                          const std::string& id) {
  ASSIGN_OR_RETURN(
      auto rows,
      db.Query(absl::StrCat(kPlaybookColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) return PlaybookNotFound(id);
  return PlaybookFromRow(rows[0]);
}

absl::Status InsertPlaybook(mysql::Transaction& tx, feed::Outbox& outbox, const std::string& tenant,
                            const v1::Playbook& playbook) {
  const v1::Playbook::Trigger& trigger = playbook.trigger();
  const v1::Playbook::CtaAction& cta = playbook.high_touch();
  RETURN_IF_ERROR(
      tx->Execute(
            "INSERT INTO playbooks (tenant_id, id, display_name, description, trigger_type, "
            "threshold_percent, within_days, cta_type, cta_priority, cta_due_in_days, "
            "enrolment_program, outreach_template, disabled, built_in, version, "
            "create_time, update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "1, ?, ?)",
            {tenant, ResourceIdOf(playbook.name()), playbook.display_name(), playbook.description(),
             int64_t{trigger.type()}, int64_t{trigger.threshold_percent()},
             int64_t{trigger.within_days()}, int64_t{cta.type()}, int64_t{cta.priority()},
             int64_t{cta.due_in_days()}, playbook.low_touch().program(),
             playbook.tech_touch().template_id(), playbook.disabled(), playbook.built_in(),
             FromProtoTime(playbook.create_time()), FromProtoTime(playbook.update_time())})
          .status());
  v1::PlaybookChanged event;
  *event.mutable_playbook() = playbook;
  event.mutable_playbook()->set_etag(EtagFor(ResourceIdOf(playbook.name()), 1));
  event.set_change(v1::PlaybookChanged::CREATED);
  return outbox.Append(tx, tenant, playbook.name(), event, FromProtoTime(playbook.create_time()));
}

// Gives `tenant` the built-in playbooks, once ever: the first caller claims
// the tenant's row; a concurrent one waits for it and then finds it taken.
absl::Status EnsureDefaultPlaybooks(mysql::Transaction& tx, feed::Outbox& outbox,
                                    const std::string& tenant, absl::Time now) {
  ASSIGN_OR_RETURN(int64_t claimed,
                   tx->Execute("INSERT IGNORE INTO playbook_tenants (tenant_id, seed_time) "
                               "VALUES (?, ?)",
                               {tenant, now}));
  if (claimed == 0) return absl::OkStatus();
  for (v1::Playbook playbook : DefaultPlaybooks()) {
    playbook.set_name(ResourceName("playbooks", NewIdAt(now)));
    *playbook.mutable_create_time() = ToProtoTime(now);
    *playbook.mutable_update_time() = ToProtoTime(now);
    RETURN_IF_ERROR(InsertPlaybook(tx, outbox, tenant, playbook));
  }
  return absl::OkStatus();
}

// ---- CTAs -----------------------------------------------------------------

constexpr absl::string_view kCtaColumns =
    "SELECT id, account_id, type, title, reasons, owner, priority, due_time, status, "
    "snooze_until, close_note, close_time, closed_by, version, create_time, update_time "
    "FROM ctas ";

Json ReasonsToJson(const v1::Cta& cta) {
  Json reasons = Json::array();
  for (const v1::CtaReason& reason : cta.reasons()) {
    reasons.push_back({{"text", reason.text()},
                       {"playbook", reason.playbook()},
                       {"occurrence", reason.occurrence()},
                       {"add_time_us", absl::ToUnixMicros(FromProtoTime(reason.add_time()))}});
  }
  return reasons;
}

void ReasonsFromJson(const std::string& text, v1::Cta& cta) {
  const Json reasons = Json::parse(text, nullptr, false);
  if (!reasons.is_array()) return;
  for (const Json& item : reasons) {
    if (!item.is_object()) continue;
    v1::CtaReason* reason = cta.add_reasons();
    reason->set_text(item.value("text", ""));
    reason->set_playbook(item.value("playbook", ""));
    reason->set_occurrence(item.value("occurrence", ""));
    *reason->mutable_add_time() =
        ToProtoTime(absl::FromUnixMicros(item.value("add_time_us", int64_t{0})));
  }
}

v1::Cta CtaFromRow(const mysql::Row& row) {
  v1::Cta cta;
  cta.set_name(ResourceName("ctas", row.String(0)));
  cta.set_account(ResourceName("accounts", row.String(1)));
  cta.set_type(static_cast<v1::Cta::Type>(row.Int(2)));
  cta.set_title(row.String(3));
  ReasonsFromJson(row.String(4), cta);
  cta.set_owner(row.String(5));
  cta.set_priority(static_cast<v1::Cta::Priority>(row.Int(6)));
  if (!row.IsNull(7)) *cta.mutable_due_time() = ToProtoTime(row.Time(7));
  cta.set_status(static_cast<v1::Cta::Status>(row.Int(8)));
  if (!row.IsNull(9)) *cta.mutable_snooze_until() = ToProtoTime(row.Time(9));
  cta.set_close_note(row.String(10));
  if (!row.IsNull(11)) *cta.mutable_close_time() = ToProtoTime(row.Time(11));
  cta.set_closed_by(row.String(12));
  cta.set_etag(EtagFor(row.String(0), row.Int(13)));
  *cta.mutable_create_time() = ToProtoTime(row.Time(14));
  *cta.mutable_update_time() = ToProtoTime(row.Time(15));
  return cta;
}

mysql::Value OptionalTime(bool has, const google::protobuf::Timestamp& t) {
  if (!has) return nullptr;
  return FromProtoTime(t);
}

absl::Status CtaNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("CTA ctas/", id, " does not exist"));
}

absl::Status InsertCta(mysql::Transaction& tx, const std::string& tenant, const v1::Cta& cta) {
  return tx
      ->Execute(
          "INSERT INTO ctas (tenant_id, id, account_id, type, title, reasons, owner, "
          "priority, due_time, status, snooze_until, version, create_time, update_time) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, ?, ?)",
          {tenant, ResourceIdOf(cta.name()), ResourceIdOf(cta.account()), int64_t{cta.type()},
           cta.title(), ReasonsToJson(cta).dump(), cta.owner(), int64_t{cta.priority()},
           OptionalTime(cta.has_due_time(), cta.due_time()), int64_t{cta.status()},
           FromProtoTime(cta.create_time()), FromProtoTime(cta.update_time())})
      .status();
}

// Writes every mutable column of `cta` at `version`.
absl::Status WriteCta(mysql::Connection& tx, const std::string& tenant, const v1::Cta& cta,
                      int64_t version) {
  return tx
      .Execute(
          "UPDATE ctas SET title = ?, reasons = ?, owner = ?, priority = ?, due_time = ?, "
          "status = ?, snooze_until = ?, close_note = ?, close_time = ?, closed_by = ?, "
          "version = ?, update_time = ? WHERE tenant_id = ? AND id = ?",
          {cta.title(), ReasonsToJson(cta).dump(), cta.owner(), int64_t{cta.priority()},
           OptionalTime(cta.has_due_time(), cta.due_time()), int64_t{cta.status()},
           OptionalTime(cta.has_snooze_until(), cta.snooze_until()), cta.close_note(),
           OptionalTime(cta.has_close_time(), cta.close_time()), cta.closed_by(), version,
           FromProtoTime(cta.update_time()), tenant, ResourceIdOf(cta.name())})
      .status();
}

// The account's snapshot for events; with `lock`, also locks its row (a
// CTA's writers serialise per account). NOT_FOUND if it does not exist.
absl::StatusOr<v1::CtaAccountSnapshot> ReadAccount(mysql::Connection& tx, const std::string& tenant,
                                                   const std::string& account_id, bool lock) {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT display_name, touch_tier, plan, owner, mrr_minor, "
                            "lifecycle_stage FROM accounts WHERE tenant_id = ? AND id = ?",
                            lock ? " FOR UPDATE" : ""),
               {tenant, account_id}));
  if (rows.empty()) return AccountNotFound(account_id);
  v1::CtaAccountSnapshot account;
  account.set_account(ResourceName("accounts", account_id));
  account.set_display_name(rows[0].String(0));
  account.set_touch_tier(static_cast<v1::TouchTier>(rows[0].Int(1)));
  account.set_plan(rows[0].String(2));
  account.set_owner(rows[0].String(3));
  account.set_mrr_minor(rows[0].Int(4));
  account.set_lifecycle_stage(static_cast<v1::Account::LifecycleStage>(rows[0].Int(5)));
  return account;
}

v1::CtaAccountSnapshot SnapshotOf(const AccountFacts& facts) {
  v1::CtaAccountSnapshot account;
  account.set_account(ResourceName("accounts", facts.account_id));
  account.set_display_name(facts.display_name);
  account.set_touch_tier(facts.tier);
  account.set_plan(facts.plan);
  account.set_owner(facts.owner);
  account.set_mrr_minor(facts.mrr_minor);
  account.set_lifecycle_stage(facts.stage);
  return account;
}

// The open (OPEN or SNOOZED) CTA of `type` on the account, locked.
absl::StatusOr<std::optional<std::pair<v1::Cta, int64_t>>> LockOpenCta(
    mysql::Connection& tx, const std::string& tenant, const std::string& account_id,
    v1::Cta::Type type) {
  ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat(kCtaColumns,
                                                    "WHERE tenant_id = ? AND account_id = ? "
                                                    "AND open_type = ? FOR UPDATE"),
                                       {tenant, account_id, int64_t{type}}));
  if (rows.empty()) return std::nullopt;
  return std::make_pair(CtaFromRow(rows[0]), rows[0].Int(13));
}

// ---- Enrolments and outreach ------------------------------------------------

constexpr absl::string_view kEnrolmentColumns =
    "SELECT id, account_id, program, playbook_id, reason, create_time FROM enrolments ";

v1::Enrolment EnrolmentFromRow(const mysql::Row& row) {
  v1::Enrolment enrolment;
  enrolment.set_name(ResourceName("enrolments", row.String(0)));
  enrolment.set_account(ResourceName("accounts", row.String(1)));
  enrolment.set_program(row.String(2));
  enrolment.set_playbook(ResourceName("playbooks", row.String(3)));
  enrolment.set_reason(row.String(4));
  *enrolment.mutable_create_time() = ToProtoTime(row.Time(5));
  return enrolment;
}

constexpr absl::string_view kOutreachColumns =
    "SELECT id, account_id, template_id, recipients, variables, playbook_id, reason, "
    "create_time FROM outreach_messages ";

v1::OutreachMessage OutreachFromRow(const mysql::Row& row) {
  v1::OutreachMessage message;
  message.set_name(ResourceName("outreachMessages", row.String(0)));
  message.set_account(ResourceName("accounts", row.String(1)));
  message.set_template_id(row.String(2));
  const Json recipients = Json::parse(row.String(3), nullptr, false);
  if (recipients.is_array()) {
    for (const Json& item : recipients) {
      if (!item.is_object()) continue;
      v1::OutreachRecipient* recipient = message.add_recipients();
      recipient->set_contact(item.value("contact", ""));
      recipient->set_email(item.value("email", ""));
      recipient->set_display_name(item.value("display_name", ""));
      if (auto roles = item.find("roles"); roles != item.end() && roles->is_array()) {
        for (const Json& role : *roles) {
          if (role.is_string()) recipient->add_roles(role.get<std::string>());
        }
      }
    }
  }
  const Json variables = Json::parse(row.String(4), nullptr, false);
  if (variables.is_object()) {
    for (const auto& [key, value] : variables.items()) {
      if (value.is_string()) (*message.mutable_variables())[key] = value.get<std::string>();
    }
  }
  message.set_playbook(ResourceName("playbooks", row.String(5)));
  message.set_reason(row.String(6));
  *message.mutable_create_time() = ToProtoTime(row.Time(7));
  return message;
}

// ---- Lists ------------------------------------------------------------------

const char* ColumnOf(PlaybookListField field) {
  switch (field) {
    case PlaybookListField::kCreateTime:
      return "create_time";
    case PlaybookListField::kTrigger:
      return "trigger_type";
    case PlaybookListField::kDisabled:
      return "disabled";
    case PlaybookListField::kOwner:
      return "owner";
    case PlaybookListField::kAccount:
      return "account_id";
    case PlaybookListField::kType:
      return "type";
    case PlaybookListField::kPriority:
      return "priority";
    case PlaybookListField::kDueTime:
      return "due_time";
    case PlaybookListField::kProgram:
      return "program";
    case PlaybookListField::kTemplate:
      return "template_id";
    case PlaybookListField::kPlaybook:
      return "playbook_id";
    case PlaybookListField::kStatus:
      break;  // read as of now, below
  }
  return "id";
}

// Runs `columns` + conditions + keyset page on `db`, returning the rows of
// one page and whether another follows.
template <typename Item>
absl::StatusOr<PlaybookPage<Item>> ListRows(mysql::Connection& db, absl::string_view columns,
                                            const std::string& tenant,
                                            const std::vector<PlaybookCondition>& conditions,
                                            const ListPlan& plan, absl::Time now,
                                            Item (*from_row)(const mysql::Row&)) {
  std::string sql = absl::StrCat(columns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> plain;
  for (const PlaybookCondition& condition : conditions) {
    if (condition.field == PlaybookListField::kStatus) {
      const int64_t status = std::stoll(condition.value);
      if (status == v1::Cta::OPEN) {
        absl::StrAppend(&sql,
                        " AND (status = 1 OR (status = 2 AND (snooze_until IS NULL OR "
                        "snooze_until <= ?)))");
        params.emplace_back(now);
      } else if (status == v1::Cta::SNOOZED) {
        absl::StrAppend(&sql, " AND status = 2 AND snooze_until > ?");
        params.emplace_back(now);
      } else {
        absl::StrAppend(&sql, " AND status = ?");
        params.emplace_back(status);
      }
      continue;
    }
    plain.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(plain, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(auto rows, db.Query(sql, params));
  PlaybookPage<Item> page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.items.push_back(from_row(row));
  return page;
}

// ---- Playbook actions ---------------------------------------------------------

v1::CtaReason ReasonOf(const PlaybookFiring& firing, absl::Time now) {
  v1::CtaReason reason;
  reason.set_text(firing.reason);
  reason.set_playbook(firing.playbook);
  reason.set_occurrence(firing.occurrence_key);
  *reason.mutable_add_time() = ToProtoTime(now);
  return reason;
}

// Opens a CTA for the firing, or adds its reason to the open one of the
// same type. Returns the CTA's name.
absl::StatusOr<std::string> ActOnCta(mysql::Transaction& tx, feed::Outbox& outbox,
                                     const AccountSignals& signals,
                                     const v1::CtaAccountSnapshot& account,
                                     const PlaybookFiring& firing) {
  const std::string& tenant = signals.account.tenant;
  const absl::Time now = signals.as_of;
  const v1::Playbook::CtaAction& action = *firing.cta;
  const v1::Cta::Priority priority =
      action.priority() == v1::Cta::PRIORITY_UNSPECIFIED ? v1::Cta::MEDIUM : action.priority();
  const absl::Time due = now + absl::Hours(24) * action.due_in_days();
  const v1::CtaReason reason = ReasonOf(firing, now);
  ASSIGN_OR_RETURN(auto open,
                   LockOpenCta(tx.connection(), tenant, signals.account.account_id, action.type()));
  if (open.has_value()) {
    auto& [cta, version] = *open;
    cta = WithSnoozeExpired(std::move(cta), now);
    v1::CtaUpdated event;
    for (std::string& field : MergeFiring(cta, reason, priority, due)) {
      event.add_changed_fields(std::move(field));
    }
    *cta.mutable_update_time() = ToProtoTime(now);
    RETURN_IF_ERROR(WriteCta(tx.connection(), tenant, cta, version + 1));
    cta.set_etag(EtagFor(ResourceIdOf(cta.name()), version + 1));
    *event.mutable_cta() = cta;
    *event.mutable_account() = account;
    RETURN_IF_ERROR(outbox.Append(tx, tenant, cta.name(), event, now));
    return cta.name();
  }
  v1::Cta cta;
  cta.set_name(ResourceName("ctas", NewIdAt(now)));
  cta.set_account(account.account());
  cta.set_type(action.type());
  cta.set_title(firing.playbook_display_name);
  *cta.add_reasons() = reason;
  cta.set_owner(signals.account.owner);
  cta.set_priority(priority);
  *cta.mutable_due_time() = ToProtoTime(due);
  cta.set_status(v1::Cta::OPEN);
  *cta.mutable_create_time() = ToProtoTime(now);
  *cta.mutable_update_time() = ToProtoTime(now);
  RETURN_IF_ERROR(InsertCta(tx, tenant, cta));
  cta.set_etag(EtagFor(ResourceIdOf(cta.name()), 1));
  v1::CtaOpened event;
  *event.mutable_cta() = cta;
  *event.mutable_account() = account;
  *event.mutable_reason() = reason;
  RETURN_IF_ERROR(outbox.Append(tx, tenant, cta.name(), event, now));
  return cta.name();
}

// Enrols the account in the firing's program unless it already is.
// Returns the enrolment's name, or "" when it was enrolled before.
absl::StatusOr<std::string> ActOnEnrolment(mysql::Transaction& tx, feed::Outbox& outbox,
                                           const AccountSignals& signals,
                                           const v1::CtaAccountSnapshot& account,
                                           const PlaybookFiring& firing) {
  const std::string& tenant = signals.account.tenant;
  const absl::Time now = signals.as_of;
  v1::Enrolment enrolment;
  enrolment.set_name(ResourceName("enrolments", NewIdAt(now)));
  enrolment.set_account(account.account());
  enrolment.set_program(firing.program);
  enrolment.set_playbook(firing.playbook);
  enrolment.set_reason(firing.reason.substr(0, 1000));
  *enrolment.mutable_create_time() = ToProtoTime(now);
  ASSIGN_OR_RETURN(
      int64_t inserted,
      tx->Execute("INSERT IGNORE INTO enrolments (tenant_id, id, account_id, "
                  "program, playbook_id, reason, create_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?)",
                  {tenant, ResourceIdOf(enrolment.name()), signals.account.account_id,
                   enrolment.program(), ResourceIdOf(firing.playbook), enrolment.reason(), now}));
  if (inserted == 0) return std::string();
  v1::AccountEnrolled event;
  *event.mutable_enrolment() = enrolment;
  *event.mutable_account() = account;
  RETURN_IF_ERROR(outbox.Append(tx, tenant, enrolment.name(), event, now));
  return enrolment.name();
}

// Queues an outreach message to the account's contacts. Returns its name.
absl::StatusOr<std::string> ActOnOutreach(mysql::Transaction& tx, feed::Outbox& outbox,
                                          const AccountSignals& signals,
                                          const v1::CtaAccountSnapshot& account,
                                          const PlaybookFiring& firing) {
  const std::string& tenant = signals.account.tenant;
  const absl::Time now = signals.as_of;
  ASSIGN_OR_RETURN(std::vector<v1::Contact> found,
                   LoadAccountContacts(tx, tenant, signals.account.account_id));
  std::vector<OutreachContact> contacts;
  for (const v1::Contact& contact : found) {
    std::string roles;
    for (int role : contact.roles()) {
      absl::StrAppend(&roles, roles.empty() ? "" : ",",
                      v1::Contact::Role_Name(static_cast<v1::Contact::Role>(role)));
    }
    contacts.push_back(
        {ResourceIdOf(contact.name()), contact.display_name(), contact.email(), std::move(roles)});
  }
  v1::OutreachMessage message;
  message.set_name(ResourceName("outreachMessages", NewIdAt(now)));
  message.set_account(account.account());
  message.set_template_id(firing.template_id);
  for (v1::OutreachRecipient& recipient : ChooseRecipients(account.account(), contacts)) {
    *message.add_recipients() = std::move(recipient);
  }
  for (const auto& [key, value] : firing.variables) (*message.mutable_variables())[key] = value;
  message.set_playbook(firing.playbook);
  message.set_reason(firing.reason.substr(0, 1000));
  *message.mutable_create_time() = ToProtoTime(now);
  Json recipients = Json::array();
  for (const v1::OutreachRecipient& recipient : message.recipients()) {
    recipients.push_back(
        {{"contact", recipient.contact()},
         {"email", recipient.email()},
         {"display_name", recipient.display_name()},
         {"roles", std::vector<std::string>(recipient.roles().begin(), recipient.roles().end())}});
  }
  Json variables = Json::object();
  for (const auto& [key, value] : firing.variables) variables[key] = value;
  RETURN_IF_ERROR(tx->Execute("INSERT INTO outreach_messages (tenant_id, id, account_id, "
                              "template_id, recipients, variables, playbook_id, reason, "
                              "create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              {tenant, ResourceIdOf(message.name()), signals.account.account_id,
                               message.template_id(), recipients.dump(), variables.dump(),
                               ResourceIdOf(firing.playbook), message.reason(), now})
                      .status());
  v1::OutreachRequested event;
  *event.mutable_message() = message;
  *event.mutable_account() = account;
  RETURN_IF_ERROR(outbox.Append(tx, tenant, message.name(), event, now));
  return message.name();
}

}  // namespace

// ---- MysqlPlaybookStore ---------------------------------------------------------

absl::StatusOr<v1::Playbook> MysqlPlaybookStore::CreatePlaybook(const std::string& tenant,
                                                                const v1::Playbook& playbook,
                                                                const CreateKey& key,
                                                                absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(
        EnsureDefaultPlaybooks(tx, *outbox_, tenant, FromProtoTime(playbook.create_time())));
    return InsertPlaybook(tx, *outbox_, tenant, playbook);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreatePlaybook", key,
                                                playbook.name(), insert));
  if (name != playbook.name()) return GetPlaybook(tenant, ResourceIdOf(name), deadline);
  v1::Playbook created = playbook;
  created.set_etag(EtagFor(ResourceIdOf(playbook.name()), 1));
  return created;
}

absl::StatusOr<v1::Playbook> MysqlPlaybookStore::GetPlaybook(const std::string& tenant,
                                                             const std::string& id,
                                                             absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadPlaybook(*db, tenant, id);
}

absl::StatusOr<PlaybookPage<v1::Playbook>> MysqlPlaybookStore::ListPlaybooks(
    const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
    const ListPlan& plan, absl::Time now, absl::Time deadline) {
  PlaybookPage<v1::Playbook> page;
  RETURN_IF_ERROR(mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) {
    RETURN_IF_ERROR(EnsureDefaultPlaybooks(tx, *outbox_, tenant, now));
    ASSIGN_OR_RETURN(page, ListRows<v1::Playbook>(tx.connection(), kPlaybookColumns, tenant,
                                                  conditions, plan, now, &PlaybookFromRow));
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<v1::Playbook> MysqlPlaybookStore::UpdatePlaybook(
    const std::string& tenant, const std::string& id, const PlaybookUpdateDecision& decide,
    absl::Time deadline) {
  v1::Playbook result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, tx->Query("SELECT version FROM playbooks WHERE "
                                                "tenant_id = ? AND id = ? FOR UPDATE",
                                                {tenant, id}));
        if (locked.empty()) return PlaybookNotFound(id);
        const int64_t version = locked[0].Int(0);
        ASSIGN_OR_RETURN(v1::Playbook current, ReadPlaybook(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(PlaybookUpdate update, decide(current, EtagFor(id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Playbook& after = update.playbook;
        const v1::Playbook::Trigger& trigger = after.trigger();
        const v1::Playbook::CtaAction& cta = after.high_touch();
        RETURN_IF_ERROR(
            tx->Execute(
                  "UPDATE playbooks SET display_name = ?, description = ?, "
                  "trigger_type = ?, threshold_percent = ?, within_days = ?, cta_type = ?, "
                  "cta_priority = ?, cta_due_in_days = ?, enrolment_program = ?, "
                  "outreach_template = ?, disabled = ?, version = ?, update_time = ? "
                  "WHERE tenant_id = ? AND id = ?",
                  {after.display_name(), after.description(), int64_t{trigger.type()},
                   int64_t{trigger.threshold_percent()}, int64_t{trigger.within_days()},
                   int64_t{cta.type()}, int64_t{cta.priority()}, int64_t{cta.due_in_days()},
                   after.low_touch().program(), after.tech_touch().template_id(), after.disabled(),
                   version + 1, FromProtoTime(after.update_time()), tenant, id})
                .status());
        result = after;
        result.set_etag(EtagFor(id, version + 1));
        v1::PlaybookChanged event;
        *event.mutable_playbook() = result;
        event.set_change(v1::PlaybookChanged::UPDATED);
        return outbox_->Append(tx, tenant, result.name(), event,
                               FromProtoTime(result.update_time()));
      }));
  return result;
}

absl::Status MysqlPlaybookStore::DeletePlaybook(const std::string& tenant, const std::string& id,
                                                const std::string& etag, absl::Time now,
                                                absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto locked, tx->Query("SELECT version FROM playbooks WHERE "
                                            "tenant_id = ? AND id = ? FOR UPDATE",
                                            {tenant, id}));
    if (locked.empty()) return PlaybookNotFound(id);
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, locked[0].Int(0))));
    ASSIGN_OR_RETURN(v1::Playbook before, ReadPlaybook(tx.connection(), tenant, id));
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM playbooks WHERE tenant_id = ? AND id = ?", {tenant, id}).status());
    v1::PlaybookChanged event;
    *event.mutable_playbook() = before;
    event.set_change(v1::PlaybookChanged::DELETED);
    return outbox_->Append(tx, tenant, before.name(), event, now);
  });
}

absl::StatusOr<v1::Cta> MysqlPlaybookStore::CreateCta(const std::string& tenant, const v1::Cta& cta,
                                                      const CreateKey& key, absl::Time deadline) {
  v1::Cta stored;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    stored = cta;
    const std::string account_id = ResourceIdOf(cta.account());
    absl::StatusOr<v1::CtaAccountSnapshot> account =
        ReadAccount(tx.connection(), tenant, account_id, /*lock=*/true);
    if (absl::IsNotFound(account.status())) {
      return InvalidField("cta.account", "is not an account of this tenant");
    }
    RETURN_IF_ERROR(account.status());
    ASSIGN_OR_RETURN(auto open, LockOpenCta(tx.connection(), tenant, account_id, cta.type()));
    if (open.has_value()) {
      return absl::AlreadyExistsError(
          absl::StrCat(cta.account(), " already has an open ", v1::Cta::Type_Name(cta.type()),
                       " CTA, ", open->first.name(), "; update or close it instead"));
    }
    if (stored.owner().empty()) stored.set_owner(account->owner());
    RETURN_IF_ERROR(InsertCta(tx, tenant, stored));
    stored.set_etag(EtagFor(ResourceIdOf(stored.name()), 1));
    v1::CtaOpened event;
    *event.mutable_cta() = stored;
    *event.mutable_account() = *account;
    if (stored.reasons_size() > 0) *event.mutable_reason() = stored.reasons(0);
    return outbox_->Append(tx, tenant, stored.name(), event, FromProtoTime(stored.create_time()));
  };
  ASSIGN_OR_RETURN(std::string name,
                   CreateOnce(*pool_, deadline, tenant, "CreateCta", key, cta.name(), insert));
  if (name != cta.name()) return GetCta(tenant, ResourceIdOf(name), deadline);
  return stored;
}

absl::StatusOr<v1::Cta> MysqlPlaybookStore::GetCta(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat(kCtaColumns, "WHERE tenant_id = ? AND id = ?"),
                                        {tenant, id}));
  if (rows.empty()) return CtaNotFound(id);
  return CtaFromRow(rows[0]);
}

absl::StatusOr<PlaybookPage<v1::Cta>> MysqlPlaybookStore::ListCtas(
    const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
    const ListPlan& plan, absl::Time now, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ListRows<v1::Cta>(*db, kCtaColumns, tenant, conditions, plan, now, &CtaFromRow);
}

absl::StatusOr<v1::Cta> MysqlPlaybookStore::UpdateCta(const std::string& tenant,
                                                      const std::string& id,
                                                      const CtaUpdateDecision& decide,
                                                      absl::Time now, absl::Time deadline) {
  v1::Cta result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kCtaColumns,
                                                           "WHERE tenant_id = ? AND id = ? "
                                                           "FOR UPDATE"),
                                              {tenant, id}));
        if (rows.empty()) return CtaNotFound(id);
        const int64_t version = rows[0].Int(13);
        const v1::Cta current = WithSnoozeExpired(CtaFromRow(rows[0]), now);
        ASSIGN_OR_RETURN(CtaUpdate update, decide(current, EtagFor(id, version + 1)));
        if (update.changed_fields.empty()) {
          result = current;
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(WriteCta(tx.connection(), tenant, update.cta, version + 1));
        result = update.cta;
        result.set_etag(EtagFor(id, version + 1));
        ASSIGN_OR_RETURN(
            v1::CtaAccountSnapshot account,
            ReadAccount(tx.connection(), tenant, ResourceIdOf(result.account()), false));
        if (update.closed) {
          v1::CtaClosed event;
          *event.mutable_cta() = result;
          *event.mutable_account() = account;
          event.set_outcome(result.status());
          if (result.reasons_size() > 0) *event.mutable_reason() = result.reasons(0);
          return outbox_->Append(tx, tenant, result.name(), event, now);
        }
        v1::CtaUpdated event;
        *event.mutable_cta() = result;
        *event.mutable_account() = account;
        for (const std::string& field : update.changed_fields) event.add_changed_fields(field);
        return outbox_->Append(tx, tenant, result.name(), event, now);
      }));
  return result;
}

absl::StatusOr<PlaybookPage<v1::Enrolment>> MysqlPlaybookStore::ListEnrolments(
    const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
    const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ListRows<v1::Enrolment>(*db, kEnrolmentColumns, tenant, conditions, plan,
                                 absl::InfinitePast(), &EnrolmentFromRow);
}

absl::StatusOr<PlaybookPage<v1::OutreachMessage>> MysqlPlaybookStore::ListOutreachMessages(
    const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
    const ListPlan& plan, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ListRows<v1::OutreachMessage>(*db, kOutreachColumns, tenant, conditions, plan,
                                       absl::InfinitePast(), &OutreachFromRow);
}

// ---- RunPlaybooks ---------------------------------------------------------------

absl::Status RunPlaybooks(mysql::Transaction& tx, feed::Outbox& outbox,
                          const AccountSignals& signals, const HealthChange& health) {
  const std::string& tenant = signals.account.tenant;
  const std::string& account_id = signals.account.account_id;
  const absl::Time now = signals.as_of;
  // Serialises with manual CTA creation and other reviews of the account
  // (the reviewer holds this lock already).
  RETURN_IF_ERROR(ReadAccount(tx.connection(), tenant, account_id, /*lock=*/true).status());
  RETURN_IF_ERROR(EnsureDefaultPlaybooks(tx, outbox, tenant, now));
  ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kPlaybookColumns,
                                                     "WHERE tenant_id = ? AND NOT disabled "
                                                     "ORDER BY create_time, id"),
                                        {tenant}));
  std::vector<v1::Playbook> playbooks;
  for (const mysql::Row& row : rows) playbooks.push_back(PlaybookFromRow(row));
  const std::vector<PlaybookFiring> firings = EvaluatePlaybooks(playbooks, signals, health);
  if (firings.empty()) return absl::OkStatus();
  const v1::CtaAccountSnapshot account = SnapshotOf(signals.account);
  for (const PlaybookFiring& firing : firings) {
    const std::string playbook_id = ResourceIdOf(firing.playbook);
    ASSIGN_OR_RETURN(int64_t first,
                     tx->Execute("INSERT IGNORE INTO playbook_firings (tenant_id, account_id, "
                                 "playbook_id, occurrence_key, touch_tier, fire_time) "
                                 "VALUES (?, ?, ?, ?, ?, ?)",
                                 {tenant, account_id, playbook_id, firing.occurrence_key,
                                  int64_t{firing.tier}, now}));
    if (first == 0) continue;  // this occurrence fired before
    std::string result;
    if (firing.cta.has_value()) {
      ASSIGN_OR_RETURN(result, ActOnCta(tx, outbox, signals, account, firing));
    } else if (!firing.program.empty()) {
      ASSIGN_OR_RETURN(result, ActOnEnrolment(tx, outbox, signals, account, firing));
    } else {
      ASSIGN_OR_RETURN(result, ActOnOutreach(tx, outbox, signals, account, firing));
    }
    if (!result.empty()) {
      RETURN_IF_ERROR(tx->Execute("UPDATE playbook_firings SET result = ? WHERE tenant_id = ? "
                                  "AND account_id = ? AND playbook_id = ? AND occurrence_key = ?",
                                  {result, tenant, account_id, playbook_id, firing.occurrence_key})
                          .status());
    }
  }
  return absl::OkStatus();
}

}  // namespace tandem::success

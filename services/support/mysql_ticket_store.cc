#include "services/support/mysql_ticket_store.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/mysql/keyset.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/support/mysql_agent_store.h"
#include "services/support/mysql_sla_store.h"
#include "services/support/ticket_rules.h"
#include "services/support/ticket_sla.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::support {
namespace {

// Appends the strings of a JSON array (text) to `out`.
void AddJsonStrings(const std::string& text, google::protobuf::RepeatedPtrField<std::string>& out) {
  nlohmann::json values = nlohmann::json::parse(text, nullptr, false);
  if (!values.is_array()) return;
  for (const auto& value : values) {
    if (value.is_string()) out.Add(value.get<std::string>());
  }
}

// A JSON array (text) of `values`.
std::string JsonStrings(const google::protobuf::RepeatedPtrField<std::string>& values) {
  nlohmann::json array = nlohmann::json::array();
  for (const std::string& value : values) array.push_back(value);
  return array.dump();
}

// The id of a resource name ("tickets/01H..." -> "01H..."); NULL for an
// empty name. A requester contact is stored by its id alone: its account
// is the ticket's account_id.
mysql::Value IdOrNull(const std::string& name) {
  if (name.empty()) return nullptr;
  return ResourceIdOf(name);
}

// The SLA columns of `ticket`: the state, the sweeper's next due time and
// whether a target was missed.
std::vector<mysql::Value> SlaColumns(const v1::Ticket& ticket) {
  if (!ticket.has_sla()) return {nullptr, nullptr, false};
  const std::optional<absl::Time> next_due = NextDueTime(ticket.sla());
  return {ticket.sla().SerializeAsString(),
          next_due.has_value() ? mysql::Value{*next_due} : mysql::Value{nullptr},
          HasBreach(ticket.sla())};
}

// The CSAT columns of `ticket`: score, comment, time and rated agent
// (all NULL without a rating).
std::vector<mysql::Value> RatingColumns(const v1::Ticket& ticket) {
  if (!ticket.has_satisfaction()) return {nullptr, nullptr, nullptr, nullptr};
  const v1::SatisfactionRating& rating = ticket.satisfaction();
  return {int64_t{rating.score()}, rating.comment(), FromProtoTime(rating.rate_time()),
          rating.rated_agent()};
}

bool Unsolved(v1::Ticket::Status status) {
  return status != v1::Ticket::SOLVED && status != v1::Ticket::CLOSED;
}

// Loads the tenant's SLA policies, in the order they are tried. A policy
// set that no longer compiles (say a time zone missing on this host) must
// not stop the tenant's ticket writes: the clocks then run without targets
// and the error is logged.
absl::StatusOr<std::vector<SlaRule>> LoadRulesFrom(mysql::Connection& tx,
                                                   const std::string& tenant) {
  ASSIGN_OR_RETURN(std::vector<StoredSlaPolicy> stored, MysqlSlaStore::LoadPolicies(tx, tenant));
  absl::StatusOr<std::vector<SlaRule>> rules = CompileRules(stored);
  if (!rules.ok()) {
    logging::Error("SLA policies do not compile; tickets run without targets",
                   {{"tenant", tenant}, {"error", std::string(rules.status().message())}});
    return std::vector<SlaRule>{};
  }
  return rules;
}

constexpr absl::string_view kColumns =
    "SELECT id, account_id, requester_email, subject, description, channel, type, priority, "
    "status, tags, account_tier, account_check, version, create_time, update_time, "
    "reopen_count, solve_time, close_time, first_response_time, agent_reply_count, "
    "escalation_tier, escalation_reason, assignee, csat_score, csat_comment, csat_time, "
    "csat_agent, group_id, custom_status_id, merged_into, merged_tickets, imported, external_id, "
    "sla, requester_contact_id FROM tickets ";

// Column 12 of kColumns, the row version behind the etag.
constexpr int kVersionColumn = 12;

v1::Ticket FromRow(const mysql::Row& row) {
  v1::Ticket ticket;
  ticket.set_name(ResourceName("tickets", row.String(0)));
  if (!row.IsNull(1)) ticket.set_account(ResourceName("accounts", row.String(1)));
  ticket.set_requester_email(row.String(2));
  ticket.set_subject(row.String(3));
  ticket.set_description(row.String(4));
  ticket.set_channel(static_cast<v1::Ticket::Channel>(row.Int(5)));
  ticket.set_type(static_cast<v1::Ticket::Type>(row.Int(6)));
  ticket.set_priority(static_cast<v1::Ticket::Priority>(row.Int(7)));
  ticket.set_status(static_cast<v1::Ticket::Status>(row.Int(8)));
  AddJsonStrings(row.String(9), *ticket.mutable_tags());
  ticket.set_account_tier(static_cast<success::v1::TouchTier>(row.Int(10)));
  ticket.set_account_check(static_cast<v1::Ticket::AccountCheck>(row.Int(11)));
  ticket.set_etag(EtagFor(row.String(0), row.Int(12)));
  *ticket.mutable_create_time() = ToProtoTime(row.Time(13));
  *ticket.mutable_update_time() = ToProtoTime(row.Time(14));
  ticket.set_reopen_count(static_cast<int32_t>(row.Int(15)));
  if (!row.IsNull(16)) *ticket.mutable_solve_time() = ToProtoTime(row.Time(16));
  if (!row.IsNull(17)) *ticket.mutable_close_time() = ToProtoTime(row.Time(17));
  if (!row.IsNull(18)) *ticket.mutable_first_response_time() = ToProtoTime(row.Time(18));
  ticket.set_agent_reply_count(static_cast<int32_t>(row.Int(19)));
  ticket.set_escalation_tier(static_cast<int32_t>(row.Int(20)));
  ticket.set_escalation_reason(row.String(21));
  if (!row.String(22).empty()) ticket.set_assignee(ResourceName("agents", row.String(22)));
  if (!row.IsNull(23)) {
    v1::SatisfactionRating& rating = *ticket.mutable_satisfaction();
    rating.set_score(static_cast<int32_t>(row.Int(23)));
    rating.set_comment(row.String(24));
    *rating.mutable_rate_time() = ToProtoTime(row.Time(25));
    rating.set_rated_agent(row.String(26));
  }
  if (!row.IsNull(27)) ticket.set_group(ResourceName("groups", row.String(27)));
  if (!row.IsNull(28)) ticket.set_custom_status(ResourceName("customStatuses", row.String(28)));
  if (!row.IsNull(29)) ticket.set_merged_into(ResourceName("tickets", row.String(29)));
  AddJsonStrings(row.String(30), *ticket.mutable_merged_tickets());
  ticket.set_imported(row.Int(31) != 0);
  if (!row.IsNull(32)) ticket.set_external_id(row.String(32));
  if (!row.IsNull(33)) ticket.mutable_sla()->ParseFromString(row.String(33));
  if (!row.IsNull(34)) {
    // The contact's account is the ticket's; rows from before contacts were
    // Success's and had no account say `-` (any account).
    ticket.set_requester_contact(
        RequesterContactName(row.IsNull(1) ? "-" : row.String(1), row.String(34)));
  }
  return ticket;
}

constexpr absl::string_view kMessageColumns =
    "SELECT id, author_type, author, author_email, internal, body, create_time FROM messages ";

v1::Message MessageFromRow(const std::string& ticket_id, const mysql::Row& row) {
  v1::Message message;
  message.set_name(absl::StrCat("tickets/", ticket_id, "/messages/", row.String(0)));
  message.set_author_type(static_cast<v1::Message::AuthorType>(row.Int(1)));
  message.set_author(row.String(2));
  message.set_author_email(row.String(3));
  message.set_internal(row.Int(4) != 0);
  message.set_body(row.String(5));
  *message.mutable_create_time() = ToProtoTime(row.Time(6));
  return message;
}

// Stores a complete message of ticket `ticket_id`.
absl::Status InsertMessage(mysql::Transaction& tx, const std::string& tenant,
                           const std::string& ticket_id, const v1::Message& message) {
  return tx
      ->Execute(
          "INSERT INTO messages (tenant_id, ticket_id, id, author_type, author, "
          "author_email, internal, body, create_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
          {tenant, ticket_id, ResourceIdOf(message.name()), int64_t{message.author_type()},
           message.author(), message.author_email(), message.internal(), message.body(),
           FromProtoTime(message.create_time())})
      .status();
}

constexpr absl::string_view kCustomStatusColumns =
    "SELECT id, category, agent_label, customer_label, description, active, version, "
    "create_time, update_time FROM custom_statuses ";

v1::CustomStatus CustomStatusFromRow(const mysql::Row& row) {
  v1::CustomStatus status;
  status.set_name(ResourceName("customStatuses", row.String(0)));
  status.set_category(static_cast<v1::Ticket::Status>(row.Int(1)));
  status.set_agent_label(row.String(2));
  status.set_customer_label(row.String(3));
  status.set_description(row.String(4));
  status.set_active(row.Int(5) != 0);
  status.set_etag(EtagFor(row.String(0), row.Int(6)));
  *status.mutable_create_time() = ToProtoTime(row.Time(7));
  *status.mutable_update_time() = ToProtoTime(row.Time(8));
  return status;
}

mysql::Value OptionalTime(bool set, const google::protobuf::Timestamp& t) {
  if (!set) return nullptr;
  return FromProtoTime(t);
}

// Records one change of a ticket in its history.
absl::Status InsertChange(mysql::Transaction& tx, const std::string& tenant,
                          const std::string& ticket_id, const v1::TicketChange& change) {
  return tx
      ->Execute("INSERT INTO ticket_changes (tenant_id, ticket_id, id, actor, field, old_value, "
                "new_value, change_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                {tenant, ticket_id, NewIdAt(FromProtoTime(change.change_time())), change.actor(),
                 change.field(), change.old_value(), change.new_value(),
                 FromProtoTime(change.change_time())})
      .status();
}

const char* ColumnOf(TicketField field) {
  switch (field) {
    case TicketField::kStatus:
      return "status";
    case TicketField::kPriority:
      return "priority";
    case TicketField::kChannel:
      return "channel";
    case TicketField::kType:
      return "type";
    case TicketField::kAccount:
      return "account_id";
    case TicketField::kRequesterEmail:
      return "requester_email";
    case TicketField::kAssignee:
      return "assignee";
    case TicketField::kTag:
      return "tags";
    case TicketField::kCreateTime:
      return "create_time";
    case TicketField::kUpdateTime:
      return "update_time";
    case TicketField::kGroup:
      return "group_id";
    case TicketField::kCustomStatus:
      return "custom_status_id";
    case TicketField::kImported:
      return "imported";
    case TicketField::kSlaBreached:
      return "sla_breached";
    case TicketField::kSlaDueTime:
      return "sla_next_due";
    case TicketField::kRequesterContact:
      return "requester_contact_id";
  }
  return "id";
}

}  // namespace

absl::StatusOr<v1::Ticket> MysqlTicketStore::Create(const std::string& tenant,
                                                    const std::string& actor,
                                                    const v1::Ticket& ticket, const CreateKey& key,
                                                    absl::Time deadline) {
  v1::Ticket stored;
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    const absl::Time created = FromProtoTime(ticket.create_time());
    stored = ticket;
    stored.set_etag(EtagFor(ResourceIdOf(ticket.name()), 1));
    ASSIGN_OR_RETURN(bool auto_assigned, Route(tx, tenant, nullptr, stored, true));
    ASSIGN_OR_RETURN(SlaRuleCache::Rules rules, LoadRules(tx.connection(), tenant));
    StartTicketSla(stored, *rules, created);
    RETURN_IF_ERROR(InsertTicket(tx, tenant, stored));
    v1::TicketChange creation;
    creation.set_actor(actor);
    creation.set_field("ticket");
    creation.set_new_value("created");
    *creation.mutable_change_time() = ticket.create_time();
    RETURN_IF_ERROR(InsertChange(tx, tenant, ResourceIdOf(ticket.name()), creation));
    if (auto_assigned) {
      v1::TicketChange assignment;
      assignment.set_actor(std::string(kRoutingActor));
      assignment.set_field("assignee");
      assignment.set_new_value(stored.assignee());
      *assignment.mutable_change_time() = ticket.create_time();
      RETURN_IF_ERROR(InsertChange(tx, tenant, ResourceIdOf(ticket.name()), assignment));
    }
    v1::TicketCreated event;
    *event.mutable_ticket() = stored;
    return outbox_->Append(tx, tenant, ticket.name(), event, created);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateTicket", key,
                                                ticket.name(), insert));
  if (name != ticket.name()) {
    return Get(tenant, ResourceIdOf(name), deadline);  // an earlier request's
  }
  return stored;  // exactly what was stored
}

absl::StatusOr<bool> MysqlTicketStore::Route(mysql::Transaction& tx, const std::string& tenant,
                                             const v1::Ticket* before, v1::Ticket& after,
                                             bool may_auto_assign) {
  const bool group_changed = before == nullptr || before->group() != after.group();
  const bool assignee_changed = before == nullptr || before->assignee() != after.assignee();
  if (!after.group().empty() && group_changed) {
    RETURN_IF_ERROR(
        CheckGroupExists(tx.connection(), tenant, ResourceIdOf(after.group()), "ticket.group"));
  }
  const absl::Time now = FromProtoTime(after.update_time());
  if (!after.assignee().empty() && assignee_changed) {
    const std::string agent_id = ResourceIdOf(after.assignee());
    absl::Status assignable =
        CheckAssignableAgent(tx.connection(), tenant, agent_id, "ticket.assignee");
    // History may name agents who have left since (deactivated); live
    // assignments may not.
    if (!may_auto_assign && assignable.code() == absl::StatusCode::kFailedPrecondition) {
      return false;
    }
    RETURN_IF_ERROR(assignable);
    return false;
  }
  // A ticket entering a group, or left without an assignee in one, goes to
  // the least-loaded agent of the group who has room.
  if (!may_auto_assign || after.group().empty() || !after.assignee().empty() ||
      !Unsolved(after.status()) || !(group_changed || assignee_changed)) {
    return false;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> chosen,
                   AutoAssign(tx.connection(), tenant, ResourceIdOf(after.group()), now));
  if (!chosen.has_value()) return false;
  after.set_assignee(ResourceName("agents", *chosen));
  return true;
}

absl::StatusOr<bool> MysqlTicketStore::Settle(mysql::Transaction& tx, const std::string& tenant,
                                              const v1::Ticket& before, TicketUpdate& update,
                                              PostedMessage posted, absl::Time now) {
  v1::Ticket& after = update.ticket;
  // A ticket reopened in a group deleted while it was solved leaves the
  // group instead of pointing at nothing (or refusing the customer's reply).
  bool group_dropped = false;
  if (!Unsolved(before.status()) && Unsolved(after.status()) && !after.group().empty() &&
      after.group() == before.group()) {
    absl::Status exists =
        CheckGroupExists(tx.connection(), tenant, ResourceIdOf(after.group()), "ticket.group");
    if (exists.code() == absl::StatusCode::kInvalidArgument) {
      group_dropped = true;
      after.clear_group();
      v1::TicketChange& change = update.changes.emplace_back();
      change.set_actor(std::string(kRoutingActor));
      change.set_field("group");
      change.set_old_value(before.group());
      *change.mutable_change_time() = ToProtoTime(now);
      for (auto& event : update.events) {
        if (auto* updated = dynamic_cast<v1::TicketUpdated*>(event.get())) {
          updated->add_changed_fields("group");
        }
      }
    } else {
      RETURN_IF_ERROR(exists);
    }
  }
  ASSIGN_OR_RETURN(bool auto_assigned, Route(tx, tenant, &before, after, true));
  if (auto_assigned) {
    for (auto& event : update.events) {
      if (auto* updated = dynamic_cast<v1::TicketUpdated*>(event.get())) {
        updated->add_changed_fields("assignee");
      }
    }
    v1::TicketChange& change = update.changes.emplace_back();
    change.set_actor(std::string(kRoutingActor));
    change.set_field("assignee");
    change.set_old_value(before.assignee());
    change.set_new_value(after.assignee());
    *change.mutable_change_time() = ToProtoTime(now);
  }
  ASSIGN_OR_RETURN(SlaRuleCache::Rules rules, LoadRules(tx.connection(), tenant));
  const bool sla_changed = AdvanceTicketSla(before, update, *rules, posted, now);
  RefreshEventSnapshots(update);
  return auto_assigned || sla_changed || group_dropped;
}

absl::StatusOr<SlaRuleCache::Rules> MysqlTicketStore::LoadRules(mysql::Connection& tx,
                                                                 const std::string& tenant) {
  auto load = [&] { return LoadRulesFrom(tx, tenant); };
  if (rule_cache_ != nullptr) return rule_cache_->Get(tenant, load);
  ASSIGN_OR_RETURN(std::vector<SlaRule> rules, load());
  return std::make_shared<const std::vector<SlaRule>>(std::move(rules));
}

absl::Status MysqlTicketStore::InsertTicket(mysql::Transaction& tx, const std::string& tenant,
                                           const v1::Ticket& ticket) {
  const std::vector<mysql::Value> rating = RatingColumns(ticket);
  const std::vector<mysql::Value> sla = SlaColumns(ticket);  // serialized once
  return tx
      ->Execute(
          "INSERT INTO tickets (tenant_id, id, account_id, requester_email, subject, "
          "description, channel, type, priority, status, tags, account_tier, account_check, "
          "escalation_tier, escalation_reason, assignee, reopen_count, solve_time, close_time, "
          "first_response_time, agent_reply_count, csat_score, csat_comment, csat_time, "
          "csat_agent, group_id, custom_status_id, imported, external_id, sla, sla_next_due, "
          "sla_breached, requester_contact_id, version, create_time, update_time) VALUES (?, ?, ?, "
          "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
          "?, 1, "
          "?, ?)",
          {tenant,
           ResourceIdOf(ticket.name()),
           IdOrNull(ticket.account()),
           ticket.requester_email(),
           ticket.subject(),
           ticket.description(),
           int64_t{ticket.channel()},
           int64_t{ticket.type()},
           int64_t{ticket.priority()},
           int64_t{ticket.status()},
           JsonStrings(ticket.tags()),
           int64_t{ticket.account_tier()},
           int64_t{ticket.account_check()},
           int64_t{ticket.escalation_tier()},
           ticket.escalation_reason(),
           ResourceIdOf(ticket.assignee()),
           int64_t{ticket.reopen_count()},
           OptionalTime(ticket.has_solve_time(), ticket.solve_time()),
           OptionalTime(ticket.has_close_time(), ticket.close_time()),
           OptionalTime(ticket.has_first_response_time(), ticket.first_response_time()),
           int64_t{ticket.agent_reply_count()},
           rating[0],
           rating[1],
           rating[2],
           rating[3],
           IdOrNull(ticket.group()),
           IdOrNull(ticket.custom_status()),
           ticket.imported(),
           ticket.external_id().empty() ? mysql::Value{nullptr}
                                        : mysql::Value{ticket.external_id()},
           sla[0],
           sla[1],
           sla[2],
           IdOrNull(ticket.requester_contact()),
           FromProtoTime(ticket.create_time()),
           FromProtoTime(ticket.update_time())})
      .status();
}

absl::StatusOr<std::pair<v1::Ticket, int64_t>> MysqlTicketStore::Lock(mysql::Transaction& tx,
                                                                      const std::string& tenant,
                                                                      const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ? "
                                                               "FOR UPDATE"),
                                        {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("ticket tickets/", id, " does not exist"));
  }
  return std::make_pair(FromRow(rows[0]), rows[0].Int(kVersionColumn));
}

absl::Status MysqlTicketStore::Apply(mysql::Transaction& tx, const std::string& tenant,
                                     const std::string& id, int64_t version,
                                     const TicketUpdate& update, bool ticket_changed,
                                     absl::Time event_time) {
  const v1::Ticket& after = update.ticket;
  if (ticket_changed) {
    const std::vector<mysql::Value> rating = RatingColumns(after);
    const std::vector<mysql::Value> sla = SlaColumns(after);  // serialized once
    RETURN_IF_ERROR(
        tx->Execute("UPDATE tickets SET requester_email = ?, subject = ?, description = ?, "
                    "type = ?, priority = ?, status = ?, tags = ?, reopen_count = ?, "
                    "solve_time = ?, close_time = ?, first_response_time = ?, "
                    "agent_reply_count = ?, escalation_tier = ?, escalation_reason = ?, "
                    "account_id = ?, account_tier = ?, account_check = ?, "
                    "assignee = ?, csat_score = ?, csat_comment = ?, csat_time = ?, "
                    "csat_agent = ?, group_id = ?, custom_status_id = ?, merged_into = ?, "
                    "merged_tickets = ?, sla = ?, sla_next_due = ?, "
                    // Once missed, always counted: a new reply cycle must not
                    // hide an earlier breach from filters and the summary.
                    "sla_breached = (sla_breached OR ?), requester_contact_id = ?, "
                    "version = ?, update_time = ? "
                    "WHERE tenant_id = ? AND id = ?",
                    {after.requester_email(),
                     after.subject(),
                     after.description(),
                     int64_t{after.type()},
                     int64_t{after.priority()},
                     int64_t{after.status()},
                     JsonStrings(after.tags()),
                     int64_t{after.reopen_count()},
                     OptionalTime(after.has_solve_time(), after.solve_time()),
                     OptionalTime(after.has_close_time(), after.close_time()),
                     OptionalTime(after.has_first_response_time(), after.first_response_time()),
                     int64_t{after.agent_reply_count()},
                     int64_t{after.escalation_tier()},
                     after.escalation_reason(),
                     IdOrNull(after.account()),
                     int64_t{after.account_tier()},
                     int64_t{after.account_check()},
                     ResourceIdOf(after.assignee()),
                     rating[0],
                     rating[1],
                     rating[2],
                     rating[3],
                     IdOrNull(after.group()),
                     IdOrNull(after.custom_status()),
                     IdOrNull(after.merged_into()),
                     JsonStrings(after.merged_tickets()),
                     sla[0],
                     sla[1],
                     sla[2],
                     IdOrNull(after.requester_contact()),
                     version + 1,
                     FromProtoTime(after.update_time()),
                     tenant,
                     id})
            .status());
  }
  for (const v1::TicketChange& change : update.changes) {
    RETURN_IF_ERROR(InsertChange(tx, tenant, id, change));
  }
  for (const auto& event : update.events) {
    RETURN_IF_ERROR(outbox_->Append(tx, tenant, after.name(), *event, event_time));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Ticket> MysqlTicketStore::Update(const std::string& tenant,
                                                    const std::string& id,
                                                    const TicketUpdateDecision& decide,
                                                    absl::Time deadline) {
  v1::Ticket result;
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto locked, Lock(tx, tenant, id));
        const auto& [current, version] = locked;
        ASSIGN_OR_RETURN(TicketUpdate update, decide(current, EtagFor(id, version + 1)));
        if (update.changes.empty()) {
          result = current;
          return absl::OkStatus();
        }
        RETURN_IF_ERROR(Settle(tx, tenant, current, update, PostedMessage::kNone,
                               FromProtoTime(update.ticket.update_time()))
                            .status());
        RETURN_IF_ERROR(Apply(tx, tenant, id, version, update, /*ticket_changed=*/true,
                              FromProtoTime(update.ticket.update_time())));
        result = update.ticket;
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Message> MysqlTicketStore::AddMessage(const std::string& tenant,
                                                         const std::string& ticket_id,
                                                         const CreateKey& key,
                                                         const std::string& message_name,
                                                         const MessageDecision& decide,
                                                         absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(auto locked, Lock(tx, tenant, ticket_id));
    const auto& [current, version] = locked;
    const std::string next_etag = EtagFor(ticket_id, version + 1);
    ASSIGN_OR_RETURN(MessagePosting posting, decide(current, next_etag));
    RETURN_IF_ERROR(InsertMessage(tx, tenant, ticket_id, posting.message));
    const absl::Time posted_at = FromProtoTime(posting.message.create_time());
    ASSIGN_OR_RETURN(bool settled, Settle(tx, tenant, current, posting.ticket_update,
                                          KindOf(posting.message), posted_at));
    if (settled && !posting.ticket_changed) {
      // Only the SLA (or routing) changed: the row is still rewritten.
      posting.ticket_changed = true;
      *posting.ticket_update.ticket.mutable_update_time() = ToProtoTime(posted_at);
      posting.ticket_update.ticket.set_etag(next_etag);
      RefreshEventSnapshots(posting.ticket_update);
    }
    return Apply(tx, tenant, ticket_id, version, posting.ticket_update, posting.ticket_changed,
                 posted_at);
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateMessage", key,
                                                message_name, insert));
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat(kMessageColumns,
                                                     "WHERE tenant_id = ? AND ticket_id = ? "
                                                     "AND id = ?"),
                                        {tenant, ticket_id, ResourceIdOf(name)}));
  if (rows.empty()) return absl::NotFoundError(absl::StrCat("message ", name, " does not exist"));
  return MessageFromRow(ticket_id, rows[0]);
}

absl::StatusOr<MessagePage> MysqlTicketStore::ListMessages(const std::string& tenant,
                                                           const std::string& ticket_id,
                                                           const std::string& after_id, int limit,
                                                           bool public_only, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows,
      db->Query(absl::StrCat(kMessageColumns,
                             "WHERE tenant_id = ? AND ticket_id = ? AND id > ? ",
                             public_only ? "AND NOT internal " : "", "ORDER BY id LIMIT ?"),
                {tenant, ticket_id, after_id, int64_t{limit + 1}}));
  MessagePage page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < std::min<int>(limit, static_cast<int>(rows.size())); ++i) {
    page.messages.push_back(MessageFromRow(ticket_id, rows[i]));
  }
  if (FitToByteBudget(page.messages)) page.has_more = true;
  return page;
}

absl::Status MysqlTicketStore::SummarizeAccount(const std::string& tenant,
                                                const std::string& account_id, absl::Time now,
                                                v1::AccountSupportSummary& summary,
                                                absl::Time deadline) {
  const absl::Time day30 = now - absl::Hours(30 * 24);
  const absl::Time day90 = now - absl::Hours(90 * 24);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  // One pass over the account's tickets (index tickets_by_account).
  ASSIGN_OR_RETURN(
      auto rows,
      db->Query("SELECT COALESCE(SUM(status NOT IN (?, ?)), 0), "
                "COALESCE(SUM(create_time >= ?), 0), COALESCE(SUM(create_time >= ?), 0), "
                "COALESCE(SUM(create_time >= ? AND escalation_tier > 1), 0), "
                "COALESCE(SUM(create_time >= ? AND type = ?), 0), "
                "COALESCE(SUM(csat_time >= ?), 0), "
                "COALESCE(AVG(CASE WHEN csat_time >= ? THEN csat_score END), 0), "
                "COALESCE(SUM(create_time >= ? AND sla_breached), 0) "
                "FROM tickets WHERE tenant_id = ? AND account_id = ?",
                {int64_t{v1::Ticket::SOLVED}, int64_t{v1::Ticket::CLOSED}, day30, day90, day90,
                 day90, int64_t{v1::Ticket::COMPLAINT}, day90, day90, day90, tenant,
                 account_id}));
  const mysql::Row& row = rows.at(0);
  summary.set_open_tickets(static_cast<int32_t>(row.Int(0)));
  summary.set_tickets_last_30_days(static_cast<int32_t>(row.Int(1)));
  summary.set_tickets_last_90_days(static_cast<int32_t>(row.Int(2)));
  summary.set_escalated_last_90_days(static_cast<int32_t>(row.Int(3)));
  summary.set_complaints_last_90_days(static_cast<int32_t>(row.Int(4)));
  summary.set_ratings_last_90_days(static_cast<int32_t>(row.Int(5)));
  summary.set_csat_average_last_90_days(row.Double(6));
  summary.set_sla_breached_last_90_days(static_cast<int32_t>(row.Int(7)));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::pair<std::string, v1::Ticket>>>
MysqlTicketStore::FindPendingAccountChecks(int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  // kColumns starts with the ticket's columns; the tenant comes last.
  std::string sql(kColumns);
  sql.replace(sql.find(" FROM tickets"), 0, ", tenant_id");
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat(sql, "WHERE account_check = ? "
                                                          "ORDER BY create_time LIMIT ?"),
                                        {int64_t{v1::Ticket::PENDING_VERIFICATION},
                                         int64_t{limit}}));
  std::vector<std::pair<std::string, v1::Ticket>> pending;
  for (const mysql::Row& row : rows) pending.emplace_back(row.String(row.size() - 1), FromRow(row));
  return pending;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> MysqlTicketStore::FindSlaDue(
    absl::Time now, int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query("SELECT tenant_id, id FROM tickets WHERE sla_next_due <= ? "
                                        "ORDER BY sla_next_due LIMIT ?",
                                        {now, int64_t{limit}}));
  std::vector<std::pair<std::string, std::string>> due;
  for (const mysql::Row& row : rows) due.emplace_back(row.String(0), row.String(1));
  return due;
}

absl::StatusOr<std::vector<StoredSlaPolicy>> MysqlTicketStore::LoadSlaPolicies(
    const std::string& tenant, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return MysqlSlaStore::LoadPolicies(*db, tenant);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>>
MysqlTicketStore::FindSolvedBefore(absl::Time cutoff, int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query("SELECT tenant_id, id FROM tickets WHERE status = ? AND "
                                        "solve_time <= ? ORDER BY solve_time LIMIT ?",
                                        {int64_t{v1::Ticket::SOLVED}, cutoff, int64_t{limit}}));
  std::vector<std::pair<std::string, std::string>> due;
  for (const mysql::Row& row : rows) due.emplace_back(row.String(0), row.String(1));
  return due;
}

absl::StatusOr<TicketChangePage> MysqlTicketStore::ListChanges(const std::string& tenant,
                                                               const std::string& ticket_id,
                                                               const std::string& after_id,
                                                               int limit, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query("SELECT id, actor, field, old_value, new_value, change_time "
                             "FROM ticket_changes WHERE tenant_id = ? AND ticket_id = ? AND id > ? "
                             "ORDER BY id LIMIT ?",
                             {tenant, ticket_id, after_id, int64_t{limit + 1}}));
  TicketChangePage page;
  page.has_more = static_cast<int>(rows.size()) > limit;
  for (int i = 0; i < std::min<int>(limit, static_cast<int>(rows.size())); ++i) {
    const mysql::Row& row = rows[i];
    v1::TicketChange& change = page.changes.emplace_back();
    change.set_name(absl::StrCat("tickets/", ticket_id, "/changes/", row.String(0)));
    change.set_actor(row.String(1));
    change.set_field(row.String(2));
    change.set_old_value(row.String(3));
    change.set_new_value(row.String(4));
    *change.mutable_change_time() = ToProtoTime(row.Time(5));
  }
  return page;
}

absl::StatusOr<std::optional<v1::Ticket>> MysqlTicketStore::FindCreated(
    const std::string& tenant, const CreateKey& key, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::optional<std::string> name,
                   tandem::FindCreated(*pool_, deadline, tenant, "CreateTicket", key));
  if (!name.has_value()) return std::nullopt;
  return Get(tenant, ResourceIdOf(*name), deadline);
}

absl::StatusOr<v1::Ticket> MysqlTicketStore::Get(const std::string& tenant, const std::string& id,
                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(
      auto rows, db->Query(absl::StrCat(kColumns, "WHERE tenant_id = ? AND id = ?"), {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("ticket tickets/", id, " does not exist"));
  }
  return FromRow(rows[0]);
}

absl::StatusOr<TicketPage> MysqlTicketStore::List(const std::string& tenant,
                                                  const std::vector<TicketCondition>& conditions,
                                                  const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(kColumns, "WHERE tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> columns;
  for (const TicketCondition& condition : conditions) {
    columns.push_back({.column = ColumnOf(condition.field), .op = condition.op,
                       .value = condition.value,
                       .json_array = condition.field == TicketField::kTag});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  TicketPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.tickets.push_back(FromRow(row));
  return page;
}

absl::StatusOr<std::pair<v1::Ticket, v1::Ticket>> MysqlTicketStore::Merge(
    const std::string& tenant, const std::string& source_id, const std::string& target_id,
    const MergeDecision& decide, absl::Time deadline) {
  std::pair<v1::Ticket, v1::Ticket> result;
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        // Locked in id order: a merge of A into B and one of B into A wait
        // for each other instead of deadlocking.
        const bool source_first = source_id < target_id;
        ASSIGN_OR_RETURN(auto first, Lock(tx, tenant, source_first ? source_id : target_id));
        ASSIGN_OR_RETURN(auto second, Lock(tx, tenant, source_first ? target_id : source_id));
        const auto& [source, source_version] = source_first ? first : second;
        const auto& [target, target_version] = source_first ? second : first;
        ASSIGN_OR_RETURN(MergeOutcome outcome,
                         decide(source, target, EtagFor(source_id, source_version + 1),
                                EtagFor(target_id, target_version + 1)));
        for (const v1::Message& note : outcome.notes) {
          const std::string& name = note.name();
          RETURN_IF_ERROR(InsertMessage(
              tx, tenant, ResourceIdOf(name.substr(0, name.find("/messages/"))), note));
        }
        RETURN_IF_ERROR(Settle(tx, tenant, source, outcome.source, PostedMessage::kNone,
                               FromProtoTime(outcome.source.ticket.update_time()))
                            .status());
        // The merge event shows both tickets as stored.
        for (auto& event : outcome.source.events) {
          if (auto* merged = dynamic_cast<v1::TicketMerged*>(event.get())) {
            *merged->mutable_source() = outcome.source.ticket;
            *merged->mutable_target() = outcome.target.ticket;
          }
        }
        const absl::Time merged_at = FromProtoTime(outcome.source.ticket.update_time());
        RETURN_IF_ERROR(
            Apply(tx, tenant, source_id, source_version, outcome.source, true, merged_at));
        RETURN_IF_ERROR(
            Apply(tx, tenant, target_id, target_version, outcome.target, true, merged_at));
        result = {outcome.source.ticket, outcome.target.ticket};
        return absl::OkStatus();
      }));
  return result;
}

absl::StatusOr<v1::Ticket> MysqlTicketStore::Import(const std::string& tenant,
                                                    const TicketImport& import,
                                                    const CreateKey& key, absl::Time deadline) {
  const v1::Ticket& ticket = import.ticket;
  const std::string id = ResourceIdOf(ticket.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    // The group and agent must exist; history is not re-routed.
    v1::Ticket checked = ticket;
    RETURN_IF_ERROR(Route(tx, tenant, nullptr, checked, /*may_auto_assign=*/false).status());
    absl::Status inserted = InsertTicket(tx, tenant, ticket);
    if (inserted.code() == absl::StatusCode::kAlreadyExists) {
      // The unique (tenant, external_id) key: imported before, under an
      // idempotency key that is gone or different.
      return absl::AlreadyExistsError(
          absl::StrCat("a ticket was already imported with external_id \"", ticket.external_id(),
                       "\""));
    }
    RETURN_IF_ERROR(inserted);
    for (const v1::Message& message : import.messages) {
      RETURN_IF_ERROR(InsertMessage(tx, tenant, id, message));
    }
    for (const v1::TicketChange& change : import.changes) {
      RETURN_IF_ERROR(InsertChange(tx, tenant, id, change));
    }
    for (const TimedEvent& event : import.events) {
      RETURN_IF_ERROR(outbox_->Append(tx, tenant, ticket.name(), *event.event, event.time));
    }
    return absl::OkStatus();
  };
  ASSIGN_OR_RETURN(std::string name,
                   CreateOnce(*pool_, deadline, tenant, "ImportTicket", key, ticket.name(), insert));
  if (name != ticket.name()) return Get(tenant, ResourceIdOf(name), deadline);  // imported before
  v1::Ticket stored = ticket;
  stored.set_etag(EtagFor(id, 1));
  return stored;
}

absl::StatusOr<std::optional<v1::Ticket>> MysqlTicketStore::FindImported(
    const std::string& tenant, const CreateKey& key, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::optional<std::string> name,
                   tandem::FindCreated(*pool_, deadline, tenant, "ImportTicket", key));
  if (!name.has_value()) return std::nullopt;
  return Get(tenant, ResourceIdOf(*name), deadline);
}

absl::StatusOr<v1::CustomStatus> MysqlTicketStore::CreateCustomStatus(
    const std::string& tenant, const v1::CustomStatus& status, const CreateKey& key,
    int max_per_tenant, absl::Time deadline) {
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    // Counted under a lock on the tenant's labels, so concurrent creates
    // cannot pass the limit together.
    ASSIGN_OR_RETURN(auto ids, tx->Query("SELECT id FROM custom_statuses WHERE tenant_id = ? "
                                         "FOR UPDATE",
                                         {tenant}));
    if (static_cast<int>(ids.size()) >= max_per_tenant) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the tenant already has ", ids.size(), " custom statuses, the most it may have; ",
          "deactivate or relabel one instead"));
    }
    absl::Status inserted =
        tx->Execute(
              "INSERT INTO custom_statuses (tenant_id, id, category, agent_label, "
              "customer_label, description, active, version, create_time, update_time) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {tenant, ResourceIdOf(status.name()), int64_t{status.category()},
               status.agent_label(), status.customer_label(), status.description(), status.active(),
               FromProtoTime(status.create_time()), FromProtoTime(status.update_time())})
            .status();
    if (inserted.code() == absl::StatusCode::kAlreadyExists) {
      return absl::AlreadyExistsError(absl::StrCat("a custom status labelled \"",
                                                   status.agent_label(), "\" already exists"));
    }
    return inserted;
  };
  ASSIGN_OR_RETURN(std::string name, CreateOnce(*pool_, deadline, tenant, "CreateCustomStatus",
                                                key, status.name(), insert));
  return GetCustomStatus(tenant, ResourceIdOf(name), deadline);
}

absl::StatusOr<v1::CustomStatus> MysqlTicketStore::GetCustomStatus(const std::string& tenant,
                                                                   const std::string& id,
                                                                   absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows,
                   db->Query(absl::StrCat(kCustomStatusColumns, "WHERE tenant_id = ? AND id = ?"),
                             {tenant, id}));
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("custom status customStatuses/", id,
                                            " does not exist"));
  }
  return CustomStatusFromRow(rows[0]);
}

absl::StatusOr<std::vector<v1::CustomStatus>> MysqlTicketStore::ListCustomStatuses(
    const std::string& tenant, bool include_inactive, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(absl::StrCat(kCustomStatusColumns, "WHERE tenant_id = ? ",
                                                     include_inactive ? "" : "AND active ",
                                                     "ORDER BY category, agent_label"),
                                        {tenant}));
  std::vector<v1::CustomStatus> statuses;
  for (const mysql::Row& row : rows) statuses.push_back(CustomStatusFromRow(row));
  return statuses;
}

absl::StatusOr<v1::CustomStatus> MysqlTicketStore::UpdateCustomStatus(
    const std::string& tenant, const std::string& id, const CustomStatusDecision& decide,
    absl::Time deadline) {
  v1::CustomStatus result;
  RETURN_IF_ERROR(mysql::RunInTransaction(
      *pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(auto rows, tx->Query(absl::StrCat(kCustomStatusColumns,
                                                           "WHERE tenant_id = ? AND id = ? "
                                                           "FOR UPDATE"),
                                              {tenant, id}));
        if (rows.empty()) {
          return absl::NotFoundError(absl::StrCat("custom status customStatuses/", id,
                                                  " does not exist"));
        }
        const v1::CustomStatus current = CustomStatusFromRow(rows[0]);
        const int64_t version = rows[0].Int(6);
        ASSIGN_OR_RETURN(result, decide(current, EtagFor(id, version + 1)));
        if (result.etag() == current.etag()) return absl::OkStatus();  // nothing changed
        absl::Status updated =
            tx->Execute("UPDATE custom_statuses SET agent_label = ?, customer_label = ?, "
                        "description = ?, active = ?, version = ?, update_time = ? "
                        "WHERE tenant_id = ? AND id = ?",
                        {result.agent_label(), result.customer_label(), result.description(),
                         result.active(), version + 1, FromProtoTime(result.update_time()),
                         tenant, id})
                .status();
        if (updated.code() == absl::StatusCode::kAlreadyExists) {
          return absl::AlreadyExistsError(absl::StrCat(
              "a custom status labelled \"", result.agent_label(), "\" already exists"));
        }
        return updated;
      }));
  return result;
}

}  // namespace tandem::support

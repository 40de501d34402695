#include "services/success/support_signal_applier.h"
#include "services/success/mysql_account_store.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"
#include "services/success/account_review_queue.h"
#include "services/success/mysql_engagement_store.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::success {
namespace {

namespace sv1 = ::tandem::support::v1;

constexpr absl::string_view kSupportSource = "tandem.support.v1";
constexpr size_t kMaxSummary = 500;
constexpr size_t kMaxSubject = 250;

// Cuts `text` to at most `max_bytes` without splitting a UTF-8 character.
std::string ClipUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t end = max_bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

template <typename Payload>
bool Unpack(const tandem::common::v1::Event& event, Payload& payload) {
  if (event.payload().UnpackTo(&payload)) return true;
  logging::Warn("support event payload does not parse; skipped",
                {{"event_id", event.event_id()}, {"type", event.type()}});
  return false;
}

SupportTicketEvent Base(const tandem::common::v1::Event& event, const sv1::Ticket& ticket) {
  SupportTicketEvent out;
  out.record_id = event.event_id();
  out.type = event.type();
  out.occur_time = FromProtoTime(event.occur_time());
  out.ticket = ticket;
  return out;
}

std::string TypeName(sv1::Ticket::Type type) {
  const std::string& name = sv1::Ticket::Type_Name(type);
  return name.empty() ? "UNKNOWN" : name;
}

// The timeline sentence for an event, and whether it shows at all:
// replies show when public, updates only when the ticket's type changed.
std::pair<bool, std::string> Describe(const SupportTicketEvent& event) {
  const sv1::Ticket& ticket = event.ticket;
  if (event.type == "TicketCreated") {
    return {true, absl::StrCat("New ", TypeName(ticket.type()), " ticket: ", ticket.subject())};
  }
  if (event.type == "TicketUpdated") {
    if (!absl::StrContains(absl::StrCat(",", event.detail, ","), ",type,")) return {false, ""};
    return {true, absl::StrCat("Ticket type changed to ", TypeName(ticket.type()))};
  }
  if (event.type == "TicketSolved") return {true, "Ticket solved"};
  if (event.type == "TicketReopened") return {true, "Ticket reopened"};
  if (event.type == "TicketClosed") return {true, "Ticket closed"};
  if (event.type == "TicketReplied") {
    if (!event.public_message) return {false, ""};
    return {true, event.customer_message ? "Customer replied" : "Support replied"};
  }
  if (event.type == "TicketEscalated") {
    return {true, event.detail.empty()
                      ? absl::StrCat("Escalated to tier ", event.number)
                      : absl::StrCat("Escalated to tier ", event.number, ": ", event.detail)};
  }
  if (event.type == "TicketRated") {
    const std::string& comment = ticket.satisfaction().comment();
    return {true, comment.empty() ? absl::StrCat("Rated ", event.number, "/5")
                                  : absl::StrCat("Rated ", event.number, "/5: ", comment)};
  }
  if (event.type == "TicketMerged") {
    // Only the source's record shows: it says where the ticket went.
    if (event.merge_target) return {false, ""};
    return {true, absl::StrCat("Merged into ", event.detail)};
  }
  if (event.type == "SlaBreached") {
    return {true, absl::StrCat("SLA breached: ", event.detail, " target missed")};
  }
  return {false, ""};
}

absl::StatusOr<std::optional<SupportTicketState>> LoadState(mysql::Transaction& tx,
                                                            const std::string& tenant,
                                                            const std::string& ticket_id) {
  ASSIGN_OR_RETURN(auto rows,
                   tx->Query("SELECT account_id, subject, ticket_type, status, escalation_tier, "
                             "sla_breached, csat_score, create_time, update_time "
                             "FROM support_tickets WHERE tenant_id = ? AND ticket_id = ? "
                             "FOR UPDATE",
                             {tenant, ticket_id}));
  if (rows.empty()) return std::nullopt;
  const mysql::Row& row = rows[0];
  SupportTicketState state;
  state.ticket_id = ticket_id;
  state.account_id = row.String(0);
  state.subject = row.String(1);
  state.type = static_cast<sv1::Ticket::Type>(row.Int(2));
  state.status = static_cast<sv1::Ticket::Status>(row.Int(3));
  state.escalation_tier = static_cast<int32_t>(row.Int(4));
  state.sla_breached = row.Int(5) != 0;
  if (!row.IsNull(6)) state.csat_score = static_cast<int32_t>(row.Int(6));
  state.create_time = row.Time(7);
  state.update_time = row.Time(8);
  return state;
}

}  // namespace

std::string TicketAccountId(const sv1::Ticket& ticket) {
  absl::string_view name = ticket.account();
  if (!absl::ConsumePrefix(&name, "accounts/")) return "";
  std::string id(name);
  return IsValidId(id) ? id : "";
}

std::vector<SupportTicketEvent> DecodeSupportEvent(const tandem::common::v1::Event& event) {
  std::vector<SupportTicketEvent> out;
  if (event.source() != kSupportSource) return out;
  const std::string& type = event.type();
  if (type == "TicketCreated") {
    sv1::TicketCreated payload;
    if (Unpack(event, payload)) out.push_back(Base(event, payload.ticket()));
  } else if (type == "TicketUpdated") {
    sv1::TicketUpdated payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& touch = out.emplace_back(Base(event, payload.ticket()));
      touch.detail = absl::StrJoin(payload.changed_fields(), ",");
    }
  } else if (type == "TicketSolved") {
    sv1::TicketSolved payload;
    if (Unpack(event, payload)) out.push_back(Base(event, payload.ticket()));
  } else if (type == "TicketReopened") {
    sv1::TicketReopened payload;
    if (Unpack(event, payload)) out.push_back(Base(event, payload.ticket()));
  } else if (type == "TicketClosed") {
    sv1::TicketClosed payload;
    if (Unpack(event, payload)) out.push_back(Base(event, payload.ticket()));
  } else if (type == "TicketReplied") {
    sv1::TicketReplied payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& touch = out.emplace_back(Base(event, payload.ticket()));
      touch.public_message = !payload.message().internal();
      touch.customer_message = payload.message().author_type() == sv1::Message::CUSTOMER;
    }
  } else if (type == "TicketEscalated") {
    sv1::TicketEscalated payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& touch = out.emplace_back(Base(event, payload.ticket()));
      touch.detail = payload.reason();
      touch.number = payload.ticket().escalation_tier();
    }
  } else if (type == "TicketRated") {
    sv1::TicketRated payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& touch = out.emplace_back(Base(event, payload.ticket()));
      touch.number = payload.rating().score();
      if (payload.rating().has_rate_time())
        touch.time = FromProtoTime(payload.rating().rate_time());
    }
  } else if (type == "TicketMerged") {
    sv1::TicketMerged payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& source = out.emplace_back(Base(event, payload.source()));
      source.detail = payload.target().name();
      SupportTicketEvent& target = out.emplace_back(Base(event, payload.target()));
      target.detail = payload.source().name();
      target.merge_target = true;
    }
  } else if (type == "SlaBreached") {
    sv1::SlaBreached payload;
    if (Unpack(event, payload)) {
      SupportTicketEvent& touch = out.emplace_back(Base(event, payload.ticket()));
      const std::string& metric = sv1::SlaMetric::Kind_Name(payload.metric());
      touch.detail = metric.empty() ? "SLA" : metric;
      if (payload.has_breach_time()) touch.time = FromProtoTime(payload.breach_time());
    }
  }
  return out;
}

TicketEffects PlanTicketEvent(const std::optional<SupportTicketState>& before,
                              const SupportTicketEvent& event) {
  const sv1::Ticket& ticket = event.ticket;
  TicketEffects effects;
  effects.ticket_id = ResourceIdOf(ticket.name());
  effects.account_id = TicketAccountId(ticket);
  if (effects.account_id.empty()) {
    if (before.has_value()) {
      effects.delete_state = true;
      effects.review_accounts.push_back(before->account_id);
    }
    // Still a feedback item, asked by no account (the store makes one per
    // ticket: there is no state here to tell the first sight).
    effects.make_feedback = ticket.type() == sv1::Ticket::FEATURE_REQUEST;
    return effects;
  }
  const bool first_seen = !before.has_value();
  if (!first_seen && before->account_id != effects.account_id) {
    effects.moved_from_account = before->account_id;
    effects.review_accounts.push_back(before->account_id);
  }
  effects.review_accounts.push_back(effects.account_id);

  SupportTicketState& state = effects.state.emplace();
  state.ticket_id = effects.ticket_id;
  state.account_id = effects.account_id;
  state.subject = ClipUtf8(ticket.subject(), kMaxSubject);
  state.type = ticket.type();
  state.status = ticket.status();
  state.escalation_tier = std::max(ticket.escalation_tier(), 1);
  state.sla_breached = (before.has_value() && before->sla_breached) || event.type == "SlaBreached";
  if (ticket.satisfaction().score() > 0) {
    state.csat_score = ticket.satisfaction().score();
  } else if (before.has_value()) {
    state.csat_score = before->csat_score;
  }
  state.create_time =
      ticket.has_create_time() ? FromProtoTime(ticket.create_time()) : event.occur_time;
  state.update_time = event.occur_time;

  auto add = [&](SupportSignalKind kind, std::string dedupe_key, absl::Time time,
                 std::optional<int32_t> score = std::nullopt) {
    effects.signals.push_back(SupportSignalRow{.kind = kind,
                                               .dedupe_key = std::move(dedupe_key),
                                               .ticket_id = effects.ticket_id,
                                               .time = time,
                                               .score = score});
  };
  if (first_seen) add(SupportSignalKind::kTicket, effects.ticket_id, state.create_time);
  if (ticket.type() == sv1::Ticket::COMPLAINT &&
      (first_seen || before->type != sv1::Ticket::COMPLAINT)) {
    add(SupportSignalKind::kComplaint, effects.ticket_id,
        first_seen ? state.create_time : event.occur_time);
  }
  if (event.type == "TicketEscalated") {
    add(SupportSignalKind::kEscalation, event.record_id, event.occur_time);
  } else if (event.type == "SlaBreached") {
    add(SupportSignalKind::kSlaBreach, event.record_id, event.time.value_or(event.occur_time));
  } else if (event.type == "TicketRated" && event.number >= 1 && event.number <= 5) {
    add(SupportSignalKind::kCsat, effects.ticket_id, event.time.value_or(event.occur_time),
        event.number);
  }
  effects.make_feedback = ticket.type() == sv1::Ticket::FEATURE_REQUEST &&
                          (first_seen || before->type != sv1::Ticket::FEATURE_REQUEST);
  auto [on_timeline, summary] = Describe(event);
  effects.on_timeline = on_timeline;
  effects.summary = ClipUtf8(summary, kMaxSummary);
  return effects;
}

absl::Status SupportSignalApplier::Apply(mysql::Transaction& tx,
                                         const tandem::common::v1::Event& event) {
  for (const SupportTicketEvent& ticket_event : DecodeSupportEvent(event)) {
    RETURN_IF_ERROR(ApplyTicketEvent(tx, event.tenant(), ticket_event));
  }
  return absl::OkStatus();
}

absl::Status SupportSignalApplier::ApplyTicketEvent(mysql::Transaction& tx,
                                                    const std::string& tenant,
                                                    const SupportTicketEvent& event) {
  const std::string ticket_id = ResourceIdOf(event.ticket.name());
  if (ticket_id.empty()) return absl::OkStatus();
  std::string account_id = TicketAccountId(event.ticket);
  if (!account_id.empty()) {
    // A ticket naming an account Success does not know (Support marks it
    // UNKNOWN_ACCOUNT) is treated as having none.
    // A plain read: the consumer must not queue behind account writers.
    ASSIGN_OR_RETURN(const bool known, AccountExists(tx.connection(), tenant, account_id));
    if (!known) account_id.clear();
  }
  SupportTicketEvent effective = event;
  if (account_id.empty()) effective.ticket.clear_account();
  ASSIGN_OR_RETURN(std::optional<SupportTicketState> before, LoadState(tx, tenant, ticket_id));
  const TicketEffects effects = PlanTicketEvent(before, effective);
  const absl::Time now = clock_->Now();
  const std::string reason = absl::StrCat("support:", event.type);

  if (effects.account_id.empty()) {
    if (effects.delete_state) {
      RETURN_IF_ERROR(tx->Execute("DELETE FROM support_signals WHERE tenant_id = ? AND "
                                  "ticket_id = ?",
                                  {tenant, ticket_id})
                          .status());
      RETURN_IF_ERROR(tx->Execute("DELETE FROM support_tickets WHERE tenant_id = ? AND "
                                  "ticket_id = ?",
                                  {tenant, ticket_id})
                          .status());
    }
    if (effects.make_feedback) {
      RETURN_IF_ERROR(InsertTicketFeedback(
          tx, *outbox_, tenant, ticket_id, "", ClipUtf8(event.ticket.subject(), 200),
          ClipUtf8(event.ticket.description(), 10000), event.occur_time));
    }
    for (const std::string& account : effects.review_accounts) {
      RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account, reason, now));
    }
    return absl::OkStatus();
  }

  // The replay guard: an event already applied to this ticket changes
  // nothing more.
  const sv1::Ticket& ticket = effective.ticket;
  ASSIGN_OR_RETURN(
      int64_t recorded,
      tx->Execute("INSERT IGNORE INTO support_events (tenant_id, event_id, ticket_id, "
                  "account_id, event_type, ticket_subject, ticket_type, "
                  "ticket_status, summary, on_timeline, event_time) "
                  "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  {tenant, event.record_id, ticket_id, effects.account_id, event.type,
                   effects.state->subject, int64_t{ticket.type()}, int64_t{ticket.status()},
                   effects.summary, effects.on_timeline, event.occur_time}));
  if (recorded == 0) return absl::OkStatus();

  const SupportTicketState& state = *effects.state;
  RETURN_IF_ERROR(
      tx->Execute("INSERT INTO support_tickets (tenant_id, ticket_id, account_id, subject, "
                  "ticket_type, status, escalation_tier, sla_breached, csat_score, create_time, "
                  "update_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                  "ON DUPLICATE KEY UPDATE account_id = VALUES(account_id), "
                  "subject = VALUES(subject), ticket_type = VALUES(ticket_type), "
                  "status = VALUES(status), escalation_tier = VALUES(escalation_tier), "
                  "sla_breached = VALUES(sla_breached), csat_score = VALUES(csat_score), "
                  "update_time = VALUES(update_time)",
                  {tenant, ticket_id, state.account_id, state.subject, int64_t{state.type},
                   int64_t{state.status}, int64_t{state.escalation_tier}, state.sla_breached,
                   state.csat_score.has_value() ? mysql::Value{int64_t{*state.csat_score}}
                                                : mysql::Value{nullptr},
                   state.create_time, state.update_time})
          .status());
  if (!effects.moved_from_account.empty()) {
    RETURN_IF_ERROR(tx->Execute("UPDATE support_signals SET account_id = ? WHERE tenant_id = ? "
                                "AND ticket_id = ?",
                                {effects.account_id, tenant, ticket_id})
                        .status());
  }
  for (const SupportSignalRow& signal : effects.signals) {
    RETURN_IF_ERROR(
        tx->Execute("INSERT INTO support_signals (tenant_id, kind, dedupe_key, account_id, "
                    "ticket_id, signal_time, score) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON DUPLICATE KEY UPDATE signal_time = IF(kind = ?, VALUES(signal_time), "
                    "signal_time), score = IF(kind = ?, VALUES(score), score)",
                    {tenant, int64_t{static_cast<int>(signal.kind)}, signal.dedupe_key,
                     effects.account_id, signal.ticket_id, signal.time,
                     signal.score.has_value() ? mysql::Value{int64_t{*signal.score}}
                                              : mysql::Value{nullptr},
                     int64_t{static_cast<int>(SupportSignalKind::kCsat)},
                     int64_t{static_cast<int>(SupportSignalKind::kCsat)}})
            .status());
  }
  if (effects.make_feedback) {
    RETURN_IF_ERROR(InsertTicketFeedback(tx, *outbox_, tenant, ticket_id, effects.account_id,
                                         ClipUtf8(ticket.subject(), 200),
                                         ClipUtf8(ticket.description(), 10000), event.occur_time));
  }
  for (const std::string& account : effects.review_accounts) {
    RETURN_IF_ERROR(QueueAccountReview(tx, tenant, account, reason, now));
  }
  return absl::OkStatus();
}

}  // namespace tandem::success

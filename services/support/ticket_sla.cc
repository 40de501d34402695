#include "services/support/ticket_sla.h"

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/str_cat.h"
#include "common/proto_time.h"
#include "tandem/support/v1/events.pb.h"

namespace tandem::support {
namespace {

bool SameFacts(const v1::Ticket& a, const v1::Ticket& b) {
  return a.priority() == b.priority() && a.type() == b.type() && a.channel() == b.channel() &&
         a.account_tier() == b.account_tier();
}

// Appends an SlaBreached event and a history entry per metric in `kinds`.
void RecordBreaches(const std::vector<v1::SlaMetric::Kind>& kinds, const std::string& actor,
                    absl::Time now, TicketUpdate& update) {
  for (v1::SlaMetric::Kind kind : kinds) {
    const v1::SlaMetric* metric = FindMetric(update.ticket.sla(), kind);
    auto breached = std::make_unique<v1::SlaBreached>();
    *breached->mutable_ticket() = update.ticket;
    breached->set_metric(kind);
    breached->set_policy(update.ticket.sla().policy());
    if (metric != nullptr) {
      *breached->mutable_due_time() = metric->due_time();
      *breached->mutable_target() = metric->target();
    }
    *breached->mutable_breach_time() = ToProtoTime(now);
    update.events.push_back(std::move(breached));
    v1::TicketChange& change = update.changes.emplace_back();
    change.set_actor(actor);
    change.set_field("sla");
    change.set_new_value(absl::StrCat(v1::SlaMetric::Kind_Name(kind), " breached"));
    *change.mutable_change_time() = ToProtoTime(now);
  }
}

}  // namespace

PostedMessage KindOf(const v1::Message& message) {
  if (message.internal()) return PostedMessage::kNone;
  if (message.author_type() == v1::Message::AGENT) return PostedMessage::kAgentReply;
  if (message.author_type() == v1::Message::CUSTOMER) return PostedMessage::kCustomerMessage;
  return PostedMessage::kNone;
}

void StartTicketSla(v1::Ticket& ticket, const std::vector<SlaRule>& rules, absl::Time now) {
  const SlaRule* rule = MatchPolicy(rules, TicketFacts::Of(ticket));
  *ticket.mutable_sla() = StartSla(rule, ticket.status(), now);
}

bool AdvanceTicketSla(const v1::Ticket& before, TicketUpdate& update,
                      const std::vector<SlaRule>& rules, PostedMessage posted, absl::Time now) {
  v1::Ticket& after = update.ticket;
  const v1::TicketSla original = before.sla();
  const SlaRule* rule = MatchPolicy(rules, TicketFacts::Of(after));
  v1::TicketSla& sla = *after.mutable_sla();
  std::vector<v1::SlaMetric::Kind> breached;
  auto add = [&](const SlaOutcome& outcome) {
    breached.insert(breached.end(), outcome.newly_breached.begin(), outcome.newly_breached.end());
  };
  if (before.status() != after.status()) {
    add(OnStatusChange(sla, rule, before.status(), after.status(), now));
  }
  if (posted == PostedMessage::kAgentReply) add(OnAgentReply(sla, rule, now));
  if (posted == PostedMessage::kCustomerMessage) {
    add(OnCustomerMessage(sla, rule, after.status(), now));
  }
  if (!SameFacts(before, after)) add(ApplyRule(sla, rule, now));
  if (google::protobuf::util::MessageDifferencer::Equals(original, sla)) return false;
  RecordBreaches(breached, std::string(kSlaSweepActor), now, update);
  return true;
}

TicketUpdate DecideSlaSweep(const v1::Ticket& current, const std::vector<SlaRule>& rules,
                            absl::Time now, const std::string& next_etag) {
  TicketUpdate update;
  update.ticket = current;
  v1::TicketSla& sla = *update.ticket.mutable_sla();
  std::vector<v1::SlaMetric::Kind> breached =
      ApplyRule(sla, MatchPolicy(rules, TicketFacts::Of(current)), now).newly_breached;
  const SlaOutcome marked = MarkBreaches(sla, now);
  breached.insert(breached.end(), marked.newly_breached.begin(), marked.newly_breached.end());
  if (google::protobuf::util::MessageDifferencer::Equals(current.sla(), sla)) {
    update.ticket = current;
    return update;
  }
  *update.ticket.mutable_update_time() = ToProtoTime(now);
  update.ticket.set_etag(next_etag);
  if (breached.empty()) {
    // The policy or calendar was edited: new due times, nothing missed.
    v1::TicketChange& change = update.changes.emplace_back();
    change.set_actor(std::string(kSlaSweepActor));
    change.set_field("sla");
    change.set_new_value("due times recomputed with the current policy");
    *change.mutable_change_time() = ToProtoTime(now);
  }
  RecordBreaches(breached, std::string(kSlaSweepActor), now, update);
  return update;
}

void RefreshEventSnapshots(TicketUpdate& update) {
  for (auto& event : update.events) {
    const auto* field = event->GetDescriptor()->FindFieldByName("ticket");
    if (field == nullptr || field->message_type() != v1::Ticket::descriptor()) continue;
    event->GetReflection()->MutableMessage(event.get(), field)->CopyFrom(update.ticket);
  }
}

}  // namespace tandem::support

// What Support's events mean for Success: the pure rules that turn one
// event of Support's feed into ticket state, dated support signals, a
// timeline entry and maybe a feedback item (PlanTicketEvent), and the
// applier that stores them inside the feed consumer's transaction.
//
// The consumer (common/feed/consumer.h) applies each event in the same
// transaction that advances its cursor, so every effect here commits with
// the cursor or not at all. On top of that, each applied event is recorded
// under its event id (support_events), so an event delivered twice changes
// nothing the second time.
#ifndef TANDEM_SERVICES_SUCCESS_SUPPORT_SIGNAL_APPLIER_H_
#define TANDEM_SERVICES_SUCCESS_SUPPORT_SIGNAL_APPLIER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/feed/consumer.h"
#include "common/feed/outbox.h"
#include "tandem/common/v1/event_feed.pb.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::success {

// Kinds of support signal rows (`support_signals.kind`).
enum class SupportSignalKind : int {
  kTicket = 1,
  kComplaint = 2,
  kEscalation = 3,
  kSlaBreach = 4,
  kCsat = 5,
};

// A ticket as Success keeps it (a `support_tickets` row).
struct SupportTicketState {
  std::string ticket_id;  // bare id, without `tickets/`
  std::string account_id;
  std::string subject;
  support::v1::Ticket::Type type = support::v1::Ticket::TYPE_UNSPECIFIED;
  support::v1::Ticket::Status status = support::v1::Ticket::STATUS_UNSPECIFIED;
  int32_t escalation_tier = 1;
  bool sla_breached = false;
  std::optional<int32_t> csat_score;
  absl::Time create_time;
  absl::Time update_time;
};

// One dated support signal of an account (a `support_signals` row).
struct SupportSignalRow {
  SupportSignalKind kind = SupportSignalKind::kTicket;
  // Makes the signal once: the ticket id (TICKET, COMPLAINT, CSAT: a
  // re-rating replaces the score) or the event's record id.
  std::string dedupe_key;
  std::string ticket_id;
  absl::Time time;
  std::optional<int32_t> score;  // CSAT 1..5

  friend bool operator==(const SupportSignalRow&, const SupportSignalRow&) = default;
};

// One ticket as one Support event shows it, and what the event says
// happened to it. TicketMerged yields two (source, then target).
struct SupportTicketEvent {
  // The Support event's id; with the ticket, it identifies the record
  // (a merge is recorded once per ticket).
  std::string record_id;
  std::string type;  // e.g. "TicketEscalated"
  absl::Time occur_time;
  support::v1::Ticket ticket;
  // TicketEscalated: the reason; TicketMerged: the other ticket's name;
  // SlaBreached: the metric's name; TicketUpdated: changed fields, comma
  // separated.
  std::string detail;
  // TicketEscalated: the tier after; TicketRated: the score.
  int32_t number = 0;
  // SlaBreached: the breach time; TicketRated: the rate time.
  std::optional<absl::Time> time;
  // TicketReplied: whether the message is public, and by the customer.
  bool public_message = false;
  bool customer_message = false;
  // TicketMerged: true for the target's record.
  bool merge_target = false;
};

// Everything one SupportTicketEvent means for Success.
struct TicketEffects {
  std::string ticket_id;
  // The ticket's account now; empty when it names none (or none Success
  // can use), in which case only `delete_state`, `make_feedback` and
  // `review_accounts` may be set.
  std::string account_id;
  // The state to store; empty with `delete_state`.
  std::optional<SupportTicketState> state;
  // The ticket lost its account: forget its state and signals.
  bool delete_state = false;
  // The account the ticket had before, when it changed: its signals move.
  std::string moved_from_account;
  std::vector<SupportSignalRow> signals;
  // Whether the event shows on the account's timeline, and how.
  bool on_timeline = false;
  std::string summary;
  // A FEATURE_REQUEST ticket first seen as one (without an account: any
  // FEATURE_REQUEST event; the store keeps one item per ticket): make its
  // feedback item.
  bool make_feedback = false;
  // Accounts whose health may have moved.
  std::vector<std::string> review_accounts;
};

// Returns the tickets a Support event is about, in the order to apply
// them; empty for event types Success does not use (agents, articles, SLA
// policies…) and for a payload that does not parse.
std::vector<SupportTicketEvent> DecodeSupportEvent(const tandem::common::v1::Event& event);

// Returns the bare account id a ticket names (`accounts/{id}`), or empty.
std::string TicketAccountId(const support::v1::Ticket& ticket);

// Decides what `event` means given the ticket's stored state `before`
// (empty when Success has not seen the ticket with an account):
//  - a ticket first seen with an account adds a TICKET signal at its
//    creation, and a COMPLAINT signal if it is a complaint;
//  - a ticket that becomes a COMPLAINT later adds one at the event;
//  - TicketEscalated adds ESCALATION, SlaBreached SLA_BREACH, TicketRated
//    CSAT (its score; a re-rating replaces it);
//  - a FEATURE_REQUEST ticket (first seen as one) makes a feedback item;
//  - every event queues a review of the account (open tickets count too).
TicketEffects PlanTicketEvent(const std::optional<SupportTicketState>& before,
                              const SupportTicketEvent& event);

// Applies Support's events to Success's tables inside the consumer's
// transaction: support_tickets, support_signals, support_events (the
// timeline and the replay guard), feedback items with their
// FeedbackSubmitted events, and account reviews. Events of tickets without
// an account, or naming an account this tenant does not have in Success,
// are skipped.
class SupportSignalApplier final : public feed::EventApplier {
 public:
  SupportSignalApplier(feed::Outbox* outbox, const Clock* clock) : outbox_(outbox), clock_(clock) {}

  absl::Status Apply(mysql::Transaction& tx, const tandem::common::v1::Event& event) override;

 private:
  absl::Status ApplyTicketEvent(mysql::Transaction& tx, const std::string& tenant,
                                const SupportTicketEvent& event);

  feed::Outbox* outbox_;
  const Clock* clock_;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_SUPPORT_SIGNAL_APPLIER_H_

// Support's part of Metrics: per-ticket facts kept from the Support feed
// (tickets' snapshots, replies, solves, reopens, escalations, ratings, SLA
// outcomes) and knowledge-base article views, and their contributions to
// the Support measures of measures.h.
//
// Facts are kept so that folding an event is idempotent and does not depend
// on delivery order: times that happen once per ticket keep the earliest
// seen (creation, first public agent reply, first escalation); solves and
// reopens are keyed by their cycle (the ticket's reopen_count at the time),
// so a duplicate lands on the same key and the order of a solve and a reopen
// is known even when both share a timestamp; the latest rating wins by rate
// time; each SLA target is keyed by (kind, start time), so every
// next-response cycle counts once, and keeps the state of the newest
// snapshot that showed it; segment attributes and status come from the
// newest snapshot, by (update_time, feed cursor).
#ifndef TANDEM_SERVICES_METRICS_SUPPORT_FACTS_H_
#define TANDEM_SERVICES_METRICS_SUPPORT_FACTS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/metrics/calendar.h"
#include "services/metrics/fact_keeper.h"
#include "services/metrics/rollup.h"
#include "tandem/common/v1/event_feed.pb.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::metrics {

// Which snapshot of a ticket is newer: its update time, then the feed
// cursor of the event that carried it (Support stamps several events of one
// change, and an imported ticket's steps may share a time).
struct SnapshotOrder {
  absl::Time update_time = absl::InfinitePast();
  int64_t cursor = 0;

  friend bool operator<(const SnapshotOrder& a, const SnapshotOrder& b) {
    return std::tie(a.update_time, a.cursor) < std::tie(b.update_time, b.cursor);
  }
  friend bool operator==(const SnapshotOrder& a, const SnapshotOrder& b) = default;
};

// One SLA target of a ticket (one cycle of one kind) and how it ended.
struct SlaTargetFact {
  enum class Result : int { kOpen = 0, kMet = 1, kMissed = 2 };

  int kind = 0;  // tandem.support.v1.SlaMetric.Kind
  absl::Time start_time;
  // The snapshot the state below comes from.
  SnapshotOrder seen;
  // kOpen also covers targets that stopped (neither met nor missed) and
  // metrics without a target.
  Result result = Result::kOpen;
  // When it was met (fulfilment) or missed (its breach time).
  absl::Time result_time = absl::InfinitePast();
  // When it came (or comes) due, from the newest snapshot that showed a due
  // time (Support clears it once the target stops running), and that
  // snapshot; InfinitePast if none did. A met or missed target counts at
  // its due time (at result_time if none is known).
  absl::Time due_time = absl::InfinitePast();
  SnapshotOrder due_seen;

  friend bool operator==(const SlaTargetFact& a, const SlaTargetFact& b) = default;
};

// What Metrics knows about one ticket. Times are whole microseconds (as
// stored), durations whole milliseconds.
struct TicketFacts {
  // False until a snapshot of the ticket was seen.
  bool known = false;
  absl::Time create_time = absl::InfinitePast();

  // From the newest snapshot.
  SnapshotOrder newest;
  int status = 0;  // tandem.support.v1.Ticket.Status
  int channel = 0;
  int priority = 0;
  int type = 0;
  std::string group;  // `groups/{group}`, empty if none
  // Business time of the FIRST_RESPONSE and RESOLUTION SLA metrics when
  // they are FULFILLED in the newest snapshot.
  std::optional<absl::Duration> first_response_business;
  std::optional<absl::Duration> resolution_business;

  // Highest counts any snapshot showed.
  int agent_replies = 0;
  int reopen_count = 0;

  // Earliest public agent reply.
  std::optional<absl::Time> first_response;
  // Earliest TicketEscalated.
  std::optional<absl::Time> first_escalation;
  // The latest rating: (rate time, score).
  std::optional<std::pair<absl::Time, int>> rating;
  // When the ticket was closed.
  std::optional<absl::Time> close_time;
  // Solve time by cycle (the reopen_count the ticket had when solved), and
  // reopen time by cycle (the reopen_count it had after the reopen).
  std::map<int, absl::Time> solves;
  std::map<int, absl::Time> reopens;
  // SLA targets by (kind, start time).
  std::map<std::pair<int, absl::Time>, SlaTargetFact> sla_targets;

  friend bool operator==(const TicketFacts& a, const TicketFacts& b) = default;
};

// What one event tells about one ticket (a TicketMerged tells about two).
struct TicketObservation {
  std::string ticket_id;  // the id in `tickets/{id}`
  std::string event_type;
  support::v1::Ticket snapshot;
  SnapshotOrder order;
  absl::Time occur_time;
  // Set for a TicketReplied whose message is a public agent reply.
  std::optional<absl::Time> public_agent_reply;
  // Set for a TicketRated: the rating it records.
  std::optional<std::pair<absl::Time, int>> rating;
};

// The source of the events this part consumes.
inline constexpr char kSupportEventSource[] = "tandem.support.v1";

// Parses a Support ticket event into what it tells about each ticket.
// Empty for other events and for a payload that does not parse (logged).
std::vector<TicketObservation> ObserveTickets(const tandem::common::v1::Event& event);

// Folds one observation into the ticket's facts. Idempotent, and the
// result does not depend on the order observations are folded in.
void FoldTicketObservation(TicketFacts& facts, const TicketObservation& observation);

// Folds what `event` says about ticket `ticket_id` (a convenience over
// ObserveTickets + FoldTicketObservation).
void FoldSupportEvent(TicketFacts& facts, absl::string_view ticket_id,
                      const tandem::common::v1::Event& event);

// Adds `sign` × the ticket's contributions to the Support measures under
// `scheme`: the additive ones in their day and month, the WINDOW ones
// (solved_tickets, reopened_tickets) in scheme.WindowPeriods; a window
// scheme adds the WINDOW ones only.
void AddTicketContributions(const TicketFacts& facts, const std::string& tenant,
                            const PeriodScheme& scheme, int sign, Contributions& out);

// Adds the ticket's contributions after minus before: the same as
// AddTicketContributions of `before` with sign -1 and of `after` with +1,
// computed from the few contributions that differ.
void AddTicketChange(const TicketFacts& before, const TicketFacts& after, const std::string& tenant,
                     const PeriodScheme& scheme, Contributions& out);

// Adds `sign` × one article view at `view_time` (whole tenant only).
void AddArticleViewContribution(absl::Time view_time, const std::string& tenant,
                                const PeriodScheme& scheme, int sign, Contributions& out);

// The compact text forms of the list facts, as stored (exposed for tests).
std::string EncodeCycleTimes(const std::map<int, absl::Time>& times);
bool DecodeCycleTimes(absl::string_view text, std::map<int, absl::Time>& out);
std::string EncodeSlaTargets(const std::map<std::pair<int, absl::Time>, SlaTargetFact>& targets);
bool DecodeSlaTargets(absl::string_view text,
                      std::map<std::pair<int, absl::Time>, SlaTargetFact>& out);

// Keeps ticket facts in `support_ticket_facts`, the times of their solves
// and reopens in `support_ticket_activity` (to find a window's tickets) and
// article views in `support_article_views` (migration 0010).
class SupportFacts final : public FactKeeper {
 public:
  SupportFacts() = default;

  absl::string_view name() const override { return "support"; }
  bool Handles(const tandem::common::v1::Event& event) const override;
  absl::Status ApplyPage(mysql::Transaction& tx, const TenantSchemes& schemes,
                         const std::vector<const tandem::common::v1::Event*>& events,
                         Contributions& delta) override;
  // Recomputes solved_tickets and reopened_tickets for the window from the
  // tickets with a solve or reopen in it (support_ticket_activity).
  absl::Status AddWindowMeasures(mysql::Connection& db, const std::string& tenant,
                                 const PeriodScheme& scheme, absl::Time deadline,
                                 Contributions& out) override;
  absl::Status AddAllContributions(mysql::Connection& db, const std::string& tenant,
                                   const PeriodScheme& scheme, absl::Time deadline,
                                   Contributions& out) override;
  absl::Status DeleteTenant(mysql::Transaction& tx, const std::string& tenant) override;
};

}  // namespace tandem::metrics

#endif  // TANDEM_SERVICES_METRICS_SUPPORT_FACTS_H_

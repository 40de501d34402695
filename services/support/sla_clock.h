// The SLA clock of a ticket, as pure functions over a v1::TicketSla: which
// policy applies, when each metric starts, pauses, resumes, is fulfilled,
// falls due and is breached, and how to explain it. No I/O and no clock of
// its own: the caller passes `now` and the tenant's policies (as
// SlaRules), runs these inside the ticket's transaction, stores the
// TicketSla with the ticket (proto bytes) and publishes SlaBreached for
// every metric an SlaOutcome reports.
//
// How a ticket's life drives the clocks (Zendesk's model, adapted):
//   created (NEW)          FIRST_RESPONSE and RESOLUTION start.
//   PENDING, ON_HOLD       every running clock pauses.
//   back to NEW/OPEN       every paused clock resumes.
//   public agent reply     fulfils FIRST_RESPONSE and NEXT_RESPONSE.
//   public customer msg    starts a NEXT_RESPONSE cycle if the first
//                          response was given and none is open (a later
//                          message while one runs changes nothing).
//   SOLVED                 fulfils RESOLUTION; response clocks still open
//                          stop (neither met nor missed).
//   reopened (SOLVED→OPEN) RESOLUTION runs again, keeping the business
//                          time it had (the SOLVED stretch does not count);
//                          a stopped first response stays stopped.
//   CLOSED                 anything still open stops.
// Every metric keeps the periods its clock ran, so when the ticket's
// priority, type, channel or tier changes the caller matches the policies
// again and the new policy's targets and calendar apply to the time
// already run (Zendesk re-applies keeping elapsed time). Without a policy
// the clocks still run, without targets.
//
// A metric is breached once its clock passes the due time (strictly
// after: a reply at the due instant is on time). Breaches stick for the
// metric's cycle, even if a later policy gives more time.
//
// Typical use by the ticket code:
//   std::vector<SlaRule> rules = CompileRules(store_rows);   // in order
//   const SlaRule* rule = MatchPolicy(rules, TicketFacts::Of(ticket));
//   v1::TicketSla sla = StartSla(rule, ticket.status(), now);   // create
//   SlaOutcome outcome = OnStatusChange(sla, rule, from, to, now);
//   for (auto kind : outcome.newly_breached) { /* append SlaBreached */ }
//   std::optional<absl::Time> next = NextDueTime(sla);  // sweeper column
#ifndef TANDEM_SERVICES_SUPPORT_SLA_CLOCK_H_
#define TANDEM_SERVICES_SUPPORT_SLA_CLOCK_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/support/business_calendar.h"
#include "tandem/support/v1/sla.pb.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::support {

// The facts of a ticket that select its policy.
struct TicketFacts {
  v1::Ticket::Priority priority = v1::Ticket::PRIORITY_UNSPECIFIED;
  success::v1::TouchTier account_tier = success::v1::TOUCH_TIER_UNSPECIFIED;
  v1::Ticket::Channel channel = v1::Ticket::CHANNEL_UNSPECIFIED;
  v1::Ticket::Type type = v1::Ticket::TYPE_UNSPECIFIED;

  // Returns the facts of `ticket`.
  static TicketFacts Of(const v1::Ticket& ticket);
};

// A policy as stored, with its calendar (unset for a 24x7 policy).
struct StoredSlaPolicy {
  v1::SlaPolicy policy;
  std::optional<v1::BusinessCalendar> calendar;
};

// A policy ready for the clock: the policy and its calendar.
struct SlaRule {
  v1::SlaPolicy policy;
  BusinessCalendar calendar = BusinessCalendar::AroundTheClock();
};

// Builds the rules of `stored` and puts them in the order they are tried:
// by position, then creation time, then name. INTERNAL if a stored
// calendar is invalid (it was validated when written).
absl::StatusOr<std::vector<SlaRule>> CompileRules(const std::vector<StoredSlaPolicy>& stored);

// Returns the conditions of `policy` that `facts` fail, as sentences such
// as "priority NORMAL is not one of HIGH, URGENT"; empty if it matches.
std::vector<std::string> PolicyMismatches(const v1::SlaPolicy& policy, const TicketFacts& facts);

// Returns the first rule of `rules` (in their order) that matches `facts`,
// or nullptr if none does.
const SlaRule* MatchPolicy(const std::vector<SlaRule>& rules, const TicketFacts& facts);

// What a change did to a ticket's SLA.
struct SlaOutcome {
  // Metrics whose target was missed by this change or found missed now
  // (publish one SlaBreached each).
  std::vector<v1::SlaMetric::Kind> newly_breached;
};

// Returns the SLA of a ticket created at `now` in `status` (NEW, or
// another for imported tickets): FIRST_RESPONSE and RESOLUTION start,
// running if the status runs the clock. `rule` may be nullptr (no policy).
v1::TicketSla StartSla(const SlaRule* rule, v1::Ticket::Status status, absl::Time now);

// Records that the ticket moved from `from` to `to` at `now` (see the
// table above), then applies `rule`.
SlaOutcome OnStatusChange(v1::TicketSla& sla, const SlaRule* rule, v1::Ticket::Status from,
                          v1::Ticket::Status to, absl::Time now);

// Records a public agent reply at `now`: fulfils the open first and next
// responses. Then applies `rule`.
SlaOutcome OnAgentReply(v1::TicketSla& sla, const SlaRule* rule, absl::Time now);

// Records a public customer message at `now` on a ticket whose status,
// after any change the message itself caused (call OnStatusChange for that
// first), is `status`. Starts a NEXT_RESPONSE cycle (paused if the status
// pauses clocks) unless the first response is still open, one is already
// open, or the ticket is SOLVED or CLOSED. Then applies `rule`.
SlaOutcome OnCustomerMessage(v1::TicketSla& sla, const SlaRule* rule, v1::Ticket::Status status,
                             absl::Time now);

// Applies `rule` (nullptr: none) to `sla` at `now`: the policy and
// calendar names, every metric's target, business time and due time from
// its running periods, and breaches of due times already passed. Call it
// after the ticket's priority, type, channel or tier changed, with the
// rule matched again.
SlaOutcome ApplyRule(v1::TicketSla& sla, const SlaRule* rule, absl::Time now);

// Returns the running metrics whose due time passed by `now` and that are
// not marked breached yet.
std::vector<v1::SlaMetric::Kind> DueBreaches(const v1::TicketSla& sla, absl::Time now);

// Marks DueBreaches(sla, now) as breached (what the sweeper does) and
// returns them.
SlaOutcome MarkBreaches(v1::TicketSla& sla, absl::Time now);

// Returns true if a running metric not yet breached falls due within
// `window` after `now` (or is already overdue).
bool IsAtRisk(const v1::TicketSla& sla, absl::Time now, absl::Duration window);

// Returns the earliest due time of the running metrics not yet breached:
// when the sweeper next has something to do for this ticket.
std::optional<absl::Time> NextDueTime(const v1::TicketSla& sla);

// Returns true if any metric of the current cycles was breached.
bool HasBreach(const v1::TicketSla& sla);

// Returns the metric of `kind`, or nullptr.
const v1::SlaMetric* FindMetric(const v1::TicketSla& sla, v1::SlaMetric::Kind kind);

// Explains `sla` of a ticket with `facts` at `now`: the policies tried in
// `rules` order up to the first match, and for each metric its periods,
// pauses, holidays skipped, business time counted and due time, computed
// in the calendar of the policy `sla` names (24x7 if that policy is gone).
// The caller sets `ticket`.
v1::SlaExplanation ExplainSla(const v1::TicketSla& sla, const std::vector<SlaRule>& rules,
                              const TicketFacts& facts, absl::Time now);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_SLA_CLOCK_H_

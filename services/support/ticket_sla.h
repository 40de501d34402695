// How a ticket's changes drive its SLA, as pure functions over the SLA
// clock engine (sla_clock.h): which engine calls a change makes, the
// SlaBreached events it causes, and the breach sweeper's decision. The
// store runs them inside the ticket's transaction with the tenant's
// policies, after the ticket rules decided the change.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_SLA_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_SLA_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/support/sla_clock.h"
#include "services/support/ticket_store.h"

namespace tandem::support {

// The actor recorded when the sweeper marks a breach.
inline constexpr absl::string_view kSlaSweepActor = "system:sla";

// What kind of message (if any) a change posted.
enum class PostedMessage { kNone, kAgentReply, kCustomerMessage };

// Returns what a change that posts `message` is, for the SLA.
PostedMessage KindOf(const v1::Message& message);

// Starts the SLA of a new `ticket` at `now` with the first policy of
// `rules` it matches (no targets if none does).
void StartTicketSla(v1::Ticket& ticket, const std::vector<SlaRule>& rules, absl::Time now);

// Brings `update.ticket`'s SLA up to date with the change from `before`
// at `now`: a status change pauses, resumes, fulfils or stops clocks; a
// reply or customer message (`posted`) fulfils or starts response clocks;
// a change of priority, type, channel or tier matches the policies again.
// Appends one SlaBreached event per newly missed target. Returns true if
// the SLA changed.
bool AdvanceTicketSla(const v1::Ticket& before, TicketUpdate& update,
                      const std::vector<SlaRule>& rules, PostedMessage posted, absl::Time now);

// The breach sweeper's decision for `current` at `now`: first re-applies
// the tenant's current `rules` (an edited target or calendar reaches the
// ticket here), then marks every running target whose due time passed,
// with history and SlaBreached events. No changes if the SLA is as stored.
TicketUpdate DecideSlaSweep(const v1::Ticket& current, const std::vector<SlaRule>& rules,
                            absl::Time now, const std::string& next_etag);

// Makes every event of `update` that carries the ticket carry
// `update.ticket` as finally stored (rules run after the events were made,
// such as routing and the SLA, change it).
void RefreshEventSnapshots(TicketUpdate& update);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_SLA_H_

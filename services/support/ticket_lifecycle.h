// The ticket status state machine, as pure functions.
//
//   NEW ──► OPEN ◄──► PENDING ◄──► ON_HOLD        (any of the four can be
//    │        │                                     SOLVED directly)
//    └────────┴──────────► SOLVED ──► CLOSED (final)
//                            │
//                            └──► OPEN (a reopen; counted)
//
// A ticket never goes back to NEW, and CLOSED never changes. Setting the
// status it already has is not a transition (and is allowed).
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_LIFECYCLE_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_LIFECYCLE_H_

#include "absl/status/status.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::support {

// Returns OK if a ticket may go from `from` to `to`, else
// FAILED_PRECONDITION saying which moves `from` allows.
absl::Status CheckStatusChange(v1::Ticket::Status from, v1::Ticket::Status to);

// Returns true if moving from `from` to `to` reopens a solved ticket.
bool IsReopen(v1::Ticket::Status from, v1::Ticket::Status to);

// Returns true while the SLA clock runs: the ticket waits on the team, not
// on the customer (PENDING) or a third party (ON_HOLD), and is not done.
bool SlaClockRuns(v1::Ticket::Status status);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_LIFECYCLE_H_

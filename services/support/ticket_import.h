// Importing a ticket's history from another helpdesk, as pure functions:
// the request is checked, then the history is replayed in time order
// through the same rules live tickets follow (DecideMessagePosting,
// DecideTicketUpdate, DecideRating), so an imported ticket ends in the
// state, history and events a live one with that history would have.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_IMPORT_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_IMPORT_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/support/sla_clock.h"
#include "services/support/ticket_store.h"
#include "tandem/support/v1/support_service.pb.h"

namespace tandem::support {

// The actor recorded when an imported step names none.
inline constexpr absl::string_view kImportActor = "import";

// Checks an import request as of `now` (no time may be in the future or
// before the ticket's creation), returning every violation at once.
absl::Status ValidateImportTicket(const v1::ImportTicketRequest& request, absl::Time now);

// Replays a valid request into everything the store writes. `ticket` is
// the ticket as created (PrepareNewTicket, account checked); `new_id`
// gives ids for messages at a time. A step the workflow refuses (e.g. a
// message on a CLOSED ticket, a rating of an unsolved one) is
// INVALID_ARGUMENT on that step's field.
// The SLA runs through the history too, with the tenant's `rules`.
absl::StatusOr<TicketImport> ReplayImport(const v1::ImportTicketRequest& request,
                                          const v1::Ticket& ticket, const std::string& importer,
                                          const std::vector<SlaRule>& rules,
                                          const std::function<std::string(absl::Time)>& new_id);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_IMPORT_H_

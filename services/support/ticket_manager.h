// The rules of Support's tickets, apart from transport and storage:
// validation, defaults, the account check against Success, and how List
// requests become store queries.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/support/account_directory.h"
#include "services/support/ticket_store.h"
#include "tandem/support/v1/support_service.pb.h"

namespace tandem::support {

// Roles that may change support data ("admin" always may).
inline constexpr absl::string_view kRoleAgent = "agent";
// The actor recorded for changes the auto-close sweeper makes.
inline constexpr absl::string_view kAutoCloseActor = "system:auto-close";

// Roles of Success's people, who read tickets of their accounts.
inline constexpr absl::string_view kRoleCsm = "csm";

// Creates, reads and lists tickets for one caller at a time.
class TicketManager {
 public:
  TicketManager(TicketStore* store, AccountDirectory* accounts, const PageTokenCodec* page_tokens,
                const Clock* clock)
      : store_(store), accounts_(accounts), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates a ticket. A named account must exist in Success
  // (INVALID_ARGUMENT otherwise); if Success cannot answer, the ticket is
  // created with PENDING_VERIFICATION and no tier (the default SLA).
  absl::StatusOr<v1::Ticket> CreateTicket(const Principal& caller,
                                          const v1::CreateTicketRequest& request,
                                          absl::Time deadline);

  // Returns a ticket of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Ticket> GetTicket(const Principal& caller, const v1::GetTicketRequest& request,
                                       absl::Time deadline);

  // Changes the fields named in the request's mask; see
  // SupportService.UpdateTicket for the rules.
  absl::StatusOr<v1::Ticket> UpdateTicket(const Principal& caller,
                                          const v1::UpdateTicketRequest& request,
                                          absl::Time deadline);

  // Lists a ticket's history, oldest first.
  absl::StatusOr<v1::ListTicketChangesResponse> ListTicketChanges(
      const Principal& caller, const v1::ListTicketChangesRequest& request, absl::Time deadline);

  // Raises a ticket's tier; see SupportService.EscalateTicket.
  absl::StatusOr<v1::Ticket> EscalateTicket(const Principal& caller,
                                            const v1::EscalateTicketRequest& request,
                                            absl::Time deadline);

  // Records a CSAT rating; see SupportService.RateTicket.
  absl::StatusOr<v1::Ticket> RateTicket(const Principal& caller,
                                        const v1::RateTicketRequest& request, absl::Time deadline);

  // Posts a message on a ticket; see SupportService.CreateMessage.
  absl::StatusOr<v1::Message> CreateMessage(const Principal& caller,
                                            const v1::CreateMessageRequest& request,
                                            absl::Time deadline);

  // Lists a ticket's messages, oldest first.
  absl::StatusOr<v1::ListMessagesResponse> ListMessages(const Principal& caller,
                                                        const v1::ListMessagesRequest& request,
                                                        absl::Time deadline);

  // Summarizes an account's tickets for Success.
  absl::StatusOr<v1::AccountSupportSummary> GetAccountSupportSummary(
      const Principal& caller, const v1::GetAccountSupportSummaryRequest& request,
      absl::Time deadline);

  // Closes SOLVED tickets (of every tenant) solved more than `after` ago,
  // up to `limit` of them, as the system; returns how many it closed.
  // Safe to run from several replicas: each ticket is re-checked under its
  // row lock.
  absl::StatusOr<int> CloseSolvedTickets(absl::Duration after, int limit, absl::Time deadline);

  // Lists the caller's tenant's tickets.
  absl::StatusOr<v1::ListTicketsResponse> ListTickets(const Principal& caller,
                                                      const v1::ListTicketsRequest& request,
                                                      absl::Time deadline);

 private:
  TicketStore* store_;
  AccountDirectory* accounts_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Checks a create request and returns every violation at once.
absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& request);

// Checks an update request: a known name, a mask of updatable fields, and
// valid new values for those fields. Returns every violation at once.
absl::Status ValidateUpdateTicket(const v1::UpdateTicketRequest& request);

// Decides an update of `current` by `actor` at `now` (the pure rules:
// etag, mask, state machine, lifecycle stamps, history and events).
// `next_etag` is the etag the stored result will have.
absl::StatusOr<TicketUpdate> DecideTicketUpdate(const v1::Ticket& current,
                                                const v1::UpdateTicketRequest& request,
                                                const std::string& actor, absl::Time now,
                                                const std::string& next_etag);

// Checks an escalation request.
absl::Status ValidateEscalateTicket(const v1::EscalateTicketRequest& request);

// Decides an escalation of `current`: to the requested (or next) tier, up
// to 3, never down; not for SOLVED or CLOSED tickets; etag checked.
absl::StatusOr<TicketUpdate> DecideEscalation(const v1::Ticket& current,
                                              const v1::EscalateTicketRequest& request,
                                              const std::string& actor, absl::Time now,
                                              const std::string& next_etag);

// Checks a rating request.
absl::Status ValidateRateTicket(const v1::RateTicketRequest& request);

// Decides a CSAT rating of `current`: only while SOLVED; a re-rating
// replaces the earlier one; attributed to the assignee at rating time.
absl::StatusOr<TicketUpdate> DecideRating(const v1::Ticket& current,
                                          const v1::SatisfactionRating& rating,
                                          const std::string& actor, absl::Time now,
                                          const std::string& next_etag);

// Checks a message request and returns every violation at once.
absl::Status ValidateCreateMessage(const v1::CreateMessageRequest& request);

// Decides what posting `message` (complete: name, author, time) on
// `current` does: the first public agent reply stamps first response (and
// opens a NEW ticket); a public customer message opens a PENDING or SOLVED
// ticket again; nothing may be added to a CLOSED ticket.
absl::StatusOr<MessagePosting> DecideMessagePosting(const v1::Ticket& current,
                                                    const v1::Message& message,
                                                    absl::Time now,
                                                    const std::string& next_etag);

// Turns parsed filter terms into typed store conditions (enum names become
// numbers, account names ids), or INVALID_ARGUMENT on `filter`.
absl::StatusOr<std::vector<TicketCondition>> TicketConditions(
    const std::vector<FilterTerm>& terms);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_

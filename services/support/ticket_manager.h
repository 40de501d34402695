// The rules of Support's tickets, apart from transport and storage:
// validation, defaults, the account check against Success, and how List
// requests become store queries.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/support/account_directory.h"
#include "services/support/ticket_rules.h"
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
  // `sla_at_risk_window`: how close to its due time a running SLA target
  // counts as at risk (the `sla_at_risk` filter).
  TicketManager(TicketStore* store, AccountDirectory* accounts, const PageTokenCodec* page_tokens,
                const Clock* clock, absl::Duration sla_at_risk_window = absl::Hours(1))
      : store_(store),
        accounts_(accounts),
        page_tokens_(page_tokens),
        clock_(clock),
        sla_at_risk_window_(sla_at_risk_window) {}

  // Validates and creates a ticket. A named account must exist in Success
  // (INVALID_ARGUMENT otherwise); if Success cannot answer, the ticket is
  // created with PENDING_VERIFICATION and no tier (the default SLA). A
  // requester contact must be of the ticket's account (a ticket without one
  // takes the contact's) and exist in Success, unless Success cannot answer.
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

  // Asks Success again about up to `limit` tickets whose account it could
  // not confirm at creation, and records the answers; returns how many
  // were settled. Stops at the first UNAVAILABLE (Success still down).
  absl::StatusOr<int> RecheckPendingAccounts(int limit, absl::Time deadline);

  // Closes SOLVED tickets (of every tenant) solved more than `after` ago,
  // up to `limit` of them, as the system; returns how many it closed.
  // Safe to run from several replicas: each ticket is re-checked under its
  // row lock.
  absl::StatusOr<int> CloseSolvedTickets(absl::Duration after, int limit, absl::Time deadline);

  // Merges one ticket into another; see SupportService.MergeTicket.
  absl::StatusOr<v1::MergeTicketResponse> MergeTicket(const Principal& caller,
                                                      const v1::MergeTicketRequest& request,
                                                      absl::Time deadline);

  // Imports a ticket's history (admins only); see SupportService.ImportTicket.
  absl::StatusOr<v1::Ticket> ImportTicket(const Principal& caller,
                                          const v1::ImportTicketRequest& request,
                                          absl::Time deadline);

  // Custom status labels; see SupportService.
  absl::StatusOr<v1::CustomStatus> CreateCustomStatus(const Principal& caller,
                                                      const v1::CreateCustomStatusRequest& request,
                                                      absl::Time deadline);
  absl::StatusOr<v1::ListCustomStatusesResponse> ListCustomStatuses(
      const Principal& caller, const v1::ListCustomStatusesRequest& request, absl::Time deadline);
  absl::StatusOr<v1::CustomStatus> UpdateCustomStatus(const Principal& caller,
                                                      const v1::UpdateCustomStatusRequest& request,
                                                      absl::Time deadline);

  // Explains a ticket's SLA; see SupportService.ExplainTicketSla.
  absl::StatusOr<v1::SlaExplanation> ExplainTicketSla(const Principal& caller,
                                                      const v1::ExplainTicketSlaRequest& request,
                                                      absl::Time deadline);

  // Marks the SLA targets (of every tenant) whose due time passed, up to
  // `limit` tickets, publishing SlaBreached; returns how many tickets had
  // a breach marked. Safe on several replicas (re-checked under the lock).
  absl::StatusOr<int> SweepSlaBreaches(int limit, absl::Time deadline);

  // Lists the caller's tenant's tickets.
  absl::StatusOr<v1::ListTicketsResponse> ListTickets(const Principal& caller,
                                                      const v1::ListTicketsRequest& request,
                                                      absl::Time deadline);

 private:
  // Returns the tenant's SLA policies compiled, in the order they are tried.
  absl::StatusOr<std::vector<SlaRule>> SlaRules(const std::string& tenant, absl::Time deadline);

  // Asks Success about `ticket`'s account and records the answer on it
  // (tier and VERIFIED, or PENDING_VERIFICATION when Success cannot
  // answer); INVALID_ARGUMENT on `field` for an account Success does not
  // know.
  absl::Status CheckAccount(const std::string& tenant, const std::string& field,
                            v1::Ticket& ticket, absl::Time deadline);

  // Asks Success whether `contact` (a requester contact's name, or empty)
  // exists: INVALID_ARGUMENT on ticket.requester_contact if Success says it
  // does not; OK when it does, or when Success cannot answer (the contact is
  // taken as given).
  absl::Status CheckContact(const std::string& tenant, const std::string& contact,
                            absl::Time deadline);

  // Checks the new requester contact an update of ticket `id` names in
  // `requested` against the stored ticket (NOT_FOUND if there is none):
  // of the ticket's account, and known to Success. For a ticket without an
  // account, returns the contact's account as Success describes it, for the
  // ticket to take; nothing when the contact is unchanged.
  absl::StatusOr<std::optional<AdoptedAccount>> CheckNewContact(const std::string& tenant,
                                                                const std::string& id,
                                                                const v1::Ticket& requested,
                                                                absl::Time deadline);

  TicketStore* store_;
  AccountDirectory* accounts_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
  absl::Duration sla_at_risk_window_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_MANAGER_H_

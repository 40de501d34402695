// The rules of Support's tickets as pure functions: request validation,
// and what an update, a message, an escalation or a rating does to a
// ticket (its new state, history and events). No I/O: TicketManager runs
// them inside the store's transactions, and tests call them directly.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_RULES_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_RULES_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/listing.h"
#include "common/status.h"
#include "services/support/account_directory.h"
#include "services/support/ticket_store.h"
#include "tandem/support/v1/support_service.pb.h"

namespace tandem::support {

// The actor recorded for changes the account re-check sweeper makes.
inline constexpr absl::string_view kAccountCheckActor = "system:account-check";

// A requester contact's name, `accounts/{account}/contacts/{contact}` (a
// Success contact), split into its ids.
struct RequesterContact {
  std::string account_id;  // "-" only where `allow_any_account` admitted it
  std::string contact_id;
};

// Parses a Success contact's name; INVALID_ARGUMENT on `field` otherwise.
// With `allow_any_account`, `accounts/-/contacts/{contact}` (any account)
// is taken too.
absl::StatusOr<RequesterContact> ParseRequesterContact(absl::string_view field,
                                                       absl::string_view name,
                                                       bool allow_any_account);

// Returns `accounts/{account_id}/contacts/{contact_id}`.
std::string RequesterContactName(absl::string_view account_id, absl::string_view contact_id);

// The account a ticket without one takes from its new requester contact
// on update, as Success described it (asked before the ticket is locked).
struct AdoptedAccount {
  std::string account;  // `accounts/{id}`, the contact's account
  success::v1::TouchTier tier = success::v1::TOUCH_TIER_UNSPECIFIED;
  v1::Ticket::AccountCheck check = v1::Ticket::PENDING_VERIFICATION;
};

// Checks the fields of `ticket` that `checked` names (by their field name,
// e.g. "subject"), reporting violations as "ticket.<field>".
void CheckTicketFields(const v1::Ticket& ticket,
                       const std::function<bool(absl::string_view)>& checked,
                       FieldViolations& violations);

// Checks a message's author type, body, author e-mail and internal flag,
// reporting violations as "<prefix>.<field>".
void CheckMessageFields(const v1::Message& message, const std::string& prefix,
                        FieldViolations& violations);

// Returns the ticket a create makes of `requested`: named `tickets/{id}`,
// defaults filled (API channel, QUESTION, NORMAL), status NEW at tier 1,
// the requester contact's account when it names none,
// tags sorted and unique, output-only fields cleared, created at
// `create_time`.
v1::Ticket PrepareNewTicket(const v1::Ticket& requested, const std::string& id,
                            absl::Time create_time);

// Checks a create request and returns every violation at once.
absl::Status ValidateCreateTicket(const v1::CreateTicketRequest& request);

// Checks an update request: a known name, a mask of updatable fields, and
// valid new values for those fields. Returns every violation at once.
absl::Status ValidateUpdateTicket(const v1::UpdateTicketRequest& request);

// Decides an update of `current` by `actor` at `now` (the pure rules:
// etag, mask, state machine, lifecycle stamps, history and events).
// `next_etag` is the etag the stored result will have. A mask with a
// non-empty `custom_status` needs that label, resolved, in `custom_status`:
// the ticket takes its category as status. A new requester contact must be
// of the ticket's account (INVALID_ARGUMENT on ticket.requester_contact);
// a ticket without an account takes the contact's, described by `adopted`
// (ABORTED without it: the ticket changed since the contact was checked).
absl::StatusOr<TicketUpdate> DecideTicketUpdate(const v1::Ticket& current,
                                                const v1::UpdateTicketRequest& request,
                                                const std::string& actor, absl::Time now,
                                                const std::string& next_etag,
                                                const v1::CustomStatus* custom_status = nullptr,
                                                const AdoptedAccount* adopted = nullptr);

// Checks a merge request.
absl::Status ValidateMergeTicket(const v1::MergeTicketRequest& request);

// Decides merging `source` into `target` by `actor` at `now`: the source
// is CLOSED with `merged_into`, the target records it in `merged_tickets`,
// and each gets an internal SYSTEM note (named from `note_ids`, two ids).
// FAILED_PRECONDITION if either is CLOSED; ABORTED on a stale etag.
absl::StatusOr<MergeOutcome> DecideMerge(const v1::Ticket& source, const v1::Ticket& target,
                                         const v1::MergeTicketRequest& request,
                                         const std::string& actor, absl::Time now,
                                         const std::string& source_next_etag,
                                         const std::string& target_next_etag,
                                         const std::pair<std::string, std::string>& note_ids);

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

// Decides what Success's late answer about a PENDING_VERIFICATION ticket's
// account does: the account's facts make it VERIFIED with the tier;
// NOT_FOUND makes it UNKNOWN_ACCOUNT; anything else (Success still down)
// or a ticket no longer pending changes nothing.
absl::StatusOr<TicketUpdate> DecideAccountCheck(const v1::Ticket& current,
                                                const absl::StatusOr<AccountFacts>& facts,
                                                absl::Time now, const std::string& next_etag);

// Checks a message request and returns every violation at once.
absl::Status ValidateCreateMessage(const v1::CreateMessageRequest& request);

// Decides what posting `message` (complete: name, author, time) on
// `current` does: the first public agent reply stamps first response (and
// opens a NEW ticket); a public customer message opens a PENDING or SOLVED
// ticket again; nothing may be added to a CLOSED ticket.
absl::StatusOr<MessagePosting> DecideMessagePosting(const v1::Ticket& current,
                                                    const v1::Message& message, absl::Time now,
                                                    const std::string& next_etag);

// Turns parsed filter terms into typed store conditions (enum names become
// numbers, resource names ids), or INVALID_ARGUMENT on `filter`.
// `sla_at_risk = true` becomes "next SLA due time at or before
// `at_risk_until`".
absl::StatusOr<std::vector<TicketCondition>> TicketConditions(const std::vector<FilterTerm>& terms,
                                                              absl::Time at_risk_until);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_RULES_H_

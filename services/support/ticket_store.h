// Storage of tickets, behind an interface so the domain logic can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUPPORT_TICKET_STORE_H_
#define TANDEM_SERVICES_SUPPORT_TICKET_STORE_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "services/support/sla_clock.h"
#include "tandem/support/v1/support_service.pb.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::support {

// A ticket field a List may filter on.
enum class TicketField {
  kStatus, kPriority, kChannel, kType, kAccount, kRequesterEmail,
  kAssignee, kTag, kCreateTime, kUpdateTime, kGroup, kCustomStatus, kImported,
  kSlaBreached, kSlaDueTime, kRequesterContact
};

// The actor recorded when routing assigns a ticket.
inline constexpr absl::string_view kRoutingActor = "system:routing";

// One typed filter condition; enum values are proto numbers, the account is
// its id, times are UTC DATETIME(6) text. Only time fields take ordering
// operators; `tag = x` means the ticket has tag x.
struct TicketCondition {
  TicketField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// What an update decided, from the ticket as it was: the ticket after it,
// the changes to record (the store names them), and the events to publish.
// No changes means nothing is written.
struct TicketUpdate {
  v1::Ticket ticket{};
  std::vector<v1::TicketChange> changes{};
  std::vector<std::unique_ptr<google::protobuf::Message>> events{};
};

// Decides an update given the current ticket and the etag the ticket will
// have once the update is stored. Runs inside the store's transaction, with
// the ticket locked, so it must not block or call out.
using TicketUpdateDecision = std::function<absl::StatusOr<TicketUpdate>(
    const v1::Ticket& current, const std::string& next_etag)>;

// What posting a message decided: the message (complete, with its name),
// and what happens to the ticket; `ticket_changed` says whether the ticket
// row is rewritten (its events are published either way).
struct MessagePosting {
  v1::Message message;
  TicketUpdate ticket_update;
  bool ticket_changed = false;
};

// Decides a message posting given the current ticket and its next etag.
// Runs inside the store's transaction, like TicketUpdateDecision.
using MessageDecision = std::function<absl::StatusOr<MessagePosting>(
    const v1::Ticket& current, const std::string& next_etag)>;

// A page of messages and whether another follows.
struct MessagePage {
  std::vector<v1::Message> messages;
  bool has_more = false;
};

// A page of a ticket's changes and whether another follows.
struct TicketChangePage {
  std::vector<v1::TicketChange> changes;
  bool has_more = false;
};

// What a merge decided: both tickets after it (changes and events
// included) and the internal notes it adds, complete with their names.
struct MergeOutcome {
  TicketUpdate source{};
  TicketUpdate target{};
  std::vector<v1::Message> notes{};
};

// Decides a merge given both tickets and the etags they will have. Runs
// inside the store's transaction with both tickets locked.
using MergeDecision = std::function<absl::StatusOr<MergeOutcome>(
    const v1::Ticket& source, const v1::Ticket& target, const std::string& source_next_etag,
    const std::string& target_next_etag)>;

// An event to publish at a time of its own (imports replay history).
struct TimedEvent {
  absl::Time time;
  std::unique_ptr<google::protobuf::Message> event;
};

// Everything an imported ticket stores: its final state, its messages,
// history and events, all at their original times.
struct TicketImport {
  v1::Ticket ticket{};
  std::vector<v1::Message> messages{};
  std::vector<v1::TicketChange> changes{};
  std::vector<TimedEvent> events{};
};

// Decides a change of a custom status from the current one and the etag
// the result will have.
using CustomStatusDecision = std::function<absl::StatusOr<v1::CustomStatus>(
    const v1::CustomStatus& current, const std::string& next_etag)>;

// A page of tickets and whether another follows.
struct TicketPage {
  std::vector<v1::Ticket> tickets;
  bool has_more = false;
};

// Reads and writes tickets of one tenant at a time.
class TicketStore {
 public:
  virtual ~TicketStore() = default;

  // Stores a complete new ticket (id, times and defaults set), its creation
  // in the history (by `actor`) and its TicketCreated event in one
  // transaction. With a request id already used by an identical request,
  // stores nothing and returns that ticket.
  virtual absl::StatusOr<v1::Ticket> Create(const std::string& tenant, const std::string& actor,
                                            const v1::Ticket& ticket, const CreateKey& key,
                                            absl::Time deadline) = 0;

  // Locks the ticket, runs `decide` on it and stores the outcome (ticket,
  // changes, events) in one transaction. NOT_FOUND if the ticket does not
  // exist; `decide`'s error otherwise, with nothing written.
  virtual absl::StatusOr<v1::Ticket> Update(const std::string& tenant, const std::string& id,
                                            const TicketUpdateDecision& decide,
                                            absl::Time deadline) = 0;

  // Claims `key` for `message_name`, locks the ticket, runs `decide` and
  // stores the message, the ticket's changes and the events in one
  // transaction. A retry with the same key returns the first message.
  virtual absl::StatusOr<v1::Message> AddMessage(const std::string& tenant,
                                                 const std::string& ticket_id,
                                                 const CreateKey& key,
                                                 const std::string& message_name,
                                                 const MessageDecision& decide,
                                                 absl::Time deadline) = 0;

  // Returns up to `limit` messages of a ticket with ids after `after_id`,
  // oldest first; without internal notes if `public_only`.
  virtual absl::StatusOr<MessagePage> ListMessages(const std::string& tenant,
                                                   const std::string& ticket_id,
                                                   const std::string& after_id, int limit,
                                                   bool public_only, absl::Time deadline) = 0;

  // Fills the counts of `summary` for one account as of `now` (see
  // AccountSupportSummary), in one read.
  virtual absl::Status SummarizeAccount(const std::string& tenant, const std::string& account_id,
                                        absl::Time now, v1::AccountSupportSummary& summary,
                                        absl::Time deadline) = 0;

  // Returns up to `limit` tickets, of every tenant, still waiting for
  // Success to confirm their account, oldest first.
  virtual absl::StatusOr<std::vector<std::pair<std::string, v1::Ticket>>> FindPendingAccountChecks(
      int limit, absl::Time deadline) = 0;

  // Returns up to `limit` (tenant, id) pairs of SOLVED tickets, of every
  // tenant, solved at or before `cutoff`, oldest first.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> FindSolvedBefore(
      absl::Time cutoff, int limit, absl::Time deadline) = 0;

  // Returns up to `limit` (tenant, id) pairs of tickets, of every tenant,
  // with a running SLA target due at or before `now`, most overdue first.
  virtual absl::StatusOr<std::vector<std::pair<std::string, std::string>>> FindSlaDue(
      absl::Time now, int limit, absl::Time deadline) = 0;

  // Returns the tenant's SLA policies with their calendars.
  virtual absl::StatusOr<std::vector<StoredSlaPolicy>> LoadSlaPolicies(const std::string& tenant,
                                                                       absl::Time deadline) = 0;

  // Returns up to `limit` changes of a ticket with ids after `after_id`
  // (empty: from the start), oldest first.
  virtual absl::StatusOr<TicketChangePage> ListChanges(const std::string& tenant,
                                                       const std::string& ticket_id,
                                                       const std::string& after_id, int limit,
                                                       absl::Time deadline) = 0;

  // Returns the ticket an identical earlier request created under `key`,
  // nullopt if the key is unused, or INVALID_ARGUMENT if it served another
  // request.
  virtual absl::StatusOr<std::optional<v1::Ticket>> FindCreated(const std::string& tenant,
                                                                const CreateKey& key,
                                                                absl::Time deadline) = 0;

  // Returns the ticket with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Ticket> Get(const std::string& tenant, const std::string& id,
                                         absl::Time deadline) = 0;

  // Returns one page of the tenant's tickets matching every condition.
  virtual absl::StatusOr<TicketPage> List(const std::string& tenant,
                                          const std::vector<TicketCondition>& conditions,
                                          const ListPlan& plan, absl::Time deadline) = 0;

  // Locks both tickets (in id order, so two crossing merges cannot
  // deadlock), runs `decide` and stores both outcomes and the notes in one
  // transaction. Returns (source, target) after the merge.
  virtual absl::StatusOr<std::pair<v1::Ticket, v1::Ticket>> Merge(const std::string& tenant,
                                                                  const std::string& source_id,
                                                                  const std::string& target_id,
                                                                  const MergeDecision& decide,
                                                                  absl::Time deadline) = 0;

  // Stores an imported ticket with its messages, history and events in one
  // transaction, claiming `key` (the source system's id). A retry of the
  // same import stores nothing and returns the first ticket.
  virtual absl::StatusOr<v1::Ticket> Import(const std::string& tenant,
                                            const TicketImport& import, const CreateKey& key,
                                            absl::Time deadline) = 0;

  // Returns the ticket an identical earlier import stored under `key`,
  // nullopt if none, or INVALID_ARGUMENT if the key served another import.
  virtual absl::StatusOr<std::optional<v1::Ticket>> FindImported(const std::string& tenant,
                                                                 const CreateKey& key,
                                                                 absl::Time deadline) = 0;

  // Stores a complete new custom status. ALREADY_EXISTS if the tenant has
  // a label with the same `agent_label`; FAILED_PRECONDITION beyond
  // `max_per_tenant` labels.
  virtual absl::StatusOr<v1::CustomStatus> CreateCustomStatus(const std::string& tenant,
                                                              const v1::CustomStatus& status,
                                                              const CreateKey& key,
                                                              int max_per_tenant,
                                                              absl::Time deadline) = 0;

  // Returns a custom status, or NOT_FOUND.
  virtual absl::StatusOr<v1::CustomStatus> GetCustomStatus(const std::string& tenant,
                                                           const std::string& id,
                                                           absl::Time deadline) = 0;

  // Returns the tenant's custom statuses by category then label; inactive
  // ones only if `include_inactive`.
  virtual absl::StatusOr<std::vector<v1::CustomStatus>> ListCustomStatuses(
      const std::string& tenant, bool include_inactive, absl::Time deadline) = 0;

  // Locks a custom status, runs `decide` and stores its result.
  virtual absl::StatusOr<v1::CustomStatus> UpdateCustomStatus(const std::string& tenant,
                                                              const std::string& id,
                                                              const CustomStatusDecision& decide,
                                                              absl::Time deadline) = 0;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_TICKET_STORE_H_

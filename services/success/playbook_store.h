// Storage of playbooks, CTAs, enrolments and outreach messages, behind an
// interface so PlaybookManager can be tested without a database and the
// MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_PLAYBOOK_STORE_H_
#define TANDEM_SERVICES_SUCCESS_PLAYBOOK_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/playbook.pb.h"

namespace tandem::success {

// A field a List of playbooks, CTAs, enrolments or outreach messages may
// filter on (each List takes its own subset).
enum class PlaybookListField {
  kCreateTime,
  // Playbooks.
  kTrigger,
  kDisabled,
  // CTAs.
  kOwner,
  kAccount,
  kType,
  kPriority,
  kStatus,
  kDueTime,
  // Enrolments and outreach messages (and kAccount).
  kProgram,
  kTemplate,
  kPlaybook,
};

// One typed filter condition: enums as their proto numbers, booleans as
// "0"/"1", accounts and playbooks as bare ids, times as UTC DATETIME(6)
// text. kStatus takes `=` only and is read as of the List's `now` (a
// snooze that has passed reads OPEN).
struct PlaybookCondition {
  PlaybookListField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// What a playbook update decided: the playbook after it, and whether
// anything changed (if not, nothing is written and the etag stays).
struct PlaybookUpdate {
  v1::Playbook playbook;
  bool changed = false;
};

// Decides a playbook update given the current playbook and the etag it
// will have once stored. Runs inside the store's transaction with the
// playbook locked, so it must not block or call out.
using PlaybookUpdateDecision = std::function<absl::StatusOr<PlaybookUpdate>(
    const v1::Playbook& current, const std::string& next_etag)>;

// What a CTA update or close decided.
struct CtaUpdate {
  v1::Cta cta;
  // The fields that changed (empty: nothing is written, the etag stays).
  std::vector<std::string> changed_fields;
  // True when the CTA was closed (a CtaClosed event instead of CtaUpdated).
  bool closed = false;
};

// Decides a CTA update given the current CTA (as it reads now: a passed
// snooze is OPEN) and the etag it will have once stored; runs like
// PlaybookUpdateDecision.
using CtaUpdateDecision =
    std::function<absl::StatusOr<CtaUpdate>(const v1::Cta& current, const std::string& next_etag)>;

// A page of items and whether another follows.
template <typename Item>
struct PlaybookPage {
  std::vector<Item> items;
  bool has_more = false;
};

// Reads and writes the playbook part's records of one tenant at a time.
// Every write stores its event in the same transaction.
class PlaybookStore {
 public:
  virtual ~PlaybookStore() = default;

  // Stores a complete new playbook (name, times, defaults set), after
  // giving the tenant the built-in defaults if it never had playbooks.
  // Idempotent by `key`: an identical retry stores nothing and returns the
  // first playbook.
  virtual absl::StatusOr<v1::Playbook> CreatePlaybook(const std::string& tenant,
                                                      const v1::Playbook& playbook,
                                                      const CreateKey& key,
                                                      absl::Time deadline) = 0;

  // Returns the playbook with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Playbook> GetPlaybook(const std::string& tenant, const std::string& id,
                                                   absl::Time deadline) = 0;

  // Returns one page of the tenant's playbooks matching every condition,
  // giving the tenant the built-in defaults at `now` first if it never had
  // playbooks.
  virtual absl::StatusOr<PlaybookPage<v1::Playbook>> ListPlaybooks(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time now, absl::Time deadline) = 0;

  // Locks the playbook, runs `decide` and stores the outcome. NOT_FOUND if
  // it does not exist; `decide`'s error otherwise, with nothing written.
  virtual absl::StatusOr<v1::Playbook> UpdatePlaybook(const std::string& tenant,
                                                      const std::string& id,
                                                      const PlaybookUpdateDecision& decide,
                                                      absl::Time deadline) = 0;

  // Deletes the playbook. NOT_FOUND if it does not exist; ABORTED if
  // `etag` is set and stale.
  virtual absl::Status DeletePlaybook(const std::string& tenant, const std::string& id,
                                      const std::string& etag, absl::Time now,
                                      absl::Time deadline) = 0;

  // Opens `cta` (complete: name, owner or empty for the account's owner,
  // times) with `reason` as its first reason. INVALID_ARGUMENT on
  // `cta.account` if the account does not exist; ALREADY_EXISTS naming the
  // open CTA if the account has one of the same type. Idempotent by `key`.
  virtual absl::StatusOr<v1::Cta> CreateCta(const std::string& tenant, const v1::Cta& cta,
                                            const CreateKey& key, absl::Time deadline) = 0;

  // Returns the CTA with `id` as stored (the caller applies snooze
  // expiry), or NOT_FOUND.
  virtual absl::StatusOr<v1::Cta> GetCta(const std::string& tenant, const std::string& id,
                                         absl::Time deadline) = 0;

  // Returns one page of the tenant's CTAs matching every condition, as of
  // `now` for the status condition.
  virtual absl::StatusOr<PlaybookPage<v1::Cta>> ListCtas(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time now, absl::Time deadline) = 0;

  // Locks the CTA, runs `decide` on it (as it reads at `now`) and stores
  // the outcome with a CtaUpdated or CtaClosed event. NOT_FOUND if it does
  // not exist.
  virtual absl::StatusOr<v1::Cta> UpdateCta(const std::string& tenant, const std::string& id,
                                            const CtaUpdateDecision& decide, absl::Time now,
                                            absl::Time deadline) = 0;

  // Returns one page of the tenant's enrolments matching every condition.
  virtual absl::StatusOr<PlaybookPage<v1::Enrolment>> ListEnrolments(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) = 0;

  // Returns one page of the tenant's outreach messages matching every
  // condition.
  virtual absl::StatusOr<PlaybookPage<v1::OutreachMessage>> ListOutreachMessages(
      const std::string& tenant, const std::vector<PlaybookCondition>& conditions,
      const ListPlan& plan, absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_PLAYBOOK_STORE_H_

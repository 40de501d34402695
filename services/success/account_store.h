// Storage of accounts and their stage history, behind an interface so the
// domain logic can be tested without a database and the MySQL store chosen
// in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/account.pb.h"
#include "tandem/success/v1/stage_change.pb.h"

namespace tandem::success {

// An account field a List may filter on.
enum class AccountField {
  kTouchTier,
  kLifecycleStage,
  kHealthBand,
  kOwner,
  kPlan,
  kExternalId,
  kRenewalTime
};

// One typed filter condition: enum values are proto numbers, times UTC
// DATETIME(6) text. Only kRenewalTime takes ordering operators.
struct AccountCondition {
  AccountField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// What accounts are listed by.
enum class AccountOrder { kCreateTime, kRenewalTime, kMrr };

// Where a page of accounts starts: after the account with this sort key
// (create time or renewal time in Unix microseconds, or MRR; nullopt for an
// account without a renewal time) and id.
struct AccountCursor {
  std::optional<int64_t> key;
  std::string id;

  friend bool operator==(const AccountCursor&, const AccountCursor&) = default;
};

// A validated ListAccounts request, ready for the store. Accounts without
// a renewal time come last when ordered by renewal time, either way.
struct AccountQuery {
  std::vector<AccountCondition> conditions;
  AccountOrder order = AccountOrder::kCreateTime;
  bool descending = true;
  int page_size = 50;
  std::optional<AccountCursor> after;
  // Binds page tokens to the query (tenant, filter, order, window).
  std::string fingerprint;
};

// A page of accounts and whether another follows.
struct AccountPage {
  std::vector<v1::Account> accounts;
  bool has_more = false;
};

// What an account update decided: the account after it, the fields whose
// values changed (nothing is written when empty), and why to queue the
// account for a health review (empty: no review).
struct AccountUpdate {
  v1::Account account;
  std::vector<std::string> changed_fields;
  std::string review_reason;
};

// Decides an update given the current account (locked) and the etag it
// will have once the update is stored. Runs inside the store's
// transaction, so it must not block or call out.
using AccountUpdateDecision = std::function<absl::StatusOr<AccountUpdate>(
    const v1::Account& current, const std::string& next_etag)>;

// Decides whether the current (locked) account may be deleted.
using AccountDeleteCheck = std::function<absl::Status(const v1::Account& current)>;

// A page of stage changes and whether another follows.
struct StageChangePage {
  std::vector<v1::StageChange> stage_changes;
  bool has_more = false;
  // The recording time and id of the page's last change, for the next
  // page's token.
  KeysetPosition last;
};

// Reads and writes accounts of one tenant at a time.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Stores a complete new account, its first stage-history row, its
  // AccountCreated event and a review of it in one transaction.
  // ALREADY_EXISTS if its external id is taken. With a request id already
  // used by an identical request, returns that account.
  virtual absl::StatusOr<v1::Account> Create(const std::string& tenant, const v1::Account& account,
                                             const CreateKey& key, const std::string& actor,
                                             absl::Time deadline) = 0;

  // Returns the account with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Account> Get(const std::string& tenant, const std::string& id,
                                          absl::Time deadline) = 0;

  // Returns one page of the tenant's accounts matching `query`.
  virtual absl::StatusOr<AccountPage> List(const std::string& tenant, const AccountQuery& query,
                                           absl::Time deadline) = 0;

  // Locks the account, runs `decide` on it and stores the outcome in one
  // transaction with its AccountUpdated event and, when the stage moved, a
  // stage-history row and a StageChanged event by `actor` at the account's
  // new update time. NOT_FOUND if the account does not exist;
  // ALREADY_EXISTS for a taken external id; `decide`'s error otherwise,
  // with nothing written.
  virtual absl::StatusOr<v1::Account> Update(const std::string& tenant, const std::string& id,
                                             const AccountUpdateDecision& decide,
                                             const std::string& actor, absl::Time deadline) = 0;

  // Deletes the account with its contacts and stage history, writing an
  // AccountDeleted event. NOT_FOUND if it does not exist; ABORTED if `etag`
  // is set and stale; `check`'s error otherwise, with nothing written.
  virtual absl::Status Delete(const std::string& tenant, const std::string& id,
                              const std::string& etag, const AccountDeleteCheck& check,
                              const std::string& actor, absl::Time now, absl::Time deadline) = 0;

  // Returns one page of the account's stage changes in recording order
  // (per `plan`). NOT_FOUND if the account does not exist.
  virtual absl::StatusOr<StageChangePage> ListStageChanges(const std::string& tenant,
                                                           const std::string& account_id,
                                                           const ListPlan& plan,
                                                           absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_

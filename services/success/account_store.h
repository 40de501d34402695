// Storage of accounts, behind an interface so the domain logic can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/success/v1/account.pb.h"

namespace tandem::success {

// An account field a List may filter on.
enum class AccountField { kTouchTier, kLifecycleStage, kOwner, kPlan, kExternalId };

// One typed filter condition; enum values are proto numbers.
struct AccountCondition {
  AccountField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A page of accounts and whether another follows.
struct AccountPage {
  std::vector<v1::Account> accounts;
  bool has_more = false;
};

// Reads and writes accounts of one tenant at a time.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  // Stores a complete new account and its AccountCreated event in one
  // transaction. ALREADY_EXISTS if its external id is taken. With a request
  // id already used by an identical request, returns that account.
  virtual absl::StatusOr<v1::Account> Create(const std::string& tenant,
                                             const v1::Account& account, const CreateKey& key,
                                             absl::Time deadline) = 0;

  // Returns the account with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Account> Get(const std::string& tenant, const std::string& id,
                                          absl::Time deadline) = 0;

  // Returns one page of the tenant's accounts matching every condition.
  virtual absl::StatusOr<AccountPage> List(const std::string& tenant,
                                           const std::vector<AccountCondition>& conditions,
                                           const ListPlan& plan, absl::Time deadline) = 0;
};

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_STORE_H_

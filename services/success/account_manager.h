// The rules of Success's accounts, apart from transport and storage:
// validation, defaults, what may change and when, and how List requests
// become store queries.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/success/account_store.h"
#include "tandem/success/v1/success_service.pb.h"

namespace tandem::success {

// Role of customer success managers, who change success data.
inline constexpr absl::string_view kRoleCsm = "csm";
// Role of support agents, who read accounts.
inline constexpr absl::string_view kRoleAgent = "agent";

// Creates, reads, changes and lists accounts for one caller at a time.
class AccountManager {
 public:
  AccountManager(AccountStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates an account (TECH_TOUCH, ONBOARDING, USD unless
  // the request says otherwise).
  absl::StatusOr<v1::Account> CreateAccount(const Principal& caller,
                                            const v1::CreateAccountRequest& request,
                                            absl::Time deadline);

  // Returns an account of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Account> GetAccount(const Principal& caller,
                                         const v1::GetAccountRequest& request, absl::Time deadline);

  // Lists the caller's tenant's accounts.
  absl::StatusOr<v1::ListAccountsResponse> ListAccounts(const Principal& caller,
                                                        const v1::ListAccountsRequest& request,
                                                        absl::Time deadline);

  // Changes the fields named in the request's mask; see
  // SuccessService.UpdateAccount.
  absl::StatusOr<v1::Account> UpdateAccount(const Principal& caller,
                                            const v1::UpdateAccountRequest& request,
                                            absl::Time deadline);

  // Deletes an account that never had revenue; see
  // SuccessService.DeleteAccount.
  absl::Status DeleteAccount(const Principal& caller, const v1::DeleteAccountRequest& request,
                             absl::Time deadline);

  // Lists an account's stage history.
  absl::StatusOr<v1::ListStageChangesResponse> ListStageChanges(
      const Principal& caller, const v1::ListStageChangesRequest& request, absl::Time deadline);

 private:
  AccountStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Checks a create request at `now` and returns every violation at once.
absl::Status ValidateCreateAccount(const v1::CreateAccountRequest& request, absl::Time now);

// Checks an update request (mask, name, the values of the masked fields)
// at `now`, every violation at once; returns the mask's paths.
absl::StatusOr<std::set<std::string>> ValidateUpdateAccount(const v1::UpdateAccountRequest& request,
                                                            absl::Time now);

// Returns true once the account has had revenue: MRR now, or a churn. Its
// currency is then fixed and it can no longer be deleted.
bool HasRevenue(const v1::Account& account);

// Decides an update of `current` to the values of `requested` in `paths`
// (already validated) at `now`: ABORTED for a stale etag,
// FAILED_PRECONDITION for a CHURNED account's stage or a currency change
// after revenue, INVALID_ARGUMENT for a renewal time not after the contract
// start. The result names the changed fields and why to review the account.
absl::StatusOr<AccountUpdate> DecideAccountUpdate(const v1::Account& current,
                                                  const v1::Account& requested,
                                                  const std::set<std::string>& paths,
                                                  absl::Time now, const std::string& next_etag);

// Returns OK if `current` may be deleted, else FAILED_PRECONDITION saying
// to churn it instead.
absl::Status CheckAccountDeletable(const v1::Account& current);

// Turns a ListAccounts request of `tenant` at `now` into a store query:
// filter terms, the renewal window, order and page position.
// INVALID_ARGUMENT on the offending field otherwise.
absl::StatusOr<AccountQuery> PlanAccountList(const PageTokenCodec& codec, const std::string& tenant,
                                             const v1::ListAccountsRequest& request,
                                             absl::Time now);

// Returns the token for the page after `last` in `query`'s order.
std::string NextAccountPageToken(const PageTokenCodec& codec, const AccountQuery& query,
                                 const v1::Account& last);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_

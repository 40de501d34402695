// The rules of Success's accounts, apart from transport and storage:
// validation, defaults, and how List requests become store queries.
#ifndef TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_
#define TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_

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

// Creates, reads and lists accounts for one caller at a time.
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
                                         const v1::GetAccountRequest& request,
                                         absl::Time deadline);

  // Lists the caller's tenant's accounts.
  absl::StatusOr<v1::ListAccountsResponse> ListAccounts(const Principal& caller,
                                                        const v1::ListAccountsRequest& request,
                                                        absl::Time deadline);

 private:
  AccountStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

// Checks a create request and returns every violation at once.
absl::Status ValidateCreateAccount(const v1::CreateAccountRequest& request);

}  // namespace tandem::success

#endif  // TANDEM_SERVICES_SUCCESS_ACCOUNT_MANAGER_H_

// What Support needs to know about an account, asked of Success.
#ifndef TANDEM_SERVICES_SUPPORT_ACCOUNT_DIRECTORY_H_
#define TANDEM_SERVICES_SUPPORT_ACCOUNT_DIRECTORY_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/peer.h"
#include "tandem/success/v1/success_service.grpc.pb.h"

namespace tandem::support {

// The facts about an account that shape a ticket's handling.
struct AccountFacts {
  success::v1::TouchTier tier = success::v1::TOUCH_TIER_UNSPECIFIED;
};

// Looks accounts and their contacts up in Success.
class AccountDirectory {
 public:
  virtual ~AccountDirectory() = default;
  // Returns the facts for `account_name` (`accounts/{id}`) of `tenant`:
  // NOT_FOUND if Success says it does not exist, UNAVAILABLE if Success
  // cannot answer in time.
  virtual absl::StatusOr<AccountFacts> Lookup(const std::string& tenant,
                                              const std::string& account_name,
                                              absl::Time deadline) = 0;
  // Checks that `contact_name` (`accounts/{account}/contacts/{contact}`)
  // exists for `tenant`: NOT_FOUND if Success says it does not (or that it
  // is not that account's), UNAVAILABLE if Success cannot answer in time.
  virtual absl::Status CheckContact(const std::string& tenant, const std::string& contact_name,
                                    absl::Time deadline) = 0;
};

// AccountDirectory over Success's gRPC API, with a service token and a
// deadline of its own (never longer than the caller's).
class GrpcAccountDirectory final : public AccountDirectory {
 public:
  GrpcAccountDirectory(std::unique_ptr<success::v1::SuccessService::StubInterface> stub,
                       ServiceTokens* tokens, absl::Duration timeout)
      : stub_(std::move(stub)), tokens_(tokens), timeout_(timeout) {}

  absl::StatusOr<AccountFacts> Lookup(const std::string& tenant, const std::string& account_name,
                                      absl::Time deadline) override;
  absl::Status CheckContact(const std::string& tenant, const std::string& contact_name,
                            absl::Time deadline) override;

 private:
  std::unique_ptr<success::v1::SuccessService::StubInterface> stub_;
  ServiceTokens* tokens_;
  absl::Duration timeout_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_ACCOUNT_DIRECTORY_H_

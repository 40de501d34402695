// Tokens for tests, signed with a fixed test secret.
#ifndef TANDEM_TESTS_TESTING_TOKENS_H_
#define TANDEM_TESTS_TESTING_TOKENS_H_

#include <memory>
#include <string>
#include <vector>

#include <grpcpp/client_context.h>

#include "absl/time/time.h"
#include "common/auth.h"

namespace tandem::testing {

// The HS256 secret every test server and token uses.
inline constexpr char kTestJwtSecret[] = "test-secret-0123456789-abcdefghijklmnop";
// The page-token key every test server uses.
inline constexpr char kTestPageTokenKey[] = "test-page-token-key";

// The JWT settings matching kTestJwtSecret.
JwtSettings TestJwtSettings();

// Returns an authenticator that accepts TestToken()s.
std::unique_ptr<Authenticator> TestAuthenticator();

// Returns a valid token for `tenant` with `roles`.
std::string TestToken(const std::string& tenant, std::vector<std::string> roles,
                      absl::Duration ttl = absl::Hours(1));

// Adds `authorization: Bearer <token>` and a deadline to a client context.
void Authorize(grpc::ClientContext& context, const std::string& token,
               absl::Duration timeout = absl::Seconds(10));

}  // namespace tandem::testing

#endif  // TANDEM_TESTS_TESTING_TOKENS_H_

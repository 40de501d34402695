#include "tests/testing/tokens.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace tandem::testing {

JwtSettings TestJwtSettings() {
  JwtSettings settings;
  settings.hs256_secret = kTestJwtSecret;
  return settings;
}

std::unique_ptr<Authenticator> TestAuthenticator() {
  auto auth = Authenticator::Create(TestJwtSettings());
  if (!auth.ok()) std::abort();
  return std::move(*auth);
}

std::string TestToken(const std::string& tenant, std::vector<std::string> roles,
                      absl::Duration ttl) {
  auto signer = TokenSigner::Create(TestJwtSettings());
  if (!signer.ok()) std::abort();
  auto token = (*signer)->Sign({tenant, "tester", std::move(roles)}, ttl, absl::Now());
  if (!token.ok()) std::abort();
  return *token;
}

void Authorize(grpc::ClientContext& context, const std::string& token, absl::Duration timeout) {
  context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  context.set_deadline(absl::ToChronoTime(absl::Now() + timeout));
}

}  // namespace tandem::testing

#include "common/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/tokens.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;
using ::tandem::testing::TestAuthenticator;
using ::tandem::testing::TestJwtSettings;
using ::tandem::testing::TestToken;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Unsigned(const std::string& header, const std::string& payload) {
  return absl::StrCat(absl::WebSafeBase64Escape(header), ".", absl::WebSafeBase64Escape(payload),
                      ".");
}

// A valid token yields its tenant, subject and roles.
TEST(AuthenticatorTest, ValidTokenYieldsPrincipal) {
  auto auth = TestAuthenticator();
  ASSERT_OK_AND_ASSIGN(Principal principal, auth->Verify(TestToken("acme", {"agent", "viewer"})));
  EXPECT_EQ(principal.tenant, "acme");
  EXPECT_EQ(principal.subject, "tester");
  EXPECT_THAT(principal.roles, ElementsAre("agent", "viewer"));
}

// An expired token is UNAUTHENTICATED and says so.
TEST(AuthenticatorTest, ExpiredTokenIsUnauthenticated) {
  auto auth = TestAuthenticator();
  absl::StatusOr<Principal> principal =
      auth->Verify(TestToken("acme", {"admin"}, -absl::Minutes(5)));
  EXPECT_THAT(principal, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(principal.status().message()), HasSubstr("expired"));
}

// A token signed with another secret is refused.
TEST(AuthenticatorTest, ForgedTokenIsUnauthenticated) {
  JwtSettings other = TestJwtSettings();
  other.hs256_secret = "another-secret-that-is-long-enough-to-use";
  auto signer = TokenSigner::Create(other);
  ASSERT_OK(signer);
  ASSERT_OK_AND_ASSIGN(std::string forged,
                       (*signer)->Sign({"acme", "mallory", {"admin"}}, absl::Hours(1), absl::Now()));
  EXPECT_THAT(TestAuthenticator()->Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated));
}

// alg=none tokens (no signature) are refused.
TEST(AuthenticatorTest, AlgNoneTokenIsUnauthenticated) {
  const int64_t exp = absl::ToUnixSeconds(absl::Now() + absl::Hours(1));
  const std::string token = Unsigned(
      R"({"alg":"none","typ":"JWT"})",
      absl::StrCat(R"({"iss":"tandem","sub":"mallory","tenant":"acme","roles":["admin"],"exp":)",
                   exp, "}"));
  EXPECT_THAT(TestAuthenticator()->Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

// A token from another issuer, or without tenant, roles or exp, is refused.
TEST(AuthenticatorTest, MissingOrWrongClaimsAreUnauthenticated) {
  JwtSettings other_issuer = TestJwtSettings();
  other_issuer.issuer = "someone-else";
  auto signer = TokenSigner::Create(other_issuer);
  ASSERT_OK(signer);
  ASSERT_OK_AND_ASSIGN(std::string token,
                       (*signer)->Sign({"acme", "x", {"admin"}}, absl::Hours(1), absl::Now()));
  EXPECT_THAT(TestAuthenticator()->Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(TestAuthenticator()->Verify(TestToken("Not A Tenant!", {"admin"})),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(TestAuthenticator()->Verify("garbage"), StatusIs(absl::StatusCode::kUnauthenticated));
}

// Only service tokens may name every tenant.
TEST(AuthenticatorTest, AllTenantsOnlyForServiceTokens) {
  EXPECT_OK(TestAuthenticator()->Verify(TestToken("*", {"service"})));
  EXPECT_THAT(TestAuthenticator()->Verify(TestToken("*", {"admin"})),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// Settings must name exactly one verification key.
TEST(AuthenticatorTest, NeedsExactlyOneKey) {
  EXPECT_THAT(Authenticator::Create(JwtSettings{}), StatusIs(absl::StatusCode::kInvalidArgument));
  JwtSettings both = TestJwtSettings();
  both.rs256_public_key_pem = "-----BEGIN PUBLIC KEY-----";
  EXPECT_THAT(Authenticator::Create(both), StatusIs(absl::StatusCode::kInvalidArgument));
  JwtSettings short_secret;
  short_secret.hs256_secret = "short";
  EXPECT_THAT(Authenticator::Create(short_secret), StatusIs(absl::StatusCode::kInvalidArgument));
}

// During a key rotation, tokens signed with the new secret or with one of the
// accepted secrets verify, an expired one is still refused as expired, and a
// token no configured secret signed is refused; service tokens are signed
// with the main secret only.
TEST(AuthenticatorTest, AcceptedSecretsVerifyDuringRotation) {
  JwtSettings old_key = TestJwtSettings();
  JwtSettings new_key = TestJwtSettings();
  new_key.hs256_secret = "the-new-secret-of-the-rotation-0123456789";
  JwtSettings rotating = new_key;
  rotating.hs256_accepted_secrets = {old_key.hs256_secret};
  ASSERT_OK_AND_ASSIGN(auto auth, Authenticator::Create(rotating));
  auto sign = [](const JwtSettings& settings, absl::Duration ttl) {
    auto signer = TokenSigner::Create(settings);
    EXPECT_OK(signer);
    return *(*signer)->Sign({"acme", "carol", {"agent"}}, ttl, absl::Now());
  };
  ASSERT_OK_AND_ASSIGN(Principal by_old, auth->Verify(sign(old_key, absl::Hours(1))));
  EXPECT_EQ(by_old.subject, "carol");
  ASSERT_OK(auth->Verify(sign(new_key, absl::Hours(1))));
  // The rotating settings sign with the new secret: a server that only knows
  // the new secret accepts its tokens.
  ASSERT_OK_AND_ASSIGN(auto only_new, Authenticator::Create(new_key));
  EXPECT_OK(only_new->Verify(sign(rotating, absl::Hours(1))));

  absl::StatusOr<Principal> expired = auth->Verify(sign(old_key, -absl::Minutes(5)));
  EXPECT_THAT(expired, StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(std::string(expired.status().message()), HasSubstr("expired"));
  JwtSettings stranger = TestJwtSettings();
  stranger.hs256_secret = "a-secret-nobody-configured-0123456789abc";
  EXPECT_THAT(auth->Verify(sign(stranger, absl::Hours(1))),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

// Accepted secrets must be long enough and only add to a HS256 secret.
TEST(AuthenticatorTest, AcceptedSecretsAreChecked) {
  JwtSettings short_accepted = TestJwtSettings();
  short_accepted.hs256_accepted_secrets = {"short"};
  auto too_short = Authenticator::Create(short_accepted);
  EXPECT_THAT(too_short, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(too_short.status().message()), HasSubstr("--jwt-accepted-secrets"));
  JwtSettings rs256;
  rs256.rs256_public_key_pem = "-----BEGIN PUBLIC KEY-----";
  rs256.hs256_accepted_secrets = {"an-accepted-secret-long-enough-0123456789"};
  EXPECT_THAT(Authenticator::Create(rs256), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A verified token is cached, but never past its expiry. (`exp` has whole
// seconds and the JWT library reads the system clock, so this waits for
// real time to pass.)
TEST(AuthenticatorTest, CachedTokenStillExpires) {
  auto auth = TestAuthenticator();
  const std::string token = TestToken("acme", {"agent"}, absl::Seconds(1));
  ASSERT_OK(auth->Verify(token));
  ASSERT_OK(auth->Verify(token));  // from the cache
  absl::SleepFor(absl::Milliseconds(2100));
  EXPECT_THAT(auth->Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

// A role check passes for a listed role or admin, and names the roles
// otherwise.
TEST(RequireAnyRoleTest, AdminOrListedRolePasses) {
  EXPECT_OK(RequireAnyRole({"t", "s", {"agent"}}, {"agent"}));
  EXPECT_OK(RequireAnyRole({"t", "s", {"admin"}}, {"agent"}));
  absl::Status denied = RequireAnyRole({"t", "s", {"viewer"}}, {"agent", "csm"});
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(std::string(denied.message()), HasSubstr("agent, csm"));
}

}  // namespace
}  // namespace tandem

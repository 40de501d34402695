// RS256 tokens: verified with a public key, signed with the private key.
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "common/auth.h"
#include "tests/testing/status_matchers.h"

namespace tandem {
namespace {

using ::tandem::testing::StatusIs;

// A fresh RSA key pair as PEM text.
struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

KeyPair NewKeyPair() {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  KeyPair pair;
  BIO* out = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long length = BIO_get_mem_data(out, &data);
  pair.private_pem.assign(data, static_cast<size_t>(length));
  BIO_free(out);
  out = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(out, key);
  length = BIO_get_mem_data(out, &data);
  pair.public_pem.assign(data, static_cast<size_t>(length));
  BIO_free(out);
  EVP_PKEY_free(key);
  return pair;
}

// A token signed with the private key verifies with the public key; one
// signed with another key does not; an HS256 token is refused by an RS256
// verifier (no algorithm confusion).
TEST(Rs256Test, VerifiesWithPublicKeyOnly) {
  const KeyPair ours = NewKeyPair();
  const KeyPair theirs = NewKeyPair();
  JwtSettings verify;
  verify.rs256_public_key_pem = ours.public_pem;
  ASSERT_OK_AND_ASSIGN(auto auth, Authenticator::Create(verify));

  JwtSettings sign;
  sign.rs256_private_key_pem = ours.private_pem;
  ASSERT_OK_AND_ASSIGN(auto signer, TokenSigner::Create(sign));
  ASSERT_OK_AND_ASSIGN(std::string token,
                       signer->Sign({"acme", "support", {"service"}}, absl::Minutes(5), absl::Now()));
  ASSERT_OK_AND_ASSIGN(Principal principal, auth->Verify(token));
  EXPECT_EQ(principal.subject, "support");

  JwtSettings other;
  other.rs256_private_key_pem = theirs.private_pem;
  ASSERT_OK_AND_ASSIGN(auto other_signer, TokenSigner::Create(other));
  ASSERT_OK_AND_ASSIGN(std::string forged, other_signer->Sign({"acme", "x", {"admin"}},
                                                              absl::Minutes(5), absl::Now()));
  EXPECT_THAT(auth->Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated));

  JwtSettings hs;
  hs.hs256_secret = ours.public_pem;  // the classic confusion: HMAC keyed with the public key
  ASSERT_OK_AND_ASSIGN(auto hs_signer, TokenSigner::Create(hs));
  ASSERT_OK_AND_ASSIGN(std::string confused,
                       hs_signer->Sign({"acme", "x", {"admin"}}, absl::Minutes(5), absl::Now()));
  EXPECT_THAT(auth->Verify(confused), StatusIs(absl::StatusCode::kUnauthenticated));
}

}  // namespace
}  // namespace tandem

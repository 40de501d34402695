// Bearer-token authentication and role checks.
//
// Every request carries `authorization: Bearer <JWT>` signed with HS256 (a
// shared secret) or RS256 (verified with a public key). Required claims:
// `sub`, `tenant`, `roles` (array of strings), `exp`, and `iss` equal to the
// configured issuer. A valid token yields a Principal; anything else is
// UNAUTHENTICATED, and a missing role is PERMISSION_DENIED.
#ifndef TANDEM_COMMON_AUTH_H_
#define TANDEM_COMMON_AUTH_H_

#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/server_context.h>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem {

// Roles every service understands. Services add their own (e.g. "agent").
inline constexpr absl::string_view kRoleAdmin = "admin";
inline constexpr absl::string_view kRoleViewer = "viewer";
inline constexpr absl::string_view kRoleService = "service";

// The tenant claim of a service token that may read every tenant's events.
inline constexpr absl::string_view kAllTenants = "*";

// Who is calling, as proven by the token.
struct Principal {
  // Tenant whose data the caller may touch ("*" only for service tokens).
  std::string tenant;
  // The caller's user or service id (`sub`).
  std::string subject;
  // Granted roles.
  std::vector<std::string> roles;

  // Returns true if `role` was granted.
  bool HasRole(absl::string_view role) const;
};

// Key material and rules for tokens. Exactly one of `hs256_secret` and
// `rs256_public_key_pem` must be set for verification.
struct JwtSettings {
  std::string hs256_secret;
  // More HS256 secrets that verify (never sign) tokens, for a key rotation:
  // a token signed with any of them is accepted.
  std::vector<std::string> hs256_accepted_secrets;
  std::string rs256_public_key_pem;
  // RS256 private key, only for signing service tokens when RS256 is used.
  std::string rs256_private_key_pem;
  std::string issuer = "tandem";
};

// Verifies bearer tokens.
class Authenticator {
 public:
  // Fails with INVALID_ARGUMENT when the settings give no key or two keys.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(JwtSettings settings);

  // Verifies `token` (without the "Bearer " prefix).
  absl::StatusOr<Principal> Verify(absl::string_view token) const;

  // Reads and verifies the call's `authorization` metadata, and records the
  // principal for the call's access-log line.
  absl::StatusOr<Principal> Authenticate(const grpc::ServerContextBase& context) const;

 private:
  explicit Authenticator(JwtSettings settings) : settings_(std::move(settings)) {}
  absl::StatusOr<std::pair<Principal, absl::Time>> VerifyUncached(absl::string_view token) const;

  JwtSettings settings_;
  // Tokens already verified, with their expiry: a client sends the same
  // token on every call, and parsing plus signature checking dominated the
  // cost of cheap calls. Bounded; entries are used only before expiry.
  mutable std::mutex cache_mu_;
  mutable absl::flat_hash_map<std::string, std::pair<Principal, absl::Time>> cache_;
};

// Returns OK if the principal holds one of `roles`; `admin` holds them all.
// Otherwise PERMISSION_DENIED naming the roles that would do.
absl::Status RequireAnyRole(const Principal& principal,
                            std::initializer_list<absl::string_view> roles);

// Mints tokens: development tokens in tandemctl, service tokens for peer
// calls. Uses HS256 with the secret, or RS256 with the private key.
class TokenSigner {
 public:
  // Fails with INVALID_ARGUMENT when no signing key is configured.
  static absl::StatusOr<std::unique_ptr<TokenSigner>> Create(JwtSettings settings);

  // Returns a token for `principal` that expires `ttl` after `now`.
  absl::StatusOr<std::string> Sign(const Principal& principal, absl::Duration ttl,
                                   absl::Time now) const;

 private:
  explicit TokenSigner(JwtSettings settings) : settings_(std::move(settings)) {}
  JwtSettings settings_;
};

}  // namespace tandem

#endif  // TANDEM_COMMON_AUTH_H_

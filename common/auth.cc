#include "common/auth.h"

#include <jwt/jwt.hpp>

#include <algorithm>
#include <chrono>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "common/call_annotations.h"
#include "common/status.h"

namespace tandem {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

bool ValidTenant(const std::string& tenant) {
  if (tenant == kAllTenants) return true;
  if (tenant.empty() || tenant.size() > 64) return false;
  return std::all_of(tenant.begin(), tenant.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

bool Principal::HasRole(absl::string_view role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(JwtSettings settings) {
  if (settings.hs256_secret.empty() == settings.rs256_public_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "configure exactly one token key: a HS256 secret (--jwt-secret) or a RS256 public key "
        "(--jwt-public-key-file)");
  }
  if (!settings.hs256_secret.empty() && settings.hs256_secret.size() < 32) {
    return absl::InvalidArgumentError("--jwt-secret must be at least 32 characters");
  }
  for (const std::string& accepted : settings.hs256_accepted_secrets) {
    if (settings.hs256_secret.empty()) {
      return absl::InvalidArgumentError(
          "--jwt-accepted-secrets needs --jwt-secret (it adds HS256 secrets, not RS256 keys)");
    }
    if (accepted.size() < 32) {
      return absl::InvalidArgumentError(
          "every secret of --jwt-accepted-secrets must be at least 32 characters");
    }
  }
  return std::unique_ptr<Authenticator>(new Authenticator(std::move(settings)));
}

absl::StatusOr<Principal> Authenticator::Verify(absl::string_view token) const {
  constexpr size_t kMaxCachedTokens = 4096;
  const absl::Time now = absl::Now();
  {
    std::lock_guard<std::mutex> lock(cache_mu_);
    if (auto it = cache_.find(token); it != cache_.end() && now < it->second.second) {
      return it->second.first;
    }
  }
  ASSIGN_OR_RETURN(auto verified, VerifyUncached(token));
  std::lock_guard<std::mutex> lock(cache_mu_);
  if (cache_.size() >= kMaxCachedTokens) cache_.clear();
  cache_.emplace(std::string(token), verified);
  return verified.first;
}

absl::StatusOr<std::pair<Principal, absl::Time>> Authenticator::VerifyUncached(
    absl::string_view token) const {
  const bool hs256 = !settings_.hs256_secret.empty();
  const jwt::string_view encoded(token.data(), token.size());
  std::vector<const std::string*> keys = {hs256 ? &settings_.hs256_secret
                                                 : &settings_.rs256_public_key_pem};
  for (const std::string& accepted : settings_.hs256_accepted_secrets) keys.push_back(&accepted);
  std::error_code ec;
  jwt::jwt_object decoded;
  // The first key whose signature matches decides; a token no key signed
  // reports the first key's error.
  for (size_t i = 0; i < keys.size(); ++i) {
    std::error_code key_ec;
    try {
      using namespace jwt::params;
      decoded = jwt::decode(encoded, algorithms({hs256 ? "HS256" : "RS256"}), key_ec,
                            secret(*keys[i]), issuer(settings_.issuer), verify(true));
    } catch (const std::exception& e) {
      return absl::UnauthenticatedError("the bearer token is malformed");
    }
    const bool wrong_key = key_ec == jwt::VerificationErrc::InvalidSignature ||
                           key_ec == jwt::AlgorithmErrc::VerificationErr;
    if (i == 0 || !wrong_key) ec = key_ec;
    if (!wrong_key) break;
  }
  if (ec) {
    if (ec == jwt::VerificationErrc::TokenExpired) {
      return absl::UnauthenticatedError("the bearer token has expired; get a new one");
    }
    if (ec == jwt::VerificationErrc::InvalidIssuer) {
      return absl::UnauthenticatedError(
          absl::StrCat("the bearer token was not issued by \"", settings_.issuer, "\""));
    }
    return absl::UnauthenticatedError(
        absl::StrCat("the bearer token is not valid: ", ec.message()));
  }
  const nlohmann::json& claims = decoded.payload().create_json_obj();
  Principal principal;
  if (!claims.contains("exp") || !claims["exp"].is_number()) {
    return absl::UnauthenticatedError("the bearer token has no exp claim");
  }
  if (!claims.contains("iss")) {
    return absl::UnauthenticatedError("the bearer token has no iss claim");
  }
  if (!claims.contains("sub") || !claims["sub"].is_string() ||
      claims["sub"].get<std::string>().empty()) {
    return absl::UnauthenticatedError("the bearer token has no sub claim");
  }
  principal.subject = claims["sub"].get<std::string>();
  if (!claims.contains("tenant") || !claims["tenant"].is_string() ||
      !ValidTenant(claims["tenant"].get<std::string>())) {
    return absl::UnauthenticatedError(
        "the bearer token has no valid tenant claim (1-64 of a-z, 0-9, '-', '_')");
  }
  principal.tenant = claims["tenant"].get<std::string>();
  if (!claims.contains("roles") || !claims["roles"].is_array()) {
    return absl::UnauthenticatedError("the bearer token has no roles claim (an array)");
  }
  for (const auto& role : claims["roles"]) {
    if (role.is_string()) principal.roles.push_back(role.get<std::string>());
  }
  if (principal.tenant == kAllTenants && !principal.HasRole(kRoleService)) {
    return absl::UnauthenticatedError("only service tokens may name every tenant");
  }
  return std::make_pair(principal,
                        absl::FromUnixSeconds(static_cast<int64_t>(claims["exp"].get<double>())));
}

absl::StatusOr<Principal> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return absl::UnauthenticatedError(
        "missing credentials: send metadata \"authorization: Bearer <token>\"");
  }
  absl::string_view value(it->second.data(), it->second.size());
  // The scheme name is case-insensitive (RFC 7235).
  if (!absl::StartsWithIgnoreCase(value, kBearer)) {
    return absl::UnauthenticatedError("the authorization metadata must be \"Bearer <token>\"");
  }
  absl::StatusOr<Principal> principal = Verify(value.substr(kBearer.size()));
  if (principal.ok()) {
    CallAnnotations::Set(&context, principal->tenant, principal->subject);
  }
  return principal;
}

absl::Status RequireAnyRole(const Principal& principal,
                            std::initializer_list<absl::string_view> roles) {
  if (principal.HasRole(kRoleAdmin)) return absl::OkStatus();
  for (absl::string_view role : roles) {
    if (principal.HasRole(role)) return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "this call needs one of the roles: ", absl::StrJoin(roles, ", "), " (or admin)"));
}

absl::StatusOr<std::unique_ptr<TokenSigner>> TokenSigner::Create(JwtSettings settings) {
  if (settings.hs256_secret.empty() && settings.rs256_private_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "signing tokens needs --jwt-secret (HS256) or --jwt-private-key-file (RS256)");
  }
  return std::unique_ptr<TokenSigner>(new TokenSigner(std::move(settings)));
}

absl::StatusOr<std::string> TokenSigner::Sign(const Principal& principal, absl::Duration ttl,
                                              absl::Time now) const {
  try {
    using namespace jwt::params;
    const bool hs256 = !settings_.hs256_secret.empty();
    jwt::jwt_object token{algorithm(hs256 ? "HS256" : "RS256"),
                          secret(hs256 ? settings_.hs256_secret
                                       : settings_.rs256_private_key_pem)};
    token.add_claim("iss", settings_.issuer)
        .add_claim("sub", principal.subject)
        .add_claim("tenant", principal.tenant)
        .add_claim("iat", absl::ToUnixSeconds(now))
        .add_claim("exp", absl::ToUnixSeconds(now + ttl));
    token.payload().add_claim("roles", principal.roles);
    return token.signature();
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot sign a token: ", e.what()));
  }
}

}  // namespace tandem

// `tandemctl token`: mints a token for development and scripts.
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/auth.h"
#include "common/service_process.h"
#include "tools/tandemctl/commands.h"

namespace tandem::ctl {
namespace {

// The roles Tandem's services check; "agent" and "csm" belong to Support
// and Success.
constexpr absl::string_view kKnownRoles[] = {kRoleAdmin, "agent", "csm", kRoleViewer, kRoleService};

bool IsKnownRole(absl::string_view role) {
  for (absl::string_view known : kKnownRoles) {
    if (role == known) return true;
  }
  return false;
}

}  // namespace

int RunToken(const CommandContext& context, const Args& args) {
  CommandFlags flags("token",
                     "Prints a bearer token (JWT) for --tenant with the given roles, signed with "
                     "--jwt-secret (HS256) or --jwt-private-key-file (RS256).");
  flags.AddString("tenant", "", "Tenant the token may act for (\"*\" for service tokens).",
                  /*required=*/true);
  flags.AddList("role", absl::StrCat("A role to grant: ", absl::StrJoin(kKnownRoles, ", "), "."));
  flags.AddString("subject", "tandemctl", "The `sub` claim: who the token says is calling.");
  flags.AddDuration("ttl", absl::Hours(24), "How long the token is valid.");
  AddJwtFlags(flags.base());
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  Principal principal{.tenant = flags.GetString("tenant"),
                      .subject = flags.GetString("subject"),
                      .roles = flags.GetList("role")};
  if (principal.roles.empty()) return context.UsageError(flags, "give at least one --role");
  for (const std::string& role : principal.roles) {
    if (!IsKnownRole(role)) {
      return context.UsageError(flags, absl::StrCat("--role: \"", role, "\" is not one of ",
                                                    absl::StrJoin(kKnownRoles, ", ")));
    }
  }
  const absl::Duration ttl = flags.GetDuration("ttl");
  if (ttl <= absl::ZeroDuration()) return context.UsageError(flags, "--ttl must be positive");

  absl::StatusOr<JwtSettings> settings = JwtSettingsFromFlags(flags.base());
  if (!settings.ok()) return context.Fail(settings.status());
  if (!settings->hs256_secret.empty()) {
    // Servers refuse secrets the Authenticator refuses; say so now rather
    // than on the first call.
    if (auto verifier = Authenticator::Create(*settings); !verifier.ok()) {
      return context.Fail(verifier.status());
    }
  }
  absl::StatusOr<std::unique_ptr<TokenSigner>> signer = TokenSigner::Create(*settings);
  if (!signer.ok()) return context.Fail(signer.status());
  absl::StatusOr<std::string> token = (*signer)->Sign(principal, ttl, context.clock->Now());
  if (!token.ok()) return context.Fail(token.status());

  if (context.options.json) {
    *context.out << nlohmann::json{{"token", *token}}.dump() << "\n";
  } else {
    *context.out << *token << "\n";
  }
  return kExitOk;
}

}  // namespace tandem::ctl

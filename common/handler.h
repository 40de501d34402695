// The shape of every gRPC handler: authenticate, check the role, run the
// domain call with the call's deadline, map the status. Keeps adapters to
// a line or two per RPC.
//   return HandleCall(*context, *auth_, {kRoleAgent},
//                     [&](const Principal& caller, absl::Time deadline) {
//                       ASSIGN_OR_RETURN(*response, tickets_->Get(caller, *request, deadline));
//                       return absl::OkStatus();
//                     });
#ifndef TANDEM_COMMON_HANDLER_H_
#define TANDEM_COMMON_HANDLER_H_

#include <initializer_list>

#include <grpcpp/server_context.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/deadline.h"
#include "common/status.h"

namespace tandem {

// Logs an INTERNAL status's detail (SQL errors, schema names) and returns
// a generic one for the caller; other statuses pass unchanged.
absl::Status HideInternalDetail(absl::Status status);

// Runs `body(principal, deadline)` for an authenticated caller holding one
// of `roles` (admin always qualifies) and returns its status for gRPC.
template <typename Body>
grpc::Status HandleCall(const grpc::ServerContext& context, const Authenticator& auth,
                        std::initializer_list<absl::string_view> roles, Body&& body) {
  absl::StatusOr<Principal> principal = auth.Authenticate(context);
  if (!principal.ok()) return ToGrpcStatus(principal.status());
  if (absl::Status allowed = RequireAnyRole(*principal, roles); !allowed.ok()) {
    return ToGrpcStatus(allowed);
  }
  if (principal->tenant == kAllTenants) {
    return ToGrpcStatus(absl::PermissionDeniedError(
        "a token for every tenant (\"*\") can only read event feeds; use a tenant's token"));
  }
  return ToGrpcStatus(HideInternalDetail(body(*principal, DeadlineOf(context))));
}

}  // namespace tandem

#endif  // TANDEM_COMMON_HANDLER_H_

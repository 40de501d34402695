// Idempotent creates (AIP-155): a create that carries a `request_id`
// records it, in the same transaction, against the resource it creates. A
// retry with the same id and the same request returns that resource; the
// same id with a different request is INVALID_ARGUMENT on `request_id`.
//
// Keys live in the calling service's `idempotency_keys` table (created by
// the common migrations), scoped by tenant and method.
#ifndef TANDEM_COMMON_IDEMPOTENCY_H_
#define TANDEM_COMMON_IDEMPOTENCY_H_

#include <optional>
#include <string>

#include <google/protobuf/message.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/mysql/connection.h"

namespace tandem {

// Returns a SHA-256 fingerprint of `request` with its `request_id` field
// cleared, from a deterministic serialization.
std::string RequestFingerprint(const google::protobuf::Message& request);

// Checks that a request id is at most 128 characters of letters, digits,
// '-', '_', '.' and ':' (a UUID fits). Empty is allowed: no idempotency.
absl::Status ValidateRequestId(absl::string_view request_id);

// Claims `request_id` for `resource_name` inside the caller's transaction.
// Returns nullopt when the id is new (the caller goes on creating), or the
// name of the resource an identical earlier request created (the caller
// writes nothing and returns that resource).
absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    mysql::Connection& tx, absl::string_view tenant, absl::string_view method,
    absl::string_view request_id, absl::string_view fingerprint,
    absl::string_view resource_name);

}  // namespace tandem

#endif  // TANDEM_COMMON_IDEMPOTENCY_H_

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

#include <functional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql/connection.h"
#include "common/mysql/transaction.h"
#include "common/status.h"

namespace tandem {

// The idempotency key of one create call.
struct CreateKey {
  std::string request_id{};   // empty: the create is not idempotent
  std::string fingerprint{};  // of the request, to spot a reused id
};

// Returns the key of `request`: its `request_id` field and, when that is
// set, its fingerprint.
CreateKey CreateKeyOf(const google::protobuf::Message& request);

// Adds a violation on `request_id` to `violations` if the id is malformed:
// at most 128 characters of letters, digits, '-', '_', '.' and ':' (a UUID
// fits). Empty is fine: the create is then not idempotent.
void CheckRequestId(absl::string_view request_id, FieldViolations& violations);

// Runs `insert` (which writes the new resource and its event) in a
// transaction, after claiming `key` for `resource_name` of `tenant` and
// `method`. Returns the name of the resource the caller should return:
// `resource_name`, or the earlier resource of an identical retry (in which
// case nothing was written).
absl::StatusOr<std::string> CreateOnce(
    mysql::Pool& pool, absl::Time deadline, absl::string_view tenant, absl::string_view method,
    const CreateKey& key, const std::string& resource_name,
    const std::function<absl::Status(mysql::Transaction&)>& insert);

// Returns the name of the resource an identical earlier request created
// under `key` of `tenant` and `method`; nullopt if the key is unused (or
// empty); INVALID_ARGUMENT on `request_id` if it served a different
// request. Lets a create skip expensive work (e.g. a peer call) on retries;
// CreateOnce() still settles races.
absl::StatusOr<std::optional<std::string>> FindCreated(mysql::Pool& pool, absl::Time deadline,
                                                       absl::string_view tenant,
                                                       absl::string_view method,
                                                       const CreateKey& key);

// Returns a SHA-256 fingerprint of `request` with its `request_id` field
// cleared, from a deterministic serialization.
std::string RequestFingerprint(const google::protobuf::Message& request);

// Claims `request_id` for `resource_name` inside the caller's transaction.
// Returns nullopt when the id is new (the caller goes on creating), or the
// name of the resource an identical earlier request created (the caller
// writes nothing and returns that resource).
absl::StatusOr<std::optional<std::string>> ClaimRequestId(
    mysql::Connection& tx, absl::string_view tenant, absl::string_view method,
    absl::string_view request_id, absl::string_view fingerprint, absl::string_view resource_name);

}  // namespace tandem

#endif  // TANDEM_COMMON_IDEMPOTENCY_H_

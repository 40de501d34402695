// Status helpers shared by every Tandem component: the early-return macros
// Debian's Abseil lacks, request field violations carried inside
// absl::Status, and the one mapping from absl::Status to grpc::Status.
#ifndef TANDEM_COMMON_STATUS_H_
#define TANDEM_COMMON_STATUS_H_

#include <string>
#include <utility>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

// Returns from the enclosing function if `expr` yields a non-OK status.
#define RETURN_IF_ERROR(expr)                          \
  do {                                                 \
    if (absl::Status tandem_status_ = (expr);          \
        !tandem_status_.ok()) {                        \
      return tandem_status_;                           \
    }                                                  \
  } while (false)

#define TANDEM_STATUS_CONCAT_INNER(a, b) a##b
#define TANDEM_STATUS_CONCAT(a, b) TANDEM_STATUS_CONCAT_INNER(a, b)

// Evaluates `expr` (an absl::StatusOr<T>); returns its status if not OK,
// otherwise moves the value into `lhs`, which may be a declaration:
//   ASSIGN_OR_RETURN(auto conn, pool.Acquire(deadline));
#define ASSIGN_OR_RETURN(lhs, expr)                                        \
  auto TANDEM_STATUS_CONCAT(tandem_statusor_, __LINE__) = (expr);          \
  if (!TANDEM_STATUS_CONCAT(tandem_statusor_, __LINE__).ok()) {            \
    return std::move(TANDEM_STATUS_CONCAT(tandem_statusor_, __LINE__))     \
        .status();                                                         \
  }                                                                        \
  lhs = std::move(TANDEM_STATUS_CONCAT(tandem_statusor_, __LINE__)).value()

namespace tandem {

// One offending request field and what is wrong with it.
struct FieldViolation {
  // Path of the field, e.g. "ticket.subject".
  std::string field;
  // What the caller should change, e.g. "must not be empty".
  std::string description;

  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

// Collects the violations found while validating one request and turns
// them into a single INVALID_ARGUMENT carrying a google.rpc.BadRequest.
//   FieldViolations violations;
//   if (subject.empty()) violations.Add("ticket.subject", "must not be empty");
//   RETURN_IF_ERROR(violations.ToStatus());
class FieldViolations {
 public:
  // Records that `field` is wrong, explained by `description`.
  void Add(std::string field, std::string description);

  // Returns true when no violation was recorded.
  bool empty() const { return violations_.empty(); }

  // Returns OK when empty, else INVALID_ARGUMENT whose message lists the
  // violations and whose payload is a google.rpc.BadRequest. Only the first
  // kMaxReported are listed (the message counts the rest), so a batch with
  // hundreds of bad items still fits in gRPC's 8 KiB of trailers.
  absl::Status ToStatus() const;

  static constexpr size_t kMaxReported = 20;

 private:
  std::vector<FieldViolation> violations_;
};

// Returns INVALID_ARGUMENT for a single bad field.
absl::Status InvalidField(std::string field, std::string description);

// Returns the field violations carried by `status` (empty if none).
std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status);

// Attaches a google.rpc.RetryInfo telling the caller when to retry.
void SetRetryDelay(absl::Status& status, absl::Duration delay);

// Maps an absl::Status to the grpc::Status sent to callers: same canonical
// code and message, and every payload (BadRequest, RetryInfo) packed into
// google.rpc.Status details (the `grpc-status-details-bin` trailer).
grpc::Status ToGrpcStatus(const absl::Status& status);

// Maps a status received from a peer back into an absl::Status, keeping
// code, message and details.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace tandem

#endif  // TANDEM_COMMON_STATUS_H_

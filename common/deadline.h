// Request deadlines, carried from a gRPC call into the database and peers.
#ifndef TANDEM_COMMON_DEADLINE_H_
#define TANDEM_COMMON_DEADLINE_H_

#include <grpcpp/server_context.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tandem {

// The longest a call may take when its caller set no deadline.
inline constexpr absl::Duration kDefaultCallBudget = absl::Seconds(30);

// Returns the call's deadline, or now + kDefaultCallBudget if it has none.
inline absl::Time DeadlineOf(const grpc::ServerContextBase& context) {
  const absl::Time deadline = absl::FromChrono(context.deadline());
  const absl::Time fallback = absl::Now() + kDefaultCallBudget;
  return deadline < fallback ? deadline : fallback;
}

}  // namespace tandem

#endif  // TANDEM_COMMON_DEADLINE_H_

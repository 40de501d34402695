#include "services/support/ticket_lifecycle.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::support {
namespace {

using Status = v1::Ticket::Status;

// The statuses a ticket may move to from each status.
std::vector<Status> AllowedFrom(Status from) {
  switch (from) {
    case v1::Ticket::NEW:
      return {v1::Ticket::OPEN, v1::Ticket::PENDING, v1::Ticket::ON_HOLD, v1::Ticket::SOLVED};
    case v1::Ticket::OPEN:
      return {v1::Ticket::PENDING, v1::Ticket::ON_HOLD, v1::Ticket::SOLVED};
    case v1::Ticket::PENDING:
      return {v1::Ticket::OPEN, v1::Ticket::ON_HOLD, v1::Ticket::SOLVED};
    case v1::Ticket::ON_HOLD:
      return {v1::Ticket::OPEN, v1::Ticket::PENDING, v1::Ticket::SOLVED};
    case v1::Ticket::SOLVED:
      return {v1::Ticket::OPEN, v1::Ticket::CLOSED};
    default:
      return {};
  }
}

}  // namespace

absl::Status CheckStatusChange(Status from, Status to) {
  if (from == to) return absl::OkStatus();
  std::vector<Status> allowed = AllowedFrom(from);
  for (Status status : allowed) {
    if (status == to) return absl::OkStatus();
  }
  std::vector<std::string> names;
  for (Status status : allowed) names.push_back(v1::Ticket::Status_Name(status));
  return absl::FailedPreconditionError(absl::StrCat(
      "a ", v1::Ticket::Status_Name(from), " ticket cannot become ", v1::Ticket::Status_Name(to),
      names.empty() ? "; it can no longer change"
                    : absl::StrCat("; it can become ", absl::StrJoin(names, ", "))));
}

bool IsReopen(Status from, Status to) {
  return from == v1::Ticket::SOLVED && to == v1::Ticket::OPEN;
}

bool SlaClockRuns(Status status) {
  return status == v1::Ticket::NEW || status == v1::Ticket::OPEN;
}

}  // namespace tandem::support

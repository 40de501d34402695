// Auto-assignment as a pure function: which agent of a group gets the next
// ticket. The store gathers the candidates (locked, with their loads)
// inside the ticket's transaction; this decides.
#ifndef TANDEM_SERVICES_SUPPORT_ROUTING_H_
#define TANDEM_SERVICES_SUPPORT_ROUTING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "tandem/support/v1/agent.pb.h"
#include "tandem/support/v1/ticket.pb.h"

namespace tandem::support {

// Ticket statuses that count toward an agent's load (unsolved work).
inline constexpr v1::Ticket_Status kLoadStatuses[] = {v1::Ticket::NEW, v1::Ticket::OPEN,
                                                      v1::Ticket::PENDING, v1::Ticket::ON_HOLD};

// One agent of a group as auto-assignment sees it.
struct RoutingCandidate {
  // The agent's id (not its resource name).
  std::string agent_id;
  v1::Agent::Availability availability = v1::Agent::AVAILABILITY_UNSPECIFIED;
  bool deactivated = false;
  // Most unsolved tickets auto-assignment gives the agent; 0: no limit.
  int32_t capacity = 0;
  // Unsolved tickets assigned to the agent now.
  int32_t load = 0;
  // When auto-assignment last chose the agent; InfinitePast if never.
  absl::Time last_assignment_time = absl::InfinitePast();
};

// Returns true if auto-assignment may give `candidate` a ticket: active,
// AVAILABLE, and below capacity (or without one).
bool CanTakeTicket(const RoutingCandidate& candidate);

// Returns the id of the agent who gets the next ticket: among those who
// CanTakeTicket, the least loaded (by ticket count); ties go to the one
// waiting longest since their last assignment (never assigned first),
// then to the smallest id, so the choice is deterministic. nullopt if no
// one can take it (the ticket stays unassigned in its group).
//   ChooseAssignee({{"A", AVAILABLE, false, 5, 3}, {"B", AVAILABLE, false, 0, 1}}) == "B"
std::optional<std::string> ChooseAssignee(const std::vector<RoutingCandidate>& candidates);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_ROUTING_H_

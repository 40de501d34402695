#include "services/support/routing.h"

#include <tuple>

namespace tandem::support {

bool CanTakeTicket(const RoutingCandidate& candidate) {
  return !candidate.deactivated && candidate.availability == v1::Agent::AVAILABLE &&
         (candidate.capacity <= 0 || candidate.load < candidate.capacity);
}

std::optional<std::string> ChooseAssignee(const std::vector<RoutingCandidate>& candidates) {
  const RoutingCandidate* best = nullptr;
  auto rank = [](const RoutingCandidate& c) {
    return std::tie(c.load, c.last_assignment_time, c.agent_id);
  };
  for (const RoutingCandidate& candidate : candidates) {
    if (!CanTakeTicket(candidate)) continue;
    if (best == nullptr || rank(candidate) < rank(*best)) best = &candidate;
  }
  if (best == nullptr) return std::nullopt;
  return best->agent_id;
}

}  // namespace tandem::support

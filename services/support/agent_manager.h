// The rules of agents and groups, apart from transport and storage:
// validation, defaults, who may change what, and how List requests become
// store queries.
#ifndef TANDEM_SERVICES_SUPPORT_AGENT_MANAGER_H_
#define TANDEM_SERVICES_SUPPORT_AGENT_MANAGER_H_

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/auth.h"
#include "common/clock.h"
#include "common/pagination.h"
#include "services/support/agent_store.h"
#include "tandem/support/v1/agent.pb.h"

namespace tandem::support {

// Creates, reads, changes and deletes agents and groups for one caller at
// a time. Writes are for admins, except that an agent may change their
// own availability (the Agent whose `user` is the caller's subject); the
// gRPC adapter checks the role, this class the "own availability" rule.
class AgentManager {
 public:
  AgentManager(AgentStore* store, const PageTokenCodec* page_tokens, const Clock* clock)
      : store_(store), page_tokens_(page_tokens), clock_(clock) {}

  // Validates and creates an agent; see AgentService.CreateAgent.
  absl::StatusOr<v1::Agent> CreateAgent(const Principal& caller,
                                        const v1::CreateAgentRequest& request, absl::Time deadline);

  // Returns an agent of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Agent> GetAgent(const Principal& caller, const v1::GetAgentRequest& request,
                                     absl::Time deadline);

  // Lists the caller's tenant's agents.
  absl::StatusOr<v1::ListAgentsResponse> ListAgents(const Principal& caller,
                                                    const v1::ListAgentsRequest& request,
                                                    absl::Time deadline);

  // Changes the fields named in the request's mask; see
  // AgentService.UpdateAgent. A caller without `admin` may only change the
  // availability of the agent linked to their own subject.
  absl::StatusOr<v1::Agent> UpdateAgent(const Principal& caller,
                                        const v1::UpdateAgentRequest& request, absl::Time deadline);

  // Deletes an agent that no ticket names; see AgentService.DeleteAgent.
  absl::Status DeleteAgent(const Principal& caller, const v1::DeleteAgentRequest& request,
                           absl::Time deadline);

  // Validates and creates a group; see AgentService.CreateGroup.
  absl::StatusOr<v1::Group> CreateGroup(const Principal& caller,
                                        const v1::CreateGroupRequest& request, absl::Time deadline);

  // Returns a group of the caller's tenant, or NOT_FOUND.
  absl::StatusOr<v1::Group> GetGroup(const Principal& caller, const v1::GetGroupRequest& request,
                                     absl::Time deadline);

  // Lists the caller's tenant's groups.
  absl::StatusOr<v1::ListGroupsResponse> ListGroups(const Principal& caller,
                                                    const v1::ListGroupsRequest& request,
                                                    absl::Time deadline);

  // Changes the fields named in the request's mask; see
  // AgentService.UpdateGroup.
  absl::StatusOr<v1::Group> UpdateGroup(const Principal& caller,
                                        const v1::UpdateGroupRequest& request, absl::Time deadline);

  // Deletes a group; see AgentService.DeleteGroup.
  absl::Status DeleteGroup(const Principal& caller, const v1::DeleteGroupRequest& request,
                           absl::Time deadline);

 private:
  AgentStore* store_;
  const PageTokenCodec* page_tokens_;
  const Clock* clock_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_AGENT_MANAGER_H_

// Storage of agents and groups, behind an interface so AgentManager can be
// tested without a database and the MySQL store chosen in main.cc.
#ifndef TANDEM_SERVICES_SUPPORT_AGENT_STORE_H_
#define TANDEM_SERVICES_SUPPORT_AGENT_STORE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/idempotency.h"
#include "common/listing.h"
#include "tandem/support/v1/agent.pb.h"

namespace tandem::support {

// An agent field a List may filter on.
enum class AgentField {
  kAvailability,
  kGroup,
  kEmail,
  kUser,
  kDeactivated,
  kCreateTime,
  kUpdateTime
};

// One typed agent filter condition: availability as its proto number, the
// group as its id, deactivated as "0"/"1", times as UTC DATETIME(6) text.
// Only times take ordering operators; `group = id` means "is in the group".
struct AgentCondition {
  AgentField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// A group field a List may filter on.
enum class GroupField { kDisplayName, kCreateTime, kUpdateTime };

// One typed group filter condition, like AgentCondition.
struct GroupCondition {
  GroupField field;
  FilterOp op = FilterOp::kEq;
  std::string value;
};

// What an agent update decided: the agent after it, and whether anything
// changed (if not, nothing is written and the etag stays).
struct AgentUpdate {
  v1::Agent agent;
  bool changed = false;
};

// Decides an agent update given the current agent and the etag the agent
// will have once the update is stored. Runs inside the store's
// transaction, with the agent locked, so it must not block or call out.
using AgentUpdateDecision = std::function<absl::StatusOr<AgentUpdate>(
    const v1::Agent& current, const std::string& next_etag)>;

// What a group update decided, like AgentUpdate.
struct GroupUpdate {
  v1::Group group;
  bool changed = false;
};

// Decides a group update, like AgentUpdateDecision.
using GroupUpdateDecision = std::function<absl::StatusOr<GroupUpdate>(
    const v1::Group& current, const std::string& next_etag)>;

// A page of agents and whether another follows.
struct AgentPage {
  std::vector<v1::Agent> agents;
  bool has_more = false;
};

// A page of groups and whether another follows.
struct GroupPage {
  std::vector<v1::Group> groups;
  bool has_more = false;
};

// Reads and writes agents and groups of one tenant at a time. Agents come
// back with their `groups`, `load` and etag; groups with `member_count`.
class AgentStore {
 public:
  virtual ~AgentStore() = default;

  // Stores a complete new agent (name, times, defaults set) and its group
  // memberships in one transaction. INVALID_ARGUMENT on `agent.groups[i]`
  // for a group that does not exist; ALREADY_EXISTS for an e-mail or user
  // another agent has. With a request id already used by an identical
  // request, stores nothing and returns that agent.
  virtual absl::StatusOr<v1::Agent> CreateAgent(const std::string& tenant, const v1::Agent& agent,
                                                const CreateKey& key, absl::Time deadline) = 0;

  // Returns the agent with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Agent> GetAgent(const std::string& tenant, const std::string& id,
                                             absl::Time deadline) = 0;

  // Returns one page of the tenant's agents matching every condition.
  virtual absl::StatusOr<AgentPage> ListAgents(const std::string& tenant,
                                               const std::vector<AgentCondition>& conditions,
                                               const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the agent, runs `decide` on it and stores the outcome (the row
  // and, if they changed, its memberships) in one transaction. NOT_FOUND
  // if the agent does not exist; INVALID_ARGUMENT on `agent.groups[i]` for
  // a group that does not exist; ALREADY_EXISTS for a taken e-mail or
  // user; `decide`'s error otherwise, with nothing written.
  virtual absl::StatusOr<v1::Agent> UpdateAgent(const std::string& tenant, const std::string& id,
                                                const AgentUpdateDecision& decide,
                                                absl::Time deadline) = 0;

  // Deletes the agent and its memberships. NOT_FOUND if it does not exist;
  // ABORTED if `etag` is set and stale; FAILED_PRECONDITION while any
  // ticket is assigned to it.
  virtual absl::Status DeleteAgent(const std::string& tenant, const std::string& id,
                                   const std::string& etag, absl::Time deadline) = 0;

  // Stores a complete new group. ALREADY_EXISTS for a display name another
  // group has. Idempotent by `key`, like CreateAgent.
  virtual absl::StatusOr<v1::Group> CreateGroup(const std::string& tenant, const v1::Group& group,
                                                const CreateKey& key, absl::Time deadline) = 0;

  // Returns the group with `id`, or NOT_FOUND.
  virtual absl::StatusOr<v1::Group> GetGroup(const std::string& tenant, const std::string& id,
                                             absl::Time deadline) = 0;

  // Returns one page of the tenant's groups matching every condition.
  virtual absl::StatusOr<GroupPage> ListGroups(const std::string& tenant,
                                               const std::vector<GroupCondition>& conditions,
                                               const ListPlan& plan, absl::Time deadline) = 0;

  // Locks the group, runs `decide` and stores the outcome, like
  // UpdateAgent. ALREADY_EXISTS for a taken display name.
  virtual absl::StatusOr<v1::Group> UpdateGroup(const std::string& tenant, const std::string& id,
                                                const GroupUpdateDecision& decide,
                                                absl::Time deadline) = 0;

  // Deletes the group. NOT_FOUND if it does not exist; ABORTED if `etag` is
  // set and stale; FAILED_PRECONDITION while unsolved tickets are in it, or
  // while agents are in it unless `force` (which takes them out, changing
  // their etags and update times to `now`).
  virtual absl::Status DeleteGroup(const std::string& tenant, const std::string& id,
                                   const std::string& etag, bool force, absl::Time now,
                                   absl::Time deadline) = 0;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_AGENT_STORE_H_

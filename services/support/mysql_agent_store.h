// AgentStore on MySQL/MariaDB (tables `agents`, `agent_groups`,
// `agent_group_members`), and the routing statements a ticket transaction
// runs on its own connection: validating an assignee or a group, and
// auto-assigning to the least-loaded agent of a group.
//
// `tickets.assignee` holds the bare agent id (like `account_id`), and
// `tickets.group_id` the bare group id; an agent's load is the number of
// the tenant's tickets with that assignee in NEW, OPEN, PENDING or ON_HOLD.
#ifndef TANDEM_SERVICES_SUPPORT_MYSQL_AGENT_STORE_H_
#define TANDEM_SERVICES_SUPPORT_MYSQL_AGENT_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/mysql/connection.h"
#include "common/mysql/pool.h"
#include "services/support/agent_store.h"
#include "services/support/routing.h"

namespace tandem::support {

class MysqlAgentStore final : public AgentStore {
 public:
  explicit MysqlAgentStore(mysql::Pool* pool) : pool_(pool) {}

  absl::StatusOr<v1::Agent> CreateAgent(const std::string& tenant, const v1::Agent& agent,
                                        const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Agent> GetAgent(const std::string& tenant, const std::string& id,
                                     absl::Time deadline) override;
  absl::StatusOr<AgentPage> ListAgents(const std::string& tenant,
                                       const std::vector<AgentCondition>& conditions,
                                       const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::Agent> UpdateAgent(const std::string& tenant, const std::string& id,
                                        const AgentUpdateDecision& decide,
                                        absl::Time deadline) override;
  absl::Status DeleteAgent(const std::string& tenant, const std::string& id,
                           const std::string& etag, absl::Time deadline) override;
  absl::StatusOr<v1::Group> CreateGroup(const std::string& tenant, const v1::Group& group,
                                        const CreateKey& key, absl::Time deadline) override;
  absl::StatusOr<v1::Group> GetGroup(const std::string& tenant, const std::string& id,
                                     absl::Time deadline) override;
  absl::StatusOr<GroupPage> ListGroups(const std::string& tenant,
                                       const std::vector<GroupCondition>& conditions,
                                       const ListPlan& plan, absl::Time deadline) override;
  absl::StatusOr<v1::Group> UpdateGroup(const std::string& tenant, const std::string& id,
                                        const GroupUpdateDecision& decide,
                                        absl::Time deadline) override;
  absl::Status DeleteGroup(const std::string& tenant, const std::string& id,
                           const std::string& etag, bool force, absl::Time now,
                           absl::Time deadline) override;

 private:
  mysql::Pool* pool_;
};

// ---- Routing, inside the caller's transaction ---------------------------
// Each takes the connection of an open transaction (`tx.connection()` of a
// mysql::Transaction) and leaves committing to the caller. Ids are bare
// (no `agents/` or `groups/` prefix).

// Locks (FOR UPDATE, in agent id order) the agents of group `group_id` who
// can be auto-assigned now (active and AVAILABLE) and returns them with
// their loads, counted after the locks are held. Until the caller commits,
// another auto-assignment touching any of these agents waits, so two
// concurrent assignments never both see the same free slot. Empty if the
// group has no such agent (or does not exist).
absl::StatusOr<std::vector<RoutingCandidate>> LockRoutingCandidates(mysql::Connection& tx,
                                                                    const std::string& tenant,
                                                                    const std::string& group_id);

// Records that auto-assignment gave agent `agent_id` a ticket at `at`
// (its `last_assignment_time`; the agent's etag does not change).
absl::Status RecordAssignment(mysql::Connection& tx, const std::string& tenant,
                              const std::string& agent_id, absl::Time at);

// Auto-assigns within group `group_id`: LockRoutingCandidates, then
// ChooseAssignee, then RecordAssignment at `now`. Returns the chosen
// agent's id, or nullopt when no agent of the group can take a ticket
// (the ticket then stays unassigned).
absl::StatusOr<std::optional<std::string>> AutoAssign(mysql::Connection& tx,
                                                      const std::string& tenant,
                                                      const std::string& group_id, absl::Time now);

// Checks that agent `agent_id` may be assigned a ticket explicitly, and
// share-locks the agent so it cannot be deleted or deactivated before the
// caller commits. INVALID_ARGUMENT on `field` if there is no such agent in
// the tenant; FAILED_PRECONDITION if the agent is deactivated.
// Availability and capacity do not matter for an explicit assignment.
absl::Status CheckAssignableAgent(mysql::Connection& tx, const std::string& tenant,
                                  const std::string& agent_id, absl::string_view field);

// Checks that group `group_id` exists in the tenant (INVALID_ARGUMENT on
// `field` otherwise) and share-locks it, so DeleteGroup cannot remove it
// before the caller's ticket, now in the group, commits.
absl::Status CheckGroupExists(mysql::Connection& tx, const std::string& tenant,
                              const std::string& group_id, absl::string_view field);

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_MYSQL_AGENT_STORE_H_

#include "services/support/mysql_agent_store.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/idempotency.h"
#include "common/mysql/keyset.h"
#include "common/mysql/transaction.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {
namespace {

// "1, 2, 3, 4": the statuses that count toward a load, for SQL `IN (...)`.
const std::string& LoadStatusList() {
  static const auto* const kList = new std::string(absl::StrJoin(
      std::begin(kLoadStatuses), std::end(kLoadStatuses), ", ",
      [](std::string* out, v1::Ticket::Status status) { absl::StrAppend(out, int{status}); }));
  return *kList;
}

// The agent's columns, its groups (a JSON array of ids) and its load.
// Never used with FOR UPDATE: a locking read would lock the tickets the
// load subquery reads.
const std::string& AgentColumns() {
  static const auto* const kColumns = new std::string(absl::StrCat(
      "SELECT a.id, a.display_name, a.email, a.user_subject, a.availability, a.capacity, "
      "a.deactivated, a.last_assignment_time, a.version, a.create_time, a.update_time, "
      "(SELECT JSON_ARRAYAGG(m.group_id) FROM agent_group_members m "
      "WHERE m.tenant_id = a.tenant_id AND m.agent_id = a.id), "
      "(SELECT COUNT(*) FROM tickets t WHERE t.tenant_id = a.tenant_id AND t.assignee = a.id "
      "AND t.status IN (",
      LoadStatusList(), ")) FROM agents a "));
  return *kColumns;
}

v1::Agent AgentFromRow(const mysql::Row& row) {
  v1::Agent agent;
  agent.set_name(ResourceName("agents", row.String(0)));
  agent.set_display_name(row.String(1));
  agent.set_email(row.String(2));
  agent.set_user(row.String(3));
  agent.set_availability(static_cast<v1::Agent::Availability>(row.Int(4)));
  agent.set_capacity(static_cast<int32_t>(row.Int(5)));
  agent.set_deactivated(row.Int(6) != 0);
  if (!row.IsNull(7)) *agent.mutable_last_assignment_time() = ToProtoTime(row.Time(7));
  agent.set_etag(EtagFor(row.String(0), row.Int(8)));
  *agent.mutable_create_time() = ToProtoTime(row.Time(9));
  *agent.mutable_update_time() = ToProtoTime(row.Time(10));
  std::vector<std::string> groups;
  nlohmann::json ids = nlohmann::json::parse(row.String(11), nullptr, false);
  if (ids.is_array()) {
    for (const auto& id : ids) {
      if (id.is_string()) groups.push_back(ResourceName("groups", id.get<std::string>()));
    }
  }
  std::sort(groups.begin(), groups.end());
  for (std::string& group : groups) agent.add_groups(std::move(group));
  agent.set_load(static_cast<int32_t>(row.Int(12)));
  return agent;
}

constexpr absl::string_view kGroupColumns =
    "SELECT g.id, g.display_name, g.description, g.version, g.create_time, g.update_time, "
    "(SELECT COUNT(*) FROM agent_group_members m WHERE m.tenant_id = g.tenant_id "
    "AND m.group_id = g.id) FROM agent_groups g ";

v1::Group GroupFromRow(const mysql::Row& row) {
  v1::Group group;
  group.set_name(ResourceName("groups", row.String(0)));
  group.set_display_name(row.String(1));
  group.set_description(row.String(2));
  group.set_etag(EtagFor(row.String(0), row.Int(3)));
  *group.mutable_create_time() = ToProtoTime(row.Time(4));
  *group.mutable_update_time() = ToProtoTime(row.Time(5));
  group.set_member_count(static_cast<int32_t>(row.Int(6)));
  return group;
}

absl::Status AgentNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("agent agents/", id, " does not exist"));
}

absl::Status GroupNotFound(const std::string& id) {
  return absl::NotFoundError(absl::StrCat("group groups/", id, " does not exist"));
}

// Turns a duplicate-key error into a message naming what is taken (the
// database's own text names keys and values the caller need not see).
absl::Status ExplainDuplicate(absl::Status status, const v1::Agent* agent, const v1::Group* group) {
  if (status.code() != absl::StatusCode::kAlreadyExists) return status;
  const std::string detail(status.message());
  if (agent != nullptr && absl::StrContains(detail, "agents_by_email")) {
    return absl::AlreadyExistsError(
        absl::StrCat("another agent already has the e-mail address ", agent->email()));
  }
  if (agent != nullptr && absl::StrContains(detail, "agents_by_user")) {
    return absl::AlreadyExistsError(
        absl::StrCat("another agent is already linked to user ", agent->user()));
  }
  if (group != nullptr && absl::StrContains(detail, "agent_groups_by_name")) {
    return absl::AlreadyExistsError(
        absl::StrCat("another group is already named \"", group->display_name(), "\""));
  }
  return status;
}

mysql::Value UserValue(const v1::Agent& agent) {
  if (agent.user().empty()) return nullptr;  // unlinked agents do not collide
  return agent.user();
}

// Share-locks each of the agent's groups and writes its memberships.
// INVALID_ARGUMENT on `agent.groups[i]` for a group that does not exist.
absl::Status InsertMemberships(mysql::Connection& tx, const std::string& tenant,
                               const v1::Agent& agent) {
  FieldViolations missing;
  for (int i = 0; i < agent.groups_size(); ++i) {
    absl::Status exists = CheckGroupExists(tx, tenant, ResourceIdOf(agent.groups(i)),
                                           absl::StrCat("agent.groups[", i, "]"));
    if (exists.code() == absl::StatusCode::kInvalidArgument) {
      for (const FieldViolation& violation : FieldViolationsOf(exists)) {
        missing.Add(violation.field, violation.description);
      }
    } else if (!exists.ok()) {
      return exists;
    }
  }
  RETURN_IF_ERROR(missing.ToStatus());
  const std::string agent_id = ResourceIdOf(agent.name());
  for (const std::string& group : agent.groups()) {
    RETURN_IF_ERROR(tx.Execute("INSERT INTO agent_group_members (tenant_id, group_id, agent_id) "
                               "VALUES (?, ?, ?)",
                               {tenant, ResourceIdOf(group), agent_id})
                        .status());
  }
  return absl::OkStatus();
}

// Locks an agent's row and returns its version, or NOT_FOUND.
absl::StatusOr<int64_t> LockAgent(mysql::Connection& tx, const std::string& tenant,
                                  const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT version FROM agents WHERE tenant_id = ? AND id = ? "
                                       "FOR UPDATE",
                                       {tenant, id}));
  if (rows.empty()) return AgentNotFound(id);
  return rows[0].Int(0);
}

// Locks a group's row and returns its version, or NOT_FOUND.
absl::StatusOr<int64_t> LockGroup(mysql::Connection& tx, const std::string& tenant,
                                  const std::string& id) {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT version FROM agent_groups WHERE tenant_id = ? AND id = ? "
                            "FOR UPDATE",
                            {tenant, id}));
  if (rows.empty()) return GroupNotFound(id);
  return rows[0].Int(0);
}

absl::StatusOr<v1::Agent> ReadAgent(mysql::Connection& db, const std::string& tenant,
                                    const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat(AgentColumns(),
                                                    "WHERE a.tenant_id = ? "
                                                    "AND a.id = ?"),
                                       {tenant, id}));
  if (rows.empty()) return AgentNotFound(id);
  return AgentFromRow(rows[0]);
}

absl::StatusOr<v1::Group> ReadGroup(mysql::Connection& db, const std::string& tenant,
                                    const std::string& id) {
  ASSIGN_OR_RETURN(auto rows, db.Query(absl::StrCat(kGroupColumns,
                                                    "WHERE g.tenant_id = ? "
                                                    "AND g.id = ?"),
                                       {tenant, id}));
  if (rows.empty()) return GroupNotFound(id);
  return GroupFromRow(rows[0]);
}

const char* ColumnOf(AgentField field) {
  switch (field) {
    case AgentField::kAvailability:
      return "availability";
    case AgentField::kEmail:
      return "email";
    case AgentField::kUser:
      return "user_subject";
    case AgentField::kDeactivated:
      return "deactivated";
    case AgentField::kCreateTime:
      return "create_time";
    case AgentField::kUpdateTime:
      return "update_time";
    case AgentField::kGroup:
      break;  // a membership, not a column
  }
  return "id";
}

const char* ColumnOf(GroupField field) {
  switch (field) {
    case GroupField::kDisplayName:
      return "display_name";
    case GroupField::kCreateTime:
      return "create_time";
    case GroupField::kUpdateTime:
      return "update_time";
  }
  return "id";
}

}  // namespace

absl::StatusOr<v1::Agent> MysqlAgentStore::CreateAgent(const std::string& tenant,
                                                       const v1::Agent& agent, const CreateKey& key,
                                                       absl::Time deadline) {
  const std::string id = ResourceIdOf(agent.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(ExplainDuplicate(
        tx->Execute("INSERT INTO agents (tenant_id, id, display_name, email, user_subject, "
                    "availability, capacity, deactivated, version, create_time, update_time) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
                    {tenant, id, agent.display_name(), agent.email(), UserValue(agent),
                     int64_t{agent.availability()}, int64_t{agent.capacity()}, agent.deactivated(),
                     FromProtoTime(agent.create_time()), FromProtoTime(agent.update_time())})
            .status(),
        &agent, nullptr));
    return InsertMemberships(tx.connection(), tenant, agent);
  };
  ASSIGN_OR_RETURN(std::string name,
                   CreateOnce(*pool_, deadline, tenant, "CreateAgent", key, agent.name(), insert));
  if (name != agent.name()) {
    return GetAgent(tenant, ResourceIdOf(name), deadline);  // an earlier request's
  }
  v1::Agent created = agent;  // exactly what was stored
  created.set_etag(EtagFor(id, 1));
  created.set_load(0);
  created.clear_last_assignment_time();
  return created;
}

absl::StatusOr<v1::Agent> MysqlAgentStore::GetAgent(const std::string& tenant,
                                                    const std::string& id, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadAgent(*db, tenant, id);
}

absl::StatusOr<AgentPage> MysqlAgentStore::ListAgents(const std::string& tenant,
                                                      const std::vector<AgentCondition>& conditions,
                                                      const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(AgentColumns(), "WHERE a.tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> columns;
  for (const AgentCondition& condition : conditions) {
    if (condition.field == AgentField::kGroup) {
      absl::StrAppend(&sql, condition.op == FilterOp::kNe ? " AND NOT EXISTS" : " AND EXISTS",
                      " (SELECT 1 FROM agent_group_members g WHERE g.tenant_id = a.tenant_id "
                      "AND g.group_id = ? AND g.agent_id = a.id)");
      params.emplace_back(condition.value);
      continue;
    }
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  AgentPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.agents.push_back(AgentFromRow(row));
  return page;
}

absl::StatusOr<v1::Agent> MysqlAgentStore::UpdateAgent(const std::string& tenant,
                                                       const std::string& id,
                                                       const AgentUpdateDecision& decide,
                                                       absl::Time deadline) {
  v1::Agent result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version, LockAgent(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(v1::Agent current, ReadAgent(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(AgentUpdate update, decide(current, EtagFor(id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Agent& after = update.agent;
        RETURN_IF_ERROR(ExplainDuplicate(
            tx->Execute(
                  "UPDATE agents SET display_name = ?, email = ?, user_subject = ?, "
                  "availability = ?, capacity = ?, deactivated = ?, version = ?, "
                  "update_time = ? WHERE tenant_id = ? AND id = ?",
                  {after.display_name(), after.email(), UserValue(after),
                   int64_t{after.availability()}, int64_t{after.capacity()}, after.deactivated(),
                   version + 1, FromProtoTime(after.update_time()), tenant, id})
                .status(),
            &after, nullptr));
        const bool groups_changed = !std::equal(after.groups().begin(), after.groups().end(),
                                                current.groups().begin(), current.groups().end());
        if (groups_changed) {
          RETURN_IF_ERROR(tx->Execute("DELETE FROM agent_group_members WHERE tenant_id = ? AND "
                                      "agent_id = ?",
                                      {tenant, id})
                              .status());
          RETURN_IF_ERROR(InsertMemberships(tx.connection(), tenant, after));
        }
        result = after;
        result.set_etag(EtagFor(id, version + 1));
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlAgentStore::DeleteAgent(const std::string& tenant, const std::string& id,
                                          const std::string& etag, absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    ASSIGN_OR_RETURN(int64_t version, LockAgent(tx.connection(), tenant, id));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, version)));
    // Any ticket, solved or not: its assignee (and the rating it carries)
    // must keep naming an agent that exists.
    ASSIGN_OR_RETURN(auto assigned,
                     tx->Query("SELECT COUNT(*) FROM tickets WHERE tenant_id = ? AND "
                               "(assignee = ? OR csat_agent = ?)",
                               {tenant, id, ResourceName("agents", id)}));
    if (const int64_t count = assigned.at(0).Int(0); count > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("agent agents/", id, " is the assignee of ", count,
                       " ticket(s); deactivate the agent instead of deleting it"));
    }
    RETURN_IF_ERROR(
        tx->Execute("DELETE FROM agent_group_members WHERE tenant_id = ? AND agent_id = ?",
                    {tenant, id})
            .status());
    return tx->Execute("DELETE FROM agents WHERE tenant_id = ? AND id = ?", {tenant, id}).status();
  });
}

absl::StatusOr<v1::Group> MysqlAgentStore::CreateGroup(const std::string& tenant,
                                                       const v1::Group& group, const CreateKey& key,
                                                       absl::Time deadline) {
  const std::string id = ResourceIdOf(group.name());
  auto insert = [&](mysql::Transaction& tx) -> absl::Status {
    return ExplainDuplicate(
        tx->Execute("INSERT INTO agent_groups (tenant_id, id, display_name, description, "
                    "version, create_time, update_time) VALUES (?, ?, ?, ?, 1, ?, ?)",
                    {tenant, id, group.display_name(), group.description(),
                     FromProtoTime(group.create_time()), FromProtoTime(group.update_time())})
            .status(),
        nullptr, &group);
  };
  ASSIGN_OR_RETURN(std::string name,
                   CreateOnce(*pool_, deadline, tenant, "CreateGroup", key, group.name(), insert));
  if (name != group.name()) return GetGroup(tenant, ResourceIdOf(name), deadline);
  v1::Group created = group;
  created.set_etag(EtagFor(id, 1));
  created.set_member_count(0);
  return created;
}

absl::StatusOr<v1::Group> MysqlAgentStore::GetGroup(const std::string& tenant,
                                                    const std::string& id, absl::Time deadline) {
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  return ReadGroup(*db, tenant, id);
}

absl::StatusOr<GroupPage> MysqlAgentStore::ListGroups(const std::string& tenant,
                                                      const std::vector<GroupCondition>& conditions,
                                                      const ListPlan& plan, absl::Time deadline) {
  std::string sql = absl::StrCat(kGroupColumns, "WHERE g.tenant_id = ?");
  std::vector<mysql::Value> params = {tenant};
  std::vector<mysql::ColumnCondition> columns;
  for (const GroupCondition& condition : conditions) {
    columns.push_back(
        {.column = ColumnOf(condition.field), .op = condition.op, .value = condition.value});
  }
  mysql::AppendConditions(columns, sql, params);
  mysql::AppendKeysetPage(plan, sql, params);
  ASSIGN_OR_RETURN(mysql::PooledConnection db, pool_->Acquire(deadline));
  ASSIGN_OR_RETURN(auto rows, db->Query(sql, params));
  GroupPage page;
  page.has_more = mysql::TrimPage(rows, plan);
  for (const mysql::Row& row : rows) page.groups.push_back(GroupFromRow(row));
  return page;
}

absl::StatusOr<v1::Group> MysqlAgentStore::UpdateGroup(const std::string& tenant,
                                                       const std::string& id,
                                                       const GroupUpdateDecision& decide,
                                                       absl::Time deadline) {
  v1::Group result;
  RETURN_IF_ERROR(
      mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(int64_t version, LockGroup(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(v1::Group current, ReadGroup(tx.connection(), tenant, id));
        ASSIGN_OR_RETURN(GroupUpdate update, decide(current, EtagFor(id, version + 1)));
        if (!update.changed) {
          result = current;
          return absl::OkStatus();
        }
        const v1::Group& after = update.group;
        RETURN_IF_ERROR(ExplainDuplicate(
            tx->Execute("UPDATE agent_groups SET display_name = ?, description = ?, version = ?, "
                        "update_time = ? WHERE tenant_id = ? AND id = ?",
                        {after.display_name(), after.description(), version + 1,
                         FromProtoTime(after.update_time()), tenant, id})
                .status(),
            nullptr, &after));
        result = after;
        result.set_etag(EtagFor(id, version + 1));
        return absl::OkStatus();
      }));
  return result;
}

absl::Status MysqlAgentStore::DeleteGroup(const std::string& tenant, const std::string& id,
                                          const std::string& etag, bool force, absl::Time now,
                                          absl::Time deadline) {
  return mysql::RunInTransaction(*pool_, deadline, [&](mysql::Transaction& tx) -> absl::Status {
    // The exclusive lock waits for ticket transactions that share-locked
    // the group (CheckGroupExists), so their tickets are counted below.
    ASSIGN_OR_RETURN(int64_t version, LockGroup(tx.connection(), tenant, id));
    RETURN_IF_ERROR(CheckEtag(etag, EtagFor(id, version)));
    ASSIGN_OR_RETURN(auto unsolved,
                     tx->Query(absl::StrCat("SELECT COUNT(*) FROM tickets WHERE tenant_id = ? "
                                            "AND group_id = ? AND status IN (",
                                            LoadStatusList(), ")"),
                               {tenant, id}));
    if (const int64_t count = unsolved.at(0).Int(0); count > 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("group groups/", id, " has ", count,
                       " unsolved ticket(s); move or solve them before deleting the group"));
    }
    ASSIGN_OR_RETURN(auto members,
                     tx->Query("SELECT COUNT(*) FROM agent_group_members WHERE tenant_id = ? "
                               "AND group_id = ?",
                               {tenant, id}));
    if (const int64_t count = members.at(0).Int(0); count > 0) {
      if (!force) {
        return absl::FailedPreconditionError(
            absl::StrCat("group groups/", id, " has ", count,
                         " agent(s); take them out of it first, or delete with force"));
      }
      // Their `groups` change, so do their etags.
      RETURN_IF_ERROR(
          tx->Execute("UPDATE agents a JOIN agent_group_members m ON m.tenant_id = a.tenant_id "
                      "AND m.agent_id = a.id SET a.version = a.version + 1, a.update_time = ? "
                      "WHERE m.tenant_id = ? AND m.group_id = ?",
                      {now, tenant, id})
              .status());
      RETURN_IF_ERROR(tx->Execute("DELETE FROM agent_group_members WHERE tenant_id = ? AND "
                                  "group_id = ?",
                                  {tenant, id})
                          .status());
    }
    return tx->Execute("DELETE FROM agent_groups WHERE tenant_id = ? AND id = ?", {tenant, id})
        .status();
  });
}

absl::StatusOr<std::vector<RoutingCandidate>> LockRoutingCandidates(mysql::Connection& tx,
                                                                    const std::string& tenant,
                                                                    const std::string& group_id) {
  // Rows are locked as the join meets them; every auto-assignment runs the
  // same plan shape over the same keys, so they take shared agents in the
  // same order and queue behind each other instead of deadlocking.
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT a.id, a.availability, a.deactivated, a.capacity, a.last_assignment_time "
               "FROM agent_group_members m JOIN agents a ON a.tenant_id = m.tenant_id "
               "AND a.id = m.agent_id WHERE m.tenant_id = ? AND m.group_id = ? "
               "AND a.availability = ? AND NOT a.deactivated ORDER BY m.agent_id FOR UPDATE",
               {tenant, group_id, int64_t{v1::Agent::AVAILABLE}}));
  std::vector<RoutingCandidate> candidates;
  if (rows.empty()) return candidates;
  // Counted only now that the agents are locked: in READ COMMITTED this
  // read sees every assignment committed by whoever held them before.
  ASSIGN_OR_RETURN(auto loads,
                   tx.Query(absl::StrCat("SELECT m.agent_id, COUNT(*) FROM agent_group_members m "
                                         "JOIN tickets t ON t.tenant_id = m.tenant_id AND "
                                         "t.assignee = m.agent_id WHERE m.tenant_id = ? AND "
                                         "m.group_id = ? AND t.status IN (",
                                         LoadStatusList(), ") GROUP BY m.agent_id"),
                            {tenant, group_id}));
  std::map<std::string, int64_t> load_of;
  for (const mysql::Row& row : loads) load_of[row.String(0)] = row.Int(1);
  for (const mysql::Row& row : rows) {
    RoutingCandidate& candidate = candidates.emplace_back();
    candidate.agent_id = row.String(0);
    candidate.availability = static_cast<v1::Agent::Availability>(row.Int(1));
    candidate.deactivated = row.Int(2) != 0;
    candidate.capacity = static_cast<int32_t>(row.Int(3));
    if (!row.IsNull(4)) candidate.last_assignment_time = row.Time(4);
    candidate.load = static_cast<int32_t>(load_of[candidate.agent_id]);
  }
  return candidates;
}

absl::Status RecordAssignment(mysql::Connection& tx, const std::string& tenant,
                              const std::string& agent_id, absl::Time at) {
  return tx
      .Execute("UPDATE agents SET last_assignment_time = ? WHERE tenant_id = ? AND id = ?",
               {at, tenant, agent_id})
      .status();
}

absl::StatusOr<std::optional<std::string>> AutoAssign(mysql::Connection& tx,
                                                      const std::string& tenant,
                                                      const std::string& group_id, absl::Time now) {
  ASSIGN_OR_RETURN(std::vector<RoutingCandidate> candidates,
                   LockRoutingCandidates(tx, tenant, group_id));
  std::optional<std::string> chosen = ChooseAssignee(candidates);
  if (chosen.has_value()) RETURN_IF_ERROR(RecordAssignment(tx, tenant, *chosen, now));
  return chosen;
}

absl::Status CheckAssignableAgent(mysql::Connection& tx, const std::string& tenant,
                                  const std::string& agent_id, absl::string_view field) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT deactivated FROM agents WHERE tenant_id = ? AND "
                                       "id = ? LOCK IN SHARE MODE",
                                       {tenant, agent_id}));
  if (rows.empty()) return InvalidField(std::string(field), "is not an agent of this tenant");
  if (rows[0].Int(0) != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("agent agents/", agent_id, " is deactivated and cannot be assigned tickets"));
  }
  return absl::OkStatus();
}

absl::Status CheckGroupExists(mysql::Connection& tx, const std::string& tenant,
                              const std::string& group_id, absl::string_view field) {
  ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT 1 FROM agent_groups WHERE tenant_id = ? AND id = ? "
                                       "LOCK IN SHARE MODE",
                                       {tenant, group_id}));
  if (rows.empty()) return InvalidField(std::string(field), "is not a group of this tenant");
  return absl::OkStatus();
}

}  // namespace tandem::support

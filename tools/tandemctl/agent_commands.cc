// `tandemctl agents ...` and `tandemctl groups ...`: the support team in the
// Support service (AgentService).
#include <functional>

#include "absl/strings/str_cat.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using support::v1::Agent;
using support::v1::Group;

constexpr size_t kNameWidth = 30;

void PrintAgentTable(std::ostream& out, const support::v1::ListAgentsResponse& response) {
  Table table({"NAME", "DISPLAY NAME", "EMAIL", "AVAILABILITY", "LOAD", "CAPACITY", "GROUPS"});
  for (const Agent& agent : response.agents()) {
    table.AddRow(
        {agent.name(), Truncate(agent.display_name(), kNameWidth), agent.email(),
         agent.deactivated() ? "DEACTIVATED" : Agent::Availability_Name(agent.availability()),
         absl::StrCat(agent.load()), agent.capacity() == 0 ? "-" : absl::StrCat(agent.capacity()),
         absl::StrCat(agent.groups_size())});
  }
  table.Print(out);
}

void PrintGroupTable(std::ostream& out, const support::v1::ListGroupsResponse& response) {
  Table table({"NAME", "DISPLAY NAME", "MEMBERS", "CREATED"});
  for (const Group& group : response.groups()) {
    table.AddRow({group.name(), Truncate(group.display_name(), kNameWidth),
                  absl::StrCat(group.member_count()), FormatTimestamp(group.create_time())});
  }
  table.Print(out);
}

// Turns every --group value into `groups/ID`; the first bad one is the
// error.
absl::StatusOr<std::vector<std::string>> GroupNames(const CommandFlags& flags) {
  std::vector<std::string> names;
  for (const std::string& value : flags.GetList("group")) {
    absl::StatusOr<std::string> name = ResourceNameOf("groups", value);
    if (!name.ok())
      return absl::InvalidArgumentError(absl::StrCat("--group: ", name.status().message()));
    names.push_back(*std::move(name));
  }
  return names;
}

// Runs a Get of `collection` on the AgentService stub and prints the
// resource.
template <typename Request, typename Response>
int GetOne(const CommandContext& context, CommandFlags& flags, const Args& args,
           absl::string_view collection,
           UnaryMethod<support::v1::AgentService::StubInterface, Request, Response> method) {
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, collection, name)) return *exit_code;
  Request request;
  request.set_name(name);
  return CallAndPrint(context, context.clients->Agents(), method, request);
}

// Runs a List on the AgentService stub, page by page, and prints the
// merged pages with `print_table` (or as JSON).
template <typename Request, typename Response>
int ListAll(const CommandContext& context, CommandFlags& flags, const Args& args,
            UnaryMethod<support::v1::AgentService::StubInterface, Request, Response> method,
            void (*print_table)(std::ostream&, const Response&)) {
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Agents(), method, Request(),
                      print_table);
}

// Runs a Delete of `collection` on the AgentService stub; `customize` sets
// the request's own fields from the flags.
template <typename Request>
int DeleteOne(
    const CommandContext& context, CommandFlags& flags, const Args& args,
    absl::string_view collection,
    UnaryMethod<support::v1::AgentService::StubInterface, Request, google::protobuf::Empty> method,
    const std::function<void(Request&)>& customize) {
  flags.AddString("etag", "", "Refuse the deletion if it changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, collection, name)) return *exit_code;
  Request request;
  request.set_name(name);
  request.set_etag(flags.GetString("etag"));
  customize(request);
  return CallThen(context, context.clients->Agents(), method, request,
                  [&](const google::protobuf::Empty&) {
                    *context.out << "deleted " << name << "\n";
                    return kExitOk;
                  });
}

}  // namespace

int RunAgentsCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("agents create", "Creates an agent (admin) and prints it.");
  flags.AddString("display-name", "", "The agent's name (the server requires it).");
  flags.AddString("email", "", "The agent's e-mail address, unique in the tenant (required).");
  flags.AddString("user", "", "The `sub` of the agent's own tokens (lets them set availability).");
  flags.AddEnum("availability", Agent::Availability_descriptor(),
                "AVAILABLE (default), AWAY or OFFLINE.");
  flags.AddInt("capacity", 0, "Most unsolved tickets auto-assignment gives them; 0: no limit.");
  flags.AddList("group", "A group the agent works in: groups/ID or ID.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::vector<std::string>> groups = GroupNames(flags);
  if (!groups.ok()) return context.UsageError(flags, groups.status().message());

  support::v1::CreateAgentRequest request;
  Agent& agent = *request.mutable_agent();
  agent.set_display_name(flags.GetString("display-name"));
  agent.set_email(flags.GetString("email"));
  agent.set_user(flags.GetString("user"));
  agent.set_availability(static_cast<Agent::Availability>(flags.GetEnum("availability")));
  agent.set_capacity(static_cast<int32_t>(flags.GetInt("capacity")));
  for (const std::string& group : *groups) agent.add_groups(group);
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Agents(),
                      &support::v1::AgentService::StubInterface::CreateAgent, request);
}

int RunAgentsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("agents get",
                     "Prints one agent with their load; NAME_OR_ID is agents/ID or ID.");
  return GetOne(context, flags, args, "agents",
                &support::v1::AgentService::StubInterface::GetAgent);
}

int RunAgentsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("agents list",
                     "Lists agents, newest first. Filter fields: availability, group, email, "
                     "user, deactivated, create_time, update_time.");
  return ListAll(context, flags, args, &support::v1::AgentService::StubInterface::ListAgents,
                 &PrintAgentTable);
}

int RunAgentsUpdate(const CommandContext& context, const Args& args) {
  CommandFlags flags("agents update",
                     "Changes the fields given as flags (only those), e.g. --availability AWAY.");
  flags.AddString("display-name", "", "New name.");
  flags.AddString("email", "", "New e-mail address.");
  flags.AddString("user", "", "New linked token subject (empty unlinks).");
  flags.AddEnum("availability", Agent::Availability_descriptor(), "AVAILABLE, AWAY or OFFLINE.");
  flags.AddInt("capacity", 0, "New capacity; 0: no limit.");
  flags.AddList("group", "The agent's groups, replacing the old ones: groups/ID or ID.");
  flags.AddBool("no-groups", false, "Take the agent out of every group.");
  flags.AddBool("deactivate", false, "Deactivate the agent (never assigned tickets again).");
  flags.AddBool("reactivate", false, "Undo --deactivate.");
  flags.AddString("etag", "", "Refuse the update if the agent changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "agents", name)) return *exit_code;
  absl::StatusOr<std::vector<std::string>> groups = GroupNames(flags);
  if (!groups.ok()) return context.UsageError(flags, groups.status().message());
  if (flags.GetBool("deactivate") && flags.GetBool("reactivate")) {
    return context.UsageError(flags, "give --deactivate or --reactivate, not both");
  }

  support::v1::UpdateAgentRequest request;
  Agent& agent = *request.mutable_agent();
  agent.set_name(name);
  agent.set_etag(flags.GetString("etag"));
  UpdateMask mask(flags, *request.mutable_update_mask());
  if (mask("display-name", "display_name")) agent.set_display_name(flags.GetString("display-name"));
  if (mask("email", "email")) agent.set_email(flags.GetString("email"));
  if (mask("user", "user")) agent.set_user(flags.GetString("user"));
  if (mask("availability", "availability")) {
    agent.set_availability(static_cast<Agent::Availability>(flags.GetEnum("availability")));
  }
  if (mask("capacity", "capacity"))
    agent.set_capacity(static_cast<int32_t>(flags.GetInt("capacity")));
  if (flags.IsSet("group") || flags.GetBool("no-groups")) {
    mask.Add("groups");
    for (const std::string& group : *groups) agent.add_groups(group);
  }
  if (flags.GetBool("deactivate") || flags.GetBool("reactivate")) {
    mask.Add("deactivated");
    agent.set_deactivated(flags.GetBool("deactivate"));
  }
  if (mask.empty()) {
    return context.UsageError(flags, "give at least one field to change, e.g. --availability AWAY");
  }
  return CallAndPrint(context, context.clients->Agents(),
                      &support::v1::AgentService::StubInterface::UpdateAgent, request);
}

int RunAgentsDelete(const CommandContext& context, const Args& args) {
  CommandFlags flags("agents delete",
                     "Deletes an agent no ticket names (deactivate the others instead).");
  return DeleteOne<support::v1::DeleteAgentRequest>(
      context, flags, args, "agents", &support::v1::AgentService::StubInterface::DeleteAgent,
      [](support::v1::DeleteAgentRequest&) {});
}

int RunGroupsCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("groups create", "Creates a group (admin) and prints it.");
  flags.AddString("display-name", "", "The group's name, unique in the tenant (required).");
  flags.AddString("description", "", "What the group handles.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  support::v1::CreateGroupRequest request;
  request.mutable_group()->set_display_name(flags.GetString("display-name"));
  request.mutable_group()->set_description(flags.GetString("description"));
  request.set_request_id(flags.GetString("request-id"));
  return CallAndPrint(context, context.clients->Agents(),
                      &support::v1::AgentService::StubInterface::CreateGroup, request);
}

int RunGroupsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("groups get", "Prints one group; NAME_OR_ID is groups/ID or ID.");
  return GetOne(context, flags, args, "groups",
                &support::v1::AgentService::StubInterface::GetGroup);
}

int RunGroupsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("groups list",
                     "Lists groups, newest first. Filter fields: display_name, create_time, "
                     "update_time.");
  return ListAll(context, flags, args, &support::v1::AgentService::StubInterface::ListGroups,
                 &PrintGroupTable);
}

int RunGroupsDelete(const CommandContext& context, const Args& args) {
  CommandFlags flags("groups delete",
                     "Deletes a group without unsolved tickets (--force also takes its agents "
                     "out of it).");
  flags.AddBool("force", false, "Delete even if agents are in the group.");
  return DeleteOne<support::v1::DeleteGroupRequest>(
      context, flags, args, "groups", &support::v1::AgentService::StubInterface::DeleteGroup,
      [&flags](support::v1::DeleteGroupRequest& request) {
        request.set_force(flags.GetBool("force"));
      });
}

}  // namespace tandem::ctl

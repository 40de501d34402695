// `tandemctl agents ...` and `tandemctl groups ...`: the support team in the
// Support service (AgentService).
#include <functional>

#include "absl/strings/str_cat.h"
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
           grpc::Status (support::v1::AgentService::StubInterface::*method)(grpc::ClientContext*,
                                                                            const Request&,
                                                                            Response*)) {
  flags.AddPositional("NAME_OR_ID");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf(collection, flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());
  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  Request request;
  request.set_name(*name);
  grpc::ClientContext call;
  context.PrepareCall(call);
  Response response;
  if (grpc::Status status = ((**stub).*method)(&call, request, &response); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(response);
}

// Runs a List on the AgentService stub, page by page, and prints the
// merged pages with `print_table` (or as JSON).
template <typename Request, typename Response>
int ListAll(const CommandContext& context, CommandFlags& flags, const Args& args,
            grpc::Status (support::v1::AgentService::StubInterface::*method)(grpc::ClientContext*,
                                                                             const Request&,
                                                                             Response*),
            void (*print_table)(std::ostream&, const Response&)) {
  ListFlags::Declare(flags, /*filterable=*/true);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<ListFlags> list = ListFlags::Read(flags, /*filterable=*/true);
  if (!list.ok()) return context.UsageError(flags, list.status().message());
  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  Response all;
  grpc::Status status = FetchPages(
      *list,
      [&](const std::string& page_token, Response& page) {
        Request request;
        request.set_page_size(list->page_size);
        request.set_page_token(page_token);
        request.set_filter(list->filter);
        request.set_order_by(list->order_by);
        grpc::ClientContext call;
        context.PrepareCall(call);
        return ((**stub).*method)(&call, request, &page);
      },
      all);
  if (!status.ok()) return context.Fail(status);
  const int exit_code = context.Print(all, [&](std::ostream& out) { print_table(out, all); });
  PrintNextPageHint(context, flags, all.next_page_token());
  return exit_code;
}

// Runs a Delete of `collection` on the AgentService stub; `customize` sets
// the request's own fields from the flags.
template <typename Request>
int DeleteOne(const CommandContext& context, CommandFlags& flags, const Args& args,
              absl::string_view collection,
              grpc::Status (support::v1::AgentService::StubInterface::*method)(
                  grpc::ClientContext*, const Request&, google::protobuf::Empty*),
              const std::function<void(Request&)>& customize) {
  flags.AddPositional("NAME_OR_ID");
  flags.AddString("etag", "", "Refuse the deletion if it changed since this etag.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf(collection, flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());
  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  Request request;
  request.set_name(*name);
  request.set_etag(flags.GetString("etag"));
  customize(request);
  grpc::ClientContext call;
  context.PrepareCall(call);
  google::protobuf::Empty empty;
  if (grpc::Status status = ((**stub).*method)(&call, request, &empty); !status.ok()) {
    return context.Fail(status);
  }
  *context.out << "deleted " << *name << "\n";
  return kExitOk;
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

  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Agent created;
  if (grpc::Status status = (*stub)->CreateAgent(&call, request, &created); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(created);
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
  flags.AddPositional("NAME_OR_ID");
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
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("agents", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());
  absl::StatusOr<std::vector<std::string>> groups = GroupNames(flags);
  if (!groups.ok()) return context.UsageError(flags, groups.status().message());
  if (flags.GetBool("deactivate") && flags.GetBool("reactivate")) {
    return context.UsageError(flags, "give --deactivate or --reactivate, not both");
  }

  support::v1::UpdateAgentRequest request;
  Agent& agent = *request.mutable_agent();
  agent.set_name(*name);
  agent.set_etag(flags.GetString("etag"));
  auto mask = [&](const char* flag, const char* path) {
    if (flags.IsSet(flag)) request.mutable_update_mask()->add_paths(path);
    return flags.IsSet(flag);
  };
  if (mask("display-name", "display_name")) agent.set_display_name(flags.GetString("display-name"));
  if (mask("email", "email")) agent.set_email(flags.GetString("email"));
  if (mask("user", "user")) agent.set_user(flags.GetString("user"));
  if (mask("availability", "availability")) {
    agent.set_availability(static_cast<Agent::Availability>(flags.GetEnum("availability")));
  }
  if (mask("capacity", "capacity"))
    agent.set_capacity(static_cast<int32_t>(flags.GetInt("capacity")));
  if (flags.IsSet("group") || flags.GetBool("no-groups")) {
    request.mutable_update_mask()->add_paths("groups");
    for (const std::string& group : *groups) agent.add_groups(group);
  }
  if (flags.GetBool("deactivate") || flags.GetBool("reactivate")) {
    request.mutable_update_mask()->add_paths("deactivated");
    agent.set_deactivated(flags.GetBool("deactivate"));
  }
  if (request.update_mask().paths_size() == 0) {
    return context.UsageError(flags, "give at least one field to change, e.g. --availability AWAY");
  }

  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Agent updated;
  if (grpc::Status status = (*stub)->UpdateAgent(&call, request, &updated); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(updated);
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
  auto stub = context.clients->Agents();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Group created;
  if (grpc::Status status = (*stub)->CreateGroup(&call, request, &created); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(created);
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

#include "services/support/agent_manager.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include <google/protobuf/util/message_differencer.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/idempotency.h"
#include "common/ids.h"
#include "common/listing.h"
#include "common/proto_time.h"
#include "common/resources.h"
#include "common/status.h"

namespace tandem::support {
namespace {

constexpr size_t kMaxAgentName = 200;
constexpr size_t kMaxEmail = 254;
constexpr size_t kMaxUser = 128;
constexpr int32_t kMaxCapacity = 1000;
constexpr int kMaxGroupsPerAgent = 50;
constexpr size_t kMaxGroupName = 100;
constexpr size_t kMaxDescription = 1000;

bool HasSpaceOrControl(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return absl::ascii_isspace(u) || absl::ascii_iscntrl(u);
  });
}

bool ValidEmail(absl::string_view email) {
  const size_t at = email.find('@');
  return !email.empty() && email.size() <= kMaxEmail && at != absl::string_view::npos && at > 0 &&
         at + 1 < email.size() && email.find('@', at + 1) == absl::string_view::npos &&
         !HasSpaceOrControl(email);
}

// Checks a name field that is trimmed before it is stored.
void CheckDisplayName(const std::string& field, absl::string_view value, size_t max,
                      FieldViolations& violations) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  if (trimmed.empty()) {
    violations.Add(field, "is required");
  } else if (trimmed.size() > max) {
    violations.Add(field, absl::StrCat("must be at most ", max, " bytes"));
  }
}

// Checks the fields of `agent` that `checked` names, as "agent.<field>".
void CheckAgentFields(const v1::Agent& agent, const std::function<bool(absl::string_view)>& checked,
                      FieldViolations& violations) {
  if (checked("display_name")) {
    CheckDisplayName("agent.display_name", agent.display_name(), kMaxAgentName, violations);
  }
  if (checked("email") && !ValidEmail(agent.email())) {
    violations.Add("agent.email", agent.email().empty()
                                      ? "is required"
                                      : "must be an e-mail address of at most 254 characters");
  }
  if (checked("user") && (agent.user().size() > kMaxUser || HasSpaceOrControl(agent.user()))) {
    violations.Add("agent.user", "must be at most 128 characters, without spaces");
  }
  if (checked("availability") && !v1::Agent::Availability_IsValid(agent.availability())) {
    violations.Add("agent.availability", "must be AVAILABLE, AWAY or OFFLINE");
  }
  if (checked("capacity") && (agent.capacity() < 0 || agent.capacity() > kMaxCapacity)) {
    violations.Add("agent.capacity",
                   absl::StrCat("must be 0 (no limit) to ", kMaxCapacity, " tickets"));
  }
  if (checked("groups")) {
    if (agent.groups_size() > kMaxGroupsPerAgent) {
      violations.Add("agent.groups",
                     absl::StrCat("must have at most ", kMaxGroupsPerAgent, " groups"));
    }
    for (int i = 0; i < agent.groups_size(); ++i) {
      const std::string field = absl::StrCat("agent.groups[", i, "]");
      if (!ParseResourceName(field, "groups", agent.groups(i)).ok()) {
        violations.Add(field, "must look like groups/{id}");
      }
    }
  }
}

// Checks the fields of `group` that `checked` names, as "group.<field>".
void CheckGroupFields(const v1::Group& group, const std::function<bool(absl::string_view)>& checked,
                      FieldViolations& violations) {
  if (checked("display_name")) {
    CheckDisplayName("group.display_name", group.display_name(), kMaxGroupName, violations);
  }
  if (checked("description") && group.description().size() > kMaxDescription) {
    violations.Add("group.description",
                   absl::StrCat("must be at most ", kMaxDescription, " bytes"));
  }
}

const std::set<std::string>& UpdatableAgentFields() {
  static const auto* const kFields = new std::set<std::string>{
      "display_name", "email", "user", "availability", "capacity", "groups", "deactivated"};
  return *kFields;
}

const std::set<std::string>& UpdatableGroupFields() {
  static const auto* const kFields = new std::set<std::string>{"display_name", "description"};
  return *kFields;
}

// Sorts the agent's groups and drops duplicates, as they are stored.
void NormalizeGroups(v1::Agent& agent) {
  std::set<std::string> unique(agent.groups().begin(), agent.groups().end());
  agent.clear_groups();
  for (const std::string& group : unique) agent.add_groups(group);
}

// Copies `field` of `from` into `to`, normalized as it is stored.
void CopyAgentField(const v1::Agent& from, absl::string_view field, v1::Agent& to) {
  if (field == "display_name") {
    to.set_display_name(std::string(absl::StripAsciiWhitespace(from.display_name())));
  }
  if (field == "email") to.set_email(from.email());
  if (field == "user") to.set_user(from.user());
  if (field == "availability") to.set_availability(from.availability());
  if (field == "capacity") to.set_capacity(from.capacity());
  if (field == "deactivated") to.set_deactivated(from.deactivated());
  if (field == "groups") {
    *to.mutable_groups() = from.groups();
    NormalizeGroups(to);
  }
}

// Turns agent filter terms into store conditions, or INVALID_ARGUMENT on
// `filter`.
absl::StatusOr<std::vector<AgentCondition>> AgentConditions(const std::vector<FilterTerm>& terms) {
  static const auto* const kFields =
      new std::map<std::string, AgentField>{{"availability", AgentField::kAvailability},
                                            {"group", AgentField::kGroup},
                                            {"email", AgentField::kEmail},
                                            {"user", AgentField::kUser},
                                            {"deactivated", AgentField::kDeactivated},
                                            {"create_time", AgentField::kCreateTime},
                                            {"update_time", AgentField::kUpdateTime}};
  std::vector<AgentCondition> conditions;
  for (const FilterTerm& term : terms) {
    AgentCondition condition{.field = kFields->at(term.field), .op = term.op, .value = term.value};
    switch (condition.field) {
      case AgentField::kCreateTime:
      case AgentField::kUpdateTime: {
        ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
        break;
      }
      case AgentField::kAvailability: {
        RETURN_IF_ERROR(RequireEquality(term));
        ASSIGN_OR_RETURN(condition.value,
                         EnumFilterValue(term, *v1::Agent::Availability_descriptor()));
        break;
      }
      case AgentField::kGroup: {
        RETURN_IF_ERROR(RequireEquality(term));
        auto id = ParseResourceName("filter", "groups", term.value);
        if (!id.ok()) return InvalidField("filter", "group must look like groups/{id}");
        condition.value = *id;
        break;
      }
      case AgentField::kDeactivated: {
        RETURN_IF_ERROR(RequireEquality(term));
        if (term.value != "true" && term.value != "false") {
          return InvalidField("filter", "deactivated must be true or false");
        }
        condition.value = term.value == "true" ? "1" : "0";
        break;
      }
      case AgentField::kEmail:
      case AgentField::kUser:
        RETURN_IF_ERROR(RequireEquality(term));
        break;
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

absl::StatusOr<std::vector<GroupCondition>> GroupConditions(const std::vector<FilterTerm>& terms) {
  std::vector<GroupCondition> conditions;
  for (const FilterTerm& term : terms) {
    GroupCondition condition{.field = GroupField::kDisplayName, .op = term.op, .value = term.value};
    if (term.field == "display_name") {
      RETURN_IF_ERROR(RequireEquality(term));
    } else {
      condition.field =
          term.field == "create_time" ? GroupField::kCreateTime : GroupField::kUpdateTime;
      ASSIGN_OR_RETURN(condition.value, TimeFilterValue(term));
    }
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

// The store names a missing group by its place in the sorted,
// de-duplicated list it was given; the caller knows its groups by their
// place in the request. Rewrites `agent.groups[k]` violations accordingly.
absl::Status InRequestOrder(absl::Status status,
                            const google::protobuf::RepeatedPtrField<std::string>& requested) {
  std::vector<FieldViolation> found = FieldViolationsOf(status);
  if (found.empty()) return status;
  const std::set<std::string> unique(requested.begin(), requested.end());
  const std::vector<std::string> stored(unique.begin(), unique.end());
  FieldViolations remapped;
  for (const FieldViolation& violation : found) {
    absl::string_view field = violation.field;
    size_t k = 0;
    if (absl::ConsumePrefix(&field, "agent.groups[") && absl::ConsumeSuffix(&field, "]") &&
        absl::SimpleAtoi(field, &k) && k < stored.size()) {
      const auto at = std::find(requested.begin(), requested.end(), stored[k]);
      remapped.Add(absl::StrCat("agent.groups[", at - requested.begin(), "]"),
                   violation.description);
    } else {
      remapped.Add(violation.field, violation.description);
    }
  }
  return remapped.ToStatus();
}

// Returns the token for the page after `last_name` created at `created`.
std::string NextToken(const PageTokenCodec& codec, const ListPlan& plan,
                      const google::protobuf::Timestamp& created, const std::string& last_name) {
  return NextPageToken(codec, plan, {FromProtoTime(created), ResourceIdOf(last_name)});
}

}  // namespace

absl::StatusOr<v1::Agent> AgentManager::CreateAgent(const Principal& caller,
                                                    const v1::CreateAgentRequest& request,
                                                    absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_agent()) {
    violations.Add("agent", "is required");
    return violations.ToStatus();
  }
  CheckAgentFields(
      request.agent(), [](absl::string_view) { return true; }, violations);
  RETURN_IF_ERROR(violations.ToStatus());

  const absl::Time now = clock_->Now();
  v1::Agent agent;
  agent.set_name(ResourceName("agents", NewIdAt(now)));
  for (const std::string& field : UpdatableAgentFields()) {
    CopyAgentField(request.agent(), field, agent);
  }
  if (agent.availability() == v1::Agent::AVAILABILITY_UNSPECIFIED) {
    agent.set_availability(v1::Agent::AVAILABLE);
  }
  *agent.mutable_create_time() = ToProtoTime(now);
  *agent.mutable_update_time() = ToProtoTime(now);
  absl::StatusOr<v1::Agent> created =
      store_->CreateAgent(caller.tenant, agent, CreateKeyOf(request), deadline);
  if (!created.ok()) return InRequestOrder(created.status(), request.agent().groups());
  return created;
}

absl::StatusOr<v1::Agent> AgentManager::GetAgent(const Principal& caller,
                                                 const v1::GetAgentRequest& request,
                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "agents", request.name()));
  return store_->GetAgent(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListAgentsResponse> AgentManager::ListAgents(
    const Principal& caller, const v1::ListAgentsRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"availability", "group",       "email",      "user",
                                                "deactivated",  "create_time", "update_time"};
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           kFields));
  ASSIGN_OR_RETURN(std::vector<AgentCondition> conditions, AgentConditions(plan.terms));
  ASSIGN_OR_RETURN(AgentPage page, store_->ListAgents(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.agents)) page.has_more = true;
  v1::ListAgentsResponse response;
  for (v1::Agent& agent : page.agents) *response.add_agents() = std::move(agent);
  if (page.has_more && response.agents_size() > 0) {
    const v1::Agent& last = response.agents(response.agents_size() - 1);
    response.set_next_page_token(NextToken(*page_tokens_, plan, last.create_time(), last.name()));
  }
  return response;
}

absl::StatusOr<v1::Agent> AgentManager::UpdateAgent(const Principal& caller,
                                                    const v1::UpdateAgentRequest& request,
                                                    absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_agent()) violations.Add("agent", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableAgentFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto id = ParseResourceName("agent.name", "agents", request.agent().name());
  if (!id.ok()) violations.Add("agent.name", "must look like agents/{id}");
  CheckAgentFields(
      request.agent(), [&](absl::string_view field) { return paths.contains(std::string(field)); },
      violations);
  if (paths.contains("availability") &&
      request.agent().availability() == v1::Agent::AVAILABILITY_UNSPECIFIED) {
    violations.Add("agent.availability", "must be AVAILABLE, AWAY or OFFLINE");
  }
  RETURN_IF_ERROR(violations.ToStatus());

  const bool admin = caller.HasRole(kRoleAdmin);
  if (!admin && paths != std::set<std::string>{"availability"}) {
    return absl::PermissionDeniedError(
        "only an admin may change agents; an agent may change only their own availability "
        "(update_mask: availability)");
  }
  const absl::Time now = clock_->Now();
  absl::StatusOr<v1::Agent> updated = store_->UpdateAgent(
      caller.tenant, *id,
      [&](const v1::Agent& current, const std::string& next_etag) -> absl::StatusOr<AgentUpdate> {
        if (!admin && (current.user().empty() || current.user() != caller.subject)) {
          return absl::PermissionDeniedError(
              absl::StrCat("an agent may change only their own availability; ", current.name(),
                           " is not linked to user ", caller.subject));
        }
        RETURN_IF_ERROR(CheckEtag(request.agent().etag(), current.etag()));
        AgentUpdate update{.agent = current};
        for (const std::string& path : paths) CopyAgentField(request.agent(), path, update.agent);
        update.changed = !google::protobuf::util::MessageDifferencer::Equals(update.agent, current);
        if (update.changed) {
          *update.agent.mutable_update_time() = ToProtoTime(now);
          update.agent.set_etag(next_etag);
        }
        return update;
      },
      deadline);
  if (!updated.ok() && paths.contains("groups")) {
    return InRequestOrder(updated.status(), request.agent().groups());
  }
  return updated;
}

absl::Status AgentManager::DeleteAgent(const Principal& caller,
                                       const v1::DeleteAgentRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "agents", request.name()));
  return store_->DeleteAgent(caller.tenant, id, request.etag(), deadline);
}

absl::StatusOr<v1::Group> AgentManager::CreateGroup(const Principal& caller,
                                                    const v1::CreateGroupRequest& request,
                                                    absl::Time deadline) {
  FieldViolations violations;
  CheckRequestId(request.request_id(), violations);
  if (!request.has_group()) {
    violations.Add("group", "is required");
    return violations.ToStatus();
  }
  CheckGroupFields(
      request.group(), [](absl::string_view) { return true; }, violations);
  RETURN_IF_ERROR(violations.ToStatus());

  const absl::Time now = clock_->Now();
  v1::Group group;
  group.set_name(ResourceName("groups", NewIdAt(now)));
  group.set_display_name(std::string(absl::StripAsciiWhitespace(request.group().display_name())));
  group.set_description(request.group().description());
  *group.mutable_create_time() = ToProtoTime(now);
  *group.mutable_update_time() = ToProtoTime(now);
  return store_->CreateGroup(caller.tenant, group, CreateKeyOf(request), deadline);
}

absl::StatusOr<v1::Group> AgentManager::GetGroup(const Principal& caller,
                                                 const v1::GetGroupRequest& request,
                                                 absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "groups", request.name()));
  return store_->GetGroup(caller.tenant, id, deadline);
}

absl::StatusOr<v1::ListGroupsResponse> AgentManager::ListGroups(
    const Principal& caller, const v1::ListGroupsRequest& request, absl::Time deadline) {
  static const std::set<std::string> kFields = {"display_name", "create_time", "update_time"};
  ASSIGN_OR_RETURN(ListPlan plan, PlanList(*page_tokens_, caller.tenant,
                                           {request.page_size(), request.page_token(),
                                            request.filter(), request.order_by()},
                                           kFields));
  ASSIGN_OR_RETURN(std::vector<GroupCondition> conditions, GroupConditions(plan.terms));
  ASSIGN_OR_RETURN(GroupPage page, store_->ListGroups(caller.tenant, conditions, plan, deadline));
  if (FitToByteBudget(page.groups)) page.has_more = true;
  v1::ListGroupsResponse response;
  for (v1::Group& group : page.groups) *response.add_groups() = std::move(group);
  if (page.has_more && response.groups_size() > 0) {
    const v1::Group& last = response.groups(response.groups_size() - 1);
    response.set_next_page_token(NextToken(*page_tokens_, plan, last.create_time(), last.name()));
  }
  return response;
}

absl::StatusOr<v1::Group> AgentManager::UpdateGroup(const Principal& caller,
                                                    const v1::UpdateGroupRequest& request,
                                                    absl::Time deadline) {
  FieldViolations violations;
  if (!request.has_group()) violations.Add("group", "is required");
  const std::set<std::string> paths =
      CheckUpdateMask(request.update_mask(), UpdatableGroupFields(), violations);
  RETURN_IF_ERROR(violations.ToStatus());
  auto id = ParseResourceName("group.name", "groups", request.group().name());
  if (!id.ok()) violations.Add("group.name", "must look like groups/{id}");
  CheckGroupFields(
      request.group(), [&](absl::string_view field) { return paths.contains(std::string(field)); },
      violations);
  RETURN_IF_ERROR(violations.ToStatus());

  const absl::Time now = clock_->Now();
  return store_->UpdateGroup(
      caller.tenant, *id,
      [&](const v1::Group& current, const std::string& next_etag) -> absl::StatusOr<GroupUpdate> {
        RETURN_IF_ERROR(CheckEtag(request.group().etag(), current.etag()));
        GroupUpdate update{.group = current};
        if (paths.contains("display_name")) {
          update.group.set_display_name(
              std::string(absl::StripAsciiWhitespace(request.group().display_name())));
        }
        if (paths.contains("description")) {
          update.group.set_description(request.group().description());
        }
        update.changed = !google::protobuf::util::MessageDifferencer::Equals(update.group, current);
        if (update.changed) {
          *update.group.mutable_update_time() = ToProtoTime(now);
          update.group.set_etag(next_etag);
        }
        return update;
      },
      deadline);
}

absl::Status AgentManager::DeleteGroup(const Principal& caller,
                                       const v1::DeleteGroupRequest& request, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::string id, ParseResourceName("name", "groups", request.name()));
  return store_->DeleteGroup(caller.tenant, id, request.etag(), request.force(), clock_->Now(),
                             deadline);
}

}  // namespace tandem::support

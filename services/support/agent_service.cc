#include "services/support/agent_service.h"

#include "common/handler.h"
#include "services/support/ticket_manager.h"

namespace tandem::support {
namespace {

// Who may read agents and groups; writes are for `admin` (which HandleCall
// always admits), and UpdateAgent also lets `agent` in for their own
// availability (AgentManager checks the rest).
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleAgent, kRoleCsm, kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status AgentServiceImpl::CreateAgent(grpc::ServerContext* context,
                                           const v1::CreateAgentRequest* request,
                                           v1::Agent* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->CreateAgent(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::GetAgent(grpc::ServerContext* context,
                                        const v1::GetAgentRequest* request, v1::Agent* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->GetAgent(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::ListAgents(grpc::ServerContext* context,
                                          const v1::ListAgentsRequest* request,
                                          v1::ListAgentsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->ListAgents(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::UpdateAgent(grpc::ServerContext* context,
                                           const v1::UpdateAgentRequest* request,
                                           v1::Agent* response) {
  return HandleCall(*context, *auth_, {kRoleAgent},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->UpdateAgent(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::DeleteAgent(grpc::ServerContext* context,
                                           const v1::DeleteAgentRequest* request,
                                           google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) {
                      return agents_->DeleteAgent(caller, *request, deadline);
                    });
}

grpc::Status AgentServiceImpl::CreateGroup(grpc::ServerContext* context,
                                           const v1::CreateGroupRequest* request,
                                           v1::Group* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->CreateGroup(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::GetGroup(grpc::ServerContext* context,
                                        const v1::GetGroupRequest* request, v1::Group* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->GetGroup(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::ListGroups(grpc::ServerContext* context,
                                          const v1::ListGroupsRequest* request,
                                          v1::ListGroupsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->ListGroups(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::UpdateGroup(grpc::ServerContext* context,
                                           const v1::UpdateGroupRequest* request,
                                           v1::Group* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, agents_->UpdateGroup(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status AgentServiceImpl::DeleteGroup(grpc::ServerContext* context,
                                           const v1::DeleteGroupRequest* request,
                                           google::protobuf::Empty*) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) {
                      return agents_->DeleteGroup(caller, *request, deadline);
                    });
}

}  // namespace tandem::support

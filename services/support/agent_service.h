// The gRPC adapter for tandem.support.v1.AgentService: authenticates,
// checks roles, and hands each call to AgentManager.
#ifndef TANDEM_SERVICES_SUPPORT_AGENT_SERVICE_H_
#define TANDEM_SERVICES_SUPPORT_AGENT_SERVICE_H_

#include "common/auth.h"
#include "services/support/agent_manager.h"
#include "tandem/support/v1/agent.grpc.pb.h"

namespace tandem::support {

class AgentServiceImpl final : public v1::AgentService::Service {
 public:
  AgentServiceImpl(const Authenticator* auth, AgentManager* agents)
      : auth_(auth), agents_(agents) {}

  grpc::Status CreateAgent(grpc::ServerContext* context, const v1::CreateAgentRequest* request,
                           v1::Agent* response) override;
  grpc::Status GetAgent(grpc::ServerContext* context, const v1::GetAgentRequest* request,
                        v1::Agent* response) override;
  grpc::Status ListAgents(grpc::ServerContext* context, const v1::ListAgentsRequest* request,
                          v1::ListAgentsResponse* response) override;
  grpc::Status UpdateAgent(grpc::ServerContext* context, const v1::UpdateAgentRequest* request,
                           v1::Agent* response) override;
  grpc::Status DeleteAgent(grpc::ServerContext* context, const v1::DeleteAgentRequest* request,
                           google::protobuf::Empty* response) override;
  grpc::Status CreateGroup(grpc::ServerContext* context, const v1::CreateGroupRequest* request,
                           v1::Group* response) override;
  grpc::Status GetGroup(grpc::ServerContext* context, const v1::GetGroupRequest* request,
                        v1::Group* response) override;
  grpc::Status ListGroups(grpc::ServerContext* context, const v1::ListGroupsRequest* request,
                          v1::ListGroupsResponse* response) override;
  grpc::Status UpdateGroup(grpc::ServerContext* context, const v1::UpdateGroupRequest* request,
                           v1::Group* response) override;
  grpc::Status DeleteGroup(grpc::ServerContext* context, const v1::DeleteGroupRequest* request,
                           google::protobuf::Empty* response) override;

 private:
  const Authenticator* auth_;
  AgentManager* agents_;
};

}  // namespace tandem::support

#endif  // TANDEM_SERVICES_SUPPORT_AGENT_SERVICE_H_

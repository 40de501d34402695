#include "services/support/sla_service.h"

#include "common/handler.h"

namespace tandem::support {
namespace {

// Who may read SLA configuration; only admins change it.
constexpr std::initializer_list<absl::string_view> kReaders = {"agent", "csm", kRoleViewer,
                                                               kRoleService};

}  // namespace

grpc::Status SlaServiceImpl::CreateBusinessCalendar(
    grpc::ServerContext* context, const v1::CreateBusinessCalendarRequest* request,
    v1::BusinessCalendar* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->CreateBusinessCalendar(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::GetBusinessCalendar(grpc::ServerContext* context,
                                                 const v1::GetBusinessCalendarRequest* request,
                                                 v1::BusinessCalendar* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->GetBusinessCalendar(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::ListBusinessCalendars(grpc::ServerContext* context,
                                                   const v1::ListBusinessCalendarsRequest* request,
                                                   v1::ListBusinessCalendarsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->ListBusinessCalendars(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::UpdateBusinessCalendar(
    grpc::ServerContext* context, const v1::UpdateBusinessCalendarRequest* request,
    v1::BusinessCalendar* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->UpdateBusinessCalendar(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::DeleteBusinessCalendar(
    grpc::ServerContext* context, const v1::DeleteBusinessCalendarRequest* request,
    google::protobuf::Empty* response) {
  (void)response;
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) {
                      return sla_->DeleteBusinessCalendar(caller, *request, deadline);
                    });
}

grpc::Status SlaServiceImpl::CreateSlaPolicy(grpc::ServerContext* context,
                                             const v1::CreateSlaPolicyRequest* request,
                                             v1::SlaPolicy* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->CreateSlaPolicy(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::GetSlaPolicy(grpc::ServerContext* context,
                                          const v1::GetSlaPolicyRequest* request,
                                          v1::SlaPolicy* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response, sla_->GetSlaPolicy(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::ListSlaPolicies(grpc::ServerContext* context,
                                             const v1::ListSlaPoliciesRequest* request,
                                             v1::ListSlaPoliciesResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->ListSlaPolicies(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::UpdateSlaPolicy(grpc::ServerContext* context,
                                             const v1::UpdateSlaPolicyRequest* request,
                                             v1::SlaPolicy* response) {
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       sla_->UpdateSlaPolicy(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status SlaServiceImpl::DeleteSlaPolicy(grpc::ServerContext* context,
                                             const v1::DeleteSlaPolicyRequest* request,
                                             google::protobuf::Empty* response) {
  (void)response;
  return HandleCall(*context, *auth_, {kRoleAdmin},
                    [&](const Principal& caller, absl::Time deadline) {
                      return sla_->DeleteSlaPolicy(caller, *request, deadline);
                    });
}

}  // namespace tandem::support

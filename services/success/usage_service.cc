#include "services/success/usage_service.h"

#include "absl/strings/str_cat.h"
#include "common/handler.h"
#include "services/success/account_manager.h"

namespace tandem::success {
namespace {

// Who may read usage; `csm` and `service` (the product's usage pipeline)
// may also ingest, `csm` change key features, `admin` anything.
constexpr std::initializer_list<absl::string_view> kReaders = {kRoleCsm, kRoleAgent, kRoleViewer,
                                                               kRoleService};
constexpr std::initializer_list<absl::string_view> kIngesters = {kRoleCsm, kRoleService};

// Says which stream message a refusal is about, keeping its fields.
absl::Status InStreamMessage(absl::Status status, int message) {
  std::vector<FieldViolation> violations = FieldViolationsOf(status);
  if (violations.empty()) return status;
  FieldViolations located;
  for (FieldViolation& violation : violations) {
    located.Add(std::move(violation.field),
                absl::StrCat("stream message ", message, ": ", violation.description));
  }
  return located.ToStatus();
}

}  // namespace

grpc::Status UsageServiceImpl::IngestUsageEvents(grpc::ServerContext* context,
                                                 const v1::IngestUsageEventsRequest* request,
                                                 v1::IngestUsageEventsResponse* response) {
  return HandleCall(
      *context, *auth_, kIngesters,
      [&](const Principal& caller, absl::Time deadline) -> absl::Status {
        ASSIGN_OR_RETURN(*response, usage_->IngestUsageEvents(caller, request->events(), deadline));
        return absl::OkStatus();
      });
}

grpc::Status UsageServiceImpl::StreamUsageEvents(
    grpc::ServerContext* context, grpc::ServerReader<v1::StreamUsageEventsRequest>* reader,
    v1::IngestUsageEventsResponse* response) {
  return HandleCall(
      *context, *auth_, kIngesters,
      [&](const Principal& caller, absl::Time deadline) -> absl::Status {
        v1::StreamUsageEventsRequest message;
        int messages = 0;
        while (reader->Read(&message)) {
          ++messages;
          absl::StatusOr<v1::IngestUsageEventsResponse> batch =
              usage_->IngestUsageEvents(caller, message.events(), deadline);
          if (!batch.ok()) return InStreamMessage(batch.status(), messages);
          response->set_accepted_count(response->accepted_count() + batch->accepted_count());
          response->set_duplicate_count(response->duplicate_count() + batch->duplicate_count());
          // Distinct accounts are counted per message.
          response->set_account_count(response->account_count() + batch->account_count());
        }
        return absl::OkStatus();
      });
}

grpc::Status UsageServiceImpl::ListUsageRollups(grpc::ServerContext* context,
                                                const v1::ListUsageRollupsRequest* request,
                                                v1::ListUsageRollupsResponse* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       usage_->ListUsageRollups(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status UsageServiceImpl::GetKeyFeatures(grpc::ServerContext* context,
                                              const v1::GetKeyFeaturesRequest* request,
                                              v1::KeyFeatures* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       usage_->GetKeyFeatures(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status UsageServiceImpl::UpdateKeyFeatures(grpc::ServerContext* context,
                                                 const v1::UpdateKeyFeaturesRequest* request,
                                                 v1::KeyFeatures* response) {
  return HandleCall(*context, *auth_, {kRoleCsm},
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       usage_->UpdateKeyFeatures(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

grpc::Status UsageServiceImpl::GetAccountAdoption(grpc::ServerContext* context,
                                                  const v1::GetAccountAdoptionRequest* request,
                                                  v1::AccountAdoption* response) {
  return HandleCall(*context, *auth_, kReaders,
                    [&](const Principal& caller, absl::Time deadline) -> absl::Status {
                      ASSIGN_OR_RETURN(*response,
                                       usage_->GetAccountAdoption(caller, *request, deadline));
                      return absl::OkStatus();
                    });
}

}  // namespace tandem::success

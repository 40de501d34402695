#include "common/feed/feed_service.h"

#include "common/deadline.h"
#include "common/pagination.h"
#include "common/status.h"

namespace tandem::feed {
namespace {

constexpr int kDefaultPageSize = 100;
constexpr int kMaxPageSize = 1000;

}  // namespace

absl::StatusOr<std::string> EventFeedService::TenantScope(
    const grpc::ServerContext& context) const {
  ASSIGN_OR_RETURN(Principal principal, auth_->Authenticate(context));
  RETURN_IF_ERROR(RequireAnyRole(principal, {kRoleService}));
  return principal.tenant == kAllTenants ? std::string() : principal.tenant;
}

grpc::Status EventFeedService::ListEvents(grpc::ServerContext* context,
                                          const tandem::common::v1::ListEventsRequest* request,
                                          tandem::common::v1::ListEventsResponse* response) {
  auto tenant = TenantScope(*context);
  if (!tenant.ok()) return ToGrpcStatus(tenant.status());
  if (request->after_cursor() < 0) {
    return ToGrpcStatus(InvalidField("after_cursor", "must not be negative"));
  }
  auto page_size = NormalizePageSize(request->page_size(), kDefaultPageSize, kMaxPageSize);
  if (!page_size.ok()) return ToGrpcStatus(page_size.status());
  const absl::Time deadline = DeadlineOf(*context);
  // Read the head first: every event up to it is sequenced, so a caller
  // that reached head_cursor has seen everything committed before the call.
  auto head = outbox_->Head(*tenant, deadline);
  if (!head.ok()) return ToGrpcStatus(head.status());
  auto events = outbox_->Read(request->after_cursor(), *page_size, *tenant, deadline);
  if (!events.ok()) return ToGrpcStatus(events.status());
  for (auto& event : *events) *response->add_events() = std::move(event);
  response->set_head_cursor(*head);
  return grpc::Status::OK;
}

grpc::Status EventFeedService::WatchEvents(grpc::ServerContext* context,
                                           const tandem::common::v1::WatchEventsRequest* request,
                                           grpc::ServerWriter<tandem::common::v1::Event>* writer) {
  auto tenant = TenantScope(*context);
  if (!tenant.ok()) return ToGrpcStatus(tenant.status());
  if (request->after_cursor() < 0) {
    return ToGrpcStatus(InvalidField("after_cursor", "must not be negative"));
  }
  if (watches_.fetch_add(1) >= max_watches_) {
    watches_.fetch_sub(1);
    absl::Status busy = absl::ResourceExhaustedError(
        "too many event streams are open on this server; retry, or poll ListEvents");
    SetRetryDelay(busy, absl::Seconds(5));
    return ToGrpcStatus(busy);
  }
  struct Release {
    std::atomic<int>& count;
    ~Release() { count.fetch_sub(1); }
  } release{watches_};
  int64_t cursor = request->after_cursor();
  while (!context->IsCancelled() && !outbox_->watches_ended()) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    // Every event up to the feed's head (of all tenants) is visible to the
    // read below; if the page is short, the caller has all of its tenant's
    // events up to there and waits for a newer head, however sparse its
    // events are among other tenants'.
    auto head = outbox_->Head(/*tenant=*/"", deadline);
    if (!head.ok()) return ToGrpcStatus(head.status());
    auto events = outbox_->Read(cursor, kDefaultPageSize, *tenant, deadline);
    if (!events.ok()) return ToGrpcStatus(events.status());
    for (const auto& event : *events) {
      if (!writer->Write(event)) return grpc::Status::OK;  // the caller went away
      cursor = event.cursor();
    }
    if (static_cast<int>(events->size()) < kDefaultPageSize) {
      // Woken at once by this process's sequencer; the timeout catches
      // events another replica sequenced.
      outbox_->WaitForNewEvents(std::max(cursor, *head), absl::Milliseconds(500));
    }
  }
  if (outbox_->watches_ended()) {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE,
                        "the server is shutting down; resume from your last cursor");
  }
  return grpc::Status::OK;
}

}  // namespace tandem::feed

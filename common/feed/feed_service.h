// The gRPC adapter for tandem.common.v1.EventFeed over an Outbox.
#ifndef TANDEM_COMMON_FEED_FEED_SERVICE_H_
#define TANDEM_COMMON_FEED_FEED_SERVICE_H_

#include <atomic>

#include "common/auth.h"
#include "common/feed/outbox.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"

namespace tandem::feed {

// Serves the outbox. Callers need the `service` role (a `*` tenant token
// reads every tenant) or `admin` (their own tenant's events only). At most
// `max_watches` WatchEvents streams run at once, since each holds a server
// thread; more are RESOURCE_EXHAUSTED with a retry hint.
class EventFeedService final : public tandem::common::v1::EventFeed::Service {
 public:
  EventFeedService(const Authenticator* auth, Outbox* outbox, int max_watches = 16)
      : auth_(auth), outbox_(outbox), max_watches_(max_watches) {}

  grpc::Status ListEvents(grpc::ServerContext* context,
                          const tandem::common::v1::ListEventsRequest* request,
                          tandem::common::v1::ListEventsResponse* response) override;

  grpc::Status WatchEvents(grpc::ServerContext* context,
                           const tandem::common::v1::WatchEventsRequest* request,
                           grpc::ServerWriter<tandem::common::v1::Event>* writer) override;

 private:
  // Authorizes the caller and returns the tenant to filter by ("" = all).
  absl::StatusOr<std::string> TenantScope(const grpc::ServerContext& context) const;

  const Authenticator* auth_;
  Outbox* outbox_;
  const int max_watches_;
  std::atomic<int> watches_{0};
};

}  // namespace tandem::feed

#endif  // TANDEM_COMMON_FEED_FEED_SERVICE_H_

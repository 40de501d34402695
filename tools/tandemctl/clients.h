// The service stubs tandemctl calls, behind an interface so commands can be
// tested against the generated mock stubs.
#ifndef TANDEM_TOOLS_TANDEMCTL_CLIENTS_H_
#define TANDEM_TOOLS_TANDEMCTL_CLIENTS_H_

#include <array>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "tandem/common/v1/event_feed.grpc.pb.h"
#include "tandem/metrics/v1/metrics_service.grpc.pb.h"
#include "tandem/success/v1/engagement.grpc.pb.h"
#include "tandem/success/v1/health.grpc.pb.h"
#include "tandem/success/v1/lifecycle.grpc.pb.h"
#include "tandem/success/v1/playbook.grpc.pb.h"
#include "tandem/success/v1/revenue.grpc.pb.h"
#include "tandem/success/v1/success_service.grpc.pb.h"
#include "tandem/success/v1/usage.grpc.pb.h"
#include "tandem/support/v1/agent.grpc.pb.h"
#include "tandem/support/v1/knowledge_base.grpc.pb.h"
#include "tandem/support/v1/sla.grpc.pb.h"
#include "tandem/support/v1/support_service.grpc.pb.h"

namespace tandem::ctl {

// A Tandem server tandemctl can talk to.
enum class Service { kSupport, kSuccess, kMetrics };

// Every Service, in the order tandemctl reports on them.
inline constexpr std::array<Service, 3> kAllServices = {Service::kSupport, Service::kSuccess,
                                                        Service::kMetrics};

// Returns the lower-case name of `service`, e.g. "support".
absl::string_view ServiceName(Service service);

// Where the servers are and how to reach them.
struct Endpoints {
  std::string support_address;
  std::string success_address;
  std::string metrics_address;
  // PEM CA that server certificates must chain to; empty means plaintext.
  std::string tls_ca_file;

  // Returns the address of `service`.
  const std::string& address(Service service) const;
};

// Hands out one stub per service and interface. Stubs stay owned by this
// object. A failure (e.g. an unreadable CA file) comes back as a status.
// Ask from one thread; the stubs themselves may be used from many.
class Clients {
 public:
  virtual ~Clients() = default;

  virtual absl::StatusOr<support::v1::SupportService::StubInterface*> Support() = 0;
  // Agents and groups, served by the Support server.
  virtual absl::StatusOr<support::v1::AgentService::StubInterface*> Agents() = 0;
  // Support's SLA configuration (calendars, policies).
  virtual absl::StatusOr<support::v1::SlaService::StubInterface*> Sla() = 0;
  // The knowledge base, served by the Support server.
  virtual absl::StatusOr<support::v1::KnowledgeBaseService::StubInterface*> KnowledgeBase() = 0;
  virtual absl::StatusOr<success::v1::SuccessService::StubInterface*> Success() = 0;
  // The other services of the Success server: the revenue ledger and
  // segmentation, product usage, account health, the timeline/NPS/feedback,
  // onboarding/success plans/renewals, and playbooks with their CTAs.
  virtual absl::StatusOr<success::v1::RevenueService::StubInterface*> Revenue() = 0;
  virtual absl::StatusOr<success::v1::UsageService::StubInterface*> Usage() = 0;
  virtual absl::StatusOr<success::v1::HealthService::StubInterface*> AccountHealth() = 0;
  virtual absl::StatusOr<success::v1::EngagementService::StubInterface*> Engagement() = 0;
  virtual absl::StatusOr<success::v1::LifecycleService::StubInterface*> Lifecycle() = 0;
  virtual absl::StatusOr<success::v1::PlaybookService::StubInterface*> Playbooks() = 0;
  virtual absl::StatusOr<metrics::v1::MetricsService::StubInterface*> Metrics() = 0;
  // The event feed every server serves.
  virtual absl::StatusOr<common::v1::EventFeed::StubInterface*> EventFeed(Service service) = 0;
  // The standard gRPC health service every server serves.
  virtual absl::StatusOr<grpc::health::v1::Health::StubInterface*> Health(Service service) = 0;
  // Returns the address of `service`, for messages.
  virtual std::string Address(Service service) const = 0;
};

// Returns Clients over real channels, opened on first use.
std::unique_ptr<Clients> OpenClients(Endpoints endpoints);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_CLIENTS_H_

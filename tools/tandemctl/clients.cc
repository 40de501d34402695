#include "tools/tandemctl/clients.h"

#include <map>
#include <utility>

#include "common/peer.h"
#include "common/server.h"

namespace tandem::ctl {
namespace {

// Opens each server's channel once and keeps every stub made on it.
class ChannelClients final : public Clients {
 public:
  explicit ChannelClients(Endpoints endpoints) : endpoints_(std::move(endpoints)) {}

  absl::StatusOr<support::v1::SupportService::StubInterface*> Support() override {
    return StubOf<support::v1::SupportService>(Service::kSupport, support_);
  }
  absl::StatusOr<support::v1::AgentService::StubInterface*> Agents() override {
    return StubOf<support::v1::AgentService>(Service::kSupport, agents_);
  }
  absl::StatusOr<support::v1::SlaService::StubInterface*> Sla() override {
    return StubOf<support::v1::SlaService>(Service::kSupport, sla_);
  }
  absl::StatusOr<support::v1::KnowledgeBaseService::StubInterface*> KnowledgeBase() override {
    return StubOf<support::v1::KnowledgeBaseService>(Service::kSupport, knowledge_base_);
  }
  absl::StatusOr<success::v1::SuccessService::StubInterface*> Success() override {
    return StubOf<success::v1::SuccessService>(Service::kSuccess, success_);
  }
  absl::StatusOr<success::v1::RevenueService::StubInterface*> Revenue() override {
    return StubOf<success::v1::RevenueService>(Service::kSuccess, revenue_);
  }
  absl::StatusOr<success::v1::UsageService::StubInterface*> Usage() override {
    return StubOf<success::v1::UsageService>(Service::kSuccess, usage_);
  }
  absl::StatusOr<success::v1::HealthService::StubInterface*> AccountHealth() override {
    return StubOf<success::v1::HealthService>(Service::kSuccess, account_health_);
  }
  absl::StatusOr<success::v1::EngagementService::StubInterface*> Engagement() override {
    return StubOf<success::v1::EngagementService>(Service::kSuccess, engagement_);
  }
  absl::StatusOr<success::v1::LifecycleService::StubInterface*> Lifecycle() override {
    return StubOf<success::v1::LifecycleService>(Service::kSuccess, lifecycle_);
  }
  absl::StatusOr<success::v1::PlaybookService::StubInterface*> Playbooks() override {
    return StubOf<success::v1::PlaybookService>(Service::kSuccess, playbooks_);
  }
  absl::StatusOr<metrics::v1::MetricsService::StubInterface*> Metrics() override {
    return StubOf<metrics::v1::MetricsService>(Service::kMetrics, metrics_);
  }
  absl::StatusOr<common::v1::EventFeed::StubInterface*> EventFeed(Service service) override {
    return StubOf<common::v1::EventFeed>(service, feeds_[service]);
  }
  absl::StatusOr<grpc::health::v1::Health::StubInterface*> Health(Service service) override {
    return StubOf<grpc::health::v1::Health>(service, health_[service]);
  }
  std::string Address(Service service) const override { return endpoints_.address(service); }

 private:
  absl::StatusOr<std::shared_ptr<grpc::Channel>> ChannelTo(Service service) {
    std::shared_ptr<grpc::Channel>& channel = channels_[service];
    if (channel == nullptr) {
      if (!endpoints_.tls_ca_file.empty()) {
        // Read once here only to name our flag if the file is unreadable.
        auto ca = ReadSettingFile(endpoints_.tls_ca_file, "--tls-ca-file");
        if (!ca.ok()) return ca.status();
      }
      PeerTlsFiles tls;
      tls.ca_file = endpoints_.tls_ca_file;
      auto opened = MakePeerChannel(endpoints_.address(service), tls);
      if (!opened.ok()) return opened.status();
      channel = std::move(*opened);
    }
    return channel;
  }

  // Returns the stub kept in `slot`, making it on first use.
  template <typename GrpcService>
  absl::StatusOr<typename GrpcService::StubInterface*> StubOf(
      Service service, std::unique_ptr<typename GrpcService::StubInterface>& slot) {
    if (slot == nullptr) {
      auto channel = ChannelTo(service);
      if (!channel.ok()) return channel.status();
      slot = GrpcService::NewStub(*channel);
    }
    return slot.get();
  }

  const Endpoints endpoints_;
  std::map<Service, std::shared_ptr<grpc::Channel>> channels_;
  std::unique_ptr<support::v1::SupportService::StubInterface> support_;
  std::unique_ptr<support::v1::AgentService::StubInterface> agents_;
  std::unique_ptr<support::v1::SlaService::StubInterface> sla_;
  std::unique_ptr<support::v1::KnowledgeBaseService::StubInterface> knowledge_base_;
  std::unique_ptr<success::v1::SuccessService::StubInterface> success_;
  std::unique_ptr<success::v1::RevenueService::StubInterface> revenue_;
  std::unique_ptr<success::v1::UsageService::StubInterface> usage_;
  std::unique_ptr<success::v1::HealthService::StubInterface> account_health_;
  std::unique_ptr<success::v1::EngagementService::StubInterface> engagement_;
  std::unique_ptr<success::v1::LifecycleService::StubInterface> lifecycle_;
  std::unique_ptr<success::v1::PlaybookService::StubInterface> playbooks_;
  std::unique_ptr<metrics::v1::MetricsService::StubInterface> metrics_;
  std::map<Service, std::unique_ptr<common::v1::EventFeed::StubInterface>> feeds_;
  std::map<Service, std::unique_ptr<grpc::health::v1::Health::StubInterface>> health_;
};

}  // namespace

absl::string_view ServiceName(Service service) {
  switch (service) {
    case Service::kSupport:
      return "support";
    case Service::kSuccess:
      return "success";
    case Service::kMetrics:
      return "metrics";
  }
  return "unknown";
}

const std::string& Endpoints::address(Service service) const {
  switch (service) {
    case Service::kSupport:
      return support_address;
    case Service::kSuccess:
      return success_address;
    case Service::kMetrics:
      break;
  }
  return metrics_address;
}

std::unique_ptr<Clients> OpenClients(Endpoints endpoints) {
  return std::make_unique<ChannelClients>(std::move(endpoints));
}

}  // namespace tandem::ctl

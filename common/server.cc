#include "common/server.h"

#include <signal.h>

#include <fstream>
#include <sstream>

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/support/server_interceptor.h>
#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/call_annotations.h"
#include "common/ids.h"
#include "common/logging.h"
#include "common/mysql/pool.h"

namespace tandem {
namespace {

using grpc::experimental::InterceptionHookPoints;

// Returns the canonical name of a code, e.g. "INVALID_ARGUMENT".
std::string CodeName(grpc::StatusCode code) {
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// Per-method metric families shared by every call.
struct RpcMetrics {
  prometheus::Family<prometheus::Counter>* handled;
  prometheus::Family<prometheus::Histogram>* latency;
};

// Logs one JSON line and records metrics for each call.
class AccessLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessLogInterceptor(grpc::experimental::ServerRpcInfo* info, RpcMetrics* metrics)
      : info_(info), metrics_(metrics), start_(absl::Now()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* metadata = methods->GetRecvInitialMetadata();
      if (auto it = metadata->find("x-request-id"); it != metadata->end()) {
        request_id_.assign(it->second.data(), std::min<size_t>(it->second.size(), 128));
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      if (request_id_.empty()) request_id_ = NewId();
      methods->GetSendTrailingMetadata()->emplace("x-request-id", request_id_);
      Record(methods->GetSendStatus());
    }
    methods->Proceed();
  }

 private:
  void Record(const grpc::Status& status) {
    const std::string method = info_->method();
    std::vector<std::string> parts = absl::StrSplit(method, '/', absl::SkipEmpty());
    const std::string service = parts.size() == 2 ? parts[0] : "";
    const std::string short_method = parts.size() == 2 ? parts[1] : method;
    const double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    const std::string code = CodeName(status.error_code());
    metrics_->handled
        ->Add({{"grpc_service", service}, {"grpc_method", short_method}, {"grpc_code", code}})
        .Increment();
    metrics_->latency
        ->Add({{"grpc_service", service}, {"grpc_method", short_method}},
              prometheus::Histogram::BucketBoundaries{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1, 0.25, 0.5, 1, 2.5, 5, 10})
        .Observe(seconds);
    const CallAnnotation who = CallAnnotations::Take(info_->server_context());
    nlohmann::json line = {{"method", method},
                           {"code", code},
                           {"latency_ms", seconds * 1000},
                           {"tenant", who.tenant},
                           {"subject", who.subject},
                           {"request_id", request_id_}};
    if (!status.ok()) line["error"] = status.error_message();
    logging::Log(status.ok() ? logging::Level::kInfo : logging::Level::kWarn, "rpc", line);
  }

  grpc::experimental::ServerRpcInfo* info_;
  RpcMetrics* metrics_;
  absl::Time start_;
  std::string request_id_;
};

class AccessLogFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AccessLogFactory(RpcMetrics metrics) : metrics_(metrics) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new AccessLogInterceptor(info, &metrics_);
  }

 private:
  RpcMetrics metrics_;
};

}  // namespace

absl::StatusOr<std::string> ReadSettingFile(const std::string& path, const std::string& setting) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat(setting, ": cannot read file \"", path, "\""));
  }
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

ServerRunner::ServerRunner(ServerOptions options)
    : options_(std::move(options)), registry_(std::make_shared<prometheus::Registry>()) {}

ServerRunner::~ServerRunner() { Shutdown(); }

void ServerRunner::AddService(grpc::Service* service) { services_.push_back(service); }

void ServerRunner::SetReadinessProbe(std::function<bool()> probe) { probe_ = std::move(probe); }

void ServerRunner::OnShutdown(std::function<void()> hook) {
  shutdown_hooks_.push_back(std::move(hook));
}

void ServerRunner::WatchPool(mysql::Pool* pool) {
  auto& gauges = prometheus::BuildGauge()
                     .Name("tandem_db_pool_connections")
                     .Help("Database connections in the pool, by state")
                     .Register(*registry_);
  auto& in_use = gauges.Add({{"state", "in_use"}});
  auto& idle = gauges.Add({{"state", "idle"}});
  auto& counters = prometheus::BuildGauge()
                       .Name("tandem_db_pool_events")
                       .Help("Cumulative pool events: opened and discarded connections, "
                             "checkouts that timed out")
                       .Register(*registry_);
  auto& opened = counters.Add({{"event", "opened"}});
  auto& discarded = counters.Add({{"event", "discarded"}});
  auto& timeouts = counters.Add({{"event", "wait_timeout"}});
  refreshers_.push_back([=, &in_use, &idle, &opened, &discarded, &timeouts] {
    mysql::PoolStats stats = pool->Stats();
    in_use.Set(stats.in_use);
    idle.Set(stats.idle);
    opened.Set(static_cast<double>(stats.opened_total));
    discarded.Set(static_cast<double>(stats.discarded_total));
    timeouts.Set(static_cast<double>(stats.wait_timeouts_total));
  });
}

std::string HealthNamesHelp() {
  return absl::StrCat("Health check services (grpc.health.v1.Health):\n  ", kLivenessHealthName,
                      "   SERVING while the process runs\n  ", kReadinessHealthName,
                      "  SERVING while the database answers (the empty name \"\" too)\n");
}

namespace {

// Drops every builder plugin (e.g. the reflection plugin that
// InitProtoReflectionServerBuilderPlugin() adds to every builder).
class WithoutPlugins : public grpc::ServerBuilderOption {
 public:
  void UpdateArguments(grpc::ChannelArguments*) override {}
  void UpdatePlugins(std::vector<std::unique_ptr<grpc::ServerBuilderPlugin>>* plugins) override {
    plugins->clear();
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<HealthListener>> HealthListener::Start(const std::string& address) {
  grpc::EnableDefaultHealthCheckService(true);
  std::unique_ptr<HealthListener> listener(new HealthListener());
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &listener->port_);
  builder.SetOption(std::make_unique<WithoutPlugins>());
  // gRPC builds no server without a service of its own (the health service
  // is added later); this catch-all refuses every other method with the
  // status code for an unknown method, as the test of the listener checks.
  builder.RegisterCallbackGenericService(&listener->other_methods_);
  grpc::ResourceQuota quota("tandem-health");
  quota.SetMaxThreads(4);
  builder.SetResourceQuota(quota);
  listener->server_ = builder.BuildAndStart();
  if (listener->server_ == nullptr || listener->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, " (--health-listen): address in use or invalid"));
  }
  listener->Set(kLivenessHealthName, true);
  listener->Set(kReadinessHealthName, false);
  listener->Set("", false);
  return listener;
}

HealthListener::~HealthListener() {
  if (server_ == nullptr) return;
  Shutdown();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
  server_->Wait();
}

void HealthListener::Set(const std::string& name, bool serving) {
  if (server_->GetHealthCheckService() != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(name, serving);
  }
}

void HealthListener::Shutdown() {
  if (server_->GetHealthCheckService() != nullptr) server_->GetHealthCheckService()->Shutdown();
}

absl::Status ServerRunner::Start() {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;

  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (!options_.tls.cert_file.empty() || !options_.tls.key_file.empty()) {
    auto cert = ReadSettingFile(options_.tls.cert_file, "--tls-cert-file");
    if (!cert.ok()) return cert.status();
    auto key = ReadSettingFile(options_.tls.key_file, "--tls-key-file");
    if (!key.ok()) return key.status();
    grpc::SslServerCredentialsOptions ssl;
    ssl.pem_key_cert_pairs.push_back({*key, *cert});
    if (!options_.tls.client_ca_file.empty()) {
      auto ca = ReadSettingFile(options_.tls.client_ca_file, "--tls-client-ca-file");
      if (!ca.ok()) return ca.status();
      ssl.pem_root_certs = *ca;
      ssl.client_certificate_request =
          GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY;
    }
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(options_.listen, credentials, &grpc_port_);
  for (grpc::Service* service : services_) builder.RegisterService(service);
  builder.SetMaxReceiveMessageSize(options_.max_message_bytes);
  builder.SetMaxSendMessageSize(options_.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(absl::ToInt64Milliseconds(options_.keepalive_time)));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_MAX_CONNECTION_AGE_MS,
      static_cast<int>(absl::ToInt64Milliseconds(options_.max_connection_age)));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS, 30000);
  grpc::ResourceQuota quota(absl::StrCat("tandem-", options_.name));
  quota.SetMaxThreads(options_.max_threads);
  builder.SetResourceQuota(quota);

  auto& handled = prometheus::BuildCounter()
                      .Name("tandem_grpc_server_handled_total")
                      .Help("RPCs completed, by service, method and status code")
                      .Register(*registry_);
  auto& latency = prometheus::BuildHistogram()
                      .Name("tandem_grpc_server_handling_seconds")
                      .Help("RPC latency from first byte to status, in seconds")
                      .Register(*registry_);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> factories;
  factories.push_back(std::make_unique<AccessLogFactory>(RpcMetrics{&handled, &latency}));
  builder.experimental().SetInterceptorCreators(std::move(factories));

  server_ = builder.BuildAndStart();
  if (server_ == nullptr || grpc_port_ == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on ", options_.listen,
                                               " (--listen): address in use or invalid"));
  }
  if (!options_.metrics_listen.empty()) {
    try {
      exposer_ = std::make_unique<prometheus::Exposer>(options_.metrics_listen);
      exposer_->RegisterCollectable(registry_);
      auto ports = exposer_->GetListeningPorts();
      metrics_port_ = ports.empty() ? 0 : ports.front();
    } catch (const std::exception& e) {
      server_->Shutdown();
      return absl::UnavailableError(absl::StrCat("cannot serve /metrics on ",
                                                 options_.metrics_listen,
                                                 " (--metrics-listen): ", e.what()));
    }
  }
  // Readiness starts NOT_SERVING until the first probe says otherwise.
  SetHealth(kLivenessHealthName, true);
  SetServing(probe_ ? probe_() : true);
  probe_thread_ = std::thread([this] { ProbeLoop(); });
  const int health_port = health_listener_ != nullptr ? health_listener_->port() : 0;
  if (!options_.ready_file.empty()) {
    std::ofstream ready(options_.ready_file + ".tmp");
    ready << nlohmann::json{{"grpc_port", grpc_port_},
                            {"metrics_port", metrics_port_},
                            {"health_port", health_port}}
                 .dump();
    ready.close();
    std::rename((options_.ready_file + ".tmp").c_str(), options_.ready_file.c_str());
  }
  logging::Info("serving", {{"grpc_port", grpc_port_},
                            {"metrics_port", metrics_port_},
                            {"health_port", health_port},
                            {"tls", !options_.tls.cert_file.empty()},
                            {"mtls", !options_.tls.client_ca_file.empty()}});
  return absl::OkStatus();
}

void ServerRunner::SetServing(bool serving) {
  if (serving_ == static_cast<int>(serving)) return;
  serving_ = serving;
  SetHealth("", serving);
  SetHealth(kReadinessHealthName, serving);
  logging::Log(serving ? logging::Level::kInfo : logging::Level::kWarn, "health changed",
               {{"serving", serving}});
}

void ServerRunner::SetHealth(const std::string& name, bool serving) {
  if (server_ != nullptr && server_->GetHealthCheckService() != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(name, serving);
  }
  if (health_listener_ != nullptr) health_listener_->Set(name, serving);
}

void ServerRunner::ProbeLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, absl::ToChronoNanoseconds(options_.probe_interval),
                      [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    const bool serving = probe_ ? probe_() : true;
    for (auto& refresh : refreshers_) refresh();
    lock.lock();
    if (!stopping_) SetServing(serving);
  }
}

void ServerRunner::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;  // already stopping or stopped
    stopping_ = true;
    stop_cv_.notify_all();
  }
  if (probe_thread_.joinable()) probe_thread_.join();
  if (server_ == nullptr) return;
  logging::Info("stopping: not serving, draining in-flight calls",
                {{"drain_seconds", absl::ToDoubleSeconds(options_.drain_timeout)}});
  if (server_->GetHealthCheckService() != nullptr) server_->GetHealthCheckService()->Shutdown();
  if (health_listener_ != nullptr) health_listener_->Shutdown();
  for (auto& hook : shutdown_hooks_) hook();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + options_.drain_timeout));
  server_->Wait();
  exposer_.reset();
  logging::Info("stopped");
}

void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool TerminationPending() {
  sigset_t pending;
  sigemptyset(&pending);
  sigpending(&pending);
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

int WaitForTerminationSignal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  int signal_number = 0;
  sigwait(&set, &signal_number);
  return signal_number;
}

}  // namespace tandem

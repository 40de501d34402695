// Server bootstrap shared by every Tandem service: gRPC health (driven by a
// readiness probe, e.g. the database), reflection, keepalive and
// connection-age limits, message-size limits, optional TLS/mTLS, an
// interceptor writing one JSON access line and Prometheus metrics per RPC,
// a /metrics HTTP endpoint, and a graceful stop.
#ifndef TANDEM_COMMON_SERVER_H_
#define TANDEM_COMMON_SERVER_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace prometheus {
class Exposer;
}

namespace tandem {

namespace mysql {
class Pool;
}

// PEM files for a TLS listener. With `client_ca_file` set, clients must
// present a certificate signed by it (mTLS).
struct ServerTlsFiles {
  std::string cert_file{};
  std::string key_file{};
  std::string client_ca_file{};
};

// Names the gRPC health service (grpc.health.v1.Health) answers for, besides
// the overall empty name. Kubernetes probes name them: a liveness probe must
// not restart a pod because its database is away, a readiness probe must
// take it out of rotation.
// SERVING from start until shutdown begins.
inline constexpr char kLivenessHealthName[] = "liveness";
// SERVING while the readiness probe (the database) answers; "" follows it too.
inline constexpr char kReadinessHealthName[] = "readiness";

// Returns the help text that lists the health names and their meaning.
std::string HealthNamesHelp();

// Serves only grpc.health.v1.Health (no reflection, no other service) on a
// plaintext address, for probes that cannot speak TLS, such as the kubelet's
// gRPC probes. A process starts it before it waits for its database and
// migrates, so that a long migration reads as alive but not ready; the
// ServerRunner then keeps its statuses equal to the main port's.
class HealthListener {
 public:
  // Binds `address` (host:port; port 0 picks one) and answers "liveness"
  // SERVING, "readiness" and "" NOT_SERVING.
  static absl::StatusOr<std::unique_ptr<HealthListener>> Start(const std::string& address);
  ~HealthListener();

  // The bound port.
  int port() const { return port_; }

  // Sets the status of one health name.
  void Set(const std::string& name, bool serving);

  // Turns every name NOT_SERVING for good (a stop has begun).
  void Shutdown();

 private:
  HealthListener() = default;

  // Refuses every method but health (gRPC's default catch-all reactor).
  grpc::CallbackGenericService other_methods_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

// How to run one server.
struct ServerOptions {
  // Service name for logs and metrics, e.g. "support".
  std::string name{};
  // gRPC address, e.g. "0.0.0.0:50051"; port 0 picks a free port.
  std::string listen = "127.0.0.1:0";
  // Prometheus HTTP address; empty disables /metrics.
  std::string metrics_listen{};
  ServerTlsFiles tls{};
  int max_message_bytes = 4 * 1024 * 1024;
  int max_threads = 64;
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration max_connection_age = absl::Minutes(5);
  // How long in-flight calls may finish after a stop begins.
  absl::Duration drain_timeout = absl::Seconds(10);
  // How often the readiness probe runs.
  absl::Duration probe_interval = absl::Seconds(1);
  // If set, written with {"grpc_port":N,"metrics_port":M,"health_port":H}
  // once serving (health_port 0 without a health listener).
  std::string ready_file{};
};

// Builds, runs and stops one gRPC server.
class ServerRunner {
 public:
  explicit ServerRunner(ServerOptions options);
  ~ServerRunner();

  // The registry served at /metrics; components add their own metrics.
  prometheus::Registry& registry() { return *registry_; }

  // Registers a service; call before Start().
  void AddService(grpc::Service* service);

  // Sets the probe whose result is the health status (SERVING when true).
  void SetReadinessProbe(std::function<bool()> probe);

  // Keeps `listener`'s statuses equal to the main port's from Start() on,
  // and stops it with the server. Not owned; call before Start().
  void MirrorHealthTo(HealthListener* listener) { health_listener_ = listener; }

  // Exports the pool's connection counts as gauges.
  void WatchPool(mysql::Pool* pool);

  // Registers work to run when a stop begins, before draining (e.g. ending
  // long-lived streams and background loops).
  void OnShutdown(std::function<void()> hook);

  // Binds, starts serving, starts /metrics and the probe, writes the ready
  // file. Fails if a port cannot be bound or a TLS file cannot be read.
  absl::Status Start();

  // The bound ports (after Start()).
  int grpc_port() const { return grpc_port_; }
  int metrics_port() const { return metrics_port_; }

  // Turns health NOT_SERVING, runs the shutdown hooks, lets in-flight calls
  // finish within the drain timeout, then stops. Idempotent.
  void Shutdown();

 private:
  void ProbeLoop();
  void SetServing(bool serving);
  // Sets one health name on the main port and on the health listener.
  void SetHealth(const std::string& name, bool serving);

  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  std::vector<grpc::Service*> services_;
  std::vector<std::string> service_names_;
  std::function<bool()> probe_;
  std::vector<std::function<void()>> shutdown_hooks_;
  std::vector<std::function<void()>> refreshers_;
  std::unique_ptr<grpc::Server> server_;
  HealthListener* health_listener_ = nullptr;
  int grpc_port_ = 0;
  int metrics_port_ = 0;
  std::mutex mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  int serving_ = -1;  // unknown until the first probe
  std::thread probe_thread_;
};

// Blocks SIGTERM and SIGINT in the calling thread; call first in main(),
// before any thread starts, so every thread inherits the mask and only
// WaitForTerminationSignal() receives them.
void BlockTerminationSignals();

// Waits for SIGTERM or SIGINT and returns its number.
int WaitForTerminationSignal();

// Returns true if SIGTERM or SIGINT arrived (blocked, not yet taken), so
// start-up loops can give up early.
bool TerminationPending();

// Returns the contents of a file, or INVALID_ARGUMENT naming `setting`.
absl::StatusOr<std::string> ReadSettingFile(const std::string& path, const std::string& setting);

}  // namespace tandem

#endif  // TANDEM_COMMON_SERVER_H_

// The start-up and stop every Tandem server shares, so each service's
// main.cc only wires its own parts together:
//
//   BlockTerminationSignals();
//   ServiceProcess process("support", 50051, 9461);
//   process.flags().AddString("success-address", ...);
//   if (auto code = process.Init(argc, argv, {CommonMigrations(), ...})) return *code;
//   ... build stores, logic and services from process.pool(), auth(), ...
//   return process.Serve({&service});
//
// Init() parses flags (failing fast with the setting's name), sets up JSON
// logging, waits for the database, applies migrations (and exits after
// them with --migrate-only), and prepares authentication, page tokens,
// service tokens and the outbox. Serve() adds the event feed, health,
// reflection and /metrics, and runs until SIGTERM, then drains and exits 0.
#ifndef TANDEM_COMMON_SERVICE_PROCESS_H_
#define TANDEM_COMMON_SERVICE_PROCESS_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "common/auth.h"
#include "common/clock.h"
#include "common/config.h"
#include "common/feed/feed_service.h"
#include "common/feed/outbox.h"
#include "common/migrations.h"
#include "common/mysql/pool.h"
#include "common/pagination.h"
#include "common/peer.h"

namespace tandem {

class HealthListener;

// One server process: its settings and the shared parts built from them.
class ServiceProcess {
 public:
  // Declares the flags every server has; `name` gives the environment
  // prefix (TANDEM_<NAME>_) and the default ports.
  ServiceProcess(std::string name, int default_grpc_port, int default_metrics_port);
  ~ServiceProcess();

  // The flags, to declare service-specific ones before Init().
  Flags& flags() { return flags_; }

  // Parses and prepares everything. Returns an exit code when the process
  // should end now (after --help, --migrate-only or a bad setting), or
  // nullopt to go on.
  std::optional<int> Init(int argc, const char* const* argv,
                          const std::vector<MigrationSet>& migrations);

  mysql::Pool& pool() { return *pool_; }
  const Authenticator& auth() const { return *auth_; }
  const PageTokenCodec& page_tokens() const { return *page_tokens_; }
  ServiceTokens& service_tokens() { return *service_tokens_; }
  feed::Outbox& outbox() { return *outbox_; }
  const Clock& clock() const { return SystemClock::Get(); }

  // Opens a channel to the peer whose address is in flag `address_flag`,
  // with the --peer-tls-* files.
  absl::StatusOr<std::shared_ptr<grpc::Channel>> PeerChannel(const std::string& address_flag);

  // Registers work for the start of a stop (e.g. stopping consumers).
  void OnShutdown(std::function<void()> hook) { shutdown_hooks_.push_back(std::move(hook)); }

  // Serves `services` plus the event feed until SIGTERM or SIGINT; returns
  // the process exit code.
  int Serve(const std::vector<grpc::Service*>& services);

 private:
  std::string name_;
  Flags flags_;
  std::unique_ptr<mysql::Pool> pool_;
  std::unique_ptr<Authenticator> auth_;
  std::unique_ptr<TokenSigner> signer_;
  std::unique_ptr<PageTokenCodec> page_tokens_;
  std::unique_ptr<ServiceTokens> service_tokens_;
  std::unique_ptr<feed::Outbox> outbox_;
  std::unique_ptr<feed::EventFeedService> feed_service_;
  // Answers probes from before the database wait until the stop.
  std::unique_ptr<HealthListener> health_;
  std::vector<std::function<void()>> shutdown_hooks_;
};

// Reads the JWT settings (--jwt-secret, --jwt-public-key-file,
// --jwt-private-key-file, --jwt-issuer) from parsed flags.
absl::StatusOr<JwtSettings> JwtSettingsFromFlags(const Flags& flags);

// Declares the JWT flags on `flags` (shared by servers and tandemctl).
void AddJwtFlags(Flags& flags);

}  // namespace tandem

#endif  // TANDEM_COMMON_SERVICE_PROCESS_H_

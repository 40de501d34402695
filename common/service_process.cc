#include "common/service_process.h"

#include <iostream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/server.h"
#include "common/status.h"

namespace tandem {

void AddJwtFlags(Flags& flags) {
  flags.AddString("jwt-secret", "",
                  "HS256 secret (at least 32 characters) that signs and verifies tokens.", false,
                  {"TANDEM_JWT_SECRET"});
  flags.AddString("jwt-accepted-secrets", "",
                  "More HS256 secrets, comma-separated, that verify (never sign) tokens while the "
                  "key rotates.",
                  false, {"TANDEM_JWT_ACCEPTED_SECRETS"});
  flags.AddString("jwt-public-key-file", "",
                  "PEM RS256 public key that verifies tokens (instead of --jwt-secret).", false,
                  {"TANDEM_JWT_PUBLIC_KEY_FILE"});
  flags.AddString("jwt-private-key-file", "",
                  "PEM RS256 private key that signs service tokens (with --jwt-public-key-file).",
                  false, {"TANDEM_JWT_PRIVATE_KEY_FILE"});
  flags.AddString("jwt-issuer", "tandem", "Required `iss` claim of every token.", false,
                  {"TANDEM_JWT_ISSUER"});
}

absl::StatusOr<JwtSettings> JwtSettingsFromFlags(const Flags& flags) {
  JwtSettings settings;
  settings.hs256_secret = flags.GetString("jwt-secret");
  settings.issuer = flags.GetString("jwt-issuer");
  for (absl::string_view accepted :
       absl::StrSplit(flags.GetString("jwt-accepted-secrets"), ',', absl::SkipWhitespace())) {
    settings.hs256_accepted_secrets.emplace_back(absl::StripAsciiWhitespace(accepted));
  }
  if (const std::string& path = flags.GetString("jwt-public-key-file"); !path.empty()) {
    ASSIGN_OR_RETURN(settings.rs256_public_key_pem, ReadSettingFile(path, "--jwt-public-key-file"));
  }
  if (const std::string& path = flags.GetString("jwt-private-key-file"); !path.empty()) {
    ASSIGN_OR_RETURN(settings.rs256_private_key_pem,
                     ReadSettingFile(path, "--jwt-private-key-file"));
  }
  return settings;
}

ServiceProcess::ServiceProcess(std::string name, int default_grpc_port, int default_metrics_port)
    : name_(name), flags_(absl::StrCat("tandem-", name),
                          absl::StrCat("TANDEM_", absl::AsciiStrToUpper(name))) {
  flags_.AddString("listen", absl::StrCat("0.0.0.0:", default_grpc_port),
                   "gRPC address, host:port (port 0 picks a free port).");
  flags_.AddString("metrics-listen", absl::StrCat("0.0.0.0:", default_metrics_port),
                   "Prometheus /metrics HTTP address, host:port; empty disables it.");
  flags_.AddString("health-listen", "",
                   "Plaintext address serving only gRPC health, host:port, for probes that cannot "
                   "speak TLS (the kubelet's); it answers from before the database wait and the "
                   "migrations (liveness SERVING, readiness NOT_SERVING). Empty disables it.");
  flags_.AddString("db-dsn", "",
                   "Database URL: mysql://user:password@host:port/database "
                   "(or ...@localhost/database?socket=/path).",
                   /*required=*/true);
  flags_.AddInt("db-pool-size", 16, "Maximum open database connections.");
  flags_.AddDuration("db-wait", absl::Seconds(60),
                     "How long start-up waits for the database before giving up.");
  AddJwtFlags(flags_);
  flags_.AddString("page-token-key", "",
                   "Secret that signs page tokens (at least 16 characters); the same on every "
                   "replica. Required unless --migrate-only.",
                   /*required=*/false, {"TANDEM_PAGE_TOKEN_KEY"});
  flags_.AddString("tls-cert-file", "", "PEM certificate for TLS; empty serves plaintext.");
  flags_.AddString("tls-key-file", "", "PEM private key for TLS.");
  flags_.AddString("tls-client-ca-file", "",
                   "PEM CA that client certificates must chain to (turns on mTLS).");
  flags_.AddString("peer-tls-ca-file", "", "PEM CA of peer services; empty calls them in plaintext.",
                   false, {"TANDEM_PEER_TLS_CA_FILE"});
  flags_.AddString("peer-tls-cert-file", "", "PEM client certificate for peer calls (mTLS).",
                   false, {"TANDEM_PEER_TLS_CERT_FILE"});
  flags_.AddString("peer-tls-key-file", "", "PEM client key for peer calls (mTLS).", false,
                   {"TANDEM_PEER_TLS_KEY_FILE"});
  flags_.AddInt("max-message-bytes", 4 * 1024 * 1024, "Largest request or response message.");
  flags_.AddInt("max-threads", 64, "Most threads serving calls at once.");
  flags_.AddDuration("drain-timeout", absl::Seconds(10),
                     "How long in-flight calls may finish after SIGTERM.");
  flags_.AddString("ready-file", "",
                   "File written with the bound ports once serving (for scripts and tests).");
  flags_.AddString("log-level", "info", "Lowest log level written: debug, info, warn, error.");
  flags_.AddBool("migrate-only", false, "Apply database migrations, then exit.");
}

ServiceProcess::~ServiceProcess() {
  if (outbox_ != nullptr) outbox_->Stop();
}

std::optional<int> ServiceProcess::Init(int argc, const char* const* argv,
                                        const std::vector<MigrationSet>& migrations) {
  logging::Init(name_);
  auto fail = [this](const absl::Status& status) {
    logging::Error("cannot start", {{"error", std::string(status.message())}});
    std::cerr << "tandem-" << name_ << ": " << status.message() << "\n";
    return 2;
  };
  if (absl::Status status = flags_.Parse(argc, argv); !status.ok()) return fail(status);
  if (flags_.help_requested()) {
    std::cout << flags_.Help() << "\n" << HealthNamesHelp();
    return 0;
  }
  logging::Level level;
  if (!logging::ParseLevel(flags_.GetString("log-level"), &level)) {
    return fail(absl::InvalidArgumentError("--log-level must be debug, info, warn or error"));
  }
  logging::Init(name_, level);

  // Migrating needs only the database: the Kubernetes migration Job gets no
  // token keys.
  const bool migrate_only = flags_.GetBool("migrate-only");
  if (!migrate_only) {
    auto jwt = JwtSettingsFromFlags(flags_);
    if (!jwt.ok()) return fail(jwt.status());
    auto auth = Authenticator::Create(*jwt);
    if (!auth.ok()) return fail(auth.status());
    auth_ = std::move(*auth);
    auto signer = TokenSigner::Create(*jwt);
    if (!signer.ok()) return fail(signer.status());
    signer_ = std::move(*signer);
    service_tokens_ = std::make_unique<ServiceTokens>(signer_.get(), name_, &SystemClock::Get());
    if (flags_.GetString("page-token-key").size() < 16) {
      return fail(absl::InvalidArgumentError(absl::StrCat(
          "--page-token-key (or ", flags_.EnvName("page-token-key"),
          ", or TANDEM_PAGE_TOKEN_KEY) must be set, to at least 16 characters")));
    }
    page_tokens_ = std::make_unique<PageTokenCodec>(flags_.GetString("page-token-key"));
  }

  auto dsn = mysql::Dsn::Parse(flags_.GetString("db-dsn"));
  if (!dsn.ok()) return fail(absl::InvalidArgumentError(absl::StrCat("--db-dsn: ", dsn.status().message())));
  mysql::PoolOptions pool_options;
  pool_options.max_connections = static_cast<int>(flags_.GetInt("db-pool-size"));
  if (pool_options.max_connections < 1) {
    return fail(absl::InvalidArgumentError("--db-pool-size must be at least 1"));
  }
  pool_ = std::make_unique<mysql::Pool>(*dsn, pool_options);
  if (const std::string& address = flags_.GetString("health-listen");
      !address.empty() && !migrate_only) {
    auto health = HealthListener::Start(address);
    if (!health.ok()) return fail(health.status());
    health_ = std::move(*health);
  }
  logging::Info("connecting to the database", {{"dsn", dsn->Redacted()}});
  const absl::Time give_up = absl::Now() + flags_.GetDuration("db-wait");
  absl::Status migrated;
  while (true) {
    migrated = ApplyMigrations(*pool_, migrations);
    if (migrated.ok() || migrated.code() != absl::StatusCode::kUnavailable ||
        absl::Now() >= give_up) {
      break;
    }
    if (TerminationPending()) {
      logging::Info("stopped while waiting for the database");
      return 0;
    }
    logging::Warn("database not ready; retrying", {{"error", std::string(migrated.message())}});
    absl::SleepFor(absl::Seconds(1));
  }
  if (!migrated.ok()) {
    return fail(absl::Status(migrated.code(), absl::StrCat("database ", dsn->Redacted(),
                                                           " (--db-dsn): ", migrated.message())));
  }
  logging::Info("schema is up to date");
  if (migrate_only) return 0;
  outbox_ = std::make_unique<feed::Outbox>(pool_.get());
  feed_service_ = std::make_unique<feed::EventFeedService>(auth_.get(), outbox_.get());
  return std::nullopt;
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> ServiceProcess::PeerChannel(
    const std::string& address_flag) {
  PeerTlsFiles tls{flags_.GetString("peer-tls-ca-file"), flags_.GetString("peer-tls-cert-file"),
                   flags_.GetString("peer-tls-key-file")};
  auto channel = MakePeerChannel(flags_.GetString(address_flag), tls);
  if (!channel.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", address_flag, ": ", channel.status().message()));
  }
  return channel;
}

int ServiceProcess::Serve(const std::vector<grpc::Service*>& services) {
  ServerOptions options;
  options.name = name_;
  options.listen = flags_.GetString("listen");
  options.metrics_listen = flags_.GetString("metrics-listen");
  options.tls = {flags_.GetString("tls-cert-file"), flags_.GetString("tls-key-file"),
                 flags_.GetString("tls-client-ca-file")};
  options.max_message_bytes = static_cast<int>(flags_.GetInt("max-message-bytes"));
  options.max_threads = static_cast<int>(flags_.GetInt("max-threads"));
  options.drain_timeout = flags_.GetDuration("drain-timeout");
  options.ready_file = flags_.GetString("ready-file");
  ServerRunner runner(options);
  for (grpc::Service* service : services) runner.AddService(service);
  runner.AddService(feed_service_.get());
  runner.SetReadinessProbe([this] { return pool_->Healthy(); });
  runner.MirrorHealthTo(health_.get());
  runner.WatchPool(pool_.get());
  runner.OnShutdown([this] { outbox_->EndWatches(); });
  for (auto& hook : shutdown_hooks_) runner.OnShutdown(hook);
  outbox_->Start();
  if (absl::Status status = runner.Start(); !status.ok()) {
    logging::Error("cannot serve", {{"error", std::string(status.message())}});
    std::cerr << "tandem-" << name_ << ": " << status.message() << "\n";
    return 1;
  }
  const int signal_number = WaitForTerminationSignal();
  logging::Info("received signal", {{"signal", signal_number}});
  runner.Shutdown();
  outbox_->Stop();  // after the drain, so late events get their cursors
  return 0;
}

}  // namespace tandem

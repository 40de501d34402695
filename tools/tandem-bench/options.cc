#include "tools/tandem-bench/options.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/auth.h"
#include "common/ids.h"
#include "common/service_process.h"
#include "common/status.h"

namespace tandem::bench {
namespace {

// Each load thread gets its own channel by default: on the 2-core machine
// of tests/bench/README.md it gave ~4% more GetTicket calls per second at 8
// threads than one shared channel (faster in 6 of 7 pairs of runs), for ~4%
// more client CPU per call; CreateTicket, and 32 threads, showed no
// difference beyond the noise.
constexpr int kChannelsPerThread = 0;

absl::Status Bad(absl::string_view flag, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat("--", flag, ": ", problem));
}

std::string ScenarioList() {
  std::vector<std::string> names;
  for (const Scenario& scenario : AllScenarios()) names.push_back(scenario.name);
  return absl::StrJoin(names, ", ");
}

absl::StatusOr<std::string> MintToken(const Flags& flags, const Clock& clock) {
  ASSIGN_OR_RETURN(JwtSettings settings, JwtSettingsFromFlags(flags));
  if (settings.hs256_secret.empty() && settings.rs256_private_key_pem.empty()) {
    return absl::InvalidArgumentError(
        "give --token, or --jwt-secret (TANDEM_JWT_SECRET) to mint one");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<TokenSigner> signer, TokenSigner::Create(settings));
  const std::string& tenant = flags.GetString("tenant");
  if (tenant.empty() || tenant == kAllTenants) return Bad("tenant", "must name one tenant");
  Principal principal{
      .tenant = tenant, .subject = "tandem-bench", .roles = {std::string(kRoleAdmin)}};
  return signer->Sign(principal, absl::Hours(1), clock.Now());
}

}  // namespace

void DeclareBenchFlags(Flags& flags) {
  flags.AddString("support-address", "127.0.0.1:50051", "Support server, host:port (loopback).",
                  false, {"TANDEM_SUPPORT_ADDRESS"});
  flags.AddString("success-address", "127.0.0.1:50052", "Success server, host:port (loopback).",
                  false, {"TANDEM_SUCCESS_ADDRESS"});
  flags.AddString("metrics-address", "127.0.0.1:50053", "Metrics server, host:port (loopback).",
                  false, {"TANDEM_METRICS_ADDRESS"});
  flags.AddString("token", "", "Bearer token to call with; minted from --jwt-secret when empty.",
                  false, {"TANDEM_TOKEN"});
  AddJwtFlags(flags);
  flags.AddString("tenant", "bench", "Tenant of the minted token (role admin).");
  flags.AddString("scenario", "mixed", absl::StrCat("What to run: ", ScenarioList(), "."));
  flags.AddInt("concurrency", 8, "Load threads, each making one call at a time.");
  flags.AddInt("channels", kChannelsPerThread,
               "Connections per service shared by the threads in turn; 0 gives each thread its "
               "own.");
  flags.AddDuration("duration", absl::Seconds(10), "Length of the recorded window.");
  flags.AddDuration("warmup", absl::Seconds(2), "Unrecorded load before the window.");
  flags.AddInt("max-requests", 1'000'000,
               "Hard cap on recorded calls (and, separately, on warm-up calls).");
  flags.AddDuration("rpc-timeout", absl::Seconds(5), "Deadline of each call.");
  flags.AddInt("page-size", 50, "page_size of ListTickets.");
  flags.AddInt("seed-tickets", 200, "Tickets created before the load for GetTicket to read.");
  flags.AddInt("seed-accounts", 50, "Accounts created before the load for tickets to name.");
  flags.AddBool("feed-lag", true,
                "After the load, measure how long Metrics takes to consume its events.");
  flags.AddDuration("feed-lag-timeout", absl::Seconds(60), "Longest wait for Metrics to catch up.");
  flags.AddBool("json", false, "Print the results as one JSON object instead of tables.");
  flags.AddString("json-out", "", "Also write the JSON results to this file.");
}

absl::Status CheckLoopbackAddress(absl::string_view address) {
  std::string host;
  absl::string_view port;
  if (absl::StartsWith(address, "[")) {
    const size_t close = address.find("]:");
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not host:port"));
    }
    host = std::string(address.substr(1, close - 1));
    port = address.substr(close + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == absl::string_view::npos || address.find(':') != colon) {
      return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" is not host:port"));
    }
    host = std::string(address.substr(0, colon));
    port = address.substr(colon + 1);
  }
  int port_number = 0;
  if (!absl::SimpleAtoi(port, &port_number) || port_number < 1 || port_number > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("\"", address, "\" has no valid port"));
  }
  bool loopback = host == "localhost" || host == "::1";
  const std::vector<absl::string_view> octets = absl::StrSplit(host, '.');
  if (octets.size() == 4 && octets[0] == "127") {
    loopback = true;
    for (absl::string_view octet : octets) {
      int value = -1;
      if (!absl::SimpleAtoi(octet, &value) || value < 0 || value > 255) loopback = false;
    }
  }
  if (!loopback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", address, "\" is not a loopback address; tandem-bench only loads servers on this "
                       "machine (127.0.0.1)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<BenchOptions> BenchOptionsFromFlags(const Flags& flags, const Clock& clock) {
  BenchOptions options;
  options.support_address = flags.GetString("support-address");
  options.success_address = flags.GetString("success-address");
  options.metrics_address = flags.GetString("metrics-address");
  for (const char* flag : {"support-address", "success-address", "metrics-address"}) {
    if (absl::Status status = CheckLoopbackAddress(flags.GetString(flag)); !status.ok()) {
      return Bad(flag, status.message());
    }
  }
  ASSIGN_OR_RETURN(options.scenario, ScenarioNamed(flags.GetString("scenario")));

  const int64_t concurrency = flags.GetInt("concurrency");
  if (concurrency < 1 || concurrency > 1024) return Bad("concurrency", "must be 1..1024");
  options.load.concurrency = static_cast<int>(concurrency);
  const int64_t channels = flags.GetInt("channels");
  if (channels < 0 || channels > 1024) return Bad("channels", "must be 0..1024");
  options.channels = channels == 0 ? options.load.concurrency
                                   : std::min<int>(static_cast<int>(channels),
                                                   options.load.concurrency);
  options.load.duration = flags.GetDuration("duration");
  if (options.load.duration <= absl::ZeroDuration() || options.load.duration > absl::Hours(1)) {
    return Bad("duration", "must be positive and at most 1h");
  }
  options.load.warmup = flags.GetDuration("warmup");
  if (options.load.warmup < absl::ZeroDuration() || options.load.warmup > absl::Minutes(10)) {
    return Bad("warmup", "must be 0..10m");
  }
  options.load.max_requests = flags.GetInt("max-requests");
  if (options.load.max_requests < 1 || options.load.max_requests > 100'000'000) {
    return Bad("max-requests", "must be 1..100000000");
  }

  options.workload.rpc_timeout = flags.GetDuration("rpc-timeout");
  if (options.workload.rpc_timeout <= absl::ZeroDuration() ||
      options.workload.rpc_timeout > absl::Minutes(1)) {
    return Bad("rpc-timeout", "must be positive and at most 1m");
  }
  const int64_t page_size = flags.GetInt("page-size");
  if (page_size < 1 || page_size > 500) return Bad("page-size", "must be 1..500");
  options.workload.list_page_size = static_cast<int>(page_size);
  const int64_t seed_tickets = flags.GetInt("seed-tickets");
  if (seed_tickets < 1 || seed_tickets > 100'000) return Bad("seed-tickets", "must be 1..100000");
  options.seed_tickets = static_cast<int>(seed_tickets);
  const int64_t seed_accounts = flags.GetInt("seed-accounts");
  if (seed_accounts < 1 || seed_accounts > 100'000) {
    return Bad("seed-accounts", "must be 1..100000");
  }
  options.seed_accounts = static_cast<int>(seed_accounts);

  options.json = flags.GetBool("json");
  options.json_out = flags.GetString("json-out");
  options.measure_feed_lag = flags.GetBool("feed-lag");
  options.feed_lag_timeout = flags.GetDuration("feed-lag-timeout");
  if (options.feed_lag_timeout <= absl::ZeroDuration() ||
      options.feed_lag_timeout > absl::Minutes(30)) {
    return Bad("feed-lag-timeout", "must be positive and at most 30m");
  }

  options.workload.run_id = absl::StrCat("bench-", NewIdAt(clock.Now()));
  options.workload.token = flags.GetString("token");
  if (options.workload.token.empty()) {
    ASSIGN_OR_RETURN(options.workload.token, MintToken(flags, clock));
  }
  return options;
}

}  // namespace tandem::bench

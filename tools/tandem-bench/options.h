// tandem-bench's settings: the flags (with TANDEM_BENCH_* variables), how
// they are checked, and the bearer token they give.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_OPTIONS_H_
#define TANDEM_TOOLS_TANDEM_BENCH_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/config.h"
#include "tools/tandem-bench/load_runner.h"
#include "tools/tandem-bench/scenario.h"
#include "tools/tandem-bench/workload.h"

namespace tandem::bench {

// Environment prefix of every flag: --duration is TANDEM_BENCH_DURATION.
inline constexpr absl::string_view kEnvPrefix = "TANDEM_BENCH";

// Everything a run needs, checked.
struct BenchOptions {
  std::string support_address;
  std::string success_address;
  std::string metrics_address;
  Scenario scenario;
  LoadOptions load;
  WorkloadOptions workload;
  // Channels (connections) per service; load threads share them in turn.
  int channels = 1;
  int seed_tickets = 200;
  int seed_accounts = 50;
  // Print JSON instead of tables.
  bool json = false;
  // File to write the JSON to as well, whatever is printed; empty for none.
  std::string json_out;
  // Whether to measure how long Metrics takes to consume the run's events.
  bool measure_feed_lag = true;
  // Longest wait for Metrics to catch up after the load.
  absl::Duration feed_lag_timeout = absl::Seconds(60);
};

// Declares every tandem-bench flag on `flags`.
void DeclareBenchFlags(Flags& flags);

// Reads and checks the parsed `flags`; mints a token (tenant --tenant, role
// admin, valid an hour after `clock`'s now) when --token is not given.
// Returns INVALID_ARGUMENT naming the flag at fault.
absl::StatusOr<BenchOptions> BenchOptionsFromFlags(const Flags& flags, const Clock& clock);

// Returns OK if `address` (host:port) names this machine's loopback
// interface: 127.0.0.0/8, localhost or [::1]. tandem-bench loads only
// servers on the machine it runs on.
absl::Status CheckLoopbackAddress(absl::string_view address);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_OPTIONS_H_

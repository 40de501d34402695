// tandem-bench: a load generator for Tandem's servers on this machine.
// Everything but the wiring lives in tandem_bench_lib.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include <grpc/support/log.h>

#include "common/clock.h"
#include "common/config.h"
#include "tools/tandem-bench/bench.h"
#include "tools/tandem-bench/options.h"
#include "tools/tandem-bench/report.h"

int main(int argc, char** argv) {
  using namespace tandem::bench;
  // Failed calls are counted in the report; gRPC's own log lines about them
  // are kept only on request.
  if (std::getenv("GRPC_VERBOSITY") == nullptr) gpr_set_log_function([](gpr_log_func_args*) {});

  tandem::Flags flags("tandem-bench", std::string(kEnvPrefix));
  DeclareBenchFlags(flags);
  if (absl::Status parsed = flags.Parse(argc, argv); !parsed.ok()) {
    std::cerr << "tandem-bench: " << parsed.message() << "\n";
    return 2;
  }
  if (flags.help_requested()) {
    std::cout << "Loads Tandem's servers on this machine with one scenario and reports latency, "
                 "throughput, status codes and how far Metrics falls behind.\n\n"
              << flags.Help();
    return 0;
  }
  const tandem::Clock& clock = tandem::SystemClock::Get();
  absl::StatusOr<BenchOptions> options = BenchOptionsFromFlags(flags, clock);
  if (!options.ok()) {
    std::cerr << "tandem-bench: " << options.status().message() << "\n";
    return 2;
  }
  absl::StatusOr<RunReport> report = RunBench(*options, clock);
  if (!report.ok()) {
    std::cerr << "tandem-bench: " << report.status().ToString() << "\n";
    return 1;
  }
  const nlohmann::json json = ReportJson(*report);
  if (options->json) {
    std::cout << json.dump() << "\n";
  } else {
    PrintReport(*report, std::cout);
  }
  if (!options->json_out.empty()) {
    std::ofstream file(options->json_out);
    file << json.dump(2) << "\n";
    if (!file.good()) {
      std::cerr << "tandem-bench: cannot write --json-out " << options->json_out << "\n";
      return 1;
    }
  }
  return 0;
}

// One tandem-bench run from start to end: open channels, create the data
// the scenario needs, watch the event feeds, run the load, and wait for
// Metrics to catch up.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_BENCH_H_
#define TANDEM_TOOLS_TANDEM_BENCH_BENCH_H_

#include "absl/status/statusor.h"
#include "common/clock.h"
#include "tools/tandem-bench/options.h"
#include "tools/tandem-bench/report.h"

namespace tandem::bench {

// Runs `options` against the servers they name. Fails before any load when
// a server does not answer the first calls (wrong address or token);
// failures of single calls during the load are counted, not returned.
absl::StatusOr<RunReport> RunBench(const BenchOptions& options, const Clock& clock);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_BENCH_H_

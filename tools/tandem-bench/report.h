// Turns a run's results into the tables people read and the JSON scripts
// read.
#ifndef TANDEM_TOOLS_TANDEM_BENCH_REPORT_H_
#define TANDEM_TOOLS_TANDEM_BENCH_REPORT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/tandem-bench/feed_lag.h"
#include "tools/tandem-bench/load_runner.h"
#include "tools/tandem-bench/scenario.h"

namespace tandem::bench {

// Everything one run produced, and how it was run.
struct RunReport {
  Scenario scenario;
  LoadOptions load;
  int channels = 1;
  LoadResult result;
  // Empty when the feed lag was not measured.
  std::vector<FeedCatchUp> feeds;
  // Why the feed lag was not measured, if it was asked for.
  std::string feed_lag_error;
};

// Returns the report as one JSON object: settings, the calls made (warm-up
// included), one entry per RPC with requests, errors by code, throughput and
// latency in milliseconds, the total, and each feed's lag.
nlohmann::json ReportJson(const RunReport& report);

// Writes the report as aligned tables for a terminal.
void PrintReport(const RunReport& report, std::ostream& out);

}  // namespace tandem::bench

#endif  // TANDEM_TOOLS_TANDEM_BENCH_REPORT_H_

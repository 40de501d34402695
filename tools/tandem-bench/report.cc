#include "tools/tandem-bench/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace tandem::bench {
namespace {

double Millis(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// Returns milliseconds, or null when `d` is unset.
nlohmann::json OptionalMillis(const std::optional<absl::Duration>& d) {
  return d.has_value() ? nlohmann::json(Millis(*d)) : nlohmann::json(nullptr);
}

// Returns "123ms", or "-" when `d` is unset.
std::string DurationCell(const std::optional<absl::Duration>& d) {
  return d.has_value() ? absl::StrFormat("%.0fms", Millis(*d)) : "-";
}

double PerSecond(int64_t count, absl::Duration elapsed) {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(count) / seconds : 0;
}

// Returns "NOT_FOUND=3 UNAVAILABLE=1" for every non-OK code seen.
std::string ErrorCodes(const OperationStats& stats) {
  std::vector<std::string> parts;
  for (int code = 1; code < kStatusCodeCount; ++code) {
    if (stats.codes()[code] > 0) {
      parts.push_back(absl::StrCat(StatusCodeName(code), "=", stats.codes()[code]));
    }
  }
  return absl::StrJoin(parts, " ");
}

nlohmann::json StatsJson(absl::string_view rpc, const OperationStats& stats,
                         absl::Duration elapsed) {
  const LatencySummary summary = stats.Summarize();
  nlohmann::json codes = nlohmann::json::object();
  for (int code = 0; code < kStatusCodeCount; ++code) {
    if (stats.codes()[code] > 0) codes[StatusCodeName(code)] = stats.codes()[code];
  }
  return {{"rpc", std::string(rpc)},
          {"requests", stats.count()},
          {"errors", stats.errors()},
          {"codes", codes},
          {"throughput_per_s", PerSecond(stats.count(), elapsed)},
          {"mean_ms", Millis(summary.mean)},
          {"p50_ms", Millis(summary.p50)},
          {"p90_ms", Millis(summary.p90)},
          {"p99_ms", Millis(summary.p99)},
          {"max_ms", Millis(summary.max)}};
}

void PrintRow(std::ostream& out, absl::string_view rpc, const OperationStats& stats,
              absl::Duration elapsed) {
  const LatencySummary summary = stats.Summarize();
  out << absl::StrFormat("%-22s %9d %7d %9.1f %8.2f %8.2f %8.2f %8.2f\n", rpc, stats.count(),
                         stats.errors(), PerSecond(stats.count(), elapsed), Millis(summary.p50),
                         Millis(summary.p90), Millis(summary.p99), Millis(summary.max));
}

}  // namespace

nlohmann::json ReportJson(const RunReport& report) {
  nlohmann::json rpcs = nlohmann::json::array();
  for (Operation op : kAllOperations) {
    const OperationStats& stats = report.result.stats[IndexOf(op)];
    if (stats.count() > 0) rpcs.push_back(StatsJson(OperationName(op), stats, report.result.elapsed));
  }
  nlohmann::json json = {
      {"scenario", report.scenario.name},
      {"concurrency", report.load.concurrency},
      {"channels", report.channels},
      {"warmup_s", absl::ToDoubleSeconds(report.load.warmup)},
      {"duration_s", absl::ToDoubleSeconds(report.load.duration)},
      {"elapsed_s", absl::ToDoubleSeconds(report.result.elapsed)},
      {"warmup_requests", report.result.warmup_calls},
      {"calls_made", report.result.warmup_calls + report.result.Total().count()},
      {"hit_request_cap", report.result.hit_request_cap},
      {"rpcs", rpcs},
      {"total", StatsJson("total", report.result.Total(), report.result.elapsed)},
  };
  nlohmann::json feeds = nlohmann::json::array();
  for (const FeedCatchUp& feed : report.feeds) {
    nlohmann::json entry = {{"feed", feed.feed},
                            {"events", feed.events},
                            {"max_behind_events", feed.max_behind},
                            {"max_unsequenced_events", feed.max_unsequenced},
                            {"behind_at_end_events", feed.behind_at_end},
                            {"unsequenced_at_end_events", feed.unsequenced_at_end},
                            {"sequenced_after_ms", OptionalMillis(feed.sequenced_after)},
                            {"caught_up_after_ms", OptionalMillis(feed.caught_up_after)},
                            {"metrics_reported_zero_after_ms",
                             OptionalMillis(feed.reported_zero_after)},
                            {"consumed_per_s", feed.consumed_per_second}};
    if (!feed.error.empty()) entry["error"] = feed.error;
    feeds.push_back(std::move(entry));
  }
  json["feeds"] = feeds;
  if (!report.feed_lag_error.empty()) json["feed_lag_error"] = report.feed_lag_error;
  return json;
}

void PrintReport(const RunReport& report, std::ostream& out) {
  const LoadResult& result = report.result;
  out << absl::StrFormat(
      "scenario %s: %s\n%d threads over %d channel(s) per service; %.1fs recorded after %.1fs "
      "warm-up (%d warm-up calls)%s\n\n",
      report.scenario.name, report.scenario.description, report.load.concurrency,
      report.channels, absl::ToDoubleSeconds(result.elapsed),
      absl::ToDoubleSeconds(report.load.warmup), result.warmup_calls,
      result.hit_request_cap ? "; stopped at --max-requests" : "");
  out << absl::StrFormat("%-22s %9s %7s %9s %8s %8s %8s %8s\n", "RPC", "requests", "errors",
                         "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms");
  int rows = 0;
  for (Operation op : kAllOperations) {
    const OperationStats& stats = result.stats[IndexOf(op)];
    if (stats.count() == 0) continue;
    PrintRow(out, OperationName(op), stats, result.elapsed);
    ++rows;
  }
  const OperationStats total = result.Total();
  if (rows > 1) PrintRow(out, "total", total, result.elapsed);
  for (Operation op : kAllOperations) {
    const std::string codes = ErrorCodes(result.stats[IndexOf(op)]);
    if (!codes.empty()) out << "  errors of " << OperationName(op) << ": " << codes << "\n";
  }

  if (!report.feed_lag_error.empty()) {
    out << "\nevent feed lag not measured: " << report.feed_lag_error << "\n";
  }
  if (report.feeds.empty()) return;
  out << "\nevent feeds: events = the run's creates; behind = not yet applied by Metrics, of "
         "which unsequenced = not yet given a cursor by the producer; times from the end of the "
         "load\n";
  out << absl::StrFormat("%-8s %7s %11s %11s %10s %10s %10s %10s %11s\n", "feed", "events",
                         "max behind", "(unseq.)", "at end", "(unseq.)", "sequenced",
                         "caught up", "consumed/s");
  for (const FeedCatchUp& feed : report.feeds) {
    if (feed.events == 0 && feed.error.empty()) {
      out << absl::StrFormat("%-8s %7d %11s\n", feed.feed, 0, "-");
      continue;
    }
    out << absl::StrFormat("%-8s %7d %11d %11d %10d %10d %10s %10s %11.1f\n", feed.feed,
                           feed.events, feed.max_behind, feed.max_unsequenced, feed.behind_at_end,
                           feed.unsequenced_at_end, DurationCell(feed.sequenced_after),
                           DurationCell(feed.caught_up_after), feed.consumed_per_second);
    if (feed.reported_zero_after.has_value()) {
      out << absl::StrFormat("%-8s Metrics' own lag_events first read 0 after %s\n", "",
                             DurationCell(feed.reported_zero_after));
    }
    if (!feed.error.empty()) out << absl::StrFormat("%-8s %s\n", "", feed.error);
  }
}

}  // namespace tandem::bench

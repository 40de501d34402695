// `tandemctl metrics ...` and `tandemctl freshness`: the Metrics service —
// the dashboard of every KPI, one KPI, a series, cohorts, settings,
// rebuilds, definitions and how far behind the feeds it is.
#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/metrics_format.h"
#include "tools/tandemctl/output.h"
#include "tools/tandemctl/success_format.h"

namespace tandem::ctl {
namespace {

using metrics::v1::MetricDefinition;
using metrics::v1::MetricsService;
using metrics::v1::MetricValue;

constexpr size_t kDisplayNameWidth = 40;
constexpr size_t kErrorWidth = 60;
constexpr size_t kNoteWidth = 70;
constexpr absl::Duration kRebuildPoll = absl::Seconds(1);
// `metrics rebuild --wait` gives up after this many polls (an hour).
constexpr int kMaxRebuildPolls = 3600;
constexpr char kWindowHelp[] =
    "The window: a period (2026-10-05, 2026-W41, 2026-10, 2026-Q4, 2026) or START..END dates, "
    "end exclusive (2026-10-01..2026-10-15), in the tenant's time zone.";

// The name of a KPI given as an id or a full name.
std::string MetricName(absl::string_view metric_or_id) {
  return absl::StrCat("metricDefinitions/", KpiId(metric_or_id));
}

void PrintKpiTable(std::ostream& out, const google::protobuf::RepeatedPtrField<MetricValue>& values,
                   bool by_period) {
  Table table({by_period ? "PERIOD" : "KPI", "VALUE", "NUM / DEN", "N", "NOTE"});
  for (const MetricValue& value : values) {
    table.AddRow({by_period ? FormatWindow(value.window()) : KpiId(value.metric()),
                  FormatKpiValue(value), FormatKpiFraction(value),
                  absl::StrCat(value.sample_size()),
                  OrDash(Truncate(FormatKpiNote(value), kNoteWidth))});
  }
  table.Print(out);
}

void PrintDashboard(std::ostream& out, const metrics::v1::Dashboard& dashboard) {
  out << "Window: " << FormatWindow(dashboard.window()) << ", end exclusive\n\nSUPPORT\n";
  PrintKpiTable(out, dashboard.support(), /*by_period=*/false);
  out << "\nSUCCESS\n";
  PrintKpiTable(out, dashboard.success(), /*by_period=*/false);
}

void PrintMetricValue(std::ostream& out, const MetricValue& value) {
  std::vector<std::pair<std::string, std::string>> lines = {
      {"metric", absl::StrCat(value.metric(), " (version ", value.definition_version(), ")")},
      {"window", FormatWindow(value.window())},
      {"segment", value.segment().dimension().empty()
                      ? "all"
                      : absl::StrCat(value.segment().dimension(), "=", value.segment().value())},
  };
  std::map<std::string, std::string> options(value.options().begin(), value.options().end());
  std::vector<std::string> option_texts;
  for (const auto& [name, option] : options)
    option_texts.push_back(absl::StrCat(name, "=", option));
  lines.emplace_back("options", OrDash(absl::StrJoin(option_texts, ", ")));
  lines.emplace_back("value", FormatKpiValue(value));
  if (!value.defined()) lines.emplace_back("why undefined", value.undefined_reason());
  lines.emplace_back("numerator", FormatNumber(value.numerator(), 4));
  lines.emplace_back("denominator", FormatNumber(value.denominator(), 4));
  lines.emplace_back("sample size", absl::StrCat(value.sample_size()));
  if (value.has_durations()) lines.emplace_back("durations", FormatKpiNote(value));
  size_t width = 0;
  for (const auto& [label, text] : lines) width = std::max(width, label.size());
  for (const auto& [label, text] : lines) {
    out << absl::StrFormat("%-*s  %s\n", static_cast<int>(width + 1), label + ":", text);
  }
}

// Reads --segment and every --option into a request's segment and options.
// Returns an exit code when the command line is wrong.
template <typename Request>
std::optional<int> ReadCut(const CommandContext& context, const CommandFlags& flags,
                           Request& request) {
  if (flags.IsSet("segment")) {
    auto segment = ParseAssignment(flags.GetString("segment"), "--segment");
    if (!segment.ok()) return context.UsageError(flags, segment.status().message());
    request.mutable_segment()->set_dimension(segment->first);
    request.mutable_segment()->set_value(segment->second);
  }
  for (const std::string& text : flags.GetList("option")) {
    auto option = ParseAssignment(text, "--option");
    if (!option.ok()) return context.UsageError(flags, option.status().message());
    (*request.mutable_options())[option->first] = option->second;
  }
  return std::nullopt;
}

void DeclareCut(CommandFlags& flags) {
  flags.AddString("segment", "",
                  "Only one segment, DIMENSION=VALUE: tier, plan, owner (success KPIs) or "
                  "channel, priority, type, group (support KPIs), e.g. tier=HIGH_TOUCH.");
  flags.AddList("option",
                "An option of the KPI, NAME=VALUE, e.g. hours=business or "
                "same_window_churn=include (see `metrics definitions`).");
}

// Reads --window. Returns an exit code when it is wrong.
std::optional<int> ReadWindow(const CommandContext& context, const CommandFlags& flags,
                              metrics::v1::Window& window) {
  auto parsed = ParseWindowFlag(flags.GetString("window"));
  if (!parsed.ok())
    return context.UsageError(flags, absl::StrCat("--window: ", parsed.status().message()));
  window = *std::move(parsed);
  return std::nullopt;
}

void PrintDefinitionTable(std::ostream& out,
                          const metrics::v1::ListMetricDefinitionsResponse& response) {
  Table table(
      {"NAME", "VERSION", "AREA", "UNIT", "GOOD DIRECTION", "SEGMENTS", "OPTIONS", "DISPLAY NAME"});
  for (const MetricDefinition& definition : response.metric_definitions()) {
    std::vector<std::string> options;
    for (const metrics::v1::MetricOption& option : definition.options()) {
      options.push_back(
          option.allowed_values().empty()
              ? option.name()
              : absl::StrCat(option.name(), "=", absl::StrJoin(option.allowed_values(), "|")));
    }
    table.AddRow({definition.name(), absl::StrCat(definition.version()), OrDash(definition.area()),
                  OrDash(definition.unit()),
                  MetricDefinition::Direction_Name(definition.good_direction()),
                  OrDash(absl::StrJoin(definition.segment_dimensions(), ",")),
                  OrDash(absl::StrJoin(options, " ")),
                  Truncate(definition.display_name(), kDisplayNameWidth)});
  }
  table.Print(out);
}

std::string RebuildLine(const metrics::v1::RollupRebuild& rebuild) {
  std::string line = absl::StrCat(metrics::v1::RollupRebuild::State_Name(rebuild.state()),
                                  ", started ", FormatTimestamp(rebuild.start_time()));
  if (rebuild.has_end_time())
    absl::StrAppend(&line, ", ended ", FormatTimestamp(rebuild.end_time()));
  absl::StrAppend(&line, ", ", rebuild.events_replayed(), " events replayed");
  if (!rebuild.error().empty()) absl::StrAppend(&line, ": ", rebuild.error());
  return line;
}

void PrintFreshnessTable(std::ostream& out, const metrics::v1::Freshness& freshness) {
  Table table({"FEED", "CURSOR", "HEAD", "LAG", "LAST EVENT", "LAST POLL", "ERROR"});
  for (const metrics::v1::FeedFreshness& feed : freshness.feeds()) {
    table.AddRow({feed.feed(), absl::StrCat(feed.cursor()), absl::StrCat(feed.head_cursor()),
                  absl::StrCat(feed.lag_events()), FormatTimestamp(feed.last_event_time()),
                  FormatTimestamp(feed.last_poll_time()),
                  OrDash(Truncate(feed.last_error(), kErrorWidth))});
  }
  table.Print(out);
  if (freshness.has_rebuild())
    out << "\nLatest rebuild: " << RebuildLine(freshness.rebuild()) << "\n";
}

void PrintSettings(std::ostream& out, const metrics::v1::MetricSettings& settings) {
  out << "time zone:     " << settings.time_zone() << "\n"
      << "gross margin:  " << FormatGrossMargin(settings.gross_margin_basis_points()) << " ("
      << settings.gross_margin_basis_points() << " basis points)\n"
      << "etag:          " << OrDash(settings.etag()) << "\n"
      << "updated:       " << FormatTimestamp(settings.update_time()) << "\n";
}

void PrintCohorts(std::ostream& out, const metrics::v1::CohortRetention& retention, bool revenue) {
  int columns = 0;
  for (const metrics::v1::Cohort& cohort : retention.cohorts()) {
    columns = std::max(columns, cohort.points_size());
  }
  std::vector<std::string> headers = {"COHORT", "CUSTOMERS", "START MRR"};
  for (int month = 0; month < columns; ++month) headers.push_back(absl::StrCat("M", month));
  Table table(std::move(headers));
  for (const metrics::v1::Cohort& cohort : retention.cohorts()) {
    std::vector<std::string> row = {cohort.month(), absl::StrCat(cohort.customers()),
                                    FormatMoney(cohort.starting_mrr_minor(), "")};
    for (int month = 0; month < columns; ++month) {
      if (month >= cohort.points_size() || cohort.customers() == 0) {
        row.push_back("-");
        continue;
      }
      const metrics::v1::CohortPoint& point = cohort.points(month);
      row.push_back(absl::StrFormat(
          "%.1f %%", revenue ? point.revenue_retention_percent() : point.logo_retention_percent()));
    }
    table.AddRow(std::move(row));
  }
  out << (revenue ? "Revenue" : "Logo") << " retention by start month (M0 = the start month; "
      << "START MRR in major units):\n";
  table.Print(out);
}

}  // namespace

int RunMetricsDefinitions(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics definitions", "Lists the KPI definitions the tenant can ask for.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/false, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Metrics(),
                      &MetricsService::StubInterface::ListMetricDefinitions,
                      metrics::v1::ListMetricDefinitionsRequest(), PrintDefinitionTable);
}

int RunMetricsDashboard(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics dashboard",
                     "Every support and success KPI for a window, as two tables: value in its "
                     "unit, numerator / denominator, sample size (N), and notes.");
  flags.AddString("window", "", kWindowHelp, /*required=*/true);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  metrics::v1::GetDashboardRequest request;
  if (auto exit_code = ReadWindow(context, flags, *request.mutable_window())) return *exit_code;
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::GetDashboard, request, PrintDashboard);
}

int RunMetricsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags(
      "metrics get",
      "One KPI (METRIC: an id such as csat, or metricDefinitions/csat) for a window, "
      "with what it was computed from.");
  flags.AddPositional("METRIC");
  flags.AddString("window", "", kWindowHelp, /*required=*/true);
  DeclareCut(flags);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  metrics::v1::GetMetricRequest request;
  request.set_metric(MetricName(flags.positionals()[0]));
  if (auto exit_code = ReadWindow(context, flags, *request.mutable_window())) return *exit_code;
  if (auto exit_code = ReadCut(context, flags, request)) return *exit_code;
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::GetMetric, request, PrintMetricValue);
}

int RunMetricsSeries(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics series",
                     "One KPI for every day, week or month of a window (which must start and end "
                     "on the granularity's boundaries; at most 400 points).");
  flags.AddPositional("METRIC");
  flags.AddString("window", "", kWindowHelp, /*required=*/true);
  flags.AddEnum("granularity", metrics::v1::GetMetricSeriesRequest::Granularity_descriptor(),
                "DAY, WEEK (ISO, Monday first) or MONTH (required).");
  DeclareCut(flags);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  metrics::v1::GetMetricSeriesRequest request;
  request.set_metric(MetricName(flags.positionals()[0]));
  request.set_granularity(
      static_cast<metrics::v1::GetMetricSeriesRequest::Granularity>(flags.GetEnum("granularity")));
  if (request.granularity() == metrics::v1::GetMetricSeriesRequest::GRANULARITY_UNSPECIFIED) {
    return context.UsageError(flags, "--granularity is required: DAY, WEEK or MONTH");
  }
  if (auto exit_code = ReadWindow(context, flags, *request.mutable_window())) return *exit_code;
  if (auto exit_code = ReadCut(context, flags, request)) return *exit_code;
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::GetMetricSeries, request,
                      [](std::ostream& out, const metrics::v1::MetricSeries& series) {
                        out << series.metric() << "\n";
                        PrintKpiTable(out, series.points(), /*by_period=*/true);
                      });
}

int RunMetricsCohorts(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics cohorts",
                     "Retention of customers grouped by the month of their first NEW movement: "
                     "one row per start month, one column per month since.");
  flags.AddString("from", "", "First cohort month, YYYY-MM.", /*required=*/true);
  flags.AddString("to", "", "Last cohort month (inclusive), YYYY-MM.", /*required=*/true);
  flags.AddString("through", "", "Last month to report, YYYY-MM; default the current month.");
  flags.AddBool("revenue", false, "Show revenue retention (MRR) instead of logo retention.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  metrics::v1::GetCohortRetentionRequest request;
  request.set_start_month(flags.GetString("from"));
  request.set_end_month(flags.GetString("to"));
  request.set_through_month(flags.GetString("through"));
  const bool revenue = flags.GetBool("revenue");
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::GetCohortRetention, request,
                      [revenue](std::ostream& out, const metrics::v1::CohortRetention& retention) {
                        PrintCohorts(out, retention, revenue);
                      });
}

int RunMetricsSettings(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics settings",
                     "Prints the tenant's metric settings; with --time-zone or --gross-margin "
                     "changes them (admin). A new time zone rebuilds the tenant's rollups.");
  flags.AddString("time-zone", "", "IANA time zone windows follow, e.g. Europe/Paris.");
  flags.AddString("gross-margin", "", "Gross margin LTV uses, as a percentage, e.g. 80%.");
  flags.AddString("etag", "", "Refuse the change if the settings changed since this etag.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  if (!flags.IsSet("time-zone") && !flags.IsSet("gross-margin")) {
    return CallAndPrint(context, context.clients->Metrics(),
                        &MetricsService::StubInterface::GetMetricSettings,
                        metrics::v1::GetMetricSettingsRequest(), PrintSettings);
  }
  metrics::v1::UpdateMetricSettingsRequest request;
  metrics::v1::MetricSettings& settings = *request.mutable_settings();
  settings.set_etag(flags.GetString("etag"));
  UpdateMask mask(flags, *request.mutable_update_mask());
  if (mask("time-zone", "time_zone")) settings.set_time_zone(flags.GetString("time-zone"));
  if (mask("gross-margin", "gross_margin_basis_points")) {
    absl::StatusOr<int32_t> margin = ParseGrossMargin(flags.GetString("gross-margin"));
    if (!margin.ok()) {
      return context.UsageError(flags, absl::StrCat("--gross-margin: ", margin.status().message()));
    }
    settings.set_gross_margin_basis_points(*margin);
  }
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::UpdateMetricSettings, request, PrintSettings);
}

int RunMetricsRebuild(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics rebuild",
                     "Replays both feeds into fresh rollups for the tenant (admin); the old "
                     "rollups serve until the new ones replace them.");
  flags.AddBool("wait", false,
                "Wait for the rebuild to end (polls freshness every second, for up to an hour).");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  auto stub = context.clients->Metrics();
  if (!stub.ok()) return context.Fail(stub.status());
  metrics::v1::RollupRebuild rebuild;
  if (grpc::Status status = Call(context, **stub, &MetricsService::StubInterface::RebuildRollups,
                                 metrics::v1::RebuildRollupsRequest(), &rebuild);
      !status.ok()) {
    return context.Fail(status);
  }
  // Polls first and sleeps after, so a rebuild that is over by the first
  // poll costs no wait.
  for (int polls = 0;
       flags.GetBool("wait") && rebuild.state() == metrics::v1::RollupRebuild::RUNNING &&
       polls < kMaxRebuildPolls;
       ++polls) {
    if (polls > 0) absl::SleepFor(kRebuildPoll);
    metrics::v1::Freshness freshness;
    if (grpc::Status status = Call(context, **stub, &MetricsService::StubInterface::GetFreshness,
                                   metrics::v1::GetFreshnessRequest(), &freshness);
        !status.ok()) {
      return context.Fail(status);
    }
    // Until the record of this rebuild shows, an older one may be reported.
    if (freshness.rebuild().start_time().seconds() < rebuild.start_time().seconds()) continue;
    rebuild = freshness.rebuild();
  }
  const int exit_code = context.Print(
      rebuild, [&](std::ostream& out) { out << "Rebuild: " << RebuildLine(rebuild) << "\n"; });
  return rebuild.state() == metrics::v1::RollupRebuild::FAILED ? kExitFailure : exit_code;
}

int RunFreshness(const CommandContext& context, const Args& args) {
  CommandFlags flags("freshness",
                     "Shows how far behind the Metrics service is on each event feed it "
                     "consumes, and the tenant's latest rollup rebuild.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  return CallAndPrint(context, context.clients->Metrics(),
                      &MetricsService::StubInterface::GetFreshness, {}, PrintFreshnessTable);
}

}  // namespace tandem::ctl

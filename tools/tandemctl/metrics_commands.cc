// `tandemctl metrics definitions` and `tandemctl freshness`: the Metrics
// service.
#include "absl/strings/str_cat.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using metrics::v1::MetricDefinition;

constexpr size_t kDisplayNameWidth = 40;
constexpr size_t kErrorWidth = 60;

void PrintDefinitionTable(std::ostream& out,
                          const metrics::v1::ListMetricDefinitionsResponse& response) {
  Table table({"NAME", "VERSION", "UNIT", "GOOD DIRECTION", "DISPLAY NAME"});
  for (const MetricDefinition& definition : response.metric_definitions()) {
    table.AddRow({definition.name(), absl::StrCat(definition.version()), OrDash(definition.unit()),
                  MetricDefinition::Direction_Name(definition.good_direction()),
                  Truncate(definition.display_name(), kDisplayNameWidth)});
  }
  table.Print(out);
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
}

}  // namespace

int RunMetricsDefinitions(const CommandContext& context, const Args& args) {
  CommandFlags flags("metrics definitions", "Lists the KPI definitions the tenant can ask for.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/false, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Metrics(),
                      &metrics::v1::MetricsService::StubInterface::ListMetricDefinitions,
                      metrics::v1::ListMetricDefinitionsRequest(), PrintDefinitionTable);
}

int RunFreshness(const CommandContext& context, const Args& args) {
  CommandFlags flags("freshness",
                     "Shows how far behind the Metrics service is on each event feed it "
                     "consumes.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  return CallAndPrint(context, context.clients->Metrics(),
                      &metrics::v1::MetricsService::StubInterface::GetFreshness, {},
                      PrintFreshnessTable);
}

}  // namespace tandem::ctl

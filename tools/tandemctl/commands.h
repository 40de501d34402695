// Every tandemctl command. Each one parses the words after its name,
// makes its calls through context.clients and returns the exit code.
#ifndef TANDEM_TOOLS_TANDEMCTL_COMMANDS_H_
#define TANDEM_TOOLS_TANDEMCTL_COMMANDS_H_

#include <string>
#include <vector>

#include "tools/tandemctl/command.h"

namespace tandem::ctl {

using Args = std::vector<std::string>;

// `token`: prints a JWT signed with the --jwt-* settings.
int RunToken(const CommandContext& context, const Args& args);

// `accounts create|get|list|update` against Success.
int RunAccountsCreate(const CommandContext& context, const Args& args);
int RunAccountsGet(const CommandContext& context, const Args& args);
int RunAccountsList(const CommandContext& context, const Args& args);
int RunAccountsUpdate(const CommandContext& context, const Args& args);

// `success ...`: the everyday views of the Success service (book of
// business, an account's health, my open CTAs, renewals due) and the small
// writes that feed them.
int RunSuccessBook(const CommandContext& context, const Args& args);
int RunSuccessHealth(const CommandContext& context, const Args& args);
int RunSuccessCtas(const CommandContext& context, const Args& args);
// `success cta complete|cancel|snooze|wake|get|open`.
int RunSuccessCta(const CommandContext& context, const Args& args);
int RunSuccessRenewals(const CommandContext& context, const Args& args);
// `success mrr record`.
int RunSuccessMrr(const CommandContext& context, const Args& args);
// `success usage ingest`.
int RunSuccessUsage(const CommandContext& context, const Args& args);
// `success key-features`: prints or (with --set) replaces them.
int RunSuccessKeyFeatures(const CommandContext& context, const Args& args);

// `tickets create|get|list` against Support.
int RunTicketsCreate(const CommandContext& context, const Args& args);
int RunTicketsGet(const CommandContext& context, const Args& args);
int RunTicketsList(const CommandContext& context, const Args& args);
int RunTicketsUpdate(const CommandContext& context, const Args& args);
int RunTicketsReply(const CommandContext& context, const Args& args);
int RunTicketsNote(const CommandContext& context, const Args& args);
int RunTicketsMessages(const CommandContext& context, const Args& args);
int RunTicketsHistory(const CommandContext& context, const Args& args);
int RunTicketsEscalate(const CommandContext& context, const Args& args);
int RunTicketsRate(const CommandContext& context, const Args& args);
int RunTicketsMerge(const CommandContext& context, const Args& args);
int RunTicketsImport(const CommandContext& context, const Args& args);
int RunTicketsSla(const CommandContext& context, const Args& args);

// `statuses list|create|update`: custom status labels in Support.
int RunStatusesList(const CommandContext& context, const Args& args);
int RunStatusesCreate(const CommandContext& context, const Args& args);
int RunStatusesUpdate(const CommandContext& context, const Args& args);

// `agents create|get|list|update|delete` and `groups create|get|list|delete`
// against Support's AgentService.
int RunAgentsCreate(const CommandContext& context, const Args& args);
int RunAgentsGet(const CommandContext& context, const Args& args);
int RunAgentsList(const CommandContext& context, const Args& args);
int RunAgentsUpdate(const CommandContext& context, const Args& args);
int RunAgentsDelete(const CommandContext& context, const Args& args);
int RunGroupsCreate(const CommandContext& context, const Args& args);
int RunGroupsGet(const CommandContext& context, const Args& args);
int RunGroupsList(const CommandContext& context, const Args& args);
int RunGroupsDelete(const CommandContext& context, const Args& args);

// `calendars create|get|list` and `sla-policies create|get|list`: SLA
// configuration in Support.
int RunCalendarsCreate(const CommandContext& context, const Args& args);
int RunCalendarsGet(const CommandContext& context, const Args& args);
int RunCalendarsList(const CommandContext& context, const Args& args);
int RunSlaPoliciesCreate(const CommandContext& context, const Args& args);
int RunSlaPoliciesGet(const CommandContext& context, const Args& args);
int RunSlaPoliciesList(const CommandContext& context, const Args& args);

// `kb create|get|list|publish|search` (articles) and
// `kb create-category|get-category|list-categories` against Support.
int RunKbCreate(const CommandContext& context, const Args& args);
int RunKbGet(const CommandContext& context, const Args& args);
int RunKbList(const CommandContext& context, const Args& args);
int RunKbPublish(const CommandContext& context, const Args& args);
int RunKbSearch(const CommandContext& context, const Args& args);
int RunKbCategoryCreate(const CommandContext& context, const Args& args);
int RunKbCategoryGet(const CommandContext& context, const Args& args);
int RunKbCategoryList(const CommandContext& context, const Args& args);

// `metrics definitions|dashboard|get|series|cohorts|settings|rebuild` and
// `freshness` against Metrics.
int RunMetricsDefinitions(const CommandContext& context, const Args& args);
int RunMetricsDashboard(const CommandContext& context, const Args& args);
int RunMetricsGet(const CommandContext& context, const Args& args);
int RunMetricsSeries(const CommandContext& context, const Args& args);
int RunMetricsCohorts(const CommandContext& context, const Args& args);
int RunMetricsSettings(const CommandContext& context, const Args& args);
int RunMetricsRebuild(const CommandContext& context, const Args& args);
int RunFreshness(const CommandContext& context, const Args& args);

// `events list`: one service's event feed.
int RunEventsList(const CommandContext& context, const Args& args);

// `health`: the gRPC health status of every service. Exits 1 unless all
// are SERVING.
int RunHealth(const CommandContext& context, const Args& args);

// Returns every command above, in the order help lists them.
std::vector<Command> AllCommands();

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_COMMANDS_H_

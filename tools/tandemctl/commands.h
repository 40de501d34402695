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

// `accounts create|get|list` against Success.
int RunAccountsCreate(const CommandContext& context, const Args& args);
int RunAccountsGet(const CommandContext& context, const Args& args);
int RunAccountsList(const CommandContext& context, const Args& args);

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

// `statuses list|create|update`: custom status labels in Support.
int RunStatusesList(const CommandContext& context, const Args& args);
int RunStatusesCreate(const CommandContext& context, const Args& args);
int RunStatusesUpdate(const CommandContext& context, const Args& args);

// `metrics definitions` and `freshness` against Metrics.
int RunMetricsDefinitions(const CommandContext& context, const Args& args);
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

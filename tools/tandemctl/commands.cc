// The table of every tandemctl command, in the order help lists them.
#include "tools/tandemctl/commands.h"

namespace tandem::ctl {

std::vector<Command> AllCommands() {
  return {
      {"token", "", "Prints a signed bearer token (JWT) for a tenant and roles.", RunToken},
      {"accounts", "create", "Creates an account (Success).", RunAccountsCreate},
      {"accounts", "get", "Prints one account.", RunAccountsGet},
      {"accounts", "list", "Lists accounts.", RunAccountsList},
      {"tickets", "create", "Creates a ticket (Support).", RunTicketsCreate},
      {"tickets", "get", "Prints one ticket.", RunTicketsGet},
      {"tickets", "list", "Lists tickets.", RunTicketsList},
      {"tickets", "update", "Changes a ticket's fields or status.", RunTicketsUpdate},
      {"tickets", "reply", "Posts a public reply on a ticket.", RunTicketsReply},
      {"tickets", "note", "Posts an internal note on a ticket.", RunTicketsNote},
      {"tickets", "messages", "Lists a ticket's messages.", RunTicketsMessages},
      {"tickets", "history", "Lists a ticket's recorded changes.", RunTicketsHistory},
      {"tickets", "escalate", "Raises a ticket's support tier.", RunTicketsEscalate},
      {"tickets", "rate", "Records a CSAT rating of a solved ticket.", RunTicketsRate},
      {"tickets", "merge", "Merges a ticket into another.", RunTicketsMerge},
      {"tickets", "import", "Imports a ticket's history from a JSON file.", RunTicketsImport},
      {"statuses", "list", "Lists custom status labels.", RunStatusesList},
      {"statuses", "create", "Creates a custom status label.", RunStatusesCreate},
      {"statuses", "update", "Changes a custom status label.", RunStatusesUpdate},
      {"metrics", "definitions", "Lists the KPI definitions (Metrics).", RunMetricsDefinitions},
      {"freshness", "", "Shows how far behind Metrics is on each event feed.", RunFreshness},
      {"events", "list", "Lists the events of the support or success feed.", RunEventsList},
      {"health", "", "Checks the gRPC health of every service.", RunHealth},
  };
}

}  // namespace tandem::ctl

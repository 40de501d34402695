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
      {"agents", "create", "Creates an agent (Support).", RunAgentsCreate},
      {"agents", "get", "Prints one agent with their load.", RunAgentsGet},
      {"agents", "list", "Lists agents.", RunAgentsList},
      {"agents", "update", "Changes an agent's availability, capacity, groups...", RunAgentsUpdate},
      {"agents", "delete", "Deletes an agent no ticket names.", RunAgentsDelete},
      {"groups", "create", "Creates a group of agents.", RunGroupsCreate},
      {"groups", "get", "Prints one group.", RunGroupsGet},
      {"groups", "list", "Lists groups.", RunGroupsList},
      {"groups", "delete", "Deletes a group.", RunGroupsDelete},
      {"calendars", "create", "Creates a business calendar for SLAs.", RunCalendarsCreate},
      {"calendars", "get", "Prints one business calendar.", RunCalendarsGet},
      {"calendars", "list", "Lists business calendars.", RunCalendarsList},
      {"sla-policies", "create", "Creates an SLA policy.", RunSlaPoliciesCreate},
      {"sla-policies", "get", "Prints one SLA policy.", RunSlaPoliciesGet},
      {"sla-policies", "list", "Lists SLA policies in the order they are tried.",
       RunSlaPoliciesList},
      {"kb", "create", "Creates a knowledge-base article (a draft unless --publish).",
       RunKbCreate},
      {"kb", "get", "Prints one article.", RunKbGet},
      {"kb", "list", "Lists articles.", RunKbList},
      {"kb", "publish", "Publishes (or unpublishes) an article.", RunKbPublish},
      {"kb", "search", "Searches articles, best match first.", RunKbSearch},
      {"kb", "create-category", "Creates a category of articles.", RunKbCategoryCreate},
      {"kb", "get-category", "Prints one category.", RunKbCategoryGet},
      {"kb", "list-categories", "Lists categories.", RunKbCategoryList},
      {"metrics", "definitions", "Lists the KPI definitions (Metrics).", RunMetricsDefinitions},
      {"freshness", "", "Shows how far behind Metrics is on each event feed.", RunFreshness},
      {"events", "list", "Lists the events of the support or success feed.", RunEventsList},
      {"health", "", "Checks the gRPC health of every service.", RunHealth},
  };
}

}  // namespace tandem::ctl

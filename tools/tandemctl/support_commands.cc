// `tandemctl tickets ...` and `tandemctl statuses ...`: tickets and their
// custom status labels in the Support service.
#include <fstream>
#include <functional>
#include <sstream>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/str_cat.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

using support::v1::Ticket;

constexpr size_t kSubjectWidth = 40;

void PrintTicketTable(std::ostream& out, const support::v1::ListTicketsResponse& response) {
  Table table({"NAME", "STATUS", "PRIORITY", "CHANNEL", "SUBJECT", "CREATED"});
  for (const Ticket& ticket : response.tickets()) {
    table.AddRow({ticket.name(), Ticket::Status_Name(ticket.status()),
                  Ticket::Priority_Name(ticket.priority()), Ticket::Channel_Name(ticket.channel()),
                  Truncate(ticket.subject(), kSubjectWidth),
                  FormatTimestamp(ticket.create_time())});
  }
  table.Print(out);
}

void PrintMessageTable(std::ostream& out, const support::v1::ListMessagesResponse& response) {
  Table table({"TIME", "AUTHOR", "TYPE", "VISIBILITY", "BODY"});
  for (const support::v1::Message& message : response.messages()) {
    table.AddRow({FormatTimestamp(message.create_time()), message.author(),
                  support::v1::Message::AuthorType_Name(message.author_type()),
                  message.internal() ? "internal" : "public",
                  Truncate(message.body(), kSubjectWidth)});
  }
  table.Print(out);
}

void PrintCustomStatusTable(std::ostream& out,
                            const support::v1::ListCustomStatusesResponse& response) {
  Table table({"NAME", "CATEGORY", "AGENT LABEL", "CUSTOMER LABEL", "ACTIVE"});
  for (const support::v1::CustomStatus& status : response.custom_statuses()) {
    table.AddRow({status.name(), Ticket::Status_Name(status.category()), status.agent_label(),
                  status.customer_label(), status.active() ? "yes" : "no"});
  }
  table.Print(out);
}

void PrintChangeTable(std::ostream& out, const support::v1::ListTicketChangesResponse& response) {
  Table table({"TIME", "ACTOR", "FIELD", "FROM", "TO"});
  for (const support::v1::TicketChange& change : response.changes()) {
    table.AddRow({FormatTimestamp(change.change_time()), change.actor(), change.field(),
                  Truncate(change.old_value(), kSubjectWidth),
                  Truncate(change.new_value(), kSubjectWidth)});
  }
  table.Print(out);
}

// Posts a message on the ticket named by the first positional argument.
int PostMessage(const CommandContext& context, CommandFlags& flags, const Args& args,
                bool internal) {
  flags.AddString("body", "", "The text of the message.");
  flags.AddString("request-id", "", "Idempotency key: a retry with the same key posts once.");
  if (!internal) {
    flags.AddEnum("as", support::v1::Message::AuthorType_descriptor(),
                  "Who writes it: CUSTOMER (e.g. a forwarded e-mail), AGENT (default) or SYSTEM.");
    flags.AddString("author-email", "", "E-mail address of a customer author.");
  }
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;

  support::v1::CreateMessageRequest request;
  request.set_parent(name);
  request.set_request_id(flags.GetString("request-id"));
  support::v1::Message& message = *request.mutable_message();
  message.set_body(flags.GetString("body"));
  message.set_internal(internal);
  message.set_author_type(support::v1::Message::AGENT);
  if (!internal && flags.IsSet("as")) {
    message.set_author_type(static_cast<support::v1::Message::AuthorType>(flags.GetEnum("as")));
  }
  if (!internal) message.set_author_email(flags.GetString("author-email"));
  return CallAndPrint(context, context.clients->Support(),
                      &support::v1::SupportService::StubInterface::CreateMessage, request);
}

// Runs a command that lists something of one ticket (NAME_OR_ID plus the
// paging flags): `method` on the Support stub, page by page, printed with
// `print_table` (or as JSON). `customize` sets the request's own fields.
template <typename Request, typename Response>
int ListOfTicket(const CommandContext& context, CommandFlags& flags, const Args& args,
                 UnaryMethod<support::v1::SupportService::StubInterface, Request, Response> method,
                 const std::function<void(Request&)>& customize,
                 void (*print_table)(std::ostream&, const Response&)) {
  ListFlags::Declare(flags, /*filterable=*/false);
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  absl::StatusOr<ListFlags> list = ListFlags::Read(flags, /*filterable=*/false);
  if (!list.ok()) return context.UsageError(flags, list.status().message());
  Request request;
  request.set_parent(name);
  customize(request);
  return ListAndPrint(context, flags, *list, context.clients->Support(), method, request,
                      print_table);
}

// Calls one unary Support method with `request` and prints the answer.
template <typename Request, typename Response>
int CallSupport(const CommandContext& context,
                UnaryMethod<support::v1::SupportService::StubInterface, Request, Response> method,
                const Request& request) {
  return CallAndPrint(context, context.clients->Support(), method, request);
}

}  // namespace

int RunTicketsCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets create", "Creates a ticket in Support and prints it.");
  flags.AddString("subject", "", "One-line summary (the server requires it).");
  flags.AddString("description", "", "The full request.");
  flags.AddString("account", "", "The customer's account in Success: accounts/ID or ID.");
  flags.AddString("requester-email", "", "E-mail address of the person asking.");
  flags.AddEnum("channel", Ticket::Channel_descriptor(), "Where the request came from.");
  flags.AddEnum("type", Ticket::Type_descriptor(), "What kind of request it is.");
  flags.AddEnum("priority", Ticket::Priority_descriptor(), "How urgent it is.");
  flags.AddList("tag", "A label for the ticket.");
  flags.AddString("request-id", "",
                  "Idempotency key: a retry with the same key creates nothing new.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  support::v1::CreateTicketRequest request;
  Ticket& ticket = *request.mutable_ticket();
  if (const std::string& account = flags.GetString("account"); !account.empty()) {
    absl::StatusOr<std::string> name = ResourceNameOf("accounts", account);
    if (!name.ok())
      return context.UsageError(flags, absl::StrCat("--account: ", name.status().message()));
    ticket.set_account(*name);
  }
  ticket.set_subject(flags.GetString("subject"));
  ticket.set_description(flags.GetString("description"));
  ticket.set_requester_email(flags.GetString("requester-email"));
  ticket.set_channel(static_cast<Ticket::Channel>(flags.GetEnum("channel")));
  ticket.set_type(static_cast<Ticket::Type>(flags.GetEnum("type")));
  ticket.set_priority(static_cast<Ticket::Priority>(flags.GetEnum("priority")));
  for (const std::string& tag : flags.GetList("tag")) ticket.add_tags(tag);
  request.set_request_id(flags.GetString("request-id"));
  return CallSupport(context, &support::v1::SupportService::StubInterface::CreateTicket, request);
}

int RunTicketsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets get", "Prints one ticket; NAME_OR_ID is tickets/ID or ID.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  support::v1::GetTicketRequest request;
  request.set_name(name);
  return CallSupport(context, &support::v1::SupportService::StubInterface::GetTicket, request);
}

int RunTicketsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets list",
                     "Lists tickets, newest first. Filter fields: status, priority, channel, type, "
                     "account, requester_email.");
  ListFlags list;
  if (auto exit_code = ParseListFlags(context, flags, args, /*filterable=*/true, list)) {
    return *exit_code;
  }
  return ListAndPrint(context, flags, list, context.clients->Support(),
                      &support::v1::SupportService::StubInterface::ListTickets,
                      support::v1::ListTicketsRequest(), PrintTicketTable);
}

int RunTicketsUpdate(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets update",
                     "Changes the fields given as flags (only those), e.g. --status SOLVED.");
  flags.AddString("subject", "", "New one-line summary.");
  flags.AddString("description", "", "New full request.");
  flags.AddString("requester-email", "", "New requester e-mail address.");
  flags.AddEnum("type", Ticket::Type_descriptor(), "New type.");
  flags.AddEnum("priority", Ticket::Priority_descriptor(), "New priority.");
  flags.AddEnum("status", Ticket::Status_descriptor(), "New status (the workflow decides).");
  flags.AddList("tag", "The ticket's tags, replacing the old ones.");
  flags.AddString("assignee", "", "The agent to assign, agents/ID (empty: unassign).");
  flags.AddString("group", "", "The group to route to, groups/ID.");
  flags.AddString("custom-status", "",
                  "A custom status label, customStatuses/ID (the ticket takes its category).");
  flags.AddString("etag", "", "Refuse the update if the ticket changed since this etag.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;

  support::v1::UpdateTicketRequest request;
  Ticket& ticket = *request.mutable_ticket();
  ticket.set_name(name);
  ticket.set_etag(flags.GetString("etag"));
  UpdateMask mask(flags, *request.mutable_update_mask());
  if (mask("subject", "subject")) ticket.set_subject(flags.GetString("subject"));
  if (mask("description", "description")) ticket.set_description(flags.GetString("description"));
  if (mask("requester-email", "requester_email")) {
    ticket.set_requester_email(flags.GetString("requester-email"));
  }
  if (mask("type", "type")) ticket.set_type(static_cast<Ticket::Type>(flags.GetEnum("type")));
  if (mask("priority", "priority")) {
    ticket.set_priority(static_cast<Ticket::Priority>(flags.GetEnum("priority")));
  }
  if (mask("status", "status")) {
    ticket.set_status(static_cast<Ticket::Status>(flags.GetEnum("status")));
  }
  if (mask("tag", "tags")) {
    for (const std::string& tag : flags.GetList("tag")) ticket.add_tags(tag);
  }
  if (mask("assignee", "assignee")) ticket.set_assignee(flags.GetString("assignee"));
  if (mask("group", "group")) ticket.set_group(flags.GetString("group"));
  if (mask("custom-status", "custom_status")) {
    ticket.set_custom_status(flags.GetString("custom-status"));
  }
  if (mask.empty()) {
    return context.UsageError(flags, "give at least one field to change, e.g. --status SOLVED");
  }
  return CallSupport(context, &support::v1::SupportService::StubInterface::UpdateTicket, request);
}

int RunTicketsReply(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets reply", "Posts a public reply the requester sees.");
  return PostMessage(context, flags, args, /*internal=*/false);
}

int RunTicketsNote(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets note", "Posts an internal note only the team sees.");
  return PostMessage(context, flags, args, /*internal=*/true);
}

int RunTicketsMessages(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets messages", "Lists a ticket's messages, oldest first.");
  flags.AddBool("public-only", false, "Leave internal notes out.");
  return ListOfTicket<support::v1::ListMessagesRequest, support::v1::ListMessagesResponse>(
      context, flags, args, &support::v1::SupportService::StubInterface::ListMessages,
      [&](support::v1::ListMessagesRequest& request) {
        request.set_public_only(flags.GetBool("public-only"));
      },
      PrintMessageTable);
}

int RunTicketsHistory(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets history", "Lists who changed what on a ticket, oldest first.");
  return ListOfTicket<support::v1::ListTicketChangesRequest,
                      support::v1::ListTicketChangesResponse>(
      context, flags, args, &support::v1::SupportService::StubInterface::ListTicketChanges,
      [](support::v1::ListTicketChangesRequest&) {}, PrintChangeTable);
}

int RunTicketsEscalate(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets escalate", "Raises a ticket to the next (or --tier) support tier.");
  flags.AddString("reason", "", "Why (required).");
  flags.AddInt("tier", 0, "The tier to raise to, 2 or 3; 0 for the next one.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  support::v1::EscalateTicketRequest request;
  request.set_name(name);
  request.set_reason(flags.GetString("reason"));
  request.set_tier(static_cast<int32_t>(flags.GetInt("tier")));
  return CallSupport(context, &support::v1::SupportService::StubInterface::EscalateTicket, request);
}

int RunTicketsRate(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets rate", "Records the customer's CSAT rating of a SOLVED ticket.");
  flags.AddInt("score", 0, "1 (very unhappy) to 5 (very happy).");
  flags.AddString("comment", "", "What the customer said.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  support::v1::RateTicketRequest request;
  request.set_name(name);
  request.mutable_rating()->set_score(static_cast<int32_t>(flags.GetInt("score")));
  request.mutable_rating()->set_comment(flags.GetString("comment"));
  return CallSupport(context, &support::v1::SupportService::StubInterface::RateTicket, request);
}

int RunTicketsMerge(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets merge",
                     "Merges a ticket into another (--into); the merged one is closed.");
  flags.AddString("into", "", "The ticket to keep, tickets/ID or ID (required).");
  flags.AddString("comment", "", "Added to the notes on both tickets.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  absl::StatusOr<std::string> target = ResourceNameOf("tickets", flags.GetString("into"));
  if (!target.ok()) {
    return context.UsageError(flags, absl::StrCat("--into: ", target.status().message()));
  }
  support::v1::MergeTicketRequest request;
  request.set_name(name);
  request.set_target(*target);
  request.set_comment(flags.GetString("comment"));
  return CallSupport(context, &support::v1::SupportService::StubInterface::MergeTicket, request);
}

int RunTicketsImport(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets import",
                     "Imports a ticket's history (admin): FILE holds an ImportTicketRequest "
                     "as JSON (external_id, ticket, messages, status_changes, rating).");
  flags.AddPositional("FILE");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  std::ifstream file(flags.positionals()[0]);
  if (!file) {
    return context.UsageError(flags, absl::StrCat("cannot read ", flags.positionals()[0]));
  }
  std::stringstream json;
  json << file.rdbuf();
  support::v1::ImportTicketRequest request;
  if (auto parsed = google::protobuf::util::JsonStringToMessage(json.str(), &request);
      !parsed.ok()) {
    return context.UsageError(
        flags, absl::StrCat(flags.positionals()[0],
                            " is not an ImportTicketRequest: ", parsed.message().as_string()));
  }
  return CallSupport(context, &support::v1::SupportService::StubInterface::ImportTicket, request);
}

int RunTicketsSla(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets sla",
                     "Explains a ticket's SLA: the policy that matched (and why others did not), "
                     "each target's due time and how it was counted.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "tickets", name)) return *exit_code;
  support::v1::ExplainTicketSlaRequest request;
  request.set_name(name);
  return CallSupport(context, &support::v1::SupportService::StubInterface::ExplainTicketSla,
                     request);
}

int RunStatusesList(const CommandContext& context, const Args& args) {
  CommandFlags flags("statuses list", "Lists the custom status labels, by category.");
  flags.AddBool("inactive", false, "Include deactivated labels.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  support::v1::ListCustomStatusesRequest request;
  request.set_show_inactive(flags.GetBool("inactive"));
  return CallAndPrint(context, context.clients->Support(),
                      &support::v1::SupportService::StubInterface::ListCustomStatuses, request,
                      PrintCustomStatusTable);
}

int RunStatusesCreate(const CommandContext& context, const Args& args) {
  CommandFlags flags("statuses create", "Creates a custom status label (admin).");
  flags.AddEnum("category", Ticket::Status_descriptor(),
                "OPEN, PENDING, ON_HOLD or SOLVED (required).");
  flags.AddString("label", "", "What agents see (required).");
  flags.AddString("customer-label", "", "What the requester sees.");
  flags.AddString("description", "", "What the label means.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  support::v1::CreateCustomStatusRequest request;
  support::v1::CustomStatus& status = *request.mutable_custom_status();
  status.set_category(static_cast<Ticket::Status>(flags.GetEnum("category")));
  status.set_agent_label(flags.GetString("label"));
  status.set_customer_label(flags.GetString("customer-label"));
  status.set_description(flags.GetString("description"));
  return CallSupport(context, &support::v1::SupportService::StubInterface::CreateCustomStatus,
                     request);
}

int RunStatusesUpdate(const CommandContext& context, const Args& args) {
  CommandFlags flags("statuses update", "Relabels, describes, or (de)activates a label (admin).");
  flags.AddString("label", "", "New agent label.");
  flags.AddString("customer-label", "", "New customer label.");
  flags.AddString("description", "", "New description.");
  flags.AddBool("active", true, "Whether tickets may take the label.");
  std::string name;
  if (auto exit_code = ParseNamed(context, flags, args, "customStatuses", name)) return *exit_code;
  support::v1::UpdateCustomStatusRequest request;
  support::v1::CustomStatus& status = *request.mutable_custom_status();
  status.set_name(name);
  UpdateMask mask(flags, *request.mutable_update_mask());
  if (mask("label", "agent_label")) status.set_agent_label(flags.GetString("label"));
  if (mask("customer-label", "customer_label")) {
    status.set_customer_label(flags.GetString("customer-label"));
  }
  if (mask("description", "description")) status.set_description(flags.GetString("description"));
  if (mask("active", "active")) status.set_active(flags.GetBool("active"));
  if (mask.empty()) {
    return context.UsageError(flags, "give at least one field to change, e.g. --active=false");
  }
  return CallSupport(context, &support::v1::SupportService::StubInterface::UpdateCustomStatus,
                     request);
}

}  // namespace tandem::ctl

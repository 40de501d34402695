// `tandemctl tickets ...`: tickets in the Support service.
#include <functional>

#include "absl/strings/str_cat.h"
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
  flags.AddPositional("NAME_OR_ID");
  flags.AddString("body", "", "The text of the message.");
  flags.AddString("request-id", "", "Idempotency key: a retry with the same key posts once.");
  if (!internal) {
    flags.AddEnum("as", support::v1::Message::AuthorType_descriptor(),
                  "Who writes it: CUSTOMER (e.g. a forwarded e-mail), AGENT (default) or SYSTEM.");
    flags.AddString("author-email", "", "E-mail address of a customer author.");
  }
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("tickets", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());

  support::v1::CreateMessageRequest request;
  request.set_parent(*name);
  request.set_request_id(flags.GetString("request-id"));
  support::v1::Message& message = *request.mutable_message();
  message.set_body(flags.GetString("body"));
  message.set_internal(internal);
  message.set_author_type(support::v1::Message::AGENT);
  if (!internal && flags.IsSet("as")) {
    message.set_author_type(static_cast<support::v1::Message::AuthorType>(flags.GetEnum("as")));
  }
  if (!internal) message.set_author_email(flags.GetString("author-email"));

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  support::v1::Message posted;
  if (grpc::Status status = (*stub)->CreateMessage(&call, request, &posted); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(posted);
}

// Runs a command that lists something of one ticket (NAME_OR_ID plus the
// paging flags): `method` on the Support stub, page by page, printed with
// `print_table` (or as JSON). `customize` sets the request's own fields.
template <typename Request, typename Response>
int ListOfTicket(const CommandContext& context, CommandFlags& flags, const Args& args,
                 grpc::Status (support::v1::SupportService::StubInterface::*method)(
                     grpc::ClientContext*, const Request&, Response*),
                 const std::function<void(Request&)>& customize,
                 void (*print_table)(std::ostream&, const Response&)) {
  flags.AddPositional("NAME_OR_ID");
  ListFlags::Declare(flags, /*filterable=*/false);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("tickets", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());
  absl::StatusOr<ListFlags> list = ListFlags::Read(flags, /*filterable=*/false);
  if (!list.ok()) return context.UsageError(flags, list.status().message());

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  Response all;
  grpc::Status status = FetchPages(
      *list,
      [&](const std::string& page_token, Response& page) {
        Request request;
        request.set_parent(*name);
        request.set_page_size(list->page_size);
        request.set_page_token(page_token);
        customize(request);
        grpc::ClientContext call;
        context.PrepareCall(call);
        return ((**stub).*method)(&call, request, &page);
      },
      all);
  if (!status.ok()) return context.Fail(status);
  const int exit_code = context.Print(all, [&](std::ostream& out) { print_table(out, all); });
  PrintNextPageHint(context, flags, all.next_page_token());
  return exit_code;
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

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Ticket created;
  if (grpc::Status status = (*stub)->CreateTicket(&call, request, &created); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(created);
}

int RunTicketsGet(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets get", "Prints one ticket; NAME_OR_ID is tickets/ID or ID.");
  flags.AddPositional("NAME_OR_ID");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("tickets", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  support::v1::GetTicketRequest request;
  request.set_name(*name);
  grpc::ClientContext call;
  context.PrepareCall(call);
  Ticket ticket;
  if (grpc::Status status = (*stub)->GetTicket(&call, request, &ticket); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(ticket);
}

int RunTicketsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets list",
                     "Lists tickets, newest first. Filter fields: status, priority, channel, type, "
                     "account, requester_email.");
  ListFlags::Declare(flags, /*filterable=*/true);
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<ListFlags> list = ListFlags::Read(flags, /*filterable=*/true);
  if (!list.ok()) return context.UsageError(flags, list.status().message());

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  support::v1::ListTicketsResponse tickets;
  grpc::Status status = FetchPages(
      *list,
      [&](const std::string& page_token, support::v1::ListTicketsResponse& page) {
        support::v1::ListTicketsRequest request;
        request.set_page_size(list->page_size);
        request.set_page_token(page_token);
        request.set_filter(list->filter);
        request.set_order_by(list->order_by);
        grpc::ClientContext call;
        context.PrepareCall(call);
        return (*stub)->ListTickets(&call, request, &page);
      },
      tickets);
  if (!status.ok()) return context.Fail(status);
  const int exit_code =
      context.Print(tickets, [&](std::ostream& out) { PrintTicketTable(out, tickets); });
  PrintNextPageHint(context, flags, tickets.next_page_token());
  return exit_code;
}

int RunTicketsUpdate(const CommandContext& context, const Args& args) {
  CommandFlags flags("tickets update",
                     "Changes the fields given as flags (only those), e.g. --status SOLVED.");
  flags.AddPositional("NAME_OR_ID");
  flags.AddString("subject", "", "New one-line summary.");
  flags.AddString("description", "", "New full request.");
  flags.AddString("requester-email", "", "New requester e-mail address.");
  flags.AddEnum("type", Ticket::Type_descriptor(), "New type.");
  flags.AddEnum("priority", Ticket::Priority_descriptor(), "New priority.");
  flags.AddEnum("status", Ticket::Status_descriptor(), "New status (the workflow decides).");
  flags.AddList("tag", "The ticket's tags, replacing the old ones.");
  flags.AddString("etag", "", "Refuse the update if the ticket changed since this etag.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;
  absl::StatusOr<std::string> name = ResourceNameOf("tickets", flags.positionals()[0]);
  if (!name.ok()) return context.UsageError(flags, name.status().message());

  support::v1::UpdateTicketRequest request;
  Ticket& ticket = *request.mutable_ticket();
  ticket.set_name(*name);
  ticket.set_etag(flags.GetString("etag"));
  auto mask = [&](const char* flag, const char* path) {
    if (flags.IsSet(flag)) request.mutable_update_mask()->add_paths(path);
    return flags.IsSet(flag);
  };
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
  if (request.update_mask().paths_size() == 0) {
    return context.UsageError(flags, "give at least one field to change, e.g. --status SOLVED");
  }

  auto stub = context.clients->Support();
  if (!stub.ok()) return context.Fail(stub.status());
  grpc::ClientContext call;
  context.PrepareCall(call);
  Ticket updated;
  if (grpc::Status status = (*stub)->UpdateTicket(&call, request, &updated); !status.ok()) {
    return context.Fail(status);
  }
  return context.PrintFields(updated);
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

}  // namespace tandem::ctl

// `tandemctl tickets ...`: tickets in the Support service.
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

}  // namespace tandem::ctl

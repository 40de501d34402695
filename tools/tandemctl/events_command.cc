// `tandemctl events list`: reads one service's event feed.
#include <limits>

#include "absl/strings/str_cat.h"
#include "tandem/success/v1/events.pb.h"
#include "tandem/support/v1/events.pb.h"
#include "tools/tandemctl/calls.h"
#include "tools/tandemctl/commands.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {
namespace {

constexpr size_t kSummaryWidth = 40;

// Returns a few words about the payload of the event types tandemctl
// knows. Referring to them here also links their descriptors in, which
// --json needs to print the payloads.
std::string Summarize(const google::protobuf::Any& payload) {
  if (support::v1::TicketCreated created; payload.UnpackTo(&created)) {
    return Truncate(created.ticket().subject(), kSummaryWidth);
  }
  if (success::v1::AccountCreated created; payload.UnpackTo(&created)) {
    return Truncate(created.account().display_name(), kSummaryWidth);
  }
  return "-";
}

void PrintEventTable(std::ostream& out, const common::v1::ListEventsResponse& response) {
  Table table({"CURSOR", "OCCURRED", "TYPE", "SUBJECT", "TENANT", "SUMMARY"});
  for (const common::v1::Event& event : response.events()) {
    table.AddRow({absl::StrCat(event.cursor()), FormatTimestamp(event.occur_time()), event.type(),
                  event.subject(), event.tenant(), Summarize(event.payload())});
  }
  table.Print(out);
  out << "head cursor: " << response.head_cursor() << "\n";
}

}  // namespace

int RunEventsList(const CommandContext& context, const Args& args) {
  CommandFlags flags("events list",
                     "Lists the events of one service's feed, oldest first, after a cursor. "
                     "Needs an admin token (own tenant) or a service token.");
  flags.AddString("service", "", "Whose feed to read: support or success.", /*required=*/true);
  flags.AddInt("after", 0, "Cursor to start after; 0 starts at the beginning.");
  flags.AddInt("page-size", 0, "Most events to return; 0 lets the server choose.");
  if (auto exit_code = context.ParseFlags(flags, args)) return *exit_code;

  Service service;
  if (const std::string& name = flags.GetString("service"); name == "support") {
    service = Service::kSupport;
  } else if (name == "success") {
    service = Service::kSuccess;
  } else {
    return context.UsageError(flags,
                              absl::StrCat("--service: \"", name, "\" is not support or success"));
  }
  const int64_t page_size = flags.GetInt("page-size");
  if (page_size < 0 || page_size > std::numeric_limits<int32_t>::max()) {
    return context.UsageError(flags, "--page-size must be between 0 and 2147483647");
  }
  if (flags.GetInt("after") < 0) return context.UsageError(flags, "--after must not be negative");

  common::v1::ListEventsRequest request;
  request.set_after_cursor(flags.GetInt("after"));
  request.set_page_size(static_cast<int32_t>(page_size));
  return CallAndPrint(context, context.clients->EventFeed(service),
                      &common::v1::EventFeed::StubInterface::ListEvents, request, PrintEventTable);
}

}  // namespace tandem::ctl

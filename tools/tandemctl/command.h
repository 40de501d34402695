// What every tandemctl command is given and the steps they share: parsing
// their flags, preparing a call, printing the answer, reporting an error.
#ifndef TANDEM_TOOLS_TANDEMCTL_COMMAND_H_
#define TANDEM_TOOLS_TANDEMCTL_COMMAND_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "tools/tandemctl/clients.h"
#include "tools/tandemctl/command_flags.h"

namespace tandem::ctl {

// Exit codes: success, a failed call or other run-time error, a bad
// command line.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// The global flags that shape every call.
struct CallOptions {
  // Bearer token sent with every call; empty sends none.
  std::string token;
  // Deadline of each call, counted from its start.
  absl::Duration timeout = absl::Seconds(5);
  // Print responses as JSON instead of for people.
  bool json = false;
};

// Everything a command runs with.
struct CommandContext {
  CallOptions options;
  Clients* clients = nullptr;
  const Clock* clock = nullptr;
  std::ostream* out = nullptr;
  std::ostream* err = nullptr;

  // Parses the command's flags. Returns an exit code when the command is
  // over: kExitOk after printing --help, kExitUsage after a bad command line.
  std::optional<int> ParseFlags(CommandFlags& flags, const std::vector<std::string>& args) const;

  // Sets the call's deadline and its `authorization: Bearer` metadata.
  void PrepareCall(grpc::ClientContext& call) const;

  // Prints `message` as JSON with --json, else the text from `for_people`.
  // Returns the exit code.
  int Print(const google::protobuf::Message& message,
            const std::function<void(std::ostream&)>& for_people) const;

  // Prints `message` as JSON with --json, else as "field: value" lines.
  int PrintFields(const google::protobuf::Message& message) const;

  // Reports a failure (with its field violations); returns kExitFailure.
  int Fail(const absl::Status& status) const;
  int Fail(const grpc::Status& status) const;

  // Reports a bad command line with a pointer to `flags`' help; returns
  // kExitUsage.
  int UsageError(const CommandFlags& flags, absl::string_view message) const;
};

// A command: `tandemctl <noun> [<verb>]`, e.g. {"tickets", "list", ...}.
struct Command {
  std::string noun;
  // Empty for one-word commands such as `health`.
  std::string verb;
  // One line for the command lists in help.
  std::string summary;
  // Runs the command on the words after its name; returns the exit code.
  std::function<int(const CommandContext&, const std::vector<std::string>&)> run;
};

// Turns "accounts/ID" or a bare "ID" into "accounts/ID" (for `collection`
// "accounts"). Names of another collection are INVALID_ARGUMENT.
absl::StatusOr<std::string> ResourceNameOf(absl::string_view collection,
                                           absl::string_view name_or_id);

// The flags shared by list commands.
struct ListFlags {
  // Declares --page-size, --page-token and --all, plus --filter and
  // --order-by when `filterable`; `order_by_help` replaces the help of
  // --order-by when the list has other orders.
  static void Declare(CommandFlags& flags, bool filterable, absl::string_view order_by_help = "");
  // Reads them back; a page size outside 0..2^31-1 is INVALID_ARGUMENT.
  static absl::StatusOr<ListFlags> Read(const CommandFlags& flags, bool filterable);

  int32_t page_size = 0;
  std::string page_token;
  std::string filter;
  std::string order_by;
  bool all = false;
};

// Fetches the page at `list.page_token` and, with `list.all`, every page
// after it, appending each page's items to `merged` (a List*Response with a
// `next_page_token`). `fetch(page_token, page)` makes one call.
//   ListTicketsResponse tickets;
//   FetchPages(list, [&](const std::string& token, ListTicketsResponse& page) {...}, tickets);
template <typename Response, typename Fetch>
grpc::Status FetchPages(const ListFlags& list, Fetch fetch, Response& merged) {
  std::string page_token = list.page_token;
  while (true) {
    Response page;
    grpc::Status status = fetch(page_token, page);
    if (!status.ok()) return status;
    page_token = page.next_page_token();
    merged.MergeFrom(page);
    if (!list.all || page_token.empty()) break;
  }
  merged.set_next_page_token(page_token);
  return grpc::Status::OK;
}

// Writes, to stderr, how to get the page after `next_page_token`, if any.
void PrintNextPageHint(const CommandContext& context, const CommandFlags& flags,
                       const std::string& next_page_token);

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_COMMAND_H_

// The steps most tandemctl commands are made of, so that a command reads as:
// declare its flags, parse them, build the request, make one call here.
//   CommandFlags flags("kb get", "...");
//   std::string name;
//   if (auto exit_code = ParseNamed(context, flags, args, "articles", name)) return *exit_code;
//   support::v1::GetArticleRequest request;
//   request.set_name(name);
//   return CallAndPrint(context, context.clients->KnowledgeBase(),
//                       &support::v1::KnowledgeBaseService::StubInterface::GetArticle, request);
#ifndef TANDEM_TOOLS_TANDEMCTL_CALLS_H_
#define TANDEM_TOOLS_TANDEMCTL_CALLS_H_

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include <google/protobuf/field_mask.pb.h>
#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tools/tandemctl/command.h"
#include "tools/tandemctl/command_flags.h"

namespace tandem::ctl {

// A unary method of a generated stub interface, e.g.
// &support::v1::SupportService::StubInterface::GetTicket.
template <typename Stub, typename Request, typename Response>
using UnaryMethod = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&, Response*);

// Reads the first positional (NAME_OR_ID) as a name of `collection`, e.g.
// "tickets/ID" from "ID" or "tickets/ID".
absl::StatusOr<std::string> PositionalName(const CommandFlags& flags, absl::string_view collection);

// Parses the flags of a command whose first positional is a NAME_OR_ID of
// `collection` (declared here) and sets `name`. Returns an exit code when
// the command is over (after --help or a bad command line).
std::optional<int> ParseNamed(const CommandContext& context, CommandFlags& flags,
                              const std::vector<std::string>& args, absl::string_view collection,
                              std::string& name);

// Declares the ListFlags after the command's own flags, parses `args` and
// reads them into `list`. Returns an exit code when the command is over.
// `order_by_help`: see ListFlags::Declare().
std::optional<int> ParseListFlags(const CommandContext& context, CommandFlags& flags,
                                  const std::vector<std::string>& args, bool filterable,
                                  ListFlags& list, absl::string_view order_by_help = "");

// One action of a three-word command, e.g. `complete` in
// `tandemctl success cta complete NAME`.
struct Action {
  std::string name;
  // One line for the list of actions in help.
  std::string summary;
  // Runs the action on the words after its name; returns the exit code.
  std::function<int(const CommandContext&, const std::vector<std::string>&)> run;
};

// Runs the action `args[0]` names among `actions` of `command` (e.g.
// "success cta") on the words after it. Without an action, with an unknown
// one or with --help, lists the actions (kExitUsage, or kExitOk for help).
int RunAction(const CommandContext& context, absl::string_view command,
              const std::vector<Action>& actions, const std::vector<std::string>& args);

// Makes one call of `method` with the deadline and token of `context`.
template <typename Stub, typename Request, typename Response>
grpc::Status Call(const CommandContext& context, Stub& stub,
                  UnaryMethod<Stub, Request, Response> method, const Request& request,
                  Response* response) {
  grpc::ClientContext call;
  context.PrepareCall(call);
  return (stub.*method)(&call, request, response);
}

// Calls `method` once on `stub` (as context.clients hands it out) and
// returns `on_answer(response)`. A missing stub or a failed call is
// reported and gives kExitFailure.
template <typename Stub, typename Request, typename Response, typename OnAnswer>
int CallThen(const CommandContext& context, const absl::StatusOr<Stub*>& stub,
             UnaryMethod<Stub, Request, Response> method,
             const std::type_identity_t<Request>& request, OnAnswer on_answer) {
  if (!stub.ok()) return context.Fail(stub.status());
  Response response;
  if (grpc::Status status = Call(context, **stub, method, request, &response); !status.ok()) {
    return context.Fail(status);
  }
  return on_answer(response);
}

// Calls `method` once and prints the answer as "field: value" lines (or
// JSON). Returns the exit code.
template <typename Stub, typename Request, typename Response>
int CallAndPrint(const CommandContext& context, const absl::StatusOr<Stub*>& stub,
                 UnaryMethod<Stub, Request, Response> method,
                 const std::type_identity_t<Request>& request) {
  return CallThen(context, stub, method, request,
                  [&](const Response& response) { return context.PrintFields(response); });
}

// Calls `method` once and prints the answer with `print_table(out,
// response)` (or as JSON). Returns the exit code.
template <typename Stub, typename Request, typename Response, typename PrintTable>
int CallAndPrint(const CommandContext& context, const absl::StatusOr<Stub*>& stub,
                 UnaryMethod<Stub, Request, Response> method,
                 const std::type_identity_t<Request>& request, PrintTable print_table) {
  return CallThen(context, stub, method, request, [&](const Response& response) {
    return context.Print(response, [&](std::ostream& out) { print_table(out, response); });
  });
}

// Runs a list command's calls: `method` with `request` (its own fields
// set) plus the paging of `list`, and its filter and order_by where the
// request has them; every page with --all. Prints the merged pages with
// `print_table(out, response)` (or as JSON) and the hint to the next page.
// Returns the exit code.
template <typename Stub, typename Request, typename Response, typename PrintTable>
int ListAndPrint(const CommandContext& context, const CommandFlags& flags, const ListFlags& list,
                 const absl::StatusOr<Stub*>& stub, UnaryMethod<Stub, Request, Response> method,
                 const std::type_identity_t<Request>& request, PrintTable print_table) {
  if (!stub.ok()) return context.Fail(stub.status());
  Response all;
  grpc::Status status = FetchPages(
      list,
      [&](const std::string& page_token, Response& page) {
        Request page_request = request;
        page_request.set_page_size(list.page_size);
        page_request.set_page_token(page_token);
        if constexpr (requires { page_request.set_filter(list.filter); }) {
          page_request.set_filter(list.filter);
        }
        if constexpr (requires { page_request.set_order_by(list.order_by); }) {
          page_request.set_order_by(list.order_by);
        }
        return Call(context, **stub, method, page_request, &page);
      },
      all);
  if (!status.ok()) return context.Fail(status);
  const int exit_code = context.Print(all, [&](std::ostream& out) { print_table(out, all); });
  PrintNextPageHint(context, flags, all.next_page_token());
  return exit_code;
}

// Builds an update mask from the flags given on the command line:
//   UpdateMask mask(flags, *request.mutable_update_mask());
//   if (mask("display-name", "display_name")) agent.set_display_name(...);
class UpdateMask {
 public:
  UpdateMask(const CommandFlags& flags, google::protobuf::FieldMask& mask)
      : flags_(flags), mask_(mask) {}

  // Returns whether `flag` was given, adding `path` to the mask if it was.
  bool operator()(absl::string_view flag, absl::string_view path) {
    if (!flags_.IsSet(flag)) return false;
    Add(path);
    return true;
  }
  // Adds `path` whatever the flags say.
  void Add(absl::string_view path) { mask_.add_paths(std::string(path)); }
  bool empty() const { return mask_.paths_size() == 0; }

 private:
  const CommandFlags& flags_;
  google::protobuf::FieldMask& mask_;
};

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_CALLS_H_

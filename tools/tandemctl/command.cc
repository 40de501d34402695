#include "tools/tandemctl/command.h"

#include <limits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "tools/tandemctl/output.h"

namespace tandem::ctl {

std::optional<int> CommandContext::ParseFlags(CommandFlags& flags,
                                              const std::vector<std::string>& args) const {
  absl::Status status = flags.Parse(args);
  if (!status.ok()) return UsageError(flags, status.message());
  if (flags.help_requested()) {
    *out << flags.Help()
         << "\nGlobal flags (addresses, --token, --timeout, --json, --tls-ca-file) may come "
            "before or after the command; see \"tandemctl --help\".\n";
    return kExitOk;
  }
  return std::nullopt;
}

void CommandContext::PrepareCall(grpc::ClientContext& call) const {
  if (!options.token.empty())
    call.AddMetadata("authorization", absl::StrCat("Bearer ", options.token));
  call.set_deadline(absl::ToChronoTime(clock->Now() + options.timeout));
}

int CommandContext::Print(const google::protobuf::Message& message,
                          const std::function<void(std::ostream&)>& for_people) const {
  if (!options.json) {
    for_people(*out);
    return kExitOk;
  }
  absl::StatusOr<std::string> json = ToJson(message);
  if (!json.ok()) return Fail(json.status());
  *out << *json << "\n";
  return kExitOk;
}

int CommandContext::PrintFields(const google::protobuf::Message& message) const {
  return Print(message, [&](std::ostream& out) { out << FormatFields(message); });
}

int CommandContext::Fail(const absl::Status& status) const {
  PrintError(*err, status);
  return kExitFailure;
}

int CommandContext::Fail(const grpc::Status& status) const {
  Fail(FromGrpcStatus(status));
  if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED && options.token.empty()) {
    *err << "No token was sent: set --token or TANDEM_TOKEN (see \"tandemctl token --help\").\n";
  }
  return kExitFailure;
}

int CommandContext::UsageError(const CommandFlags& flags, absl::string_view message) const {
  *err << "tandemctl: " << message << "\n";
  // tandem::Flags already points at --help in some of its messages.
  if (!absl::StrContains(message, "--help")) {
    *err << "Run \"" << flags.program() << " --help\" for usage.\n";
  }
  return kExitUsage;
}

absl::StatusOr<std::string> ResourceNameOf(absl::string_view collection,
                                           absl::string_view name_or_id) {
  const std::string prefix = absl::StrCat(collection, "/");
  if (absl::StartsWith(name_or_id, prefix)) return std::string(name_or_id);
  if (name_or_id.empty() || absl::StrContains(name_or_id, '/')) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name_or_id, "\" is not ", prefix, "ID or a bare ID"));
  }
  return absl::StrCat(prefix, name_or_id);
}

void ListFlags::Declare(CommandFlags& flags, bool filterable, absl::string_view order_by_help) {
  flags.AddInt("page-size", 0, "Most items per page; 0 lets the server choose.");
  flags.AddString("page-token", "", "Page to start at: a next_page_token from an earlier list.");
  flags.AddBool("all", false, "Follow next_page_token to the last page.");
  if (filterable) {
    flags.AddString("filter", "",
                    "Conditions joined by AND, each `field = value` or `field != value`.");
    flags.AddString("order-by", "",
                    order_by_help.empty() ? "`create_time desc` (the default) or `create_time`."
                                          : std::string(order_by_help));
  }
}

absl::StatusOr<ListFlags> ListFlags::Read(const CommandFlags& flags, bool filterable) {
  ListFlags list;
  const int64_t page_size = flags.GetInt("page-size");
  if (page_size < 0 || page_size > std::numeric_limits<int32_t>::max()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--page-size: ", page_size, " is not between 0 and 2147483647"));
  }
  list.page_size = static_cast<int32_t>(page_size);
  list.page_token = flags.GetString("page-token");
  list.all = flags.GetBool("all");
  if (filterable) {
    list.filter = flags.GetString("filter");
    list.order_by = flags.GetString("order-by");
  }
  return list;
}

void PrintNextPageHint(const CommandContext& context, const CommandFlags& flags,
                       const std::string& next_page_token) {
  if (context.options.json || next_page_token.empty()) return;
  *context.err << "More results: repeat \"" << flags.program()
               << "\" with the same flags plus --page-token " << next_page_token
               << ", or use --all.\n";
}

}  // namespace tandem::ctl

#include "tools/tandemctl/dispatch.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace tandem::ctl {
namespace {

constexpr absl::string_view kIntro =
    "tandemctl: the command-line client of Tandem's support, success and metrics services.";

void DeclareGlobalFlags(CommandFlags& flags) {
  flags.AddString("support-address", "127.0.0.1:50051", "Support server, host:port.");
  flags.AddString("success-address", "127.0.0.1:50052", "Success server, host:port.");
  flags.AddString("metrics-address", "127.0.0.1:50053", "Metrics server, host:port.");
  flags.AddString("token", "",
                  "Bearer token sent with every call (make one with `tandemctl token`).");
  flags.AddDuration("timeout", absl::Seconds(5), "Deadline of each call.");
  flags.AddBool("json", false, "Print the response as one JSON object, for scripts.");
  flags.AddString("tls-ca-file", "",
                  "PEM CA the servers' certificates chain to; set, the calls use TLS.");
}

// A command line with its global flags taken out.
struct CommandLine {
  // The global flags and their values, for `globals.Parse()`.
  std::vector<std::string> global_args;
  // The command's words and its own flags.
  std::vector<std::string> rest;
  // True when --help came before any command.
  bool help = false;
};

// Takes the flags `globals` declares out of `args`, wherever they are, so
// `tandemctl --json tickets list` and `tandemctl tickets list --json` mean
// the same. Any other flag before the command is INVALID_ARGUMENT.
absl::StatusOr<CommandLine> SplitGlobalFlags(const CommandFlags& globals,
                                             const std::vector<std::string>& args) {
  CommandLine line;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      line.rest.insert(line.rest.end(), args.begin() + static_cast<ptrdiff_t>(i), args.end());
      break;
    }
    if (line.rest.empty() && (arg == "--help" || arg == "-h")) {
      line.help = true;
      continue;
    }
    if (absl::StartsWith(arg, "--")) {
      const std::string name = arg.substr(2, arg.find('=') - 2);
      if (globals.Declares(name)) {
        line.global_args.push_back(arg);
        if (!absl::StrContains(arg, '=') && globals.TakesValue(name) && i + 1 < args.size()) {
          line.global_args.push_back(args[++i]);
        }
        continue;
      }
      if (line.rest.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("unknown global flag --", name));
      }
    }
    line.rest.push_back(arg);
  }
  return line;
}

std::string CommandName(const Command& command) {
  return command.verb.empty() ? command.noun : absl::StrCat(command.noun, " ", command.verb);
}

std::string TopHelp(const std::vector<Command>& commands, const CommandFlags& globals) {
  size_t width = 0;
  for (const Command& command : commands) width = std::max(width, CommandName(command).size());
  std::string help = absl::StrCat(
      kIntro, "\n\nUsage: tandemctl [global flags] <command> [flags]\n\n", "Commands:\n");
  for (const Command& command : commands) {
    const std::string name = CommandName(command);
    absl::StrAppend(&help, "  ", name, std::string(width - name.size() + 2, ' '), command.summary,
                    "\n");
  }
  absl::StrAppend(&help, "\nRun \"tandemctl <command> --help\" for the flags of a command.\n\n",
                  "Global flags, before or after the command:\n\n", globals.FlagListing());
  return help;
}

std::string NounHelp(const std::vector<Command>& commands, absl::string_view noun) {
  size_t width = 0;
  for (const Command& command : commands) {
    if (command.noun == noun) width = std::max(width, command.verb.size());
  }
  std::string help = absl::StrCat("Usage: tandemctl ", noun, " <verb> [flags]\n\nVerbs:\n");
  for (const Command& command : commands) {
    if (command.noun != noun) continue;
    absl::StrAppend(&help, "  ", command.verb, std::string(width - command.verb.size() + 2, ' '),
                    command.summary, "\n");
  }
  absl::StrAppend(&help, "\nRun \"tandemctl ", noun, " <verb> --help\" for the flags of a verb.\n");
  return help;
}

}  // namespace

int Dispatch(const std::vector<Command>& commands, const std::vector<std::string>& args,
             const Runtime& runtime) {
  std::ostream& out = *runtime.out;
  std::ostream& err = *runtime.err;
  auto usage_error = [&](absl::string_view message, absl::string_view help_command) {
    err << "tandemctl: " << message << "\nRun \"tandemctl" << help_command
        << " --help\" for usage.\n";
    return kExitUsage;
  };

  CommandFlags globals("", std::string(kIntro));
  DeclareGlobalFlags(globals);
  absl::StatusOr<CommandLine> line = SplitGlobalFlags(globals, args);
  if (!line.ok()) return usage_error(line.status().message(), "");
  const std::vector<std::string>& rest = line->rest;
  const bool top_help = line->help;
  if (absl::Status status = globals.Parse(line->global_args); !status.ok()) {
    return usage_error(status.message(), "");
  }
  if (top_help || rest.empty()) {
    (top_help ? out : err) << TopHelp(commands, globals);
    return top_help ? kExitOk : kExitUsage;
  }

  const std::string& noun = rest[0];
  const Command* chosen = nullptr;
  std::vector<std::string> verbs;
  for (const Command& command : commands) {
    if (command.noun != noun) continue;
    if (command.verb.empty()) chosen = &command;
    verbs.push_back(command.verb);
  }
  size_t command_words = 1;
  if (verbs.empty()) {
    return usage_error(absl::StrCat("unknown command \"", noun, "\""), "");
  }
  if (chosen == nullptr) {
    const std::string verb = rest.size() > 1 ? rest[1] : "";
    if (verb == "--help" || verb == "-h") {
      out << NounHelp(commands, noun);
      return kExitOk;
    }
    for (const Command& command : commands) {
      if (command.noun == noun && command.verb == verb) chosen = &command;
    }
    if (chosen == nullptr) {
      const std::string problem = verb.empty()
                                      ? absl::StrCat("\"", noun, "\" needs a verb")
                                      : absl::StrCat("unknown verb \"", verb, "\" for ", noun);
      return usage_error(absl::StrCat(problem, "; use one of ", absl::StrJoin(verbs, ", ")),
                         absl::StrCat(" ", noun));
    }
    command_words = 2;
  }

  CallOptions options{.token = globals.GetString("token"),
                      .timeout = globals.GetDuration("timeout"),
                      .json = globals.GetBool("json")};
  if (options.timeout <= absl::ZeroDuration()) return usage_error("--timeout must be positive", "");
  Endpoints endpoints{.support_address = globals.GetString("support-address"),
                      .success_address = globals.GetString("success-address"),
                      .metrics_address = globals.GetString("metrics-address"),
                      .tls_ca_file = globals.GetString("tls-ca-file")};
  std::unique_ptr<Clients> clients = runtime.open_clients(endpoints);
  const CommandContext context{.options = std::move(options),
                               .clients = clients.get(),
                               .clock = runtime.clock,
                               .out = &out,
                               .err = &err};
  return chosen->run(
      context,
      std::vector<std::string>(rest.begin() + static_cast<ptrdiff_t>(command_words), rest.end()));
}

}  // namespace tandem::ctl

#include "tools/tandemctl/calls.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace tandem::ctl {

absl::StatusOr<std::string> PositionalName(const CommandFlags& flags,
                                           absl::string_view collection) {
  return ResourceNameOf(collection, flags.positionals()[0]);
}

std::optional<int> ParseNamed(const CommandContext& context, CommandFlags& flags,
                              const std::vector<std::string>& args, absl::string_view collection,
                              std::string& name) {
  flags.AddPositional("NAME_OR_ID");
  if (auto exit_code = context.ParseFlags(flags, args)) return exit_code;
  absl::StatusOr<std::string> parsed = PositionalName(flags, collection);
  if (!parsed.ok()) return context.UsageError(flags, parsed.status().message());
  name = *std::move(parsed);
  return std::nullopt;
}

std::optional<int> ParseListFlags(const CommandContext& context, CommandFlags& flags,
                                  const std::vector<std::string>& args, bool filterable,
                                  ListFlags& list, absl::string_view order_by_help) {
  ListFlags::Declare(flags, filterable, order_by_help);
  if (auto exit_code = context.ParseFlags(flags, args)) return exit_code;
  absl::StatusOr<ListFlags> read = ListFlags::Read(flags, filterable);
  if (!read.ok()) return context.UsageError(flags, read.status().message());
  list = *std::move(read);
  return std::nullopt;
}

int RunAction(const CommandContext& context, absl::string_view command,
              const std::vector<Action>& actions, const std::vector<std::string>& args) {
  const std::string chosen = args.empty() ? "" : args[0];
  for (const Action& action : actions) {
    if (action.name == chosen) {
      return action.run(context, std::vector<std::string>(args.begin() + 1, args.end()));
    }
  }
  const bool help = chosen == "--help" || chosen == "-h";
  size_t width = 0;
  for (const Action& action : actions) width = std::max(width, action.name.size());
  std::string listing =
      absl::StrCat("Usage: tandemctl ", command, " <action> [flags]\n\nActions:\n");
  for (const Action& action : actions) {
    absl::StrAppend(&listing, "  ", action.name, std::string(width - action.name.size() + 2, ' '),
                    action.summary, "\n");
  }
  absl::StrAppend(&listing, "\nRun \"tandemctl ", command,
                  " <action> --help\" for the flags of an action.\n");
  if (help) {
    *context.out << listing;
    return kExitOk;
  }
  *context.err << "tandemctl: "
               << (chosen.empty() ? absl::StrCat("\"", command, "\" needs an action")
                                  : absl::StrCat("unknown action \"", chosen, "\" for ", command))
               << "\n"
               << listing;
  return kExitUsage;
}

}  // namespace tandem::ctl

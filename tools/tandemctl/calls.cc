#include "tools/tandemctl/calls.h"

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
                                  ListFlags& list) {
  ListFlags::Declare(flags, filterable);
  if (auto exit_code = context.ParseFlags(flags, args)) return exit_code;
  absl::StatusOr<ListFlags> read = ListFlags::Read(flags, filterable);
  if (!read.ok()) return context.UsageError(flags, read.status().message());
  list = *std::move(read);
  return std::nullopt;
}

}  // namespace tandem::ctl

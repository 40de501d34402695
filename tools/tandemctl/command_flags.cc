#include "tools/tandemctl/command_flags.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace tandem::ctl {
namespace {

std::string EnvPrefixFor(absl::string_view command) {
  if (command.empty()) return "TANDEM";
  return absl::StrCat(
      "TANDEM_", absl::AsciiStrToUpper(absl::StrReplaceAll(command, {{" ", "_"}, {"-", "_"}})));
}

}  // namespace

absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                  absl::string_view name) {
  for (int i = 0; i < type->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* value = type->value(i);
    if (value->number() != 0 && absl::EqualsIgnoreCase(value->name(), name)) {
      return value->number();
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", name, "\" is not a ", type->name(), "; use one of ", EnumNames(type)));
}

std::string EnumNames(const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(type->value(i)->name());
  }
  return absl::StrJoin(names, ", ");
}

CommandFlags::CommandFlags(std::string command, std::string summary)
    : program_(command.empty() ? "tandemctl" : absl::StrCat("tandemctl ", command)),
      summary_(std::move(summary)),
      flags_(program_, EnvPrefixFor(command)) {}

void CommandFlags::AddPositional(std::string name) { positional_names_.push_back(std::move(name)); }

void CommandFlags::AddString(std::string name, std::string default_value, std::string help,
                             bool required) {
  declared_.insert(name);
  flags_.AddString(std::move(name), std::move(default_value), std::move(help), required);
}

void CommandFlags::AddInt(std::string name, int64_t default_value, std::string help) {
  declared_.insert(name);
  flags_.AddInt(std::move(name), default_value, std::move(help));
}

void CommandFlags::AddBool(std::string name, bool default_value, std::string help) {
  declared_.insert(name);
  bools_.insert(name);
  flags_.AddBool(std::move(name), default_value, std::move(help));
}

void CommandFlags::AddDuration(std::string name, absl::Duration default_value, std::string help) {
  declared_.insert(name);
  flags_.AddDuration(std::move(name), default_value, std::move(help));
}

void CommandFlags::AddList(std::string name, std::string help) {
  lists_[name];
  // Declared on the base flags too, for its help line and its variable;
  // the command-line values never reach it.
  AddString(std::move(name), "",
            absl::StrCat(help,
                         " Repeat the flag for more than one (the variable takes a "
                         "comma-separated list)."));
}

void CommandFlags::AddEnum(std::string name, const google::protobuf::EnumDescriptor* type,
                           std::string help) {
  enum_types_[name] = type;
  AddString(std::move(name), "", absl::StrCat(help, " One of: ", EnumNames(type), "."));
}

bool CommandFlags::Declares(absl::string_view name) const { return declared_.contains(name); }

bool CommandFlags::TakesValue(absl::string_view name) const { return !bools_.contains(name); }

absl::Status CommandFlags::Parse(const std::vector<std::string>& args) {
  positionals_.clear();
  enum_values_.clear();
  for (auto& [name, values] : lists_) values.clear();

  // Positionals and list values are taken out here; everything else is
  // handed to tandem::Flags, which reads the values and the environment.
  std::vector<std::string> passed = {program_};
  bool only_positionals = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_positionals || arg.size() < 2 || arg[0] != '-') {
      positionals_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    if (!absl::StartsWith(arg, "--") || arg == "--help") {
      passed.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::string value;
    const bool has_value = name.find('=') != std::string::npos;
    if (has_value) {
      value = name.substr(name.find('=') + 1);
      name.resize(name.find('='));
    }
    if (auto list = lists_.find(name); list != lists_.end()) {
      if (!has_value) {
        if (i + 1 == args.size()) {
          return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
        }
        value = args[++i];
      }
      list->second.push_back(value);
      continue;
    }
    passed.push_back(arg);
    if (!has_value && !bools_.contains(name) && i + 1 < args.size()) passed.push_back(args[++i]);
  }

  std::vector<const char*> argv;
  argv.reserve(passed.size());
  for (const std::string& arg : passed) argv.push_back(arg.c_str());
  if (absl::Status status = flags_.Parse(static_cast<int>(argv.size()), argv.data());
      !status.ok()) {
    return status;
  }
  if (help_requested()) return absl::OkStatus();

  if (positionals_.size() < positional_names_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("missing ", positional_names_[positionals_.size()]));
  }
  if (positionals_.size() > positional_names_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument \"", positionals_[positional_names_.size()], "\""));
  }
  for (const auto& [name, type] : enum_types_) {
    const std::string& given = flags_.GetString(name);
    if (given.empty()) continue;
    absl::StatusOr<int> number = ParseEnumName(type, given);
    if (!number.ok()) {
      return absl::InvalidArgumentError(absl::StrCat("--", name, ": ", number.status().message()));
    }
    enum_values_[name] = *number;
  }
  return absl::OkStatus();
}

std::string CommandFlags::Help() const {
  std::string usage = absl::StrCat("Usage: ", program_);
  for (const std::string& name : positional_names_) absl::StrAppend(&usage, " ", name);
  absl::StrAppend(&usage, " [flags]");
  return absl::StrCat(summary_, "\n\n", usage, "\n\n", FlagListing());
}

std::string CommandFlags::FlagListing() const {
  // tandem::Flags opens with its own usage paragraph; callers write theirs.
  std::string listing = flags_.Help();
  if (absl::StartsWith(listing, "Usage: ")) {
    if (size_t end = listing.find("\n\n"); end != std::string::npos) listing.erase(0, end + 2);
  }
  return listing;
}

bool CommandFlags::IsSet(absl::string_view name) const {
  // A list's command-line values never reach the base flags.
  auto list = lists_.find(name);
  return flags_.IsSet(name) || (list != lists_.end() && !list->second.empty());
}

std::vector<std::string> CommandFlags::GetList(absl::string_view name) const {
  auto it = lists_.find(name);
  if (it == lists_.end()) std::abort();  // Not a list flag: a programming error.
  if (!it->second.empty()) return it->second;
  std::vector<std::string> from_env;
  for (absl::string_view part : absl::StrSplit(flags_.GetString(name), ',')) {
    part = absl::StripAsciiWhitespace(part);
    if (!part.empty()) from_env.emplace_back(part);
  }
  return from_env;
}

int CommandFlags::GetEnum(absl::string_view name) const {
  if (!enum_types_.contains(name)) std::abort();  // Not an enum flag: a programming error.
  auto it = enum_values_.find(name);
  return it == enum_values_.end() ? 0 : it->second;
}

}  // namespace tandem::ctl

// The flags of one tandemctl command: tandem::Flags (values, environment
// fallbacks, help) plus what a command line needs on top of it: positional
// arguments, repeatable flags and flags naming a proto enum value.
//
//   CommandFlags flags("tickets create", "Creates a ticket.");
//   flags.AddString("subject", "", "One-line summary.", /*required=*/true);
//   flags.AddEnum("priority", v1::Ticket::Priority_descriptor(), "How urgent it is.");
//   flags.AddList("tag", "A label for the ticket.");
//   RETURN_IF_ERROR(flags.Parse(args));
//   ticket.set_priority(static_cast<v1::Ticket::Priority>(flags.GetEnum("priority")));
#ifndef TANDEM_TOOLS_TANDEMCTL_COMMAND_FLAGS_H_
#define TANDEM_TOOLS_TANDEMCTL_COMMAND_FLAGS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/config.h"

namespace tandem::ctl {

// Returns the number of the value of `type` named `name` (any letter case).
// The zero `*_UNSPECIFIED` value is not accepted: leaving the flag out means
// the same. Unknown names fail with INVALID_ARGUMENT listing the valid ones.
//   ParseEnumName(Ticket::Priority_descriptor(), "high") == Ticket::HIGH
absl::StatusOr<int> ParseEnumName(const google::protobuf::EnumDescriptor* type,
                                  absl::string_view name);

// Returns the names ParseEnumName() accepts, in declaration order, joined
// by ", ".
std::string EnumNames(const google::protobuf::EnumDescriptor* type);

// Declares and parses the flags and positional arguments of one command.
class CommandFlags {
 public:
  // `command` is the command's words after "tandemctl" (empty for the
  // global flags), e.g. "tickets get". It names the command in help and
  // gives the environment prefix: TANDEM_TICKETS_GET_<FLAG> (TANDEM_<FLAG>
  // for the global flags). `summary` says what the command does.
  CommandFlags(std::string command, std::string summary);

  // Declares a required positional argument, shown as `name` in usage.
  void AddPositional(std::string name);

  // Declare flags; see tandem::Flags for the meaning of each argument.
  void AddString(std::string name, std::string default_value, std::string help,
                 bool required = false);
  void AddInt(std::string name, int64_t default_value, std::string help);
  void AddBool(std::string name, bool default_value, std::string help);
  void AddDuration(std::string name, absl::Duration default_value, std::string help);

  // Declares a flag that may be given more than once (`--tag a --tag b`).
  // Its environment variable takes a comma-separated list.
  void AddList(std::string name, std::string help);

  // Declares a flag whose value is a value name of the enum `type`.
  void AddEnum(std::string name, const google::protobuf::EnumDescriptor* type, std::string help);

  // The underlying flags, for shared declarations such as AddJwtFlags().
  // Flags declared this way must take a value (no booleans).
  Flags& base() { return flags_; }

  // Returns true if `name` was declared through this class, and whether it
  // takes a value (all but booleans do).
  bool Declares(absl::string_view name) const;
  bool TakesValue(absl::string_view name) const;

  // Reads `args` (the words after the command) and the environment.
  // Returns INVALID_ARGUMENT naming the problem: an unknown flag, a bad
  // value, a missing required flag, or the wrong number of positionals.
  absl::Status Parse(const std::vector<std::string>& args);

  // Returns true when `--help` or `-h` was given.
  bool help_requested() const { return flags_.help_requested(); }

  // Returns the help text: summary, usage line and FlagListing().
  std::string Help() const;

  // Returns one entry per flag: name, variable, help and default.
  std::string FlagListing() const;

  // Returns the command as typed, e.g. "tandemctl tickets get".
  const std::string& program() const { return program_; }

  // Values, after a successful Parse().
  const std::string& GetString(absl::string_view name) const { return flags_.GetString(name); }
  int64_t GetInt(absl::string_view name) const { return flags_.GetInt(name); }
  bool GetBool(absl::string_view name) const { return flags_.GetBool(name); }
  absl::Duration GetDuration(absl::string_view name) const { return flags_.GetDuration(name); }
  // Returns whether the flag was given (a list flag: on the command line or
  // in its variable).
  bool IsSet(absl::string_view name) const;
  // Returns the positional arguments in order.
  const std::vector<std::string>& positionals() const { return positionals_; }
  // Returns every value of a list flag, in command-line order.
  std::vector<std::string> GetList(absl::string_view name) const;
  // Returns the enum number of an enum flag, 0 when it was not given.
  int GetEnum(absl::string_view name) const;

 private:
  std::string program_;
  std::string summary_;
  Flags flags_;
  std::vector<std::string> positional_names_;
  std::set<std::string, std::less<>> bools_;
  std::set<std::string, std::less<>> declared_;
  std::map<std::string, std::vector<std::string>, std::less<>> lists_;
  std::map<std::string, const google::protobuf::EnumDescriptor*, std::less<>> enum_types_;
  std::map<std::string, int, std::less<>> enum_values_;
  std::vector<std::string> positionals_;
};

}  // namespace tandem::ctl

#endif  // TANDEM_TOOLS_TANDEMCTL_COMMAND_FLAGS_H_

// Command-line flags with environment-variable fallbacks.
//
// Each flag `--db-dsn` of a program with env prefix "TANDEM_SUPPORT" is read
// from, in order: the command line (`--db-dsn=X` or `--db-dsn X`), the
// variable TANDEM_SUPPORT_DB_DSN, any shared variables named at declaration
// (e.g. TANDEM_JWT_SECRET), and finally its default. A malformed or missing
// required value fails Parse() with a message naming the flag and variable.
#ifndef TANDEM_COMMON_CONFIG_H_
#define TANDEM_COMMON_CONFIG_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace tandem {

// The declared flags of one program and, after Parse(), their values.
class Flags {
 public:
  // `program` names the binary in help text; `env_prefix` (e.g.
  // "TANDEM_SUPPORT") is prepended to each flag's variable name.
  Flags(std::string program, std::string env_prefix);

  // Declares a string flag. An empty default with `required` set means the
  // value must come from the command line or the environment.
  void AddString(std::string name, std::string default_value, std::string help,
                 bool required = false, std::vector<std::string> shared_env = {});
  // Declares an integer flag.
  void AddInt(std::string name, int64_t default_value, std::string help);
  // Declares a boolean flag (`--name`, `--name=true|false`, env 1/0/true/false).
  void AddBool(std::string name, bool default_value, std::string help);
  // Declares a duration flag written like "250ms", "5s" or "24h".
  void AddDuration(std::string name, absl::Duration default_value, std::string help);

  // Reads `argv` and the environment. Returns INVALID_ARGUMENT naming the
  // offending flag for unknown flags, malformed values and missing required
  // values. `--help` sets help_requested() instead of failing.
  absl::Status Parse(int argc, const char* const* argv);

  // Returns the value of a declared flag; the kind must match the declaration.
  const std::string& GetString(absl::string_view name) const;
  int64_t GetInt(absl::string_view name) const;
  bool GetBool(absl::string_view name) const;
  absl::Duration GetDuration(absl::string_view name) const;

  // Returns true if the value came from the command line or environment.
  bool IsSet(absl::string_view name) const;

  // Returns true when `--help` was given.
  bool help_requested() const { return help_requested_; }

  // Returns the usage text: every flag, its variable, default and help.
  std::string Help() const;

  // Returns the environment variable read for `name`.
  std::string EnvName(absl::string_view name) const;

 private:
  enum class Kind { kString, kInt, kBool, kDuration };
  struct Flag {
    Kind kind = Kind::kString;
    std::string value{};
    std::string default_value{};
    std::string help{};
    bool required = false;
    bool set = false;
    std::vector<std::string> shared_env{};
    int64_t int_value = 0;
    bool bool_value = false;
    absl::Duration duration_value{};
  };

  void Declare(std::string name, Flag flag);
  absl::Status Assign(const std::string& name, Flag& flag, const std::string& value,
                      const std::string& source);
  const Flag& Find(absl::string_view name, Kind kind) const;

  std::string program_;
  std::string env_prefix_;
  std::map<std::string, Flag> flags_;
  bool help_requested_ = false;
};

}  // namespace tandem

#endif  // TANDEM_COMMON_CONFIG_H_

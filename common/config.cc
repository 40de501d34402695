#include "common/config.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace tandem {

Flags::Flags(std::string program, std::string env_prefix)
    : program_(std::move(program)), env_prefix_(std::move(env_prefix)) {}

void Flags::Declare(std::string name, Flag flag) {
  flag.value = flag.default_value;
  std::string key = name;
  Flag& stored = flags_[key] = std::move(flag);
  // Defaults are trusted, so a failure here is a programming error.
  if (!Assign(key, stored, stored.value, "default").ok()) std::abort();
  stored.set = false;
}

void Flags::AddString(std::string name, std::string default_value, std::string help,
                      bool required, std::vector<std::string> shared_env) {
  Flag flag{.kind = Kind::kString, .default_value = std::move(default_value),
            .help = std::move(help), .required = required,
            .shared_env = std::move(shared_env)};
  Declare(std::move(name), std::move(flag));
}

void Flags::AddInt(std::string name, int64_t default_value, std::string help) {
  Declare(std::move(name), Flag{.kind = Kind::kInt, .default_value = absl::StrCat(default_value),
                                .help = std::move(help)});
}

void Flags::AddBool(std::string name, bool default_value, std::string help) {
  Declare(std::move(name), Flag{.kind = Kind::kBool,
                                .default_value = default_value ? "true" : "false",
                                .help = std::move(help)});
}

void Flags::AddDuration(std::string name, absl::Duration default_value, std::string help) {
  Declare(std::move(name), Flag{.kind = Kind::kDuration,
                                .default_value = absl::FormatDuration(default_value),
                                .help = std::move(help)});
}

std::string Flags::EnvName(absl::string_view name) const {
  return absl::StrCat(env_prefix_, "_",
                      absl::AsciiStrToUpper(absl::StrReplaceAll(name, {{"-", "_"}})));
}

absl::Status Flags::Assign(const std::string& name, Flag& flag, const std::string& value,
                           const std::string& source) {
  auto bad = [&](absl::string_view expected) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, " (", source, "): \"", value,
                                                   "\" is not ", expected));
  };
  switch (flag.kind) {
    case Kind::kString:
      break;
    case Kind::kInt:
      if (!absl::SimpleAtoi(value, &flag.int_value)) return bad("an integer");
      break;
    case Kind::kBool: {
      std::string lower = absl::AsciiStrToLower(value);
      if (lower == "true" || lower == "1" || lower == "yes") {
        flag.bool_value = true;
      } else if (lower == "false" || lower == "0" || lower == "no") {
        flag.bool_value = false;
      } else {
        return bad("true or false");
      }
      break;
    }
    case Kind::kDuration:
      if (!absl::ParseDuration(value, &flag.duration_value) ||
          flag.duration_value < absl::ZeroDuration()) {
        return bad("a duration such as 500ms, 5s or 24h");
      }
      break;
  }
  flag.value = value;
  flag.set = true;
  return absl::OkStatus();
}

absl::Status Flags::Parse(int argc, const char* const* argv) {
  std::map<std::string, std::string> from_command_line;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected argument \"", arg, "\"; flags look like --name=value"));
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    auto it = flags_.find(name);
    if (it == flags_.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag --", name, "; run ", program_, " --help"));
    }
    if (!has_value) {
      if (it->second.kind == Kind::kBool) {
        value = "true";
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        return absl::InvalidArgumentError(absl::StrCat("flag --", name, " needs a value"));
      }
    }
    from_command_line[name] = value;
  }
  for (auto& [name, flag] : flags_) {
    if (auto it = from_command_line.find(name); it != from_command_line.end()) {
      absl::Status status = Assign(name, flag, it->second, "command line");
      if (!status.ok()) return status;
      continue;
    }
    std::vector<std::string> env_names = {EnvName(name)};
    env_names.insert(env_names.end(), flag.shared_env.begin(), flag.shared_env.end());
    for (const std::string& env : env_names) {
      if (const char* value = std::getenv(env.c_str()); value != nullptr && *value != '\0') {
        absl::Status status = Assign(name, flag, value, env);
        if (!status.ok()) return status;
        break;
      }
    }
    if (flag.required && flag.value.empty() && !help_requested_) {
      return absl::InvalidArgumentError(absl::StrCat("missing required setting --", name,
                                                     " (or environment variable ",
                                                     EnvName(name), "): ", flag.help));
    }
  }
  return absl::OkStatus();
}

const Flags::Flag& Flags::Find(absl::string_view name, Kind kind) const {
  auto it = flags_.find(std::string(name));
  // Asking for an undeclared flag, or with the wrong kind, is a programming error.
  if (it == flags_.end() || it->second.kind != kind) std::abort();
  return it->second;
}

const std::string& Flags::GetString(absl::string_view name) const {
  return Find(name, Kind::kString).value;
}
int64_t Flags::GetInt(absl::string_view name) const { return Find(name, Kind::kInt).int_value; }
bool Flags::GetBool(absl::string_view name) const { return Find(name, Kind::kBool).bool_value; }
absl::Duration Flags::GetDuration(absl::string_view name) const {
  return Find(name, Kind::kDuration).duration_value;
}

bool Flags::IsSet(absl::string_view name) const {
  auto it = flags_.find(std::string(name));
  return it != flags_.end() && it->second.set;
}

std::string Flags::Help() const {
  std::string out = absl::StrCat("Usage: ", program_, " [--flag=value ...]\n\n",
                                 "Each flag may also be set by the environment variable shown.\n\n");
  for (const auto& [name, flag] : flags_) {
    absl::StrAppend(&out, "  --", name, "  (", EnvName(name));
    for (const std::string& env : flag.shared_env) absl::StrAppend(&out, ", ", env);
    absl::StrAppend(&out, ")\n      ", flag.help);
    if (flag.required) {
      absl::StrAppend(&out, " Required.");
    } else if (!flag.default_value.empty()) {
      absl::StrAppend(&out, " Default: ", flag.default_value, ".");
    }
    absl::StrAppend(&out, "\n");
  }
  return out;
}

}  // namespace tandem

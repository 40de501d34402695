#include "common/mysql/dsn.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace tandem::mysql {
namespace {

absl::StatusOr<std::string> PercentDecode(absl::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    int value = 0;
    if (i + 2 >= in.size()) {
      return absl::InvalidArgumentError("database URL has a truncated %-escape");
    }
    if (!absl::SimpleHexAtoi(in.substr(i + 1, 2), &value)) {
      return absl::InvalidArgumentError("database URL has an invalid %-escape");
    }
    out.push_back(static_cast<char>(value));
    i += 2;
  }
  return out;
}

}  // namespace

absl::StatusOr<Dsn> Dsn::Parse(absl::string_view url) {
  constexpr absl::string_view kScheme = "mysql://";
  if (!absl::StartsWith(url, kScheme)) {
    return absl::InvalidArgumentError(
        "database URL must look like mysql://user:password@host:port/database");
  }
  absl::string_view rest = url.substr(kScheme.size());
  Dsn dsn;
  if (size_t q = rest.find('?'); q != absl::string_view::npos) {
    for (absl::string_view param : absl::StrSplit(rest.substr(q + 1), '&', absl::SkipEmpty())) {
      std::pair<std::string, std::string> kv = absl::StrSplit(param, absl::MaxSplits('=', 1));
      if (kv.first != "socket") {
        return absl::InvalidArgumentError(
            absl::StrCat("database URL has an unknown parameter \"", kv.first, "\""));
      }
      auto socket = PercentDecode(kv.second);
      if (!socket.ok()) return socket.status();
      dsn.socket = *socket;
    }
    rest = rest.substr(0, q);
  }
  size_t at = rest.rfind('@');
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError("database URL has no user (mysql://user:password@...)");
  }
  absl::string_view credentials = rest.substr(0, at);
  absl::string_view location = rest.substr(at + 1);
  size_t colon = credentials.find(':');
  auto user = PercentDecode(credentials.substr(0, colon));
  if (!user.ok()) return user.status();
  dsn.user = *user;
  if (colon != absl::string_view::npos) {
    auto password = PercentDecode(credentials.substr(colon + 1));
    if (!password.ok()) return password.status();
    dsn.password = *password;
  }
  if (dsn.user.empty()) return absl::InvalidArgumentError("database URL has an empty user");
  size_t slash = location.find('/');
  if (slash == absl::string_view::npos || slash + 1 == location.size()) {
    return absl::InvalidArgumentError("database URL has no database name (.../database)");
  }
  dsn.database = std::string(location.substr(slash + 1));
  absl::string_view host_port = location.substr(0, slash);
  if (size_t c = host_port.rfind(':'); c != absl::string_view::npos) {
    if (!absl::SimpleAtoi(host_port.substr(c + 1), &dsn.port) || dsn.port <= 0 ||
        dsn.port > 65535) {
      return absl::InvalidArgumentError("database URL has an invalid port");
    }
    host_port = host_port.substr(0, c);
  }
  if (!host_port.empty()) dsn.host = std::string(host_port);
  return dsn;
}

std::string Dsn::Redacted() const {
  std::string out = absl::StrCat("mysql://", user, ":***@", host, ":", port, "/", database);
  if (!socket.empty()) absl::StrAppend(&out, "?socket=", socket);
  return out;
}

}  // namespace tandem::mysql

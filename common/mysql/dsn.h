// Database addresses written as URLs:
//   mysql://user:password@host:port/database
//   mysql://user:password@localhost/database?socket=/path/to/mariadb.sock
// User and password are percent-decoded.
#ifndef TANDEM_COMMON_MYSQL_DSN_H_
#define TANDEM_COMMON_MYSQL_DSN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace tandem::mysql {

// A parsed database address.
struct Dsn {
  std::string user;
  std::string password;
  std::string host = "127.0.0.1";
  int port = 3306;
  std::string database;
  // Unix socket path; when set, host and port are ignored.
  std::string socket;

  // Parses a mysql:// URL. Errors name what is wrong, never the password.
  static absl::StatusOr<Dsn> Parse(absl::string_view url);

  // Returns the URL with the password masked, for logs.
  std::string Redacted() const;
};

}  // namespace tandem::mysql

#endif  // TANDEM_COMMON_MYSQL_DSN_H_

// Structured JSON logging: one JSON object per line on stderr, e.g.
//   {"time":"2026-11-22T11:08:12.123Z","level":"info","service":"support",
//    "msg":"rpc","method":"/tandem.support.v1.SupportService/GetTicket",...}
// Never log a token or a password: callers pass only what is safe to keep.
#ifndef TANDEM_COMMON_LOGGING_H_
#define TANDEM_COMMON_LOGGING_H_

#include <string>

#include <nlohmann/json.hpp>

#include "absl/strings/string_view.h"

namespace tandem::logging {

enum class Level { kDebug, kInfo, kWarn, kError };

// Sets the service name stamped on every line and the lowest level written.
// Safe to call again (tests do).
void Init(absl::string_view service, Level min_level = Level::kInfo);

// Parses "debug", "info", "warn" or "error"; false if unknown.
bool ParseLevel(absl::string_view text, Level* level);

// Writes one line at `level` with `message` and extra `fields`.
void Log(Level level, absl::string_view message, const nlohmann::json& fields = {});

inline void Debug(absl::string_view m, const nlohmann::json& f = {}) { Log(Level::kDebug, m, f); }
inline void Info(absl::string_view m, const nlohmann::json& f = {}) { Log(Level::kInfo, m, f); }
inline void Warn(absl::string_view m, const nlohmann::json& f = {}) { Log(Level::kWarn, m, f); }
inline void Error(absl::string_view m, const nlohmann::json& f = {}) { Log(Level::kError, m, f); }

}  // namespace tandem::logging

#endif  // TANDEM_COMMON_LOGGING_H_

#include "common/logging.h"

#include <atomic>
#include <memory>
#include <mutex>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace tandem::logging {
namespace {

struct LoggerState {
  std::mutex mu;
  std::string service = "tandem";
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
  std::shared_ptr<spdlog::logger> logger;
};

LoggerState& State() {
  static auto* state = [] {
    auto* s = new LoggerState;
    s->logger = std::make_shared<spdlog::logger>(
        "tandem", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    s->logger->set_pattern("%v");
    s->logger->flush_on(spdlog::level::trace);
    return s;
  }();
  return *state;
}

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug: return "debug";
    case Level::kInfo: return "info";
    case Level::kWarn: return "warn";
    case Level::kError: return "error";
  }
  return "info";
}

}  // namespace

void Init(absl::string_view service, Level min_level) {
  LoggerState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  state.service = std::string(service);
  state.min_level = static_cast<int>(min_level);
}

bool ParseLevel(absl::string_view text, Level* level) {
  for (Level candidate : {Level::kDebug, Level::kInfo, Level::kWarn, Level::kError}) {
    if (text == LevelName(candidate)) {
      *level = candidate;
      return true;
    }
  }
  return false;
}

void Log(Level level, absl::string_view message, const nlohmann::json& fields) {
  LoggerState& state = State();
  if (static_cast<int>(level) < state.min_level) return;
  nlohmann::json line = {
      {"time", absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone())},
      {"level", LevelName(level)},
      {"msg", std::string(message)},
  };
  {
    std::lock_guard<std::mutex> lock(state.mu);
    line["service"] = state.service;
  }
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  state.logger->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace tandem::logging

// Logging to stderr: human text on a terminal, JSON lines otherwise (so that log
// collectors of scheduled jobs get structured records).
//
// Thread safety: all functions may be called from any thread; lines never interleave.
#pragma once

#include <string_view>

namespace crawlproof {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };
enum class LogFormat { kAuto, kText, kJson };

struct LogOptions {
  // Messages below this level are dropped. Default: kInfo.
  LogLevel min_level = LogLevel::kInfo;
  // kAuto: text when stderr is a terminal, JSON lines otherwise. Default: kAuto.
  LogFormat format = LogFormat::kAuto;
};

// Replaces the process-wide options (call once at start-up).
void SetLogOptions(const LogOptions& options);
// True when log lines are written as JSON.
bool LogIsJson();

void Log(LogLevel level, std::string_view message);
// Logs the fields of `object` (a serialised JSON object, e.g. JsonObject::str())
// as top-level fields of the JSON log line, after "time" and "level"; in text
// format the object is printed as it is.
void LogFields(LogLevel level, std::string_view object);

inline void LogDebug(std::string_view m) {
  Log(LogLevel::kDebug, m);
}
inline void LogInfo(std::string_view m) {
  Log(LogLevel::kInfo, m);
}
inline void LogWarning(std::string_view m) {
  Log(LogLevel::kWarning, m);
}
inline void LogError(std::string_view m) {
  Log(LogLevel::kError, m);
}

}  // namespace crawlproof

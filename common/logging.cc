#include "common/logging.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "common/json.h"

namespace crawlproof {
namespace {

std::mutex g_mutex;
LogLevel g_min_level = LogLevel::kInfo;
bool g_json = !isatty(STDERR_FILENO);

std::string_view LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void SetLogOptions(const LogOptions& options) {
  std::lock_guard lock(g_mutex);
  g_min_level = options.min_level;
  g_json = options.format == LogFormat::kJson || (options.format == LogFormat::kAuto && !isatty(STDERR_FILENO));
}

bool LogIsJson() {
  std::lock_guard lock(g_mutex);
  return g_json;
}

void LogFields(LogLevel level, std::string_view object) {
  std::lock_guard lock(g_mutex);
  if (level < g_min_level) return;
  std::string line;
  if (g_json && object.size() >= 2 && object.front() == '{') {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    JsonObject o;
    o.Add("time", std::chrono::duration<double>(now).count()).Add("level", LevelName(level));
    line = o.str();
    line.pop_back();  // '}'
    if (object.size() > 2) line += ',';
    line.append(object.substr(1));
  } else {
    line = "crawlproof: ";
    line += LevelName(level);
    line += ": ";
    line += object;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void Log(LogLevel level, std::string_view message) {
  std::lock_guard lock(g_mutex);
  if (level < g_min_level) return;
  std::string line;
  if (g_json) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    double secs = std::chrono::duration<double>(now).count();
    JsonObject o;
    o.Add("time", secs).Add("level", LevelName(level)).Add("msg", message);
    line = o.str();
  } else {
    line = "crawlproof: ";
    line += LevelName(level);
    line += ": ";
    line += message;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace crawlproof

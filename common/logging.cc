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

namespace {

// Writes one log line under the lock: in JSON format {"time","level"} followed
// by `json_members` (members of a JSON object, without braces; may be empty),
// in text format "crawlproof: <level>: <text>".
void WriteLine(LogLevel level, std::string_view json_members, std::string_view text) {
  std::lock_guard lock(g_mutex);
  if (level < g_min_level) return;
  std::string line;
  if (g_json) {
    auto now = std::chrono::system_clock::now().time_since_epoch();
    JsonObject o;
    o.Add("time", std::chrono::duration<double>(now).count()).Add("level", LevelName(level));
    line = o.str();
    line.pop_back();  // '}'
    if (!json_members.empty()) line += ',';
    line += json_members;
    line += '}';
  } else {
    line = "crawlproof: ";
    line += LevelName(level);
    line += ": ";
    line += text;
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace

void LogFields(LogLevel level, std::string_view object) {
  std::string_view members = object;
  if (members.size() >= 2 && members.front() == '{' && members.back() == '}')
    members = members.substr(1, members.size() - 2);
  WriteLine(level, members, object);
}

void Log(LogLevel level, std::string_view message) {
  std::string members = "\"msg\":";
  AppendJsonString(members, message);
  WriteLine(level, members, message);
}

}  // namespace crawlproof

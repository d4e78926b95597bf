// Minimal JSON output for JSON-lines data on stdout and structured logs.
// Input parsing uses simdjson (in the folders that need it); this only writes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawlproof {

// Appends `text` to `out` as a JSON string literal (with quotes). Bytes that are
// not valid UTF-8 are replaced by U+FFFD, so the output is always valid JSON.
void AppendJsonString(std::string& out, std::string_view text);

// ["a","b"]: a JSON array of strings.
std::string JsonStringArray(const std::vector<std::string>& items);

// Builds one JSON object, field by field, in insertion order:
//   JsonObject o; o.Add("file", path).Add("offset", uint64_t{12}); o.str() == R"({"file":...})"
class JsonObject {
 public:
  JsonObject& Add(std::string_view key, std::string_view value);
  JsonObject& Add(std::string_view key, const char* value) { return Add(key, std::string_view(value)); }
  JsonObject& Add(std::string_view key, const std::string& value) { return Add(key, std::string_view(value)); }
  JsonObject& Add(std::string_view key, uint64_t value);
  JsonObject& Add(std::string_view key, int64_t value);
  JsonObject& Add(std::string_view key, int value) { return Add(key, static_cast<int64_t>(value)); }
  JsonObject& Add(std::string_view key, double value);
  JsonObject& Add(std::string_view key, bool value);
  JsonObject& AddNull(std::string_view key);
  // Adds `key` with true/false, or null when `value` is empty.
  JsonObject& Add(std::string_view key, std::optional<bool> value);
  // Adds an already-serialised JSON value verbatim. REQUIRES: `json` is valid JSON.
  JsonObject& AddRaw(std::string_view key, std::string_view json);

  // The object text, e.g. {"a":1}. The JsonObject stays usable.
  std::string str() const { return buffer_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string buffer_ = "{";
};

}  // namespace crawlproof

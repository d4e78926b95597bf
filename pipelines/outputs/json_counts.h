// Counts by name in JSON ({"name": n, ...}), as stats.json, the run's parts
// and the report read and write them.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <map>
#include <string>

#include "common/json.h"

namespace crawlproof::pipelines {

inline std::string CountsJson(const std::map<std::string, uint64_t>& m) {
  JsonObject o;
  for (const auto& [k, v] : m) o.Add(k, v);
  return o.str();
}

// Adds the counts of the JSON object `e` to `m` (nothing when `e` is not an
// object; a value that is not a count is skipped).
inline void AddCounts(simdjson::dom::element e, std::map<std::string, uint64_t>* m) {
  simdjson::dom::object obj;
  if (e.get(obj)) return;
  for (auto [k, v] : obj) {
    uint64_t n = 0;
    if (!v.get(n)) (*m)[std::string(k)] += n;
  }
}

}  // namespace crawlproof::pipelines

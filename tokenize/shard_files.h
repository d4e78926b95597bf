// What the shard writer and the shard readers share (shards.cc,
// shard_check.cc): file names and the Megatron magic. Internal to tokenize/.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "common/status.h"
#include "tokenize/shards.h"

namespace crawlproof::tokenize {

inline constexpr char kMagic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};

// "shard-NNNNN" (train) or "valid-NNNNN" (validation).
inline std::string ShardStem(uint64_t index, const std::string& split = "train") {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s-%05llu", split == "validation" ? "valid" : "shard",
                static_cast<unsigned long long>(index));
  return buf;
}

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Size and SHA-256 of a file, read in 1 MiB blocks, described under `name`.
Result<ManifestFile> DescribeFile(const std::string& path, const std::string& name);

}  // namespace crawlproof::tokenize

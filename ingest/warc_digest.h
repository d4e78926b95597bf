// WARC-Block-Digest / WARC-Payload-Digest values: "<algorithm>:<encoded digest>".
// Supported: sha1 (Common Crawl writes Base32) and sha256 (Base16 or Base32),
// also spelled "sha-1" / "sha-256", any letter case.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/digest.h"

namespace crawlproof::ingest {

struct WarcDigest {
  DigestAlgorithm algorithm;
  std::string raw;  // decoded digest bytes
};

// Parses `value`. On failure returns nullopt and sets `*why` (e.g.
// "unsupported digest algorithm md5", "malformed sha1 digest").
std::optional<WarcDigest> ParseWarcDigest(std::string_view value, std::string* why);

}  // namespace crawlproof::ingest

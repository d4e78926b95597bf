#include "ingest/warc_digest.h"

#include <algorithm>
#include <cctype>

#include "common/encoding.h"

namespace crawlproof::ingest {

std::optional<WarcDigest> ParseWarcDigest(std::string_view value, std::string* why) {
  auto colon = value.find(':');
  if (colon == std::string_view::npos) {
    *why = "malformed digest (no 'algorithm:' prefix)";
    return std::nullopt;
  }
  std::string alg(value.substr(0, colon));
  std::transform(alg.begin(), alg.end(), alg.begin(), [](unsigned char c) { return std::tolower(c); });
  std::string_view enc = value.substr(colon + 1);
  while (!enc.empty() && enc.back() == ' ') enc.remove_suffix(1);
  WarcDigest d;
  if (alg == "sha1" || alg == "sha-1") {
    d.algorithm = DigestAlgorithm::kSha1;
  } else if (alg == "sha256" || alg == "sha-256") {
    d.algorithm = DigestAlgorithm::kSha256;
  } else {
    *why = "unsupported digest algorithm " + alg;
    return std::nullopt;
  }
  size_t size = DigestSize(d.algorithm);
  std::optional<std::string> raw;
  if (enc.size() == size * 2) raw = HexDecode(enc);
  if (!raw) raw = Base32Decode(enc);
  if (!raw || raw->size() != size) {
    *why = "malformed " + alg + " digest";
    return std::nullopt;
  }
  d.raw = std::move(*raw);
  return d;
}

}  // namespace crawlproof::ingest

#include "verify/block.h"

#include <charconv>
#include <vector>

namespace crawlproof::verify {
bool ParseCanonicalUint(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string FormatBlockBody(const BlockBody& b) {
  std::string s;
  s += b.origin + "\n";
  s += std::to_string(b.size) + "\n";
  s += ToBase64(b.root) + "\n";
  s += "crawlproof-block/v1\n";
  s += "height " + std::to_string(b.height) + "\n";
  s += "prev " + ToBase64(b.prev) + "\n";
  s += "time " + std::to_string(b.time) + "\n";
  s += "valset " + ToBase64(b.valset) + "\n";
  return s;
}

Result<BlockBody> ParseBlockBody(std::string_view body) {
  if (body.empty() || body.back() != '\n') return Status::Corruption("block body does not end with a newline");
  std::vector<std::string_view> lines;
  for (size_t pos = 0; pos < body.size();) {
    size_t nl = body.find('\n', pos);
    lines.push_back(body.substr(pos, nl - pos));
    pos = nl + 1;
  }
  if (lines.size() != 8)
    return Status::Corruption("block body has " + std::to_string(lines.size()) + " lines, expected 8");
  BlockBody b;
  auto bad = [](int line, const std::string& what) {
    return Status::Corruption("block body line " + std::to_string(line) + ": " + what);
  };
  b.origin = lines[0];
  if (b.origin.empty() || b.origin.find('\r') != std::string::npos) return bad(1, "empty or invalid origin");
  if (!ParseCanonicalUint(lines[1], &b.size)) return bad(2, "size is not a canonical decimal");
  auto root = HashFromBase64(lines[2]);
  if (!root) return bad(3, "root is not canonical base64 of 32 bytes");
  b.root = *root;
  if (lines[3] != "crawlproof-block/v1") return bad(4, "expected 'crawlproof-block/v1'");
  auto field = [&](int i, std::string_view key) -> std::optional<std::string_view> {
    std::string_view l = lines[i];
    if (l.substr(0, key.size()) != key || l.size() <= key.size() || l[key.size()] != ' ') return std::nullopt;
    return l.substr(key.size() + 1);
  };
  auto height = field(4, "height");
  if (!height || !ParseCanonicalUint(*height, &b.height)) return bad(5, "expected 'height <n>'");
  auto prev = field(5, "prev");
  auto prev_hash = prev ? HashFromBase64(*prev) : std::nullopt;
  if (!prev_hash) return bad(6, "expected 'prev <base64 of 32 bytes>'");
  b.prev = *prev_hash;
  auto time = field(6, "time");
  if (!time || !ParseCanonicalUint(*time, &b.time)) return bad(7, "expected 'time <unix seconds>'");
  auto valset = field(7, "valset");
  auto valset_hash = valset ? HashFromBase64(*valset) : std::nullopt;
  if (!valset_hash) return bad(8, "expected 'valset <base64 of 32 bytes>'");
  b.valset = *valset_hash;
  if (FormatBlockBody(b) != body) return Status::Corruption("block body is not in canonical form");
  return b;
}

}  // namespace crawlproof::verify

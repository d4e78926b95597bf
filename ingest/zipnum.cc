#include "ingest/zipnum.h"

#include <charconv>

#include "ingest/line_reader.h"

namespace crawlproof::ingest {
namespace {

struct Block {
  std::string file;
  uint64_t offset = 0;
  uint64_t length = 0;
};

Result<Block> ParseClusterLine(std::string_view line, std::string_view* key) {
  std::string_view f[5];
  size_t pos = 0;
  for (int i = 0; i < 5; ++i) {
    size_t tab = i < 4 ? line.find('\t', pos) : line.size();
    if (tab == std::string_view::npos) return Status::Corruption("cluster.idx line has fewer than 5 fields");
    f[i] = line.substr(pos, tab - pos);
    pos = tab + 1;
  }
  *key = f[0].substr(0, f[0].find(' '));
  Block b;
  b.file = f[1];
  auto parse = [](std::string_view s, uint64_t* v) {
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
    return ec == std::errc() && p == s.data() + s.size();
  };
  if (!parse(f[2], &b.offset) || !parse(f[3], &b.length))
    return Status::Corruption("cluster.idx line has a bad offset or length");
  return b;
}

}  // namespace

Result<std::vector<CdxjEntry>> LookupZipNum(std::string_view cluster_idx_uri, std::string_view url,
                                            const SourceOptions& source_options) {
  const std::string key = SurtKey(url);
  // Candidates: the last member whose first key is below `key`, then every
  // member whose first key equals it.
  std::optional<Block> last_below;
  std::vector<Block> equal;
  Status parse_error;
  uint64_t line_no = 0;
  RETURN_IF_ERROR(ForEachLine(
      cluster_idx_uri, source_options,
      [&](std::string_view line) {
        ++line_no;
        if (line.empty()) return true;
        std::string_view first_key;
        auto b = ParseClusterLine(line, &first_key);
        if (!b.ok()) {
          parse_error = b.status().WithPrefix(std::string(cluster_idx_uri) + ": line " + std::to_string(line_no));
          return false;
        }
        if (first_key < key) {
          last_below = std::move(b).value();
          return true;
        }
        if (first_key == key) {
          equal.push_back(std::move(b).value());
          return true;
        }
        return false;  // sorted: nothing further can match
      },
      kMaxIndexLine));
  RETURN_IF_ERROR(parse_error);
  std::vector<Block> blocks;
  if (last_below) blocks.push_back(*last_below);
  blocks.insert(blocks.end(), equal.begin(), equal.end());

  std::string dir(cluster_idx_uri.substr(0, cluster_idx_uri.rfind('/') + 1));
  std::vector<CdxjEntry> found;
  for (const auto& b : blocks) {
    SourceOptions o = source_options;
    o.offset = b.offset;
    o.length = b.length;
    RETURN_IF_ERROR(ForEachLine(
        dir + b.file, o,
        [&](std::string_view line) {
          std::string_view line_key = line.substr(0, line.find(' '));
          if (line_key == key) {
            auto e = ParseCdxjLine(line);
            if (e.ok()) found.push_back(std::move(e).value());
          }
          return line_key <= key;  // sorted within the member
        },
        kMaxIndexLine));
  }
  return found;
}

}  // namespace crawlproof::ingest

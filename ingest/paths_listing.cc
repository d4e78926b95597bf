#include "ingest/paths_listing.h"

#include "ingest/line_reader.h"

namespace crawlproof::ingest {

Result<std::vector<std::string>> ReadPathsListing(std::string_view uri, const PathsListingOptions& options,
                                                  const SourceOptions& source_options) {
  std::vector<std::string> out;
  RETURN_IF_ERROR(ForEachLine(
      uri, source_options,
      [&](std::string_view line) {
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
        if (line.empty()) return true;
        std::string p = options.prefix;
        if (!p.empty() && p.back() != '/' && line.front() != '/') p += '/';
        p.append(line);
        out.push_back(std::move(p));
        return !(options.limit && out.size() >= options.limit);
      },
      kMaxListingLine));
  return out;
}

}  // namespace crawlproof::ingest

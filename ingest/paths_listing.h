// Common Crawl listings: `warc.paths.gz` (one path per line, relative to the
// data host) and CDXJ index lines.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "ingest/byte_source.h"

namespace crawlproof::ingest {

struct PathsListingOptions {
  // Prepended to every path, e.g. "https://data.commoncrawl.org/" or
  // "s3://commoncrawl/". Default: "" (paths as listed).
  std::string prefix;
  // Stop after this many paths; 0 = all. Default: 0.
  uint64_t limit = 0;
};

// Reads a paths listing (gzip, zstd or plain; local or remote). Blank lines are
// skipped. Errors: those of the source, Corruption for a damaged file.
Result<std::vector<std::string>> ReadPathsListing(std::string_view uri, const PathsListingOptions& options = {},
                                                  const SourceOptions& source_options = {});

}  // namespace crawlproof::ingest

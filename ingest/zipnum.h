// ZipNum CDX indexes, as Common Crawl publishes them under
// cc-index/collections/<CRAWL>/indexes/: `cdx-NNNNN.gz` files made of gzip
// members of a few thousand sorted CDXJ lines each, and `cluster.idx`, one line
// per member:
//   <SURT> <timestamp>\t<cdx file>\t<offset>\t<length>\t<member number>
// A lookup reads cluster.idx (streamed, once) and fetches only the members that
// can hold the key, each with one Range request.
#pragma once

#include <string_view>
#include <vector>

#include "ingest/cdxj.h"

namespace crawlproof::ingest {

// Every entry whose SURT key equals SurtKey(url), in index order. The cdx files
// are looked up beside `cluster_idx_uri`. Errors: those of the sources,
// Corruption for a malformed cluster.idx line.
Result<std::vector<CdxjEntry>> LookupZipNum(std::string_view cluster_idx_uri, std::string_view url,
                                            const SourceOptions& source_options = {});

}  // namespace crawlproof::ingest

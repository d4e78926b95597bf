// CDXJ index lines as Common Crawl's index server writes them:
//   <SURT key> <14-digit timestamp> {"url": ..., "filename": ..., "offset": "...",
//                                    "length": "...", "status": ..., "digest": ...}
// offset/length address the record's gzip member in `filename`, so one record
// can be fetched with a single HTTP Range request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/byte_source.h"

namespace crawlproof::ingest {

struct CdxjEntry {
  std::string surt;
  std::string timestamp;
  std::string url;
  std::string filename;
  uint64_t offset = 0;
  uint64_t length = 0;
  std::string mime;
  std::string status;
  std::string digest;
};

// Parses one line. Errors: Corruption naming what is missing.
Result<CdxjEntry> ParseCdxjLine(std::string_view line);

// The SURT form of `url` as CDX indexes sort it: scheme and "www." dropped,
// host labels reversed and comma-joined, ')' then the path, lower-cased,
// e.g. "http://www.Example.com/a?b" -> "com,example)/a?b".
std::string SurtKey(std::string_view url);

// Every entry of the index at `uri` (gzip or plain) whose URL equals `url` or
// whose SURT key equals SurtKey(url), in file order. A `uri` ending in
// "cluster.idx" is a ZipNum index (see zipnum.h): only the members that can
// hold the key are fetched; otherwise the index is scanned.
Result<std::vector<CdxjEntry>> LookupCdxj(std::string_view uri, std::string_view url,
                                          const SourceOptions& source_options = {});

}  // namespace crawlproof::ingest

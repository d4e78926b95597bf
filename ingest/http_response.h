// The HTTP response inside a WARC `response` record: status line, headers, and
// the body with its transfer and content codings removed.
//
// Common Crawl stores bodies already decoded and renames the headers it acted
// on (X-Crawler-Transfer-Encoding, X-Crawler-Content-Encoding,
// X-Crawler-Content-Length); those bodies are taken as they are. Other writers
// (wget, warcio, browsers) keep the codings, which are removed here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/warc_record.h"

namespace crawlproof::ingest {

struct HttpDecodeOptions {
  // Largest decoded body. Default: 64 MiB.
  uint64_t max_body_bytes = 64 << 20;
  // Remove chunked transfer coding / content codings. Default: true.
  bool remove_transfer_coding = true;
  bool remove_content_coding = true;
};

struct HttpResponse {
  std::string_view version;  // "HTTP/1.1"
  int status = 0;
  std::string_view reason;
  std::vector<WarcHeaderField> headers;  // views into the record block
  std::string_view raw_body;             // bytes after the header, as stored
  // Decoded body when a coding was removed; otherwise empty and Body() is raw_body.
  std::string decoded_body;
  bool body_decoded = false;
  std::vector<std::string> codings_removed;  // e.g. {"chunked", "gzip"}
  // Codings that could not be removed (the body is then left as stored).
  std::vector<std::string> warnings;
  // Observations that need no action (e.g. a writer that removed chunking but
  // kept the Transfer-Encoding header).
  std::vector<std::string> notes;
  // True when Common Crawl's crawler had already removed codings.
  bool crawler_decoded = false;

  std::string_view Body() const { return body_decoded ? std::string_view(decoded_body) : raw_body; }
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Parses `block` (a response record's block). Errors: Corruption when the block
// does not start with an HTTP status line or its header never ends. Coding
// failures are warnings, not errors.
Result<HttpResponse> ParseHttpResponse(std::string_view block, const HttpDecodeOptions& options = {});

}  // namespace crawlproof::ingest

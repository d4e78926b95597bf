// Line-oriented text objects (paths listings, CDXJ indexes, cluster.idx),
// local or remote, plain or compressed (the format is sniffed as for WARCs).
#pragma once

#include <atomic>
#include <functional>
#include <string_view>

#include "common/status.h"
#include "ingest/byte_source.h"

namespace crawlproof::ingest {

// Calls `fn(line)` for every line of the object at `uri`, in order, without its
// '\n' (a final line without one included); stops early when `fn` returns
// false. A line longer than `max_line` bytes is InvalidArgument naming the
// object, the line and its byte offset, found before more of it is read (a
// listing line is a path or URL, a document line a document); with `cancel`
// set, stops with Unavailable. Errors: those of the source and of decoding.
inline constexpr size_t kDefaultMaxLine = size_t{1} << 30;  // a JSON-lines document
inline constexpr size_t kMaxListingLine = size_t{1} << 16;  // a warc.paths line: a path or URL
inline constexpr size_t kMaxIndexLine = size_t{1} << 20;    // a CDXJ / ZipNum line
Status ForEachLine(std::string_view uri, const SourceOptions& options,
                   const std::function<bool(std::string_view line)>& fn, size_t max_line = kDefaultMaxLine,
                   const std::atomic<bool>* cancel = nullptr);

}  // namespace crawlproof::ingest

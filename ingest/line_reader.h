// Line-oriented text objects (paths listings, CDXJ indexes, cluster.idx),
// local or remote, plain or compressed (the format is sniffed as for WARCs).
#pragma once

#include <functional>
#include <string_view>

#include "common/status.h"
#include "ingest/byte_source.h"

namespace crawlproof::ingest {

// Calls `fn(line)` for every line of the object at `uri`, in order, without its
// '\n' (a final line without one included); stops early when `fn` returns
// false. Errors: those of the source and of decoding.
Status ForEachLine(std::string_view uri, const SourceOptions& options,
                   const std::function<bool(std::string_view line)>& fn);

}  // namespace crawlproof::ingest

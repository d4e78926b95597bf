// DedupIndex on RocksDB. One database directory per index:
//   "m"                      -> the parameters it was built with (text)
//   "b" ‖ u64 key (BE) ‖ id  -> ""        (band key postings)
//   "s" ‖ id                 -> num_perm × u64 (LE) signature
//   "n"                      -> u64 count of documents (LE)
// RocksDB's lock file makes a second process opening the same index fail with
// a clear message; Add is one atomic, synced write batch.
#pragma once

#include <memory>
#include <string>

#include "dedup/index.h"

namespace crawlproof::store {

// Opens (creating when absent) the index at `dir` for signatures made with
// `params` (e.g. "num_perm=112 ngram=5 seed=42 bands=14 rows=8"). Errors:
// InvalidArgument when the index was built with other parameters,
// Unavailable when another process holds it, IoError.
Result<std::unique_ptr<dedup::DedupIndex>> OpenRocksDbIndex(const std::string& dir, const std::string& params,
                                                            uint32_t num_perm);

}  // namespace crawlproof::store

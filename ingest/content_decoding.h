// HTTP body codings: chunked transfer coding and the gzip, deflate, br and zstd
// content codings, each with an explicit output limit (decompression bombs).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace crawlproof::ingest {

// Removes chunked transfer coding. Chunk extensions and trailers are ignored.
// Errors: Corruption (bad chunk size line, data shorter than a chunk) — the
// message says at which body offset.
Result<std::string> Dechunk(std::string_view body, uint64_t max_output);

// Decodes one content coding: "gzip"/"x-gzip", "deflate" (zlib-wrapped or raw),
// "br", "zstd"; "identity" returns the input. Errors: Unimplemented (unknown
// coding), Corruption, ResourceExhausted (output above `max_output`).
Result<std::string> DecodeContentCoding(std::string_view coding, std::string_view data, uint64_t max_output);

}  // namespace crawlproof::ingest

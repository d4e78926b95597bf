// Internal: constructors of the concrete decoders (used by MakeDecoder).
#pragma once

#include "ingest/decoder.h"

namespace crawlproof::ingest {

std::unique_ptr<Decoder> MakeGzipDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options);
std::unique_ptr<Decoder> MakeZstdDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options);

// Position of the first occurrence of `magic` in [data+from, data+size), or npos.
size_t FindMagic(const char* data, size_t size, size_t from, std::string_view magic);

}  // namespace crawlproof::ingest

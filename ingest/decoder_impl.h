// Internal: constructors of the concrete decoders (used by MakeDecoder).
#pragma once

#include "ingest/decoder.h"

namespace crawlproof::ingest {

std::unique_ptr<Decoder> MakeGzipDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options);
std::unique_ptr<Decoder> MakeZstdDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options);

// Resynchronisation after damage: drops input up to the next occurrence of
// `magic` at or after buffered position `from` (or everything, at the end of the
// input) and adds the number of dropped bytes to `*skipped`.
// Errors: those of the source.
Status SkipToMagic(InputBuffer& in, std::string_view magic, size_t from, uint64_t* skipped);

}  // namespace crawlproof::ingest

// Local files, read with large sequential reads (posix_fadvise SEQUENTIAL).
#pragma once

#include "ingest/byte_source.h"

namespace crawlproof::ingest {

// Opens the local file `path` (a plain path or a file:// URI already stripped).
// Errors: NotFound, IoError, InvalidArgument (offset past the end).
Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, const SourceOptions& options);

}  // namespace crawlproof::ingest

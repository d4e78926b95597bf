// Whole small files (snapshots, trust files, keys, bundles) in and out.
#pragma once

#include <string>

#include "common/status.h"

namespace crawlproof {

// The bytes of the file at `path`. Errors: NotFound, IoError.
Result<std::string> ReadWholeFile(const std::string& path);

// Replaces the file at `path` with `data` atomically: a temporary file beside
// it, then rename(2). Errors: IoError.
Status WriteFileAtomically(const std::string& path, const std::string& data);

}  // namespace crawlproof

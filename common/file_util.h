// Whole small files (snapshots, trust files, keys, bundles) in and out.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace crawlproof {

// The bytes of the file at `path`. Errors: NotFound, IoError.
Result<std::string> ReadWholeFile(const std::string& path);

// Replaces the file at `path` with `data` atomically: a temporary file beside
// it, then rename(2). Errors: IoError.
Status WriteFileAtomically(const std::string& path, const std::string& data);

// The folder part of a path ("." when there is none, "/" for a file at the
// root) and the name after the last '/'.
std::string Dirname(std::string_view path);
std::string Basename(std::string_view path);

}  // namespace crawlproof

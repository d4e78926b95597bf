// Whole small files (snapshots, trust files, keys, bundles) in and out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace crawlproof {

// The bytes of the file at `path`, refused (InvalidArgument naming the file,
// its size and the limit) when it holds more than `max_bytes`: checked before
// reading a regular file, and while reading anything else (a pipe).
// Errors: NotFound, IoError, InvalidArgument.
inline constexpr uint64_t kDefaultMaxFileBytes = uint64_t{1} << 30;
Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes = kDefaultMaxFileBytes);

// Replaces the file at `path` with `data` atomically: a temporary file beside
// it, then rename(2). A symbolic link at `path` stays one: the file it points
// to is replaced. Errors: IoError.
Status WriteFileAtomically(const std::string& path, const std::string& data);

// The folder part of a path ("." when there is none, "/" for a file at the
// root) and the name after the last '/'.
std::string Dirname(std::string_view path);
std::string Basename(std::string_view path);

}  // namespace crawlproof

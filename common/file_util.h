// Whole small files (snapshots, trust files, keys, bundles) in and out.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof {

// The bytes of the file at `path`, refused (InvalidArgument naming the file,
// its size and the limit) when it holds more than `max_bytes`: checked before
// reading a regular file, and while reading anything else (a pipe).
// Errors: NotFound, IoError, InvalidArgument.
inline constexpr uint64_t kDefaultMaxFileBytes = uint64_t{1} << 30;
Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes = kDefaultMaxFileBytes);

// Replaces the file at `path` with `data` atomically: a temporary file beside
// it, then rename(2), which replaces a symbolic link at `path` itself. With
// `through_link`, a symbolic link at `path` stays one and the file it points
// to is replaced instead. Errors: IoError.
Status WriteFileAtomically(const std::string& path, const std::string& data, bool through_link = false);

// Refuses (InvalidArgument naming both) an output that is one of the inputs
// (the same file, through any path or hard link: same device and inode) or
// another output, before anything is opened for writing. Empty names, "-"
// and URLs are skipped; outputs that do not exist yet are compared by path.
Status RefuseOverwritingInputs(const std::vector<std::string>& inputs, const std::vector<std::string>& outputs);

// The folder part of a path ("." when there is none, "/" for a file at the
// root) and the name after the last '/'.
std::string Dirname(std::string_view path);
std::string Basename(std::string_view path);

}  // namespace crawlproof

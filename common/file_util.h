// Whole small files (snapshots, trust files, keys, bundles) in and out.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
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

// Whether an existing file at an output path may be replaced by what a
// command writes there: `kind` names it in messages ("ledger snapshot"),
// `ours` tells from the file's first 4 KiB whether crawlproof wrote one of
// that kind there before (empty: any existing file is foreign).
struct OutputFile {
  std::string path;
  std::string kind;
  std::function<bool(std::string_view head)> ours;
};

// Refuses (InvalidArgument naming the file and why) to write `out` when it is
// one of `inputs` (RefuseOverwritingInputs), a symbolic link, not a regular
// file, a private key (PEM "PRIVATE KEY", whatever `force` says), or an
// existing file that `out.ours` does not recognise — unless `force` (the
// commands' --force). A path that does not exist is fine. Reads at most 4 KiB.
Status CheckOutputFile(const OutputFile& out, const std::vector<std::string>& inputs, bool force);

// Every output of a command at once: RefuseOverwritingInputs over all of
// them, then what CheckOutputFile checks of each. Errors: the first
// refusal.
Status CheckOutputFiles(const std::vector<std::string>& inputs, const std::vector<OutputFile>& outputs, bool force);

// Recognisers for CheckOutputFile: a JSON document whose "format" is
// `format` (within its first 4 KiB); JSON lines or a JSON object (empty, or
// the first non-blank byte is '{').
std::function<bool(std::string_view)> JsonFormatIs(std::string format);
bool LooksLikeJson(std::string_view head);

// Refuses (InvalidArgument naming it) a symbolic link at `path` or at any
// folder between `root` and it (`path` lies under `root`, both as given, not
// resolved); `root` itself is not checked. Missing components are fine.
Status CheckNoLinkBelow(const std::string& root, const std::string& path);
// The same for every entry of the tree under `root`, at any depth (lstat, no
// link followed). Errors: InvalidArgument naming the first link found.
Status CheckNoLinkInTree(const std::string& root);
// The first symbolic link in the tree under `root` (`root` itself included),
// as a path that starts with `root`; nullopt when there is none. Errors:
// IoError when a folder cannot be listed.
Result<std::optional<std::string>> FindLinkInTree(const std::string& root);

// The folder part of a path ("." when there is none, "/" for a file at the
// root) and the name after the last '/'.
std::string Dirname(std::string_view path);
std::string Basename(std::string_view path);

}  // namespace crawlproof

// What the ledger commits to (docs/ledger-format.md). Integers big-endian,
// `str` = u16 length ‖ bytes, hashes SHA-256:
//
//   record leaf = "CRAWLPROOF-REC-V1\0" ‖ u64 offset ‖ u64 length ‖
//                 SHA256(addressable bytes) ‖ SHA256(record block) ‖ u8 type ‖
//                 str WARC-Record-ID ‖ str target URI ‖ str WARC-Date
//   record root = MTH(record leaves of the file, in file order)
//   file entry  = "CRAWLPROOF-FILE-V1\0" ‖ str path ‖ u64 file size ‖
//                 SHA256(file) ‖ u64 record count ‖ record root
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "ingest/byte_source.h"
#include "ingest/warc_record.h"
#include "verify/merkle.h"

namespace crawlproof::verify {

struct RecordLeaf {
  uint64_t offset = 0;
  uint64_t length = 0;
  Hash addressable_sha256{};
  Hash block_sha256{};
  uint8_t type = 255;
  std::string record_id;
  std::string target_uri;
  std::string date;
};

struct FileEntry {
  std::string path;
  uint64_t size = 0;
  Hash sha256{};
  uint64_t record_count = 0;
  Hash record_root{};
};

// Encodings. Errors: InvalidArgument when a string is longer than 65,535 bytes.
Result<std::string> EncodeRecordLeaf(const RecordLeaf& leaf);
Result<std::string> EncodeFileEntry(const FileEntry& entry);
// Strict decoders (exact length, right prefix). Errors: Corruption.
Result<RecordLeaf> DecodeRecordLeaf(std::string_view bytes);
Result<FileEntry> DecodeFileEntry(std::string_view bytes);

// The leaf of a record read with WarcReaderOptions::addressable_sha256 and
// block_sha256. Errors: InvalidArgument when a hash is missing (a record that
// spans several compressed members, or a block not hashed).
Result<RecordLeaf> RecordLeafFromWarc(const ingest::WarcRecord& record);

// The path a local file is committed under: relative to `root` when given (and
// the file is inside it), else its base name. URLs commit under their path
// without the leading '/', so "https://data.commoncrawl.org/crawl-data/…"
// becomes "crawl-data/…" and "s3://commoncrawl/crawl-data/…" too.
std::string LedgerPath(std::string_view uri, std::string_view root);

struct FileCommitment {
  FileEntry entry;
  std::vector<Hash> leaf_hashes;   // HashLeaf(record leaf), in file order
  std::vector<RecordLeaf> leaves;  // only when asked for
  // Damage the reader reported (file, offset, reason); a file with any is not
  // fit to be committed.
  std::vector<std::string> problems;
};

struct CommitOptions {
  // Keep every RecordLeaf (for audit proofs of one file). Default: false.
  bool keep_leaves = false;
  ingest::SourceOptions source;
  // Called with every record read, in file order, so that a caller can use
  // the same pass (e.g. extract documents while the file is committed).
  std::function<void(const ingest::WarcRecord& record)> each_record;
};

// Streams `uri` once (inflate, parse, SHA-256 of file, members and blocks) and
// computes its file entry under `ledger_path`. Errors: those of the source
// (could not read at all); damage inside the file goes to `problems`.
Result<FileCommitment> CommitFile(std::string_view uri, std::string_view ledger_path,
                                  const CommitOptions& options = {});

// ---- Record-leaf sidecars ----------------------------------------------------
// The ledger commits to a file's record root only; to say *which* record of a
// mismatching file differs, `ledger build` also publishes each file's leaf
// hashes beside the snapshot. A sidecar needs no trust of its own: it is used
// only when its leaves hash to the committed record root.
//
//   name     = hex(HashLeaf(file entry encoding)) + ".leaves"  (the log leaf)
//   contents = "CRAWLPROOF-LEAVES-V1\0" ‖ u64 record count ‖ HashLeaf(leaf)[count]

// The file name of `entry`'s sidecar. Errors: those of EncodeFileEntry.
Result<std::string> LeafSidecarName(const FileEntry& entry);
std::string EncodeLeafSidecar(std::span<const Hash> leaf_hashes);
// The size of the sidecar of `entry`: what a reader reads at most.
uint64_t LeafSidecarSize(const FileEntry& entry);
// Decodes a sidecar and checks it against `entry` (count and record root).
// Errors: Corruption saying what does not match.
Result<std::vector<Hash>> DecodeLeafSidecar(std::string_view bytes, const FileEntry& entry);

// Index of the first leaf where `a` and `b` differ, counting a missing leaf as
// different; nullopt when they are equal.
std::optional<size_t> FirstDifferingLeaf(std::span<const Hash> a, std::span<const Hash> b);

}  // namespace crawlproof::verify

// Audit bundles: a self-contained proof that one WARC record comes from a file
// committed in a signed ledger block, checkable offline with the genesis
// validator set alone (docs/audit.md).
//
// A bundle holds: where the record's bytes are (file, path, offset, length), its
// record leaf and inclusion path to the file's record root, the file entry and
// its inclusion path to a block's root, that block's signed note, and the
// validator-set history from genesis to the block (every set document, and the
// signed blocks that switched sets). JSON, one field per line, so that a shell
// with sed can read it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "verify/commitments.h"
#include "verify/ledger.h"

namespace crawlproof::verify {

struct AuditBundle {
  std::string origin;
  // The record.
  std::string file;  // as given to `audit record`
  std::string path;  // ledger path of the file
  uint64_t offset = 0;
  uint64_t length = 0;
  uint64_t record_index = 0;
  std::string leaf;  // encoded record leaf
  std::vector<Hash> record_path;
  // The file entry.
  uint64_t record_count = 0;
  std::string entry;  // encoded file entry
  uint64_t entry_index = 0;
  uint64_t tree_size = 0;
  std::vector<Hash> entry_path;
  // The block and the validator-set history up to it.
  uint64_t height = 0;
  std::string block_note;
  std::vector<std::string> valsets;        // genesis first, then each set switched to
  std::vector<std::string> switch_blocks;  // the signed notes of the blocks that switched
  // Consistency with a pinned block (docs/audit.md): the log size of block
  // `height` and the RFC 9162 consistency proof between that log and the
  // bundle block's (from the smaller to the larger). Absent in bundles made
  // without a pin.
  struct Pin {
    uint64_t height = 0, size = 0;
    std::vector<Hash> proof;
  };
  std::optional<Pin> pin;
};

std::string FormatAuditBundle(const AuditBundle& b);
// Errors: Corruption naming the field.
Result<AuditBundle> ParseAuditBundle(std::string_view json);

// Builds the bundle of the record at `offset` of `uri` (committed under
// `ledger_path`) from `snapshot`. The file is streamed once to recompute its
// record leaves; it must match its ledger entry. Errors: NotFound (no entry
// for the path, no record at the offset), Corruption (the file does not match
// its entry, or the snapshot is malformed).
// With `pin_height`, the bundle also carries the consistency proof between
// that block's log and the bundle block's (for a verifier whose trust file
// pins that height); NotFound when the snapshot has no such block.
//
// With `hint` (the record's index among its file's leaves and its length, as
// a store's account has them, and the folder of the snapshot's leaf
// sidecars), the file is not streamed: the entry's sidecar (checked against
// its record root) gives the leaves, and only the record is read, its leaf
// checked against the sidecar's. Any miss (no sidecar, another leaf) falls
// back to streaming the file; the bundle is the same either way.
struct RecordHint {
  uint64_t leaf_index = 0;
  uint64_t length = 0;
  std::string leaves_dir;  // <snapshot>.leaves by default (`ledger build`)
};
Result<AuditBundle> BuildAuditBundle(std::string_view uri, std::string_view ledger_path, uint64_t offset,
                                     const Snapshot& snapshot, const ingest::SourceOptions& source = {},
                                     std::optional<uint64_t> pin_height = std::nullopt,
                                     const RecordHint* hint = nullptr);

struct AuditResult {
  RecordLeaf leaf;
  FileEntry entry;
  uint64_t height = 0;
  std::vector<std::string> signers;
  bool content_checked = false;
  // What was checked against the trust file's pin: "none" (no pin),
  // "same block", "extends the pinned block", "in the pinned block's log".
  std::string pin_check = "none";
};

// Verifies `bundle` against `trust` offline. With `record_bytes` (the record's
// addressable bytes, as `warc cat --offset --length` returns them) also checks
// the content: their SHA-256, and the record decoded from them (block hash,
// type, id, URI, date). When the trust file pins a block, the bundle's block
// must be that block (same root) or the bundle must carry a consistency proof
// with it (`pin`): a fork of the pinned chain at any height is refused.
// Errors: Corruption naming the first check that fails.
Result<AuditResult> VerifyAuditBundle(const AuditBundle& bundle, const Trust& trust,
                                      const std::optional<std::string>& record_bytes = std::nullopt);

}  // namespace crawlproof::verify

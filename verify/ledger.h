// The verifier and the publisher of ledger snapshots.
//
// VerifySnapshot checks, in order, everything a snapshot claims: the genesis
// validator set is the trusted one; every block's note parses and its text is a
// canonical block body of the trusted origin; heights go 0, 1, 2, ... (two
// blocks at one height are an equivocation, reported with both roots); `prev`
// is the hash of the previous block's text; each block is signed by a quorum
// of its validator set (unknown keys ignored, duplicates counted once); a block
// that switches to another set is signed by a quorum of the previous set and
// by a quorum of the new set (a switch to keys that never sign is refused); the
// file entries it lists extend the log to its `size` and `root`; and the
// pinned trust point, if any, is in the chain with its root (else: rollback).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "verify/block.h"
#include "verify/ed25519.h"
#include "verify/snapshot.h"
#include "verify/valset.h"

namespace crawlproof::verify {

struct Trust {
  std::string origin;
  ValidatorSet genesis;
  std::optional<uint64_t> pinned_height;
  std::optional<Hash> pinned_root;
};

// Reads a trust file (TOML): origin = "...", valset_file = "..." (relative to
// the trust file), optional [pinned] height = N, root = "<hex>". Strict: any
// other table or key is an error naming the file and the key.
// Errors: NotFound, InvalidArgument naming the key.
Result<Trust> LoadTrustFile(const std::string& path);

// Sets the trust file's [pinned] table to `height` and `root`: the file must
// read as LoadTrustFile reads it; it is rewritten atomically through the TOML
// serialiser (its leading comment lines kept; a symbolic link stays a link
// to the rewritten file). Errors: as LoadTrustFile, IoError.
Status PinTrustFile(const std::string& path, uint64_t height, const Hash& root);

struct VerifiedBlock {
  BlockBody body;
  std::vector<std::string> signers;
  size_t valset_index = 0;  // into VerifiedLedger::valsets
  size_t first_entry = 0;   // index of the block's first file entry in the log
};

struct VerifiedLedger {
  std::vector<VerifiedBlock> blocks;
  std::vector<ValidatorSet> valsets;
  std::vector<FileEntry> entries;  // the whole log, in order
  std::vector<Hash> entry_hashes;  // HashLeaf(EncodeFileEntry(entry))

  uint64_t height() const { return blocks.empty() ? 0 : blocks.back().body.height; }
  Hash root() const { return blocks.empty() ? EmptyRoot() : blocks.back().body.root; }
  // Index in `entries` of the last entry with this path, if any.
  std::optional<size_t> FindPath(std::string_view path) const;
  // Index of the block that committed entry `i`.
  size_t BlockOfEntry(size_t i) const;
};

// Errors: Corruption naming the block and the rule it breaks.
Result<VerifiedLedger> VerifySnapshot(const Snapshot& snapshot, const Trust& trust);

struct Signer {
  std::string name;
  const Ed25519Signer* key;
};

// Appends one block committing `files` to `snapshot` (empty for the genesis
// block), signed by `signers` under validator set `valset` (added to the
// snapshot's valsets when new), with `origin` and `time`.
// Errors: InvalidArgument (origin differs from the snapshot's, no signer,
// a file entry that cannot be encoded).
Status AppendBlock(Snapshot* snapshot, const std::string& origin, const ValidatorSet& valset,
                   const std::vector<Signer>& signers, std::vector<FileEntry> files, uint64_t time);

}  // namespace crawlproof::verify

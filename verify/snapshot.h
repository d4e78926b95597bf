// Ledger snapshots: one JSON document with the validator-set history, the
// chain of signed blocks and the file entries each block appends:
//   {"format": "crawlproof-ledger/v1", "origin": "...",
//    "valsets": ["<validator set document>", ...],          (genesis first)
//    "blocks": [{"note": "<signed note>",
//                "files": [{"path", "size", "sha256", "record_count", "record_root"}, ...]}, ...]}
// Hashes are lower-case hex. Parsing (simdjson) is strict about types and
// fields; it does not check signatures or hashes — see ledger.h for that.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "verify/commitments.h"

namespace crawlproof::verify {

struct SnapshotBlock {
  std::string note;  // the full signed note text
  std::vector<FileEntry> files;
};

struct Snapshot {
  std::string origin;
  std::vector<std::string> valsets;
  std::vector<SnapshotBlock> blocks;
};

// Errors: Corruption naming the field.
Result<Snapshot> ParseSnapshot(std::string_view json);
std::string FormatSnapshot(const Snapshot& s);

// Reads / writes a snapshot file (written atomically: temporary file + rename).
Result<Snapshot> ReadSnapshotFile(const std::string& path);
Status WriteSnapshotFile(const std::string& path, const Snapshot& s);

}  // namespace crawlproof::verify

// The memory of earlier runs: band keys and signatures of the documents they
// kept, so that a new run deduplicates against them without recomputing any
// old signature. The interface belongs here; store/ implements it on RocksDB.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace crawlproof::dedup {

struct IndexedDocument {
  std::string id;
  std::vector<uint64_t> band_keys;
  std::vector<uint64_t> signature;
};

class DedupIndex {
 public:
  virtual ~DedupIndex() = default;
  // Ids of earlier kept documents with this band key (band index included).
  virtual Result<std::vector<std::string>> Lookup(uint64_t band_key) = 0;
  // The signature of an earlier kept document. Errors: NotFound, Corruption.
  virtual Result<std::vector<uint64_t>> Signature(const std::string& id) = 0;
  // Records newly kept documents, all or nothing.
  virtual Status Add(const std::vector<IndexedDocument>& docs) = 0;
  // Documents recorded so far.
  virtual uint64_t size() const = 0;
};

}  // namespace crawlproof::dedup

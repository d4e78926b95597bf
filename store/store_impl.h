// The provenance store's insides shared by its files (provenance_store.cc:
// opening, reading, dumping; entry_files.cc: committing, table files).
// Internal to store/.
#pragma once

#include <rocksdb/db.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "store/dedup_keys.h"
#include "store/provenance_store.h"

namespace crawlproof::store {

constexpr const char* kFamilies[] = {"default", "ingest", "provenance", "by_url",      "by_position",
                                     "dedup",   "runs",   "prompts",    "prompt_dedup"};
enum Family {
  kDefault,
  kIngest,
  kProvenance,
  kByUrl,
  kByPosition,
  kDedup,
  kRuns,
  kPrompts,
  kPromptDedup,
  kFamilyCount
};
// The family named `name` (not "default"), or -1.
inline int FamilyIndex(std::string_view name) {
  for (int k = kIngest; k < kFamilyCount; ++k)
    if (name == kFamilies[k]) return k;
  return -1;
}

// A family's options, the same for the table files a run writes to ingest
// (WriteEntryFiles); the dedup families filter by band.
inline rocksdb::ColumnFamilyOptions FamilyOptions(int family) {
  return StoreFamilyOptions(family == kDedup || family == kPromptDedup);
}

struct ProvenanceStore::Batch::Impl {
  std::vector<std::pair<int, std::pair<std::string, std::string>>> puts;  // family, key, value
  uint64_t dedup_added = 0, prompt_dedup_added = 0;
};

struct ProvenanceStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> cf;
  uint32_t num_perm = 0;
  uint64_t dedup_count = 0, prompt_dedup_count = 0;
  std::string dir;
  bool read_only = false;

  ~Impl() {
    for (auto* h : cf)
      if (h && db) db->DestroyColumnFamilyHandle(h);
  }

  Result<std::optional<std::string>> Get(int family, const std::string& key) const {
    if (!cf[family]) return std::optional<std::string>();  // a family this store does not have
    std::string value;
    rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf[family], key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return Status::IoError(dir + ": " + s.ToString());
    return std::optional<std::string>(std::move(value));
  }

  Status ReadCounts() {
    ASSIGN_OR_RETURN(std::optional<std::string> n, Get(kDedup, "n"));
    if (n) dedup_count = DecodeDedupCount(*n);
    ASSIGN_OR_RETURN(std::optional<std::string> p, Get(kPromptDedup, "n"));
    if (p) prompt_dedup_count = DecodeDedupCount(*p);
    return Status::Ok();
  }
};

}  // namespace crawlproof::store

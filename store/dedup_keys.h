// The dedup index's layout on RocksDB, shared by the standalone index
// (rocksdb_index.cc, default column family) and the store's dedup family
// (provenance_store.cc): key and value encodings, and the two reads.
#pragma once

#include <rocksdb/db.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof::store {

// "b" ‖ u64 band key, big-endian (postings are "b" ‖ key ‖ doc id).
inline std::string DedupBandPrefix(uint64_t key) {
  std::string k = "b";
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((key >> (8 * i)) & 0xff));
  return k;
}

// num_perm × u64, little-endian.
inline std::string EncodeDedupSignature(const std::vector<uint64_t>& sig) {
  std::string out;
  for (uint64_t v : sig)
    for (int b = 0; b < 8; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  return out;
}

inline Result<std::vector<uint64_t>> DecodeDedupSignature(const std::string& value, uint32_t num_perm,
                                                          const std::string& id) {
  if (value.size() != size_t{num_perm} * 8) return Status::Corruption("dedup index: bad signature for " + id);
  std::vector<uint64_t> sig(num_perm);
  for (uint32_t i = 0; i < num_perm; ++i) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(value[i * 8 + b]);
    sig[i] = v;
  }
  return sig;
}

// u64, little-endian (the "n" document count).
inline std::string EncodeDedupCount(uint64_t count) {
  std::string n;
  for (int b = 0; b < 8; ++b) n.push_back(static_cast<char>((count >> (8 * b)) & 0xff));
  return n;
}

// The "n" count as stored; 0 when absent or malformed.
inline uint64_t DecodeDedupCount(std::string_view n) {
  uint64_t count = 0;
  if (n.size() == 8)
    for (int b = 7; b >= 0; --b) count = count << 8 | static_cast<unsigned char>(n[static_cast<size_t>(b)]);
  return count;
}

// Ids of the documents posted under `band_key`.
// With `reuse` (an iterator the caller keeps, created here when null), one
// iterator serves every lookup: it sees the store as it was when created,
// and creating one per lookup costs more than the lookup at 10^6 documents
// and up (one seek per level). Only for readers of a store nothing writes
// to while they live.
inline Result<std::vector<std::string>> LookupDedupBand(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                        uint64_t band_key,
                                                        std::unique_ptr<rocksdb::Iterator>* reuse = nullptr) {
  std::vector<std::string> ids;
  const std::string prefix = DedupBandPrefix(band_key);
  std::unique_ptr<rocksdb::Iterator> own;
  std::unique_ptr<rocksdb::Iterator>& it = reuse ? *reuse : own;
  if (!it) it.reset(db->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    ids.emplace_back(it->key().data() + prefix.size(), it->key().size() - prefix.size());
  if (!it->status().ok()) return Status::IoError("dedup index: " + it->status().ToString());
  return ids;
}

inline Result<std::vector<uint64_t>> ReadDedupSignature(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                                                        const std::string& id, uint32_t num_perm) {
  std::string value;
  rocksdb::Status s = db->Get(rocksdb::ReadOptions(), cf, "s" + id, &value);
  if (s.IsNotFound()) return Status::NotFound("dedup index: no signature for " + id);
  if (!s.ok()) return Status::IoError("dedup index: " + s.ToString());
  return DecodeDedupSignature(value, num_perm, id);
}

}  // namespace crawlproof::store

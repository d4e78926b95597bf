// The dedup index's layout on RocksDB, shared by the standalone index
// (rocksdb_index.cc, default column family) and the store's dedup family
// (provenance_store.cc): key and value encodings, and the two reads.
#pragma once

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/slice_transform.h>
#include <rocksdb/table.h>

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

// The length of DedupBandPrefix: RocksDB's prefix for the band filters.
constexpr size_t kDedupBandPrefixSize = 9;

// Table options for the store's families and the standalone index.
// - A Bloom filter (10 bits per key, ~1 % false positives) in every table
//   file, so that a point read skips the files without its key: the ids are
//   hashes, so every ingested file spans the whole key range and a read
//   would otherwise search each of them.
// - With `band_prefixed` (the dedup layouts) the filter is over the 9-byte
//   band prefix as well, so that a band lookup (a seek) skips the files
//   without that band: most candidates' bands are in no file at all.
// - Partitioned filters and indexes, loaded on demand into one block cache
//   per process (128 MiB), so that opening a store of 10^7 documents reads
//   no filter and a lookup reads only the partitions it needs.
inline rocksdb::ColumnFamilyOptions StoreFamilyOptions(bool band_prefixed) {
  static const std::shared_ptr<rocksdb::Cache> cache = rocksdb::NewLRUCache(size_t{128} << 20);
  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.whole_key_filtering = true;
  table.partition_filters = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.metadata_block_size = 4096;
  table.cache_index_and_filter_blocks = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.block_cache = cache;
  rocksdb::ColumnFamilyOptions options;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (band_prefixed) options.prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(kDedupBandPrefixSize));
  return options;
}

// For iterators that walk a family in key order past one prefix (dumps,
// listings): the band filter must not be consulted.
inline rocksdb::ReadOptions ScanOptions() {
  rocksdb::ReadOptions options;
  options.total_order_seek = true;
  return options;
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
  // Default read options seek by prefix: the band filters apply, and the
  // keys past the band are not ours to trust (the loop stops at the first).
  // Not prefix_same_as_start: RocksDB 7.8 then takes the prefix of keys
  // shorter than 9 bytes ("m", "n") and fails an assertion.
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

// Key and value encodings of the dedup index, shared by the standalone index
// (rocksdb_index.cc) and the store's dedup family (provenance_store.cc).
#pragma once

#include <cstdint>
#include <string>
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

}  // namespace crawlproof::store

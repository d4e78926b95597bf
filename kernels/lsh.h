// LSH band keys of MinHash signatures and their grouping, on the CPU
// (reference) and on CUDA. A band key is
//   h = Mix64(0x42616E64 ^ b); for each of the band's `rows` values v: h = Mix64(h ^ v)
// (Mix64: SplitMix64's finaliser), for band b of a signature.
// Grouping sorts the (key, row) pairs by key, then row: documents sharing a
// key become neighbours.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace crawlproof::kernels {

struct BandEntries {
  std::vector<uint64_t> keys;  // sorted
  std::vector<uint32_t> rows;  // signature row of each key
};

// `sigs`: `count` signatures of `num_perm` values. REQUIRES: bands × rows <= num_perm.
BandEntries BandEntriesCpu(const uint64_t* sigs, size_t count, uint32_t num_perm, uint32_t bands, uint32_t rows);

// Same result, keys computed and radix-sorted (CUB) on the device. False
// (with *error) when CUDA is unavailable or fails.
bool BandEntriesCuda(const uint64_t* sigs, size_t count, uint32_t num_perm, uint32_t bands, uint32_t rows,
                     BandEntries* out, std::string* error);

}  // namespace crawlproof::kernels

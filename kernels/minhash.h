// MinHash signatures of normalised texts, on the CPU (reference) and on CUDA.
//
// Input: a batch of texts as packed bytes plus offsets (text k is
// bytes[offsets[k], offsets[k+1])). Words are the maximal runs of bytes other
// than ' ' (the dedup normaliser separates words, and each character of
// scripts written without spaces, by one space).
//
//   word hash     w = FNV-1a 64 of the word's bytes
//   shingle hash  h = n-gram of consecutive words: h0 = 0x9E3779B97F4A7C15 ^ n,
//                 then for each word hash: h = Mix64(h ^ w)   (Mix64: SplitMix64's
//                 finaliser); a text with 1 ≤ words < n has one shingle of all
//                 its words
//   signature     sig[i] = min over shingles of (a_i · (h mod p) + b_i) mod p,
//                 p = 2^61 − 1, i = 0 .. num_perm − 1; a text without words has
//                 every value = p
//   a_i, b_i      from SplitMix64(seed): a_i = 1 + next() mod (p − 1),
//                 b_i = next() mod p, in the order a_0, b_0, a_1, b_1, …
//
// The CUDA implementation must give the same values bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace crawlproof::kernels {

inline constexpr uint64_t kMersenne61 = (uint64_t{1} << 61) - 1;

struct MinHashParams {
  uint32_t num_perm = 112;
  uint32_t ngram = 5;
  uint64_t seed = 42;
};

struct PackedTexts {
  const uint8_t* bytes = nullptr;
  const uint64_t* offsets = nullptr;  // count + 1 entries, offsets[0] == 0
  size_t count = 0;
};

void MinHashPermutations(const MinHashParams& params, std::vector<uint64_t>* a, std::vector<uint64_t>* b);

// CPU reference: out[k * num_perm + i] for text k.
void MinHashCpu(const PackedTexts& texts, const MinHashParams& params, uint64_t* out);

// The CPU code path MinHashCpu takes; every path gives the same values. By
// default the widest the processor has; tests and benchmarks may ask for a
// narrower one (a wider one than the processor has is not taken).
enum class CpuPath { kScalar = 0, kAvx2 = 1, kAvx512 = 2, kAuto = 3 };
void SetMinHashCpuPath(CpuPath path);
CpuPath MinHashCpuPath();
const char* CpuPathName(CpuPath path);

// CUDA: same output. False (with *error) when CUDA is unavailable or fails.
bool MinHashCuda(const PackedTexts& texts, const MinHashParams& params, uint64_t* out, std::string* error);

// Shared by both implementations.
inline constexpr uint64_t kFnvOffset = 0xCBF29CE484222325ull, kFnvPrime = 0x100000001B3ull;

}  // namespace crawlproof::kernels

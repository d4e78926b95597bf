#include <algorithm>

#include "kernels/minhash.h"
#include "kernels/minhash_math.h"

namespace crawlproof::kernels {

void MinHashPermutations(const MinHashParams& params, std::vector<uint64_t>* a, std::vector<uint64_t>* b) {
  uint64_t state = params.seed;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    return detail::Mix64(state);
  };
  a->resize(params.num_perm);
  b->resize(params.num_perm);
  for (uint32_t i = 0; i < params.num_perm; ++i) {
    (*a)[i] = 1 + next() % (kMersenne61 - 1);
    (*b)[i] = next() % kMersenne61;
  }
}

namespace {

// sig[i] = min(sig[i], (a[i]·x + b[i]) mod p) for all i, in 32-bit limbs so
// that compilers vectorise it (no 128-bit product): with a = a1·2^32 + a0,
// x = x1·2^32 + x0 and 2^61 ≡ 1, a·x ≡ 8·a1x1 + (mid >> 29) + ((mid & (2^29−1)) << 32)
// + (a0x0 & p) + (a0x0 >> 61), mid = a1x0 + a0x1. Same values as AffineModP.
__attribute__((target_clones("avx512f", "avx2", "default"))) void UpdateMinima(const uint64_t* __restrict a_lo,
                                                                               const uint64_t* __restrict a_hi,
                                                                               const uint64_t* __restrict b, uint64_t x,
                                                                               uint64_t* __restrict sig, uint32_t n) {
  constexpr uint64_t kP = kMersenne61;
  const uint64_t x0 = x & 0xFFFFFFFFull, x1 = x >> 32;
  for (uint32_t i = 0; i < n; ++i) {
    const uint64_t lo = a_lo[i] * x0;
    const uint64_t mid = a_hi[i] * x0 + a_lo[i] * x1;
    uint64_t s = ((a_hi[i] * x1) << 3) + (mid >> 29) + ((mid & 0x1FFFFFFFull) << 32) + (lo & kP) + (lo >> 61);
    s = (s & kP) + (s >> 61);
    s += b[i];
    s = (s & kP) + (s >> 61);
    s = s >= kP ? s - kP : s;
    sig[i] = s < sig[i] ? s : sig[i];
  }
}

}  // namespace

void MinHashCpu(const PackedTexts& texts, const MinHashParams& params, uint64_t* out) {
  std::vector<uint64_t> a, b;
  MinHashPermutations(params, &a, &b);
  std::vector<uint64_t> a_lo(a.size()), a_hi(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a_lo[i] = a[i] & 0xFFFFFFFFull;
    a_hi[i] = a[i] >> 32;
  }
  std::vector<uint64_t> words, shingles;
  const uint32_t n = params.ngram == 0 ? 1 : params.ngram;
  for (size_t k = 0; k < texts.count; ++k) {
    const uint8_t* p = texts.bytes + texts.offsets[k];
    const uint8_t* end = texts.bytes + texts.offsets[k + 1];
    words.clear();
    while (p < end) {
      while (p < end && *p == ' ') ++p;
      if (p >= end) break;
      uint64_t h = kFnvOffset;
      while (p < end && *p != ' ') h = (h ^ *p++) * kFnvPrime;
      words.push_back(h);
    }
    shingles.clear();
    if (!words.empty()) {
      size_t len = words.size() < n ? words.size() : n;
      for (size_t s = 0; s + len <= words.size(); ++s) {
        uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
        for (size_t j = 0; j < len; ++j) h = detail::Mix64(h ^ words[s + j]);
        shingles.push_back(detail::ModP(h));
      }
    }
    uint64_t* sig = out + k * params.num_perm;
    std::fill(sig, sig + params.num_perm, kMersenne61);
    for (uint64_t x : shingles) UpdateMinima(a_lo.data(), a_hi.data(), b.data(), x, sig, params.num_perm);
  }
}

}  // namespace crawlproof::kernels

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

void MinHashCpu(const PackedTexts& texts, const MinHashParams& params, uint64_t* out) {
  std::vector<uint64_t> a, b;
  MinHashPermutations(params, &a, &b);
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
    for (uint64_t x : shingles) {
      for (uint32_t i = 0; i < params.num_perm; ++i) sig[i] = std::min(sig[i], detail::AffineModP(a[i], x, b[i]));
    }
  }
}

}  // namespace crawlproof::kernels

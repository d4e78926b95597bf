#include <algorithm>
#include <atomic>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// sig[i] = min over x in xs of (a[i]·x + b[i]) mod p, in 32-bit limbs so that
// compilers vectorise it (no 128-bit product): with a = a1·2^32 + a0,
// x = x1·2^32 + x0 and 2^61 ≡ 1, a·x ≡ 8·a1x1 + (mid >> 29) + ((mid & (2^29−1)) << 32)
// + (a0x0 & p) + (a0x0 >> 61), mid = a1x0 + a0x1. Same values as AffineModP.

[[gnu::always_inline]] inline uint64_t Affine(uint64_t a0, uint64_t a1, uint64_t b, uint64_t x0, uint64_t x1) {
  constexpr uint64_t kP = kMersenne61;
  const uint64_t lo = a0 * x0;
  const uint64_t mid = a1 * x0 + a0 * x1;
  uint64_t s = ((a1 * x1) << 3) + (mid >> 29) + ((mid & 0x1FFFFFFFull) << 32) + (lo & kP) + (lo >> 61);
  s = (s & kP) + (s >> 61);
  s += b;
  s = (s & kP) + (s >> 61);
  return s >= kP ? s - kP : s;
}

// Portable version: one permutation at a time over every shingle.
void UpdateMinimaScalar(const uint64_t* a_lo, const uint64_t* a_hi, const uint64_t* b, const uint64_t* xs, size_t nx,
                        uint64_t* sig, uint32_t n) {
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t m = sig[i];
    for (size_t k = 0; k < nx; ++k) {
      const uint64_t s = Affine(a_lo[i], a_hi[i], b[i], xs[k] & 0xFFFFFFFFull, xs[k] >> 32);
      m = s < m ? s : m;
    }
    sig[i] = m;
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRAWLPROOF_MINHASH_X86 1
// The same in SIMD registers: a block of permutations (their limbs, b and
// running minima) stays in registers while every shingle passes; 32×32-bit
// products (vpmuludq) use the low half of each 64-bit lane. Values stay
// below 2^62, so AVX2's signed 64-bit compare orders them correctly.
// GCC 12 reports the intrinsics' own `__Y = __Y` (undefined vector) as
// maybe-uninitialised once they are inlined into a target("avx512f") function.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#define CRAWLPROOF_AVX512 __attribute__((target("avx512f"), always_inline)) inline
#define CRAWLPROOF_AVX2 __attribute__((target("avx2"), always_inline)) inline

CRAWLPROOF_AVX512 __m512i Affine512(__m512i a0, __m512i a1, __m512i bb, __m512i x0, __m512i x1) {
  const __m512i p = _mm512_set1_epi64(static_cast<long long>(kMersenne61));
  const __m512i m29 = _mm512_set1_epi64(0x1FFFFFFF);
  const __m512i lo = _mm512_mul_epu32(a0, x0);
  const __m512i mid = _mm512_add_epi64(_mm512_mul_epu32(a1, x0), _mm512_mul_epu32(a0, x1));
  __m512i s = _mm512_slli_epi64(_mm512_mul_epu32(a1, x1), 3);
  s = _mm512_add_epi64(s, _mm512_srli_epi64(mid, 29));
  s = _mm512_add_epi64(s, _mm512_slli_epi64(_mm512_and_si512(mid, m29), 32));
  s = _mm512_add_epi64(s, _mm512_and_si512(lo, p));
  s = _mm512_add_epi64(s, _mm512_srli_epi64(lo, 61));
  s = _mm512_add_epi64(_mm512_and_si512(s, p), _mm512_srli_epi64(s, 61));
  s = _mm512_add_epi64(s, bb);
  s = _mm512_add_epi64(_mm512_and_si512(s, p), _mm512_srli_epi64(s, 61));
  return _mm512_min_epu64(s, _mm512_sub_epi64(s, p));  // s − p wraps above s when s < p
}

__attribute__((target("avx512f"))) size_t UpdateMinimaAvx512(const uint64_t* a_lo, const uint64_t* a_hi,
                                                             const uint64_t* b, const uint64_t* xs, size_t nx,
                                                             uint64_t* sig, uint32_t n) {
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512i a0a = _mm512_loadu_si512(a_lo + i), a0b = _mm512_loadu_si512(a_lo + i + 8);
    const __m512i a1a = _mm512_loadu_si512(a_hi + i), a1b = _mm512_loadu_si512(a_hi + i + 8);
    const __m512i ba = _mm512_loadu_si512(b + i), bb = _mm512_loadu_si512(b + i + 8);
    __m512i ma = _mm512_loadu_si512(sig + i), mb = _mm512_loadu_si512(sig + i + 8);
    for (size_t k = 0; k < nx; ++k) {
      const __m512i x0 = _mm512_set1_epi64(static_cast<long long>(xs[k]));
      const __m512i x1 = _mm512_srli_epi64(x0, 32);
      ma = _mm512_min_epu64(ma, Affine512(a0a, a1a, ba, x0, x1));
      mb = _mm512_min_epu64(mb, Affine512(a0b, a1b, bb, x0, x1));
    }
    _mm512_storeu_si512(sig + i, ma);
    _mm512_storeu_si512(sig + i + 8, mb);
  }
  return i;
}

CRAWLPROOF_AVX2 __m256i Affine256(__m256i a0, __m256i a1, __m256i bb, __m256i x0, __m256i x1) {
  const __m256i p = _mm256_set1_epi64x(static_cast<long long>(kMersenne61));
  const __m256i m29 = _mm256_set1_epi64x(0x1FFFFFFF);
  const __m256i lo = _mm256_mul_epu32(a0, x0);
  const __m256i mid = _mm256_add_epi64(_mm256_mul_epu32(a1, x0), _mm256_mul_epu32(a0, x1));
  __m256i s = _mm256_slli_epi64(_mm256_mul_epu32(a1, x1), 3);
  s = _mm256_add_epi64(s, _mm256_srli_epi64(mid, 29));
  s = _mm256_add_epi64(s, _mm256_slli_epi64(_mm256_and_si256(mid, m29), 32));
  s = _mm256_add_epi64(s, _mm256_and_si256(lo, p));
  s = _mm256_add_epi64(s, _mm256_srli_epi64(lo, 61));
  s = _mm256_add_epi64(_mm256_and_si256(s, p), _mm256_srli_epi64(s, 61));
  s = _mm256_add_epi64(s, bb);
  s = _mm256_add_epi64(_mm256_and_si256(s, p), _mm256_srli_epi64(s, 61));
  // s ≥ p only when s == p + small; both below 2^62, so signed compares work.
  return _mm256_blendv_epi8(_mm256_sub_epi64(s, p), s, _mm256_cmpgt_epi64(p, s));
}

CRAWLPROOF_AVX2 __m256i Min256(__m256i x, __m256i y) {
  return _mm256_blendv_epi8(x, y, _mm256_cmpgt_epi64(x, y));
}

CRAWLPROOF_AVX2 __m256i Load256(const uint64_t* q) {
  return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q));
}

__attribute__((target("avx2"))) size_t UpdateMinimaAvx2(const uint64_t* a_lo, const uint64_t* a_hi, const uint64_t* b,
                                                        const uint64_t* xs, size_t nx, uint64_t* sig, uint32_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i a0a = Load256(a_lo + i), a0b = Load256(a_lo + i + 4);
    const __m256i a1a = Load256(a_hi + i), a1b = Load256(a_hi + i + 4);
    const __m256i ba = Load256(b + i), bb = Load256(b + i + 4);
    __m256i ma = Load256(sig + i), mb = Load256(sig + i + 4);
    for (size_t k = 0; k < nx; ++k) {
      const __m256i x0 = _mm256_set1_epi64x(static_cast<long long>(xs[k]));
      const __m256i x1 = _mm256_srli_epi64(x0, 32);
      ma = Min256(ma, Affine256(a0a, a1a, ba, x0, x1));
      mb = Min256(mb, Affine256(a0b, a1b, bb, x0, x1));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sig + i), ma);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sig + i + 4), mb);
  }
  return i;
}
#endif

std::atomic<int> forced_path{static_cast<int>(CpuPath::kAuto)};

CpuPath BestPath() {
#ifdef CRAWLPROOF_MINHASH_X86
  static const CpuPath best = __builtin_cpu_supports("avx512f") ? CpuPath::kAvx512
                              : __builtin_cpu_supports("avx2")  ? CpuPath::kAvx2
                                                                : CpuPath::kScalar;
  return best;
#else
  return CpuPath::kScalar;
#endif
}

// sig[i] = min(sig[i], min over xs of (a[i]·x + b[i]) mod p), i < n.
void UpdateMinima(CpuPath path, const uint64_t* a_lo, const uint64_t* a_hi, const uint64_t* b, const uint64_t* xs,
                  size_t nx, uint64_t* sig, uint32_t n) {
  size_t done = 0;
#ifdef CRAWLPROOF_MINHASH_X86
  if (path == CpuPath::kAvx512) done = UpdateMinimaAvx512(a_lo, a_hi, b, xs, nx, sig, n);
  if (path == CpuPath::kAvx2) done = UpdateMinimaAvx2(a_lo, a_hi, b, xs, nx, sig, n);
#else
  (void)path;
#endif
  UpdateMinimaScalar(a_lo + done, a_hi + done, b + done, xs, nx, sig + done, static_cast<uint32_t>(n - done));
}

}  // namespace

void SetMinHashCpuPath(CpuPath path) {
  forced_path = static_cast<int>(path);
}

CpuPath MinHashCpuPath() {
  const auto forced = static_cast<CpuPath>(forced_path.load());
  const CpuPath best = BestPath();
  if (forced == CpuPath::kAuto) return best;
  return static_cast<int>(forced) < static_cast<int>(best) ? forced : best;
}

const char* CpuPathName(CpuPath path) {
  switch (path) {
    case CpuPath::kAvx512: return "avx512";
    case CpuPath::kAvx2: return "avx2";
    case CpuPath::kScalar: return "scalar";
    case CpuPath::kAuto: break;
  }
  return "auto";
}

void MinHashCpu(const PackedTexts& texts, const MinHashParams& params, uint64_t* out) {
  std::vector<uint64_t> a, b;
  MinHashPermutations(params, &a, &b);
  std::vector<uint64_t> a_lo(a.size()), a_hi(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    a_lo[i] = a[i] & 0xFFFFFFFFull;
    a_hi[i] = a[i] >> 32;
  }
  const CpuPath path = MinHashCpuPath();
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
    UpdateMinima(path, a_lo.data(), a_hi.data(), b.data(), shingles.data(), shingles.size(), sig, params.num_perm);
  }
}

}  // namespace crawlproof::kernels

// Arithmetic shared by the CPU reference and the CUDA kernel (host + device).
#pragma once

#include <cstdint>

#ifdef __CUDACC__
#define CRAWLPROOF_HD __host__ __device__ __forceinline__
#else
#define CRAWLPROOF_HD inline
#endif

namespace crawlproof::kernels::detail {

constexpr uint64_t kP = (uint64_t{1} << 61) - 1;

CRAWLPROOF_HD uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

CRAWLPROOF_HD uint64_t MulHi(uint64_t a, uint64_t b) {
#ifdef __CUDA_ARCH__
  return __umul64hi(a, b);
#else
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
#endif
}

// x mod p for any 64-bit x.
CRAWLPROOF_HD uint64_t ModP(uint64_t x) {
  x = (x & kP) + (x >> 61);
  return x >= kP ? x - kP : x;
}

// (a · x + b) mod p for a, x, b < p.
CRAWLPROOF_HD uint64_t AffineModP(uint64_t a, uint64_t x, uint64_t b) {
  uint64_t lo = a * x, hi = MulHi(a, x);
  uint64_t s = (lo & kP) + ((hi << 3) | (lo >> 61));  // < 2^62
  s = (s & kP) + (s >> 61);
  s += b;  // < 2^62
  s = (s & kP) + (s >> 61);
  return s >= kP ? s - kP : s;
}

// LSH key of band `b` of a signature (kernels/lsh.h).
CRAWLPROOF_HD uint64_t BandKey(const uint64_t* sig, uint32_t b, uint32_t rows) {
  uint64_t h = Mix64(0x42616E64ull ^ b);
  for (uint32_t j = 0; j < rows; ++j) h = Mix64(h ^ sig[static_cast<uint64_t>(b) * rows + j]);
  return h;
}

}  // namespace crawlproof::kernels::detail

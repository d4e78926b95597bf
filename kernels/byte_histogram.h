// Byte histogram: counts of each byte value in a buffer. The first kernel of
// crawlproof, here so that the CUDA toolchain is exercised from day one; the
// MinHash kernels follow the same layout (interface + CPU reference + .cu).
//
//   counts[v] = |{ i : data[i] == v }|   for v in 0..255
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace crawlproof::kernels {

using ByteHistogram = std::array<uint64_t, 256>;

// CPU reference; always built.
ByteHistogram ByteHistogramCpu(const uint8_t* data, size_t size);

// True when a CUDA device is usable (the kernels were built and a GPU exists).
bool CudaDeviceAvailable();

// GPU implementation. Returns false (and sets *error) when CUDA is unavailable
// or a CUDA call fails; the result then is untouched.
bool ByteHistogramCuda(const uint8_t* data, size_t size, ByteHistogram* out, std::string* error);

}  // namespace crawlproof::kernels

// Built instead of byte_histogram.cu when CUDA is not available: the GPU entry
// points report that no device can be used, so callers fall back to the CPU.
#include "kernels/byte_histogram.h"

namespace crawlproof::kernels {

bool CudaDeviceAvailable() {
  return false;
}

bool ByteHistogramCuda(const uint8_t*, size_t, ByteHistogram*, std::string* error) {
  *error = "crawlproof was built without CUDA";
  return false;
}

}  // namespace crawlproof::kernels

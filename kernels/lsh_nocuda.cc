// Built when CUDA is not found.
#include "kernels/lsh.h"

namespace crawlproof::kernels {

bool BandEntriesCuda(const uint64_t*, size_t, uint32_t, uint32_t, uint32_t, BandEntries*, std::string* error) {
  *error = "built without CUDA";
  return false;
}

}  // namespace crawlproof::kernels

// Built when CUDA is not found: the GPU path reports that it is unavailable.
#include "kernels/minhash.h"

namespace crawlproof::kernels {

bool MinHashCuda(const PackedTexts&, const MinHashParams&, uint64_t*, std::string* error) {
  *error = "built without CUDA";
  return false;
}

}  // namespace crawlproof::kernels

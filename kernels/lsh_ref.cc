#include <algorithm>
#include <numeric>

#include "kernels/lsh.h"
#include "kernels/minhash_math.h"

namespace crawlproof::kernels {

BandEntries BandEntriesCpu(const uint64_t* sigs, size_t count, uint32_t num_perm, uint32_t bands, uint32_t rows) {
  std::vector<std::pair<uint64_t, uint32_t>> pairs;
  pairs.reserve(count * bands);
  for (size_t r = 0; r < count; ++r) {
    const uint64_t* s = sigs + r * num_perm;
    for (uint32_t b = 0; b < bands; ++b) pairs.emplace_back(detail::BandKey(s, b, rows), static_cast<uint32_t>(r));
  }
  std::sort(pairs.begin(), pairs.end());
  BandEntries out;
  out.keys.reserve(pairs.size());
  out.rows.reserve(pairs.size());
  for (const auto& [k, r] : pairs) {
    out.keys.push_back(k);
    out.rows.push_back(r);
  }
  return out;
}

}  // namespace crawlproof::kernels

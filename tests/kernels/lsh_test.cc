#include "kernels/lsh.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "kernels/minhash_math.h"

namespace crawlproof::kernels {
namespace {

std::vector<uint64_t> RandomSignatures(size_t count, uint32_t num_perm, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> sigs(count * num_perm);
  for (auto& v : sigs) v = rng() % 64;  // few values: many shared band keys
  return sigs;
}

TEST(Lsh, CpuKeysAndOrder) {
  const uint32_t np = 112, bands = 14, rows = 8;
  auto sigs = RandomSignatures(50, np, 1);
  // Two identical signatures share every band key.
  std::copy(sigs.begin(), sigs.begin() + np, sigs.begin() + 7 * np);
  BandEntries e = BandEntriesCpu(sigs.data(), 50, np, bands, rows);
  ASSERT_EQ(e.keys.size(), 50u * bands);
  for (size_t i = 1; i < e.keys.size(); ++i) {
    ASSERT_TRUE(e.keys[i - 1] < e.keys[i] || (e.keys[i - 1] == e.keys[i] && e.rows[i - 1] < e.rows[i]));
  }
  size_t shared = 0;
  for (size_t i = 1; i < e.keys.size(); ++i)
    shared += e.keys[i] == e.keys[i - 1] && e.rows[i - 1] == 0 && e.rows[i] == 7;
  EXPECT_EQ(shared, bands);
  // The key is the documented formula.
  for (size_t i = 0; i < e.keys.size(); ++i) {
    bool found = false;
    for (uint32_t b = 0; b < bands; ++b)
      found |= detail::BandKey(sigs.data() + size_t{e.rows[i]} * np, b, rows) == e.keys[i];
    ASSERT_TRUE(found);
  }
}

TEST(Lsh, CudaEqualsCpuBitForBit) {
  for (auto [count, np, bands, rows] : {std::tuple<size_t, uint32_t, uint32_t, uint32_t>{0, 112, 14, 8},
                                        {1, 112, 14, 8},
                                        {5000, 112, 14, 8},
                                        {3000, 64, 16, 4},
                                        {2000, 128, 9, 13}}) {
    auto sigs = RandomSignatures(count, np, count + np);
    BandEntries gpu;
    std::string error;
    if (!BandEntriesCuda(sigs.data(), count, np, bands, rows, &gpu, &error))
      GTEST_SKIP() << "GPU path not exercised: " << error;
    BandEntries cpu = BandEntriesCpu(sigs.data(), count, np, bands, rows);
    EXPECT_EQ(gpu.keys, cpu.keys) << count;
    EXPECT_EQ(gpu.rows, cpu.rows) << count;
  }
}

}  // namespace
}  // namespace crawlproof::kernels

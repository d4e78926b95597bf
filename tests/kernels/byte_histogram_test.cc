#include "kernels/byte_histogram.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace crawlproof::kernels {

TEST(ByteHistogram, CpuCountsEveryByte) {
  std::string s = "abracadabra";
  auto h = ByteHistogramCpu(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  EXPECT_EQ(h['a'], 5u);
  EXPECT_EQ(h['b'], 2u);
  EXPECT_EQ(h['r'], 2u);
  EXPECT_EQ(h['c'], 1u);
  EXPECT_EQ(h['z'], 0u);
  uint64_t total = 0;
  for (auto c : h) total += c;
  EXPECT_EQ(total, s.size());
}

TEST(ByteHistogram, CudaEqualsCpuBitForBit) {
  if (!CudaDeviceAvailable()) GTEST_SKIP() << "no CUDA device: GPU path not exercised";
  for (size_t size : {size_t{0}, size_t{1}, size_t{255}, size_t{1} << 20, (size_t{1} << 24) + 7}) {
    std::vector<uint8_t> data(size);
    std::mt19937 rng(static_cast<unsigned>(size));
    for (auto& b : data) b = static_cast<uint8_t>(rng());
    ByteHistogram gpu{};
    std::string error;
    ASSERT_TRUE(ByteHistogramCuda(data.data(), data.size(), &gpu, &error)) << error;
    EXPECT_EQ(gpu, ByteHistogramCpu(data.data(), data.size())) << "size " << size;
  }
}

}  // namespace crawlproof::kernels

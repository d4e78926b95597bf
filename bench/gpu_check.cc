// gpu_check: runs every kernel on the GPU and its CPU reference on the same
// input, compares the results bit for bit and prints both timings.
// Exit 0: all equal; 1: a mismatch; 2: no GPU (nothing compared).
// Needs only the kernels/ folder (CUDA + the C++ standard library).
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "kernels/byte_histogram.h"

using namespace crawlproof::kernels;

int main(int argc, char** argv) {
  size_t size = argc > 1 ? std::stoull(argv[1]) : (size_t{256} << 20);
  if (!CudaDeviceAvailable()) {
    std::printf("gpu_check: no CUDA device; nothing compared\n");
    return 2;
  }
  std::vector<uint8_t> data(size);
  std::mt19937_64 rng(42);
  for (auto& b : data) b = static_cast<uint8_t>(rng() % 97);  // skewed, like text
  auto t0 = std::chrono::steady_clock::now();
  ByteHistogram cpu = ByteHistogramCpu(data.data(), data.size());
  auto t1 = std::chrono::steady_clock::now();
  ByteHistogram gpu{};
  std::string error;
  if (!ByteHistogramCuda(data.data(), data.size(), &gpu, &error)) {  // warm-up
    std::printf("gpu_check: %s\n", error.c_str());
    return 1;
  }
  auto t2 = std::chrono::steady_clock::now();
  if (!ByteHistogramCuda(data.data(), data.size(), &gpu, &error)) {
    std::printf("gpu_check: %s\n", error.c_str());
    return 1;
  }
  auto t3 = std::chrono::steady_clock::now();
  double cpu_s = std::chrono::duration<double>(t1 - t0).count();
  double gpu_s = std::chrono::duration<double>(t3 - t2).count();
  bool equal = cpu == gpu;
  std::printf("byte_histogram  %zu bytes  cpu %.3f s (%.0f MB/s)  gpu %.3f s incl. copies (%.0f MB/s)  %s\n", size,
              cpu_s, size / cpu_s / 1e6, gpu_s, size / gpu_s / 1e6, equal ? "EQUAL" : "MISMATCH");
  return equal ? 0 : 1;
}

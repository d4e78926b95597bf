// gpu_check: runs every kernel on the GPU and its CPU reference on the same
// input, compares the results bit for bit and prints both timings.
// Exit 0: all equal; 1: a mismatch; 2: no GPU (nothing compared).
// Needs only the kernels/ folder (CUDA + the C++ standard library).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kernels/byte_histogram.h"
#include "kernels/lsh.h"
#include "kernels/minhash.h"

using namespace crawlproof::kernels;

namespace {

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// MinHash signatures of the texts in `path` (one normalised text per line),
// or of synthetic text when `path` is empty. Returns false on a mismatch.
bool CheckMinHash(const std::string& path, size_t synthetic_docs, int repeat = 1) {
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  if (!path.empty()) {
    for (int r = 0; r < repeat; ++r) {
      std::ifstream in(path, std::ios::binary);
      for (std::string line; std::getline(in, line);) {
        bytes += line;
        offsets.push_back(bytes.size());
      }
    }
  } else {
    std::mt19937_64 rng(7);
    for (size_t d = 0; d < synthetic_docs; ++d) {
      size_t words = 20 + rng() % 2000;
      for (size_t w = 0; w < words; ++w) {
        uint64_t r = rng() % 1000;
        bytes += 'w';
        bytes += std::to_string(r * r % 5003);
        bytes += ' ';
      }
      offsets.push_back(bytes.size());
    }
  }
  PackedTexts texts{reinterpret_cast<const uint8_t*>(bytes.data()), offsets.data(), offsets.size() - 1};
  MinHashParams params;
  std::vector<uint64_t> cpu(texts.count * params.num_perm), gpu(cpu.size());
  auto t0 = std::chrono::steady_clock::now();
  MinHashCpu(texts, params, cpu.data());
  double cpu_s = Since(t0);
  std::string error;
  if (!MinHashCuda(texts, params, gpu.data(), &error)) {  // warm-up
    std::printf("gpu_check: minhash: %s\n", error.c_str());
    return false;
  }
  t0 = std::chrono::steady_clock::now();
  if (!MinHashCuda(texts, params, gpu.data(), &error)) {
    std::printf("gpu_check: minhash: %s\n", error.c_str());
    return false;
  }
  double gpu_s = Since(t0);
  size_t mismatches = 0;
  for (size_t i = 0; i < cpu.size(); ++i) mismatches += cpu[i] != gpu[i];
  // Band keys and their grouping (14 × 8) of the same signatures.
  t0 = std::chrono::steady_clock::now();
  BandEntries lsh_cpu = BandEntriesCpu(cpu.data(), texts.count, params.num_perm, 14, 8);
  double lsh_cpu_s = Since(t0);
  BandEntries lsh_gpu;
  BandEntriesCuda(cpu.data(), texts.count, params.num_perm, 14, 8, &lsh_gpu, &error);  // warm-up
  t0 = std::chrono::steady_clock::now();
  bool lsh_ok = BandEntriesCuda(cpu.data(), texts.count, params.num_perm, 14, 8, &lsh_gpu, &error);
  double lsh_gpu_s = Since(t0);
  bool lsh_equal = lsh_ok && lsh_gpu.keys == lsh_cpu.keys && lsh_gpu.rows == lsh_cpu.rows;
  std::printf("lsh      %zu band keys sorted  cpu %.3f s  gpu %.3f s incl. copies  %.1fx  %s\n", lsh_cpu.keys.size(),
              lsh_cpu_s, lsh_gpu_s, lsh_cpu_s / lsh_gpu_s, lsh_equal ? "EQUAL" : "MISMATCH");
  if (!lsh_equal) ++mismatches;
  std::printf(
      "minhash  %zu texts, %.1f MB, %u perms  cpu (1 core) %.3f s = %.0f docs/s  gpu %.3f s incl. copies = "
      "%.0f docs/s  gpu/cpu %.1fx  %s\n",
      texts.count, bytes.size() / 1e6, params.num_perm, cpu_s, texts.count / cpu_s, gpu_s, texts.count / gpu_s,
      cpu_s / gpu_s, mismatches == 0 ? "EQUAL" : "MISMATCH");
  return mismatches == 0;
}

}  // namespace

// usage: gpu_check [HISTOGRAM_BYTES] [MINHASH_TEXTS_FILE [REPEAT]]
//   MINHASH_TEXTS_FILE: one normalised text per line; REPEAT: read it that many
//   times into one batch (a larger batch on the device than can be carried).
int main(int argc, char** argv) {
  size_t size = argc > 1 ? std::stoull(argv[1]) : (size_t{256} << 20);
  std::string texts_file = argc > 2 ? argv[2] : "";
  int repeat = argc > 3 ? std::stoi(argv[3]) : 1;
  if (!CudaDeviceAvailable()) {
    if (!texts_file.empty()) {  // the CPU figure alone
      std::ifstream in(texts_file, std::ios::binary);
      std::string bytes;
      std::vector<uint64_t> offsets{0};
      for (std::string line; std::getline(in, line);) {
        bytes += line;
        offsets.push_back(bytes.size());
      }
      PackedTexts texts{reinterpret_cast<const uint8_t*>(bytes.data()), offsets.data(), offsets.size() - 1};
      MinHashParams params;
      std::vector<uint64_t> sig(texts.count * params.num_perm);
      auto t0 = std::chrono::steady_clock::now();
      MinHashCpu(texts, params, sig.data());
      double s = Since(t0);
      std::printf("minhash  %zu texts, %.1f MB, %u perms  cpu (1 core) %.3f s = %.0f docs/s\n", texts.count,
                  bytes.size() / 1e6, params.num_perm, s, texts.count / s);
    }
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
  bool minhash_equal = CheckMinHash("", 2000);
  if (!texts_file.empty()) minhash_equal = CheckMinHash(texts_file, 0) && minhash_equal;
  if (!texts_file.empty() && repeat > 1) minhash_equal = CheckMinHash(texts_file, 0, repeat) && minhash_equal;
  return equal && minhash_equal ? 0 : 1;
}

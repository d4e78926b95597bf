// CUDA band keys (one thread per signature and band) and grouping by a CUB
// radix sort of (key, row) pairs. Pairs are produced row by row, and the
// radix sort is stable, so equal keys stay in row order: the same order as the
// CPU reference's sort by (key, row).
#include <cuda_runtime.h>

#include <cub/device/device_radix_sort.cuh>

#include "kernels/lsh.h"
#include "kernels/minhash_math.h"

namespace crawlproof::kernels {
namespace {

__global__ void BandKeysKernel(const uint64_t* sigs, size_t count, uint32_t num_perm, uint32_t bands, uint32_t rows,
                               uint64_t* keys, uint32_t* row_ids) {
  const size_t t = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  if (t >= count * bands) return;
  const size_t r = t / bands;
  const uint32_t b = static_cast<uint32_t>(t % bands);
  keys[t] = detail::BandKey(sigs + r * num_perm, b, rows);
  row_ids[t] = static_cast<uint32_t>(r);
}

bool Check(cudaError_t e, const char* what, std::string* error) {
  if (e == cudaSuccess) return true;
  *error = std::string(what) + ": " + cudaGetErrorString(e);
  return false;
}

}  // namespace

bool BandEntriesCuda(const uint64_t* sigs, size_t count, uint32_t num_perm, uint32_t bands, uint32_t rows,
                     BandEntries* out, std::string* error) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    *error = "no CUDA device";
    return false;
  }
  const size_t n = count * bands;
  out->keys.assign(n, 0);
  out->rows.assign(n, 0);
  if (n == 0) return true;
  cudaStream_t stream;
  if (!Check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate", error)) return false;
  uint64_t *d_sigs = nullptr, *d_keys = nullptr, *d_keys_out = nullptr;
  uint32_t *d_rows = nullptr, *d_rows_out = nullptr;
  void* d_temp = nullptr;
  size_t temp_bytes = 0;
  bool ok =
      Check(cudaMallocAsync(&d_sigs, count * num_perm * 8, stream), "cudaMallocAsync", error) &&
      Check(cudaMallocAsync(&d_keys, n * 8, stream), "cudaMallocAsync", error) &&
      Check(cudaMallocAsync(&d_keys_out, n * 8, stream), "cudaMallocAsync", error) &&
      Check(cudaMallocAsync(&d_rows, n * 4, stream), "cudaMallocAsync", error) &&
      Check(cudaMallocAsync(&d_rows_out, n * 4, stream), "cudaMallocAsync", error) &&
      Check(cudaMemcpyAsync(d_sigs, sigs, count * num_perm * 8, cudaMemcpyHostToDevice, stream), "copy sigs", error);
  if (ok) {
    const unsigned blocks = static_cast<unsigned>((n + 255) / 256);
    BandKeysKernel<<<blocks, 256, 0, stream>>>(d_sigs, count, num_perm, bands, rows, d_keys, d_rows);
    ok = Check(cudaGetLastError(), "BandKeysKernel", error) &&
         Check(cub::DeviceRadixSort::SortPairs(nullptr, temp_bytes, d_keys, d_keys_out, d_rows, d_rows_out,
                                               static_cast<int>(n), 0, 64, stream),
               "SortPairs (size)", error) &&
         Check(cudaMallocAsync(&d_temp, temp_bytes, stream), "cudaMallocAsync", error) &&
         Check(cub::DeviceRadixSort::SortPairs(d_temp, temp_bytes, d_keys, d_keys_out, d_rows, d_rows_out,
                                               static_cast<int>(n), 0, 64, stream),
               "SortPairs", error) &&
         Check(cudaMemcpyAsync(out->keys.data(), d_keys_out, n * 8, cudaMemcpyDeviceToHost, stream), "copy keys",
               error) &&
         Check(cudaMemcpyAsync(out->rows.data(), d_rows_out, n * 4, cudaMemcpyDeviceToHost, stream), "copy rows",
               error) &&
         Check(cudaStreamSynchronize(stream), "cudaStreamSynchronize", error);
  }
  for (void* p : {static_cast<void*>(d_sigs), static_cast<void*>(d_keys), static_cast<void*>(d_keys_out),
                  static_cast<void*>(d_rows), static_cast<void*>(d_rows_out), d_temp})
    if (p) cudaFreeAsync(p, stream);
  cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  return ok;
}

}  // namespace crawlproof::kernels

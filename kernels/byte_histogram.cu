// CUDA byte histogram: per-block shared-memory histograms merged with atomics.
// Explicit stream, pinned staging buffer, no cudaDeviceSynchronize.
#include <cuda_runtime.h>

#include "kernels/byte_histogram.h"

namespace crawlproof::kernels {
namespace {

__global__ void HistogramKernel(const uint8_t* data, size_t size, unsigned long long* global) {
  __shared__ unsigned int local[256];
  for (int i = threadIdx.x; i < 256; i += blockDim.x) local[i] = 0;
  __syncthreads();
  size_t stride = static_cast<size_t>(blockDim.x) * gridDim.x;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < size; i += stride)
    atomicAdd(&local[data[i]], 1u);
  __syncthreads();
  for (int i = threadIdx.x; i < 256; i += blockDim.x)
    if (local[i]) atomicAdd(&global[i], static_cast<unsigned long long>(local[i]));
}

bool Check(cudaError_t e, const char* what, std::string* error) {
  if (e == cudaSuccess) return true;
  *error = std::string(what) + ": " + cudaGetErrorString(e);
  return false;
}

}  // namespace

bool CudaDeviceAvailable() {
  int n = 0;
  return cudaGetDeviceCount(&n) == cudaSuccess && n > 0;
}

bool ByteHistogramCuda(const uint8_t* data, size_t size, ByteHistogram* out, std::string* error) {
  if (!CudaDeviceAvailable()) {
    *error = "no CUDA device";
    return false;
  }
  cudaStream_t stream;
  if (!Check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate", error)) return false;
  uint8_t* d_data = nullptr;
  unsigned long long* d_hist = nullptr;
  unsigned long long* h_hist = nullptr;
  bool ok = Check(cudaMallocAsync(&d_data, size > 0 ? size : 1, stream), "cudaMallocAsync", error) &&
            Check(cudaMallocAsync(&d_hist, 256 * sizeof(unsigned long long), stream), "cudaMallocAsync", error) &&
            Check(cudaMallocHost(&h_hist, 256 * sizeof(unsigned long long)), "cudaMallocHost", error) &&
            Check(cudaMemsetAsync(d_hist, 0, 256 * sizeof(unsigned long long), stream), "cudaMemsetAsync", error) &&
            (size == 0 ||
             Check(cudaMemcpyAsync(d_data, data, size, cudaMemcpyHostToDevice, stream), "cudaMemcpyAsync", error));
  if (ok && size > 0) {
    int blocks = static_cast<int>(std::min<size_t>((size + 255) / 256, 1024));
    HistogramKernel<<<blocks, 256, 0, stream>>>(d_data, size, d_hist);
    ok = Check(cudaGetLastError(), "HistogramKernel", error);
  }
  ok = ok &&
       Check(cudaMemcpyAsync(h_hist, d_hist, 256 * sizeof(unsigned long long), cudaMemcpyDeviceToHost, stream),
             "cudaMemcpyAsync", error) &&
       Check(cudaStreamSynchronize(stream), "cudaStreamSynchronize", error);
  if (ok)
    for (int v = 0; v < 256; ++v) (*out)[v] = h_hist[v];
  if (d_data) cudaFreeAsync(d_data, stream);
  if (d_hist) cudaFreeAsync(d_hist, stream);
  cudaStreamSynchronize(stream);
  if (h_hist) cudaFreeHost(h_hist);
  cudaStreamDestroy(stream);
  return ok;
}

}  // namespace crawlproof::kernels

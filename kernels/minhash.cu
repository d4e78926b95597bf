// CUDA MinHash signatures (minhash.h gives the definition). One thread block
// per text: the block hashes the words into a scratch array (in parallel,
// placed by a block-wide scan), turns them into shingle hashes, then thread i
// computes the minimum for permutation i. Texts go to the device in batches of at most kBatchBytes of
// text, so any GPU with a few GB works. One explicit stream, stream-ordered
// allocation, a pinned buffer for the signatures, no cudaDeviceSynchronize.
// Not yet: pinned input staging and two streams overlapping one batch's
// copies with the next batch's kernel.
#include <cuda_runtime.h>

#include <algorithm>
#include <cub/block/block_scan.cuh>

#include "kernels/minhash.h"
#include "kernels/minhash_math.h"

namespace crawlproof::kernels {
namespace {

constexpr size_t kBatchBytes = size_t{256} << 20;
constexpr int kChunk = 32;     // bytes per thread per round of word hashing
constexpr int kThreads = 512;  // 4 groups of 112 permutations; any num_perm works

__global__ void MinHashKernel(const uint8_t* bytes, const uint64_t* offsets, const uint64_t* scratch_offsets,
                              uint64_t* words, uint64_t* shingles, const uint64_t* a, const uint64_t* b,
                              uint32_t num_perm, uint32_t ngram, uint64_t* out) {
  const size_t k = blockIdx.x;
  const uint64_t begin = offsets[k], end = offsets[k + 1];
  uint64_t* w = words + scratch_offsets[k];
  uint64_t* sh = shingles + scratch_offsets[k];
  // Words in text order, hashed in parallel: each thread takes kChunk bytes
  // per round, hashes the words that start there (to their end, wherever it
  // is), and a block-wide scan of the counts places them.
  using BlockScan = cub::BlockScan<uint32_t, kThreads>;
  __shared__ typename BlockScan::TempStorage scan;
  __shared__ uint64_t n_words;
  if (threadIdx.x == 0) n_words = 0;
  __syncthreads();
  const uint64_t length = end - begin;
  for (uint64_t round = 0; round * kThreads * kChunk < length; ++round) {
    const uint64_t lo = begin + (round * kThreads + threadIdx.x) * kChunk;
    const uint64_t hi = lo < end ? (lo + kChunk < end ? lo + kChunk : end) : lo;
    uint32_t count = 0;
    for (uint64_t p = lo; p < hi; ++p) count += bytes[p] != ' ' && (p == begin || bytes[p - 1] == ' ');
    uint32_t offset = 0, total = 0;
    BlockScan(scan).ExclusiveSum(count, offset, total);
    uint64_t index = n_words + offset;
    for (uint64_t p = lo; p < hi; ++p) {
      if (bytes[p] == ' ' || (p != begin && bytes[p - 1] != ' ')) continue;
      uint64_t h = kFnvOffset;
      for (uint64_t q = p; q < end && bytes[q] != ' '; ++q) h = (h ^ bytes[q]) * kFnvPrime;
      w[index++] = h;
    }
    __syncthreads();
    if (threadIdx.x == 0) n_words += total;
    __syncthreads();
  }
  const uint64_t nw = n_words;
  const uint64_t len = nw < ngram ? nw : ngram;
  const uint64_t n_sh = nw == 0 ? 0 : nw - len + 1;
  for (uint64_t s = threadIdx.x; s < n_sh; s += blockDim.x) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ ngram;
    for (uint64_t j = 0; j < len; ++j) h = detail::Mix64(h ^ w[s + j]);
    sh[s] = detail::ModP(h);
  }
  __syncthreads();
  // Minima: `groups` groups of num_perm threads each take every groups-th
  // shingle; partial minima meet in shared memory.
  extern __shared__ uint64_t partial[];
  const uint32_t groups = blockDim.x / num_perm;
  if (groups <= 1) {
    for (uint32_t i = threadIdx.x; i < num_perm; i += blockDim.x) {
      const uint64_t ai = a[i], bi = b[i];
      uint64_t m = kMersenne61;
      for (uint64_t s = 0; s < n_sh; ++s) m = min(m, detail::AffineModP(ai, sh[s], bi));
      out[k * num_perm + i] = m;
    }
    return;
  }
  const uint32_t g = threadIdx.x / num_perm, i = threadIdx.x % num_perm;
  if (g < groups) {
    const uint64_t ai = a[i], bi = b[i];
    uint64_t m = kMersenne61;
    for (uint64_t s = g; s < n_sh; s += groups) m = min(m, detail::AffineModP(ai, sh[s], bi));
    partial[g * num_perm + i] = m;
  }
  __syncthreads();
  for (uint32_t j = threadIdx.x; j < num_perm; j += blockDim.x) {
    uint64_t m = partial[j];
    for (uint32_t h = 1; h < groups; ++h) m = min(m, partial[h * num_perm + j]);
    out[k * num_perm + j] = m;
  }
}

bool Check(cudaError_t e, const char* what, std::string* error) {
  if (e == cudaSuccess) return true;
  *error = std::string(what) + ": " + cudaGetErrorString(e);
  return false;
}

}  // namespace

bool MinHashCuda(const PackedTexts& texts, const MinHashParams& params, uint64_t* out, std::string* error) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    *error = "no CUDA device";
    return false;
  }
  if (texts.count == 0 || params.num_perm == 0) return true;
  const uint32_t ngram = params.ngram == 0 ? 1 : params.ngram;
  std::vector<uint64_t> a, b;
  MinHashPermutations(params, &a, &b);
  cudaStream_t stream;
  if (!Check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate", error)) return false;
  uint64_t *d_a = nullptr, *d_b = nullptr;
  bool ok = Check(cudaMallocAsync(&d_a, a.size() * 8, stream), "cudaMallocAsync", error) &&
            Check(cudaMallocAsync(&d_b, b.size() * 8, stream), "cudaMallocAsync", error) &&
            Check(cudaMemcpyAsync(d_a, a.data(), a.size() * 8, cudaMemcpyHostToDevice, stream), "copy a", error) &&
            Check(cudaMemcpyAsync(d_b, b.data(), b.size() * 8, cudaMemcpyHostToDevice, stream), "copy b", error);
  // Batches of whole texts (a text longer than a batch is a batch of its own).
  size_t first = 0;
  std::vector<uint64_t> offsets, scratch;
  while (ok && first < texts.count) {
    size_t last = first + 1;
    while (last < texts.count && texts.offsets[last + 1] - texts.offsets[first] <= kBatchBytes &&
           last - first < 65535u * 16)
      ++last;
    const size_t n = last - first;
    const uint64_t base = texts.offsets[first], bytes = texts.offsets[last] - base;
    offsets.resize(n + 1);
    scratch.resize(n + 1);
    for (size_t k = 0; k <= n; ++k) offsets[k] = texts.offsets[first + k] - base;
    // Scratch per text: at most (bytes + 1) / 2 + 1 words.
    scratch[0] = 0;
    for (size_t k = 0; k < n; ++k) scratch[k + 1] = scratch[k] + (offsets[k + 1] - offsets[k] + 1) / 2 + 1;
    uint8_t* d_bytes = nullptr;
    uint64_t *d_off = nullptr, *d_scr = nullptr, *d_words = nullptr, *d_sh = nullptr, *d_out = nullptr;
    uint64_t* h_out = nullptr;
    ok = Check(cudaMallocAsync(&d_bytes, bytes ? bytes : 1, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocAsync(&d_off, (n + 1) * 8, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocAsync(&d_scr, (n + 1) * 8, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocAsync(&d_words, scratch[n] * 8, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocAsync(&d_sh, scratch[n] * 8, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocAsync(&d_out, n * params.num_perm * 8, stream), "cudaMallocAsync", error) &&
         Check(cudaMallocHost(&h_out, n * params.num_perm * 8), "cudaMallocHost", error) &&
         (bytes == 0 || Check(cudaMemcpyAsync(d_bytes, texts.bytes + base, bytes, cudaMemcpyHostToDevice, stream),
                              "copy texts", error)) &&
         Check(cudaMemcpyAsync(d_off, offsets.data(), (n + 1) * 8, cudaMemcpyHostToDevice, stream), "copy offsets",
               error) &&
         Check(cudaMemcpyAsync(d_scr, scratch.data(), (n + 1) * 8, cudaMemcpyHostToDevice, stream), "copy scratch",
               error);
    if (ok) {
      const uint32_t groups = params.num_perm == 0 ? 1 : std::max<uint32_t>(1, kThreads / params.num_perm);
      const size_t shared = groups > 1 ? size_t{groups} * params.num_perm * 8 : 0;
      MinHashKernel<<<static_cast<unsigned>(n), kThreads, shared, stream>>>(d_bytes, d_off, d_scr, d_words, d_sh, d_a,
                                                                            d_b, params.num_perm, ngram, d_out);
      ok = Check(cudaGetLastError(), "MinHashKernel", error) &&
           Check(cudaMemcpyAsync(h_out, d_out, n * params.num_perm * 8, cudaMemcpyDeviceToHost, stream),
                 "copy signatures", error) &&
           Check(cudaStreamSynchronize(stream), "cudaStreamSynchronize", error);
      if (ok) std::copy(h_out, h_out + n * params.num_perm, out + first * params.num_perm);
    }
    for (void* p : {static_cast<void*>(d_bytes), static_cast<void*>(d_off), static_cast<void*>(d_scr),
                    static_cast<void*>(d_words), static_cast<void*>(d_sh), static_cast<void*>(d_out)})
      if (p) cudaFreeAsync(p, stream);
    cudaStreamSynchronize(stream);
    if (h_out) cudaFreeHost(h_out);
    first = last;
  }
  if (d_a) cudaFreeAsync(d_a, stream);
  if (d_b) cudaFreeAsync(d_b, stream);
  cudaStreamSynchronize(stream);
  cudaStreamDestroy(stream);
  return ok;
}

}  // namespace crawlproof::kernels

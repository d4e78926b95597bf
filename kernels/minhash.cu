// CUDA MinHash signatures (minhash.h gives the definition). One thread block
// per text: the block hashes the words into a scratch array (in parallel,
// placed by a block-wide scan), turns them into shingle hashes, then thread i
// computes the minimum for permutation i. Texts go to the device in batches
// of at most kBatchBytes of text (about 9 bytes of device memory per byte of
// text with the word and shingle scratch arrays, two batches at a time:
// ~2.5 GB, so any GPU with 8 GB works). Two explicit streams alternate batches, each with pinned
// staging buffers, so one batch's copies and the host's staging of the next
// overlap the other's kernel; stream-ordered allocation; no
// cudaDeviceSynchronize.
#include <cuda_runtime.h>

#include <algorithm>
#include <cub/block/block_scan.cuh>

#include "kernels/minhash.h"
#include "kernels/minhash_math.h"

namespace crawlproof::kernels {
namespace {

constexpr size_t kBatchBytes = size_t{128} << 20;  // text per batch; two batches in flight
constexpr size_t kBatchTexts = size_t{1} << 18;
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
  if (error->empty()) *error = std::string(what) + ": " + cudaGetErrorString(e);
  return false;
}

// One of the two pipelines: a stream and its pinned staging buffers. While
// one slot's batch is copied and hashed on the device, the host fills the
// other slot's buffers with the next batch.
struct Slot {
  cudaStream_t stream = nullptr;
  uint8_t* h_in = nullptr;     // text bytes of the batch
  uint64_t* h_meta = nullptr;  // offsets (n + 1), then scratch offsets (n + 1)
  uint64_t* h_out = nullptr;   // n × num_perm signature values
  size_t first = 0, n = 0;     // the batch in flight (n == 0: none)
};

}  // namespace

bool MinHashCuda(const PackedTexts& texts, const MinHashParams& params, uint64_t* out, std::string* error) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    *error = "no CUDA device";
    return false;
  }
  if (texts.count == 0 || params.num_perm == 0) return true;
  error->clear();
  const uint32_t np = params.num_perm;
  const uint32_t ngram = params.ngram == 0 ? 1 : params.ngram;
  std::vector<uint64_t> a, b;
  MinHashPermutations(params, &a, &b);
  // Batches of whole texts (a text longer than a batch is a batch of its own).
  std::vector<std::pair<size_t, size_t>> batches;
  size_t max_bytes = 1, max_n = 1;
  for (size_t first = 0; first < texts.count;) {
    size_t last = first + 1;
    while (last < texts.count && texts.offsets[last + 1] - texts.offsets[first] <= kBatchBytes &&
           last - first < kBatchTexts)
      ++last;
    batches.push_back({first, last});
    max_bytes = std::max<size_t>(max_bytes, texts.offsets[last] - texts.offsets[first]);
    max_n = std::max(max_n, last - first);
    first = last;
  }
  Slot slots[2];
  bool ok = true;
  for (Slot& slot : slots) {
    ok = ok && Check(cudaStreamCreateWithFlags(&slot.stream, cudaStreamNonBlocking), "cudaStreamCreate", error) &&
         Check(cudaMallocHost(&slot.h_in, max_bytes), "cudaMallocHost", error) &&
         Check(cudaMallocHost(&slot.h_meta, 2 * (max_n + 1) * 8), "cudaMallocHost", error) &&
         Check(cudaMallocHost(&slot.h_out, max_n * np * 8), "cudaMallocHost", error);
  }
  // The permutations, copied once and complete before either stream reads them.
  uint64_t *d_a = nullptr, *d_b = nullptr;
  ok = ok && Check(cudaMallocAsync(&d_a, np * 8, slots[0].stream), "cudaMallocAsync", error) &&
       Check(cudaMallocAsync(&d_b, np * 8, slots[0].stream), "cudaMallocAsync", error) &&
       Check(cudaMemcpyAsync(d_a, a.data(), np * 8, cudaMemcpyHostToDevice, slots[0].stream), "copy a", error) &&
       Check(cudaMemcpyAsync(d_b, b.data(), np * 8, cudaMemcpyHostToDevice, slots[0].stream), "copy b", error) &&
       Check(cudaStreamSynchronize(slots[0].stream), "cudaStreamSynchronize", error);
  // Waits for the slot's batch and moves its signatures out of pinned memory.
  auto drain = [&](Slot& slot) {
    if (slot.n == 0) return;
    if (Check(cudaStreamSynchronize(slot.stream), "cudaStreamSynchronize", error) && ok)
      std::copy(slot.h_out, slot.h_out + slot.n * np, out + slot.first * np);
    else
      ok = false;
    slot.n = 0;
  };
  const uint32_t groups = std::max<uint32_t>(1, kThreads / np);
  const size_t shared = groups > 1 ? size_t{groups} * np * 8 : 0;
  for (size_t i = 0; ok && i < batches.size(); ++i) {
    Slot& slot = slots[i % 2];
    drain(slot);
    if (!ok) break;
    const auto [first, last] = batches[i];
    const size_t n = last - first;
    const uint64_t base = texts.offsets[first], bytes = texts.offsets[last] - base;
    uint64_t* offsets = slot.h_meta;
    uint64_t* scratch = slot.h_meta + n + 1;
    for (size_t k = 0; k <= n; ++k) offsets[k] = texts.offsets[first + k] - base;
    // Scratch per text: at most (bytes + 1) / 2 + 1 words.
    scratch[0] = 0;
    for (size_t k = 0; k < n; ++k) scratch[k + 1] = scratch[k] + (offsets[k + 1] - offsets[k] + 1) / 2 + 1;
    std::copy(texts.bytes + base, texts.bytes + base + bytes, slot.h_in);
    uint8_t* d_bytes = nullptr;
    uint64_t *d_meta = nullptr, *d_words = nullptr, *d_sh = nullptr, *d_out = nullptr;
    cudaStream_t st = slot.stream;
    ok =
        Check(cudaMallocAsync(&d_bytes, bytes ? bytes : 1, st), "cudaMallocAsync", error) &&
        Check(cudaMallocAsync(&d_meta, 2 * (n + 1) * 8, st), "cudaMallocAsync", error) &&
        Check(cudaMallocAsync(&d_words, scratch[n] * 8, st), "cudaMallocAsync", error) &&
        Check(cudaMallocAsync(&d_sh, scratch[n] * 8, st), "cudaMallocAsync", error) &&
        Check(cudaMallocAsync(&d_out, n * np * 8, st), "cudaMallocAsync", error) &&
        (bytes == 0 ||
         Check(cudaMemcpyAsync(d_bytes, slot.h_in, bytes, cudaMemcpyHostToDevice, st), "copy texts", error)) &&
        Check(cudaMemcpyAsync(d_meta, slot.h_meta, 2 * (n + 1) * 8, cudaMemcpyHostToDevice, st), "copy offsets", error);
    if (ok) {
      MinHashKernel<<<static_cast<unsigned>(n), kThreads, shared, st>>>(d_bytes, d_meta, d_meta + n + 1, d_words, d_sh,
                                                                        d_a, d_b, np, ngram, d_out);
      ok = Check(cudaGetLastError(), "MinHashKernel", error) &&
           Check(cudaMemcpyAsync(slot.h_out, d_out, n * np * 8, cudaMemcpyDeviceToHost, st), "copy signatures", error);
    }
    for (void* p : {static_cast<void*>(d_bytes), static_cast<void*>(d_meta), static_cast<void*>(d_words),
                    static_cast<void*>(d_sh), static_cast<void*>(d_out)})
      if (p) cudaFreeAsync(p, st);
    slot.first = first;
    slot.n = n;
  }
  for (Slot& slot : slots) drain(slot);
  if (d_a) cudaFreeAsync(d_a, slots[0].stream);
  if (d_b) cudaFreeAsync(d_b, slots[0].stream);
  for (Slot& slot : slots) {
    if (slot.stream) {
      cudaStreamSynchronize(slot.stream);
      cudaStreamDestroy(slot.stream);
    }
    for (void* p : {static_cast<void*>(slot.h_in), static_cast<void*>(slot.h_meta), static_cast<void*>(slot.h_out)})
      if (p) cudaFreeHost(p);
  }
  return ok;
}

}  // namespace crawlproof::kernels

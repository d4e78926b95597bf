// FastTextModel's insides, shared by its loader (fasttext_model.cc) and its
// predictor (fasttext_predict.cc). Not for other folders.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "classify/fasttext_model.h"

namespace crawlproof::classify {

// fastText's dictionary hash (FNV-1a over the bytes as signed chars).
inline uint32_t FastTextHash(uint32_t h, unsigned char c) {
  return (h ^ static_cast<uint32_t>(static_cast<int32_t>(static_cast<int8_t>(c)))) * 16777619u;
}
inline constexpr uint32_t kFastTextHashStart = 2166136261u;

// A dense or product-quantized matrix, read where it lies in the mapping.
struct FastTextMatrix {
  int64_t rows = 0, cols = 0;
  const unsigned char* dense = nullptr;  // rows * cols little-endian floats, maybe unaligned
  // Product quantization (fastText's ProductQuantizer, 256 centroids per sub-vector).
  bool quantized = false;
  int32_t nsubq = 0, dsub = 0, lastdsub = 0;
  std::vector<float> centroids;
  const unsigned char* codes = nullptr;  // rows * nsubq
  bool qnorm = false;
  const unsigned char* norm_codes = nullptr;  // rows
  std::vector<float> norm_centroids;          // 256 norms

  const float* Centroid(int32_t m, uint8_t i) const {
    if (m == nsubq - 1) return &centroids[static_cast<size_t>(m) * 256 * dsub + static_cast<size_t>(i) * lastdsub];
    return &centroids[(static_cast<size_t>(m) * 256 + i) * dsub];
  }
  float Norm(int64_t i) const { return qnorm ? norm_centroids[norm_codes[i]] : 1.0f; }
  // x += row i (as DenseMatrix / QuantMatrix::addRowToVector).
  void AddRow(int64_t i, float* x) const {
    if (!quantized) {
      const unsigned char* row = dense + static_cast<size_t>(i) * cols * sizeof(float);
      for (int64_t j = 0; j < cols; ++j) {
        float v;
        std::memcpy(&v, row + j * sizeof(float), sizeof v);
        x[j] += v;
      }
      return;
    }
    const float alpha = Norm(i);
    const unsigned char* code = codes + static_cast<size_t>(i) * nsubq;
    for (int32_t m = 0; m < nsubq; ++m) {
      const float* c = Centroid(m, code[m]);
      const int32_t d = m == nsubq - 1 ? lastdsub : dsub;
      for (int32_t n = 0; n < d; ++n) x[m * dsub + n] += alpha * c[n];
    }
  }
  // row i . x, summed in fastText's order (DenseMatrix::dotRow / mulcode).
  float DotRow(const float* x, int64_t i) const {
    float d = 0;
    if (!quantized) {
      const unsigned char* row = dense + static_cast<size_t>(i) * cols * sizeof(float);
      for (int64_t j = 0; j < cols; ++j) {
        float v;
        std::memcpy(&v, row + j * sizeof(float), sizeof v);
        d += v * x[j];
      }
      return d;
    }
    const unsigned char* code = codes + static_cast<size_t>(i) * nsubq;
    for (int32_t m = 0; m < nsubq; ++m) {
      const float* c = Centroid(m, code[m]);
      const int32_t n_end = m == nsubq - 1 ? lastdsub : dsub;
      for (int32_t n = 0; n < n_end; ++n) d += x[m * dsub + n] * c[n];
    }
    return d * Norm(i);
  }
  void Prefetch(int64_t i) const {
    if (quantized) {
      __builtin_prefetch(codes + static_cast<size_t>(i) * nsubq);
      return;
    }
    const unsigned char* row = dense + static_cast<size_t>(i) * cols * sizeof(float);
    const size_t bytes = static_cast<size_t>(cols) * sizeof(float);
    for (size_t off = 0; off < bytes; off += 64) __builtin_prefetch(row + off);
    __builtin_prefetch(row + bytes - 1);
  }
};

struct FastTextModel::Impl {
  const unsigned char* map = nullptr;
  uint64_t map_bytes = 0;

  std::vector<std::string_view> words;  // every dictionary entry, words then labels
  std::vector<int64_t> label_counts;
  // Open addressing by FastTextHash, power-of-two size; -1 empty.
  std::vector<int32_t> table;
  uint64_t table_mask = 0;
  // Per word: its id and, with char n-grams, its n-grams' ids.
  std::vector<uint64_t> subword_begin;
  std::vector<int32_t> subword_ids;
  // Pruned n-gram buckets (bucket -> row - words), open addressing by key.
  int64_t prune_size = -1;  // -1: not pruned; 0: every n-gram row pruned
  std::vector<std::pair<int32_t, int32_t>> prune;
  uint64_t prune_mask = 0;

  FastTextMatrix input, output;
  // Hierarchical softmax: per label, the path from the root (internal row,
  // right child?), and the tree for Predict.
  struct Node {
    int32_t left = -1, right = -1;
  };
  std::vector<Node> tree;
  std::vector<std::vector<std::pair<int32_t, bool>>> paths;
  std::vector<float> sigmoid_table;  // 513 entries, Loss::t_sigmoid_

  int32_t Find(std::string_view w, uint32_t h) const {
    for (uint64_t s = h & table_mask;; s = (s + 1) & table_mask) {
      const int32_t id = table[s];
      if (id < 0 || words[id] == w) return id;
    }
  }
  // Dictionary::pushHash: bucket `id`'s row, if it was kept.
  void PushBucket(std::vector<int32_t>* out, int32_t nwords, int64_t id) const {
    if (prune_size == 0) return;
    if (prune_size > 0) {
      for (uint64_t s = static_cast<uint64_t>(id) * 0x9E3779B1u & prune_mask;; s = (s + 1) & prune_mask) {
        if (prune[s].first < 0) return;
        if (prune[s].first == id) {
          id = prune[s].second;
          break;
        }
      }
    }
    out->push_back(static_cast<int32_t>(nwords + id));
  }
};

}  // namespace crawlproof::classify

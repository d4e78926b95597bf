// Byte-pair encoding over raw bytes: the model behind Hugging Face's
// byte-level BPE tokenizers and tiktoken's rank files.
//
// Every token is a byte string; every single byte is a token. A piece of
// text (one pre-token) starts as its bytes and repeatedly merges the adjacent
// pair of lowest rank (the leftmost on ties) until no adjacent pair has a
// rank. Hugging Face ranks the pairs its `merges` list names (rank = line
// number); tiktoken ranks every pair whose concatenation is a token (rank =
// that token's rank). With `whole_piece_first`, a piece that is itself a
// token is that token without merging (tiktoken; Hugging Face's
// `ignore_merges`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace crawlproof::tokenize {

// The largest token id a tokenizer file may use: far above any real
// vocabulary (DeepSeek-V3: 129,280; o200k: 200,019), low enough that tables
// indexed by id stay small whatever a hostile file claims (a fuzzer's
// tokenizer.json with id 99,999,998 once asked for 3.2 GB).
inline constexpr uint32_t kMaxTokenId = (1u << 24) - 1;

class BytePairModel {
 public:
  // Token `id` is `bytes`. Errors: InvalidArgument on a second id for the
  // same bytes or a second definition of an id.
  Status AddToken(uint32_t id, std::string bytes);
  // Merging `left` then `right` gives `merged`, with priority `rank`.
  // Errors: InvalidArgument when the pair is already ranked.
  Status AddMerge(uint32_t left, uint32_t right, uint32_t merged, uint32_t rank);
  // tiktoken's rule: every split of every token into two tokens is a merge
  // ranked by the token's id.
  void AddMergesFromTokenSplits();
  // After the last AddToken/AddMerge. Errors: InvalidArgument when a single
  // byte has no token.
  Status Finish();

  void set_whole_piece_first(bool on) { whole_piece_first_ = on; }
  bool whole_piece_first() const { return whole_piece_first_; }

  // Appends the ids of `piece`.
  void EncodePiece(std::string_view piece, std::vector<uint32_t>* out) const;

  // The token of exactly these bytes, or -1.
  int64_t Find(std::string_view bytes) const;
  // Bytes of token `id` ("" for ids the model does not use).
  const std::string& Bytes(uint32_t id) const;
  // One more than the largest id.
  uint32_t size() const { return static_cast<uint32_t>(bytes_.size()); }
  size_t merges() const { return pair_count_; }

 private:
  struct Pair {
    uint64_t key = kEmpty;  // left << 32 | right
    uint32_t rank = 0, merged = 0;
  };
  static constexpr uint64_t kEmpty = ~uint64_t{0};
  const Pair* FindPair(uint32_t left, uint32_t right) const;
  void InsertPair(uint64_t key, uint32_t rank, uint32_t merged);
  void Grow();
  void EncodeShort(std::string_view piece, std::vector<uint32_t>* out) const;
  void EncodeLong(std::string_view piece, std::vector<uint32_t>* out) const;

  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  std::vector<std::string> bytes_;  // id -> bytes
  std::vector<char> defined_;       // id -> has bytes
  std::unordered_map<std::string, uint32_t, Hash, std::equal_to<>> by_bytes_;
  std::vector<Pair> pairs_;  // open addressing, power-of-two size
  size_t pair_count_ = 0;
  uint32_t byte_token_[256] = {};
  bool whole_piece_first_ = false;
  bool finished_ = false;
};

}  // namespace crawlproof::tokenize

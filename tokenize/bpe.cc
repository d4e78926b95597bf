#include "tokenize/bpe.h"

#include <algorithm>
#include <queue>

namespace crawlproof::tokenize {
namespace {

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  return x;
}

// Pieces up to this many bytes merge by rescanning a small array of pair
// ranks; longer ones use a heap over a linked list (same result).
constexpr size_t kShortPiece = 96;
constexpr uint32_t kNoRank = ~uint32_t{0};

}  // namespace

Status BytePairModel::AddToken(uint32_t id, std::string bytes) {
  if (id > kMaxTokenId)
    return Status::InvalidArgument("token id " + std::to_string(id) + " is beyond the largest supported id " +
                                   std::to_string(kMaxTokenId));
  if (id >= bytes_.size()) {
    bytes_.resize(size_t{id} + 1);
    defined_.resize(size_t{id} + 1, 0);
  }
  if (defined_[id]) return Status::InvalidArgument("token id " + std::to_string(id) + " is defined twice");
  auto [it, fresh] = by_bytes_.emplace(bytes, id);
  if (!fresh)
    return Status::InvalidArgument("tokens " + std::to_string(it->second) + " and " + std::to_string(id) +
                                   " have the same bytes");
  defined_[id] = 1;
  bytes_[id] = std::move(bytes);
  return Status::Ok();
}

void BytePairModel::Grow() {
  std::vector<Pair> old = std::move(pairs_);
  pairs_.assign(old.empty() ? 1024 : old.size() * 2, Pair{});
  pair_count_ = 0;
  for (const Pair& p : old)
    if (p.key != kEmpty) InsertPair(p.key, p.rank, p.merged);
}

void BytePairModel::InsertPair(uint64_t key, uint32_t rank, uint32_t merged) {
  if ((pair_count_ + 1) * 2 > pairs_.size()) Grow();
  const size_t mask = pairs_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    if (pairs_[i].key == kEmpty) {
      pairs_[i] = {key, rank, merged};
      ++pair_count_;
      return;
    }
  }
}

const BytePairModel::Pair* BytePairModel::FindPair(uint32_t left, uint32_t right) const {
  const uint64_t key = uint64_t{left} << 32 | right;
  const size_t mask = pairs_.size() - 1;
  for (size_t i = Mix(key) & mask;; i = (i + 1) & mask) {
    const Pair& p = pairs_[i];
    if (p.key == key) return &p;
    if (p.key == kEmpty) return nullptr;
  }
}

Status BytePairModel::AddMerge(uint32_t left, uint32_t right, uint32_t merged, uint32_t rank) {
  if (pairs_.empty()) Grow();
  if (FindPair(left, right))
    return Status::InvalidArgument("the merge of tokens " + std::to_string(left) + " and " + std::to_string(right) +
                                   " is listed twice");
  InsertPair(uint64_t{left} << 32 | right, rank, merged);
  return Status::Ok();
}

void BytePairModel::AddMergesFromTokenSplits() {
  if (pairs_.empty()) Grow();
  for (uint32_t id = 0; id < bytes_.size(); ++id) {
    if (!defined_[id]) continue;
    const std::string& b = bytes_[id];
    for (size_t k = 1; k < b.size(); ++k) {
      int64_t left = Find(std::string_view(b).substr(0, k)), right = Find(std::string_view(b).substr(k));
      if (left < 0 || right < 0) continue;
      if (!FindPair(static_cast<uint32_t>(left), static_cast<uint32_t>(right)))
        InsertPair(static_cast<uint64_t>(left) << 32 | static_cast<uint64_t>(right), id, id);
    }
  }
}

Status BytePairModel::Finish() {
  if (pairs_.empty()) Grow();
  for (int c = 0; c < 256; ++c) {
    int64_t id = Find(std::string(1, static_cast<char>(c)));
    if (id < 0) return Status::InvalidArgument("byte " + std::to_string(c) + " has no token (not a byte-level BPE)");
    byte_token_[c] = static_cast<uint32_t>(id);
  }
  finished_ = true;
  return Status::Ok();
}

int64_t BytePairModel::Find(std::string_view bytes) const {
  auto it = by_bytes_.find(bytes);
  return it == by_bytes_.end() ? int64_t{-1} : int64_t{it->second};
}

const std::string& BytePairModel::Bytes(uint32_t id) const {
  static const std::string kNone;
  return id < bytes_.size() ? bytes_[id] : kNone;
}

void BytePairModel::EncodePiece(std::string_view piece, std::vector<uint32_t>* out) const {
  if (piece.empty()) return;
  if (piece.size() == 1) {
    out->push_back(byte_token_[static_cast<uint8_t>(piece[0])]);
    return;
  }
  if (whole_piece_first_) {
    if (int64_t id = Find(piece); id >= 0) {
      out->push_back(static_cast<uint32_t>(id));
      return;
    }
  }
  if (piece.size() <= kShortPiece) {
    EncodeShort(piece, out);
  } else {
    EncodeLong(piece, out);
  }
}

void BytePairModel::EncodeShort(std::string_view piece, std::vector<uint32_t>* out) const {
  uint32_t ids[kShortPiece], ranks[kShortPiece], merged[kShortPiece];
  size_t n = piece.size();
  for (size_t i = 0; i < n; ++i) ids[i] = byte_token_[static_cast<uint8_t>(piece[i])];
  auto rank_at = [&](size_t i) {
    const Pair* p = FindPair(ids[i], ids[i + 1]);
    ranks[i] = p ? p->rank : kNoRank;
    merged[i] = p ? p->merged : 0;
  };
  for (size_t i = 0; i + 1 < n; ++i) rank_at(i);
  while (n > 1) {
    size_t best = 0;
    for (size_t i = 1; i + 1 < n; ++i)
      if (ranks[i] < ranks[best]) best = i;
    if (ranks[best] == kNoRank) break;
    ids[best] = merged[best];
    // Remove ids[best + 1] and the pair that started there.
    for (size_t i = best + 1; i + 1 < n; ++i) ids[i] = ids[i + 1];
    for (size_t i = best + 1; i + 2 < n; ++i) {
      ranks[i] = ranks[i + 1];
      merged[i] = merged[i + 1];
    }
    --n;
    if (best > 0) rank_at(best - 1);
    if (best + 1 < n) rank_at(best);
  }
  out->insert(out->end(), ids, ids + n);
}

void BytePairModel::EncodeLong(std::string_view piece, std::vector<uint32_t>* out) const {
  const size_t n = piece.size();
  struct Symbol {
    uint32_t id;
    int64_t prev, next;  // -1: none
  };
  std::vector<Symbol> sym(n);
  for (size_t i = 0; i < n; ++i)
    sym[i] = {byte_token_[static_cast<uint8_t>(piece[i])], static_cast<int64_t>(i) - 1,
              i + 1 < n ? static_cast<int64_t>(i + 1) : -1};
  struct Candidate {
    uint32_t rank;
    uint64_t pos;  // the left symbol's first byte: left-to-right order
    uint32_t left, right, merged;
    bool operator>(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int64_t at) {
    if (at < 0 || sym[at].next < 0) return;
    const Symbol& l = sym[at];
    if (const Pair* p = FindPair(l.id, sym[l.next].id))
      heap.push({p->rank, static_cast<uint64_t>(at), l.id, sym[l.next].id, p->merged});
  };
  for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int64_t>(i));
  std::vector<char> alive(n, 1);
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    Symbol& l = sym[c.pos];
    // Stale when either side has changed since the candidate was pushed.
    if (!alive[c.pos] || l.id != c.left || l.next < 0 || sym[l.next].id != c.right) continue;
    const int64_t gone = l.next;
    l.id = c.merged;
    l.next = sym[gone].next;
    if (l.next >= 0) sym[l.next].prev = static_cast<int64_t>(c.pos);
    alive[gone] = 0;
    push(l.prev);
    push(static_cast<int64_t>(c.pos));
  }
  for (int64_t i = 0; i >= 0; i = sym[i].next) out->push_back(sym[i].id);
}

}  // namespace crawlproof::tokenize

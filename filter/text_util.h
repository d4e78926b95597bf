// Helpers shared by the filters (internal to filter/): Python's string
// splitting and counting on code points, and allocation-free hashing of
// lines, words and n-grams.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/unicode.h"
#include "filter/filters.h"

namespace crawlproof::filter::detail {

using U32 = std::u32string;
using U32View = std::u32string_view;

inline void Drop(Decision* d, std::string_view filter, std::string_view check) {
  d->keep = false;
  d->reason = std::string(filter) + ":" + std::string(check);
}
// The same for a measured check: its value and the threshold it crossed.
inline void Drop(Decision* d, std::string_view filter, std::string_view check, double value, double threshold) {
  Drop(d, filter, check);
  d->value = value;
  d->threshold = threshold;
}

// Two 64-bit hashes of a code point sequence: equal strings, equal keys.
struct Key {
  uint64_t a, b;
  bool operator==(const Key& o) const { return a == o.a && b == o.b; }
};
struct KeyHash {
  size_t operator()(const Key& k) const { return k.a ^ (k.b * 0x9E3779B97F4A7C15ull); }
};
class KeyBuilder {
 public:
  void Add(U32View s) {
    for (char32_t c : s) {
      a_ = (a_ ^ c) * 0x100000001B3ull;
      b_ = (b_ + c + 1) * 0xC2B2AE3D27D4EB4Full;
      b_ ^= b_ >> 29;
    }
  }
  Key key(size_t length) const { return {a_ ^ length, b_}; }

 private:
  uint64_t a_ = 0xCBF29CE484222325ull, b_ = 0x165667B19E3779F9ull;
};
inline Key KeyOf(U32View s) {
  KeyBuilder k;
  k.Add(s);
  return k.key(s.size());
}

// An open-addressing set of keys (no allocation per insert).
class KeySet {
 public:
  explicit KeySet(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, Key{0, 0});
    used_.assign(cap, 0);
    mask_ = cap - 1;
  }
  // True when `k` was not in the set.
  bool Insert(const Key& k) {
    size_t i = KeyHash()(k) & mask_;
    while (used_[i]) {
      if (slots_[i] == k) return false;
      i = (i + 1) & mask_;
    }
    used_[i] = 1;
    slots_[i] = k;
    return true;
  }

 private:
  std::vector<Key> slots_;
  std::vector<char> used_;
  size_t mask_;
};

// Open-addressing counts of keys, remembering where each was first seen.
class KeyCounts {
 public:
  explicit KeyCounts(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }
  struct Slot {
    Key key{0, 0};
    uint32_t count = 0;  // 0: empty
    uint32_t first = 0;
  };
  // Counts one more `k` (first seen at `index`); returns its slot.
  const Slot& Add(const Key& k, uint32_t index) {
    size_t i = KeyHash()(k) & mask_;
    while (slots_[i].count != 0 && !(slots_[i].key == k)) i = (i + 1) & mask_;
    Slot& s = slots_[i];
    if (s.count == 0) {
      s.key = k;
      s.first = index;
    }
    ++s.count;
    return s;
  }

 private:
  std::vector<Slot> slots_;
  size_t mask_;
};

// Hashes of every substring of the words' concatenation (no separators), in
// O(1) each: what "".join(words[i:i+n]) compares by.
class ConcatHashes {
 public:
  explicit ConcatHashes(const std::vector<U32View>& words) {
    size_t total = 0;
    for (auto w : words) total += w.size();
    h1_.reserve(total + 1);
    h2_.reserve(total + 1);
    p1_.reserve(total + 1);
    p2_.reserve(total + 1);
    h1_.push_back(0);
    h2_.push_back(0);
    p1_.push_back(1);
    p2_.push_back(1);
    starts_.reserve(words.size() + 1);
    for (auto w : words) {
      starts_.push_back(h1_.size() - 1);
      for (char32_t c : w) {
        h1_.push_back(h1_.back() * kB1 + c + 1);
        h2_.push_back(h2_.back() * kB2 + (c ^ 0x5bd1e995u) + 7);
        p1_.push_back(p1_.back() * kB1);
        p2_.push_back(p2_.back() * kB2);
      }
    }
    starts_.push_back(h1_.size() - 1);
  }
  // Key and length of words [i, i + n) joined without separators.
  Key Of(size_t i, size_t n, size_t* length) const {
    size_t a = starts_[i], b = starts_[i + n];
    *length = b - a;
    return {(h1_[b] - h1_[a] * p1_[b - a]) ^ (b - a), h2_[b] - h2_[a] * p2_[b - a]};
  }

 private:
  static constexpr uint64_t kB1 = 0x100000001B3ull, kB2 = 0x9E3779B97F4A7C15ull | 1;
  std::vector<uint64_t> h1_, h2_, p1_, p2_;
  std::vector<size_t> starts_;
};

// find_duplicates: (elements seen before, their characters).
inline std::pair<size_t, size_t> FindDuplicates(const std::vector<U32View>& items) {
  KeySet seen(items.size());
  size_t dup = 0, chars = 0;
  for (U32View s : items) {
    if (!seen.Insert(KeyOf(s))) {
      ++dup;
      chars += s.size();
    }
  }
  return {dup, chars};
}

// Splits at runs of '\n' of at least `min_run` (1: lines as re.split("\n+"),
// 2: paragraphs as re.split("\n{2,}")).
inline std::vector<U32View> SplitNewlines(U32View text, size_t min_run) {
  std::vector<U32View> out;
  size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] != '\n') {
      ++i;
      continue;
    }
    size_t run = i;
    while (run < text.size() && text[run] == '\n') ++run;
    if (run - i >= min_run) {
      out.push_back(text.substr(start, i - start));
      start = run;
    }
    i = run;
  }
  out.push_back(text.substr(start));
  return out;
}

// Python's str.splitlines().
inline std::vector<U32View> SplitLines(U32View text) {
  std::vector<U32View> out;
  size_t start = 0, i = 0;
  auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
  };
  while (i < text.size()) {
    if (!is_break(text[i])) {
      ++i;
      continue;
    }
    out.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    ++i;
    start = i;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Python's str.count (non-overlapping).
inline size_t Count(U32View text, U32View needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != U32View::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

inline bool StartsWith(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}
inline bool EndsWith(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

inline U32View LStrip(U32View s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}
inline U32View RStrip(U32View s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

inline bool NoSpaceLanguage(std::string_view lang) {
  // CLD2 codes of languages written without spaces between words.
  return lang == "zh" || lang == "zh-Hant" || lang == "ja" || lang == "th" || lang == "lo" || lang == "km" ||
         lang == "my" || lang == "bo";
}

}  // namespace crawlproof::filter::detail

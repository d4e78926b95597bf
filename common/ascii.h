// ASCII helpers for protocol text (WARC and HTTP field names): locale-independent
// and inlined, unlike std::tolower, which is a library call per byte.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace crawlproof {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

inline bool StartsWithIgnoreCase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && EqualsIgnoreCase(s.substr(0, prefix.size()), prefix);
}

// `s` without leading and trailing spaces, tabs, CR and LF.
inline std::string_view TrimWhitespace(std::string_view s) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

// C's isspace in the "C" locale: space, \t, \n, \v, \f, \r (text, where a
// form feed is whitespace too).
inline bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

inline bool IsAsciiSpace(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

// `s` without leading and trailing IsAsciiSpace characters.
inline std::string_view TrimAsciiSpace(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// `s` with A-Z lower-cased, every other byte as it is.
inline std::string AsciiLowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

// The candidate nearest to `word` for a "did you mean" hint: the smallest
// Levenshtein distance (case-insensitive), at most 2 or a third of the word,
// or a candidate that `word` is a prefix of (or that is a prefix of it);
// empty when none is that close.
inline std::string NearestName(std::string_view word, const std::vector<std::string>& candidates) {
  const std::string w = AsciiLowercase(word);
  std::string best;
  size_t best_d = std::max<size_t>(2, w.size() / 3) + 1;
  for (const auto& c : candidates) {
    const std::string l = AsciiLowercase(c);
    if (l.empty() || l == w) continue;
    std::vector<size_t> row(l.size() + 1);
    for (size_t j = 0; j <= l.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= w.size(); ++i) {
      size_t diag = row[0];
      row[0] = i;
      for (size_t j = 1; j <= l.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (w[i - 1] == l[j - 1] ? 0 : 1)});
        diag = up;
      }
    }
    size_t d = row[l.size()];
    if (w.size() >= 3 && (l.rfind(w, 0) == 0 || w.rfind(l, 0) == 0)) d = std::min<size_t>(d, 1);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

}  // namespace crawlproof

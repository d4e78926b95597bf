#include "common/unicode.h"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace crawlproof {
namespace {

struct CodepointPair {
  char32_t from, to;
};

struct Decomposition {
  char32_t from;
  uint16_t offset;  // into kDecomposePool
  uint8_t length;
};

#include "common/unicode_tables.inc"

template <size_t N>
bool In(const CodepointRange (&table)[N], char32_t c) {
  auto it = std::upper_bound(std::begin(table), std::end(table), c,
                             [](char32_t v, const CodepointRange& r) { return v < r.lo; });
  return it != std::begin(table) && c <= std::prev(it)->hi;
}

}  // namespace

size_t SkipAscii(std::string_view s, size_t i) {
  while (i + 8 <= s.size()) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & 0x8080808080808080ull) break;
    i += 8;
  }
  while (i < s.size() && static_cast<unsigned char>(s[i]) < 0x80) ++i;
  return i;
}

std::u32string DecodeUtf8(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    size_t ascii_end = SkipAscii(s, i);
    for (; i < ascii_end; ++i) out.push_back(static_cast<unsigned char>(s[i]));
    if (i < s.size()) out.push_back(NextCodepoint(s, &i));
  }
  return out;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string EncodeUtf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char32_t c : s) AppendUtf8(c, &out);
  return out;
}

bool IsAlpha(char32_t c) {
  if (c < 0x80) return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
  return In(kAlpha, c);
}
bool IsUpper(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  return In(kUpper, c);
}
bool IsLower(char32_t c) {
  if (c < 0x80) return c >= 'a' && c <= 'z';
  return In(kLower, c);
}
bool IsDecimal(char32_t c) {
  if (c < 0x80) return c >= '0' && c <= '9';
  return In(kDecimal, c);
}
bool IsSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  return In(kSpace, c);
}
bool IsSentenceTerminal(char32_t c) {
  return In(kSentenceTerminal, c);
}
bool IsSymbol(char32_t c) {
  return In(kSymbol, c);
}
bool IsWordChar(char32_t c) {
  if (c < 0x80) return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  return In(kAlnum, c);
}
bool IsNoSpaceScript(char32_t c) {
  return (c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x3FFFF) || (c >= 0x0E00 && c <= 0x0EFF) || (c >= 0x1000 && c <= 0x109F) ||
         (c >= 0x1780 && c <= 0x17FF) || (c >= 0xFF66 && c <= 0xFF9F);
}

char32_t LowerChar(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  auto it = std::lower_bound(std::begin(kLowerMap), std::end(kLowerMap), c,
                             [](const CodepointPair& p, char32_t v) { return p.from < v; });
  return it != std::end(kLowerMap) && it->from == c ? it->to : c;
}

char32_t NextCodepoint(std::string_view s, size_t* i) {
  unsigned char c = static_cast<unsigned char>(s[*i]);
  if (c < 0x80) {
    ++*i;
    return c;
  }
  int n = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : -1;
  if (n < 0 || *i + static_cast<size_t>(n) >= s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = c & (0x3F >> n);
  for (int k = 1; k <= n; ++k) {
    unsigned char d = static_cast<unsigned char>(s[*i + k]);
    if ((d & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    cp = cp << 6 | (d & 0x3F);
  }
  *i += n + 1;
  return cp;
}

std::u32string Lower(std::u32string_view s) {
  std::u32string out(s);
  for (char32_t& c : out) {
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') c += 32;
    } else {
      auto it = std::lower_bound(std::begin(kLowerMap), std::end(kLowerMap), c,
                                 [](const CodepointPair& p, char32_t v) { return p.from < v; });
      if (it != std::end(kLowerMap) && it->from == c) c = it->to;
    }
  }
  return out;
}

bool IsCombiningMark(char32_t c) {
  return c >= 0x300 && In(kMark, c);
}

bool IsMark(char32_t c) {
  return c >= 0x300 && In(kAnyMark, c);
}

char32_t StripAccent(char32_t c) {
  if (c < 0xC0) return c;
  auto it = std::lower_bound(std::begin(kStripAccent), std::end(kStripAccent), c,
                             [](const CodepointPair& p, char32_t v) { return p.from < v; });
  return it != std::end(kStripAccent) && it->from == c ? it->to : c;
}

bool IsOtherSymbol(char32_t c) {
  return c >= 0xA6 && In(kOtherSymbol, c);
}

bool IsNonspacingMark(char32_t c) {
  return c >= 0x300 && In(kNonspacing, c);
}

void AppendWithoutDiacritics(char32_t c, std::u32string* out) {
  if (c < 0xC0) {
    out->push_back(c);
    return;
  }
  if (c >= 0xAC00 && c <= 0xD7A3) {  // Hangul syllable: its jamo (Unicode's algorithm)
    const char32_t s = c - 0xAC00;
    out->push_back(0x1100 + s / 588);
    out->push_back(0x1161 + (s % 588) / 28);
    if (s % 28) out->push_back(0x11A7 + s % 28);
    return;
  }
  if (IsNonspacingMark(c)) return;
  auto it = std::lower_bound(std::begin(kDecompose), std::end(kDecompose), c,
                             [](const Decomposition& d, char32_t v) { return d.from < v; });
  if (it == std::end(kDecompose) || it->from != c) {
    out->push_back(c);
    return;
  }
  out->append(kDecomposePool + it->offset, it->length);
}

std::u32string_view Strip(std::u32string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace crawlproof

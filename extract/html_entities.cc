#include "extract/html_entities.h"

#include <cstdint>
#include <cstring>
#include <iterator>

#include "common/unicode.h"

namespace crawlproof::extract {
namespace {

// ---- Character references ------------------------------------------------

struct Entity {
  const char* name;
  const char* value;
};

constexpr Entity kEntities[] = {
#include "extract/html_entities.inc"
};

const char* LookupEntity(std::string_view name) {
  size_t lo = 0, hi = std::size(kEntities);
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = name.compare(kEntities[mid].name);
    if (c == 0) return kEntities[mid].value;
    if (c < 0) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return nullptr;
}

// WHATWG: numeric references to C1 controls mean windows-1252's characters.
constexpr uint16_t kC1[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                              0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                              0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};

}  // namespace

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Decodes the reference at s[0] == '&'; appends its text and returns the
// bytes consumed (1 when it is not a reference: the '&' itself).
size_t DecodeReference(std::string_view s, std::string* out) {
  if (s.size() >= 3 && s[1] == '#') {
    size_t i = 2;
    bool hex = s[i] == 'x' || s[i] == 'X';
    if (hex) ++i;
    size_t digits_start = i;
    uint32_t cp = 0;
    bool overflow = false;
    while (i < s.size()) {
      char c = s[i];
      uint32_t d;
      if (c >= '0' && c <= '9') {
        d = static_cast<uint32_t>(c - '0');
      } else if (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
        d = static_cast<uint32_t>((c | 0x20) - 'a' + 10);
      } else {
        break;
      }
      cp = cp * (hex ? 16 : 10) + d;
      if (cp > 0x10FFFF) overflow = true, cp = 0x110000;
      ++i;
    }
    if (i == digits_start) {
      out->push_back('&');
      return 1;
    }
    if (i < s.size() && s[i] == ';') ++i;
    if (overflow || cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp >= 0x80 && cp <= 0x9F) cp = kC1[cp - 0x80];
    AppendUtf8(static_cast<char32_t>(cp), out);
    return i;
  }
  size_t n = 1;
  while (n < s.size() && n <= 32 && IsAsciiAlnum(s[n])) ++n;
  if (n == 1) {
    out->push_back('&');
    return 1;
  }
  char buf[40];
  size_t len = n - 1;
  std::memcpy(buf, s.data() + 1, len);
  if (n < s.size() && s[n] == ';') {
    buf[len] = ';';
    if (const char* v = LookupEntity(std::string_view(buf, len + 1))) {
      out->append(v);
      return n + 1;
    }
  }
  // Legacy references without ';' (&amp, &copy, &nbsp…): longest that exists.
  for (size_t k = len; k >= 2; --k) {
    if (const char* v = LookupEntity(std::string_view(buf, k))) {
      out->append(v);
      return 1 + k;
    }
  }
  out->push_back('&');
  return 1;
}

// Appends `s` with its character references decoded.
void DecodeInto(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size();) {
    size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) amp = s.size();
    out->append(s.substr(i, amp - i));
    if (amp >= s.size()) break;
    i = amp + DecodeReference(s.substr(amp), out);
  }
}

}  // namespace crawlproof::extract

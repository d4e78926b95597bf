// Dictionary word segmentation of unspaced scripts with ICU (words.h).
#include <unicode/ubrk.h>
#include <unicode/utypes.h>

#include <cstdint>
#include <string>
#include <vector>

#include "filter/words.h"

namespace crawlproof::filter {
namespace {

// Hangul syllables: Korean separates its words with spaces; a run is a word.
bool IsHangul(char32_t c) {
  return c >= 0xAC00 && c <= 0xD7AF;
}

// One word break iterator per thread (opening one loads ICU's rules; setting
// its text is cheap), with its UTF-16 buffer and the map back to code points.
struct Breaker {
  UBreakIterator* it = nullptr;
  bool failed = false;
  std::u16string text;
  std::vector<uint32_t> index;  // UTF-16 unit -> code point index in the run
  ~Breaker() {
    if (it) ubrk_close(it);
  }
};

}  // namespace

void SegmentUnspaced(std::u32string_view run, std::vector<std::u32string_view>* out) {
  thread_local Breaker b;
  if (!b.it && !b.failed) {
    UErrorCode e = U_ZERO_ERROR;
    b.it = ubrk_open(UBRK_WORD, "", nullptr, 0, &e);
    if (U_FAILURE(e)) {
      b.it = nullptr;
      b.failed = true;
    }
  }
  bool hangul = !run.empty() && IsHangul(run[0]);
  if (!b.it || hangul) {
    // Without ICU's data (it ships with libicu, so only a broken install):
    // characters, as the FineWeb recipe splits them. Hangul: the run.
    for (size_t i = 0; i < run.size(); ++i) {
      size_t e = i + 1;
      while (hangul && e < run.size() && IsHangul(run[e])) ++e;
      out->push_back(run.substr(i, e - i));
      i = e - 1;
    }
    return;
  }
  b.text.clear();
  b.index.clear();
  for (size_t i = 0; i < run.size(); ++i) {
    char32_t c = run[i];
    b.index.push_back(static_cast<uint32_t>(i));
    if (c < 0x10000) {
      b.text.push_back(static_cast<char16_t>(c));
    } else {
      b.text.push_back(static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10)));
      b.text.push_back(static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF)));
      b.index.push_back(static_cast<uint32_t>(i));
    }
  }
  b.index.push_back(static_cast<uint32_t>(run.size()));
  UErrorCode e = U_ZERO_ERROR;
  ubrk_setText(b.it, reinterpret_cast<const UChar*>(b.text.data()), static_cast<int32_t>(b.text.size()), &e);
  if (U_FAILURE(e)) {
    for (size_t i = 0; i < run.size(); ++i) out->push_back(run.substr(i, 1));
    return;
  }
  int32_t start = ubrk_first(b.it);
  for (int32_t end = ubrk_next(b.it); end != UBRK_DONE; start = end, end = ubrk_next(b.it)) {
    size_t s = b.index[static_cast<size_t>(start)], t = b.index[static_cast<size_t>(end)];
    if (t > s) out->push_back(run.substr(s, t - s));
  }
}

}  // namespace crawlproof::filter

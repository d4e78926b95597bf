#include "dedup/normalize.h"

#include "common/unicode.h"

namespace crawlproof::dedup {

std::string NormalizeForDedup(std::string_view utf8) {
  std::u32string text = Lower(DecodeUtf8(utf8));
  std::string out;
  out.reserve(utf8.size());
  bool in_word = false;  // the last character written belongs to an open word
  bool single = false;   // that word is one unspaced-script character
  auto separate = [&] { in_word = single = false; };
  for (char32_t c : text) {
    if (IsCombiningMark(c)) continue;  // accents
    c = StripAccent(c);
    if (IsDecimal(c)) c = '0';
    bool mark = IsMark(c);
    if ((!IsWordChar(c) && !mark) || c == '_') {
      separate();
      continue;
    }
    if (single && !mark) separate();  // the next unspaced character is a new word
    if (IsNoSpaceScript(c) && !mark) {
      separate();
      single = true;
    }
    if (!in_word && !out.empty()) out.push_back(' ');
    AppendUtf8(c, &out);
    in_word = true;
  }
  return out;
}

}  // namespace crawlproof::dedup

#include "dedup/normalize.h"

#include "common/unicode.h"

namespace crawlproof::dedup {

std::string NormalizeForDedup(std::string_view utf8, bool keep_digits) {
  std::string out;
  out.reserve(utf8.size());
  bool in_word = false;  // the last character written belongs to an open word
  bool single = false;   // that word is one unspaced-script character
  size_t i = 0;
  while (i < utf8.size()) {
    unsigned char byte = static_cast<unsigned char>(utf8[i]);
    if (byte < 0x80) {  // ASCII: letters lower-cased, digits to '0', the rest separates
      ++i;
      char c = static_cast<char>(byte);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      const bool digit = c >= '0' && c <= '9';
      if (digit && !keep_digits) c = '0';
      if (!((c >= 'a' && c <= 'z') || digit)) {
        in_word = single = false;
        continue;
      }
      if (single || (!in_word && !out.empty())) out.push_back(' ');
      single = false;
      out.push_back(c);
      in_word = true;
      continue;
    }
    char32_t c = LowerChar(NextCodepoint(utf8, &i));
    if (IsCombiningMark(c)) continue;  // accents
    c = StripAccent(c);
    if (IsDecimal(c) && !keep_digits) c = '0';
    bool mark = IsMark(c);
    if (!IsWordChar(c) && !mark) {
      in_word = single = false;
      continue;
    }
    if (single && !mark) in_word = single = false;  // the next unspaced character is a new word
    if (IsNoSpaceScript(c) && !mark) {
      in_word = false;
      single = true;
    }
    if (!in_word && !out.empty()) out.push_back(' ');
    AppendUtf8(c, &out);
    in_word = true;
  }
  return out;
}

}  // namespace crawlproof::dedup

#include "dedup/normalize.h"

#include "common/unicode.h"

namespace crawlproof::dedup {

std::string NormalizeForDedup(std::string_view utf8) {
  std::u32string text = Lower(DecodeUtf8(utf8));
  std::string out;
  out.reserve(utf8.size());
  bool in_word = false;
  auto separate = [&] {
    if (in_word) out.push_back(' ');
    in_word = false;
  };
  for (char32_t c : text) {
    if (IsCombiningMark(c)) continue;
    c = StripAccent(c);
    if (IsDecimal(c)) c = '0';
    if (!IsWordChar(c) || c == '_') {
      separate();
      continue;
    }
    if (IsNoSpaceScript(c)) {
      separate();
      AppendUtf8(c, &out);
      out.push_back(' ');
      continue;
    }
    AppendUtf8(c, &out);
    in_word = true;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace crawlproof::dedup

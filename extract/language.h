// Language identification with CLD2, the identifier Common Crawl uses.
//
// CLD2 runs on the extracted text (plain text mode). The language is CLD2's
// code (`en`, `de`, `zh`, `zh-Hant`, `ja`, …); the score is the share of the
// text's letters CLD2 assigns to that language (its percent / 100), halved
// when CLD2 itself flags the result as unreliable. A document whose score is
// below `min_score` (or for which CLD2 finds nothing) is `und`.
#pragma once

#include <string>
#include <string_view>

namespace crawlproof::extract {

struct LanguageOptions {
  // Documents scoring below this are tagged "und". Default: 0.5.
  double min_score = 0.5;
  // Bytes of text looked at (CLD2 needs far less than a whole long page).
  // Default: 64 KiB.
  size_t max_bytes = 64 << 10;
};

struct LanguageGuess {
  std::string code = "und";  // CLD2 code, or "und"
  double score = 0;          // in [0, 1]
  std::string detected;      // CLD2's answer even when below min_score
  bool reliable = false;
};

// `text` must be valid UTF-8.
LanguageGuess IdentifyLanguage(std::string_view text, const LanguageOptions& options = {});

}  // namespace crawlproof::extract

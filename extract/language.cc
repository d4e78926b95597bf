#include "extract/language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

namespace crawlproof::extract {

LanguageGuess IdentifyLanguage(std::string_view text, const LanguageOptions& options) {
  LanguageGuess g;
  std::string_view sample = text.substr(0, options.max_bytes);
  // Do not cut a UTF-8 sequence in two.
  while (sample.size() < text.size() && !sample.empty() &&
         (static_cast<unsigned char>(text[sample.size()]) & 0xC0) == 0x80)
    sample.remove_suffix(1);
  if (sample.empty()) return g;
  CLD2::Language lang3[3];
  int percent3[3];
  double normalized3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::CLDHints hints = {nullptr, nullptr, CLD2::UNKNOWN_ENCODING, CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language top = CLD2::ExtDetectLanguageSummary(sample.data(), static_cast<int>(sample.size()), true, &hints, 0,
                                                      lang3, percent3, normalized3, nullptr, &text_bytes, &reliable);
  g.reliable = reliable;
  if (top == CLD2::UNKNOWN_LANGUAGE || top == CLD2::TG_UNKNOWN_LANGUAGE) return g;
  g.detected = CLD2::LanguageCode(top);
  int percent = lang3[0] == top ? percent3[0] : 0;
  for (int k = 0; k < 3; ++k) {
    if (lang3[k] == top) percent = percent3[k];
  }
  g.score = percent / 100.0 * (reliable ? 1.0 : 0.5);
  if (g.score >= options.min_score) g.code = g.detected;
  return g;
}

}  // namespace crawlproof::extract

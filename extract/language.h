// Language identification with CLD2, the identifier Common Crawl uses.
//
// CLD2 sees the document's language-carrying text, not all of it:
// - code is left out: text blocks that are mostly inside pre, code, kbd, samp,
//   tt or listing elements (HtmlText::code_spans);
// - so are words that carry no language: tokens with a digit, URLs, e-mail
//   addresses, paths and file names, command-line options, identifiers
//   (`_`, `::`, `a.b`, brackets, operators), ALL-CAPS acronyms; a line left
//   with less than half of its words (a line of code, a table of figures) is
//   dropped whole;
// - a long text is sampled: at most `sample_bytes` of it, in windows spread
//   evenly over the whole text, so a page's start does not decide alone;
// - hints: the page's <html lang> and HTTP Content-Language are passed to
//   CLD2 as content-language hints (a prior: the text still decides).
// When less than 64 bytes of such text remain (a page that is all code), CLD2
// gets the plain text instead.
//
// `lang` is CLD2's top language (its codes: `en`, `de`, `zh`, `zh-Hant`, …).
// `lang_score` is the top language's share of the sampled bytes CLD2 assigned
// to some language (CLD2's percentages, the unidentified share left out),
// halved when CLD2 flags the result as unreliable (too little text, or two
// languages too close). A document scoring below `min_score`, or for which
// CLD2 finds no language, is `und`. A page that is genuinely mixed also gets
// its second language and that language's share (`lang2`, `lang2_share`,
// from `min_second_share` up).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crawlproof::classify {
class FastTextModel;
}

namespace crawlproof::extract {

struct LanguageOptions {
  // Documents scoring below this are tagged "und". Default: 0.5.
  double min_score = 0.5;
  // Language-carrying bytes given to CLD2 at most. Default: 4 KiB.
  size_t sample_bytes = 4 << 10;
  // A second language is reported from this share up. Default: 0.2.
  double min_second_share = 0.2;
  // A fastText language identifier used instead of CLD2
  // (extract/language_model.h). Default: null (CLD2).
  std::shared_ptr<const classify::FastTextModel> model;
};

// What the page says about its own language (either may be empty).
struct LanguageHints {
  std::string_view html_lang;         // <html lang="de-DE">
  std::string_view content_language;  // Content-Language: de, en
};

struct LanguageGuess {
  std::string code = "und";  // CLD2 code, or "und"
  double score = 0;          // in [0, 1]
  std::string detected;      // CLD2's answer even when below min_score
  bool reliable = false;
  std::string second;       // the second language of a mixed page, or ""
  double second_share = 0;  // its share, like score (0 when none)
  size_t sample_bytes = 0;  // bytes CLD2 was given
  std::string label;        // a language model's label ("deu_Latn"), "" with CLD2
};

// `text` must be valid UTF-8; `code_spans` are byte ranges of it to leave out.
LanguageGuess IdentifyLanguage(std::string_view text, const LanguageOptions& options = {},
                               const LanguageHints& hints = {},
                               std::span<const std::pair<size_t, size_t>> code_spans = {});

// The language-carrying text IdentifyLanguage hands to CLD2 (exposed for
// tests and for tools that want to look at it).
std::string LanguageSample(std::string_view text, size_t max_bytes,
                           std::span<const std::pair<size_t, size_t>> code_spans = {});

// Every language code CLD2 can answer, sorted ("und" not included).
const std::vector<std::string>& KnownLanguageCodes();

}  // namespace crawlproof::extract

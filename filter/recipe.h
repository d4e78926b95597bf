// The quality recipes and FineWeb-2's per-language settings.
//
// `[filter] recipe` picks, per document language, the settings of the
// gopher_repetition, fineweb, gopher_quality, c4 and language steps:
//   "fineweb"   FineWeb's settings (English rules) for every language;
//   "fineweb-2" FineWeb-2's for every language it covers, English included
//               (FineWeb-2 published no English table: FineWeb's English
//               thresholds under FineWeb-2's structure, see docs/filter.md);
//   unset       FineWeb-2's for the languages it covers, FineWeb's for English,
//   ("auto")    und and the languages FineWeb-2 does not cover.
// FineWeb-2's settings come from data/fineweb2/recipe.toml (made by
// scripts/convert-fineweb2 from the huggingface/fineweb-2 repository,
// Apache-2.0), compiled into the binary.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "filter/filters.h"

namespace crawlproof::filter {

enum class Recipe { kAuto, kFineWeb, kFineWeb2 };

// "auto", "fineweb" or "fineweb-2"; InvalidArgument naming the choices
// ("must be ... not \"x\"", to follow the key's name).
Result<Recipe> ParseRecipe(std::string_view name);

// One language's table, as published (values FineWeb-2 uses for "off" kept:
// line_punct_thr -1, n-gram fractions above 1).
struct FineWeb2Language {
  std::string source;         // FineWeb-2's config, e.g. "deu_Latn"
  double language_score = 0;  // GlotLID confidence threshold
  double dup_line_frac = 0;
  std::vector<std::pair<int, double>> top_n_grams, dup_n_grams;
  double line_punct_thr = 0, new_line_ratio = 0;
  double min_avg_word_length = 0, max_avg_word_length = 0;
  double min_alpha_words_ratio = 0;  // FineWeb-2's max_non_alpha_words_ratio (datatrove's name)
  std::vector<std::string> stop_words;
};

// By CLD2 code; parsed once from the compiled-in data.
const std::map<std::string, FineWeb2Language>& FineWeb2Languages();

// FineWeb-2's language-score threshold, set for GlotLID's confidence,
// expressed on crawlproof's lang_score (the share of the text in the
// language): GlotLID, like any linear classifier over averaged features,
// scores a page whose share s is in the language and 1 - s in another about
// sigmoid((2s - 1) * L), where L = logit(0.99) is its score on a clean page;
// so confidence >= t means s >= 1/2 + logit(t) / (2L). 0.3 -> 0.408,
// 0.821 (German) -> 0.666, 0.9 -> 0.739. docs/filter.md.
double CalibratedLanguageScore(double glotlid_threshold);

// Languages whose words FineWeb-2 found with a dictionary segmenter
// (Chinese, Japanese, Thai, Lao, Khmer, Burmese): under its recipe their
// text is split by SegmentUnspaced.
bool SegmentedLanguage(std::string_view lang);

// A step's options under FineWeb-2's recipe for one language (`rec` null:
// English, FineWeb's thresholds in FineWeb-2's structure).
GopherRepetitionOptions FineWeb2Repetition(const FineWeb2Language* rec);
FineWebOptions FineWeb2Quality(const FineWeb2Language* rec);
GopherQualityOptions FineWeb2GopherQuality(const std::string& lang, const FineWeb2Language* rec);

}  // namespace crawlproof::filter

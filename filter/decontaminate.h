// The `decontaminate` step: documents that share a word n-gram with an
// evaluation set are dropped ("decontaminate:<set>", the n-gram in the
// decision's `match`), as datatrove's n-gram decontamination does.
//
// Text normalisation, datatrove's simplify_text with its default settings,
// in its order, on both the evaluation items and the documents:
//   1. lower case (Python's str.lower, one-to-one mappings);
//   2. numbers: a run of decimal digits (any script), optionally followed by
//      one of . , ، ٫ ⎖ ⎗ ⎘ and more digits, becomes "0";
//   3. punctuation becomes a space: datatrove's list (ASCII and CJK
//      punctuation, the quotes and dashes it names, C0 and C1 controls);
//   4. whitespace runs become one space, none at either end;
//   5. diacritics: each character as NFD writes it, without its nonspacing
//      marks (é -> e; a Hangul syllable -> its jamo).
// Words: the filters' word splitting (words.h: spaCy's English rules, which
// datatrove's decontamination uses for every language), except that a run of
// Chinese, Japanese or Thai characters stays one word, as spaCy leaves it (a
// 12-character n-gram would be a stock phrase, not a sign of contamination).
// An n-gram is `ngram` consecutive words joined by single spaces.
//
// Evaluation sets are files: JSON lines with a "text" string (.jsonl, .json,
// .ndjson) or plain text, one item per line; the set's name is the file's
// stem ("gsm8k-test.jsonl" -> gsm8k-test). Every n-gram of every item goes
// into one hash set (64-bit hashes; an n-gram in several sets counts for the
// first file listed). Items shorter than `ngram` words have no n-gram and
// can never match (as in datatrove); their number is reported.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "filter/filters.h"

namespace crawlproof::filter {

struct DecontaminateOptions {
  std::vector<std::string> files;  // evaluation sets
  int ngram = 12;                  // datatrove's NGramsDecontConfig.n_grams
};

// The normalised words of `text` (steps 1-5 above, then word splitting).
std::vector<std::u32string> DecontaminationWords(std::string_view text);

struct EvaluationSetStats {
  std::string name, path;
  uint64_t items = 0, ngrams = 0, too_short = 0;
};

// Reads the sets. Errors: NotFound / IoError naming the file, InvalidArgument
// naming file and line (not JSON, no "text" string) or an empty set.
Result<std::unique_ptr<Filter>> MakeDecontaminateFilter(const DecontaminateOptions& o,
                                                        std::vector<EvaluationSetStats>* stats = nullptr);

}  // namespace crawlproof::filter

// Word splitting as the FineWeb recipe counts words.
//
// The reference (datatrove) splits words with spaCy's rule-based tokenizer
// for most languages. SplitWords follows the same rules for text in spaced
// scripts: split at whitespace; then, repeatedly, one prefix (opening
// punctuation, quotes, currency signs, "…", "..") and one suffix (closing
// punctuation and quotes, "'s", "n't" and the other English clitics, units
// and currencies after digits, a final "." after a lower-case letter, digit,
// punctuation or two capitals) come off as tokens of their own; what remains
// is split at infixes ("..", "…", hyphens between letters, "," between
// letters, ":<>=/" after a letter or digit before a letter, "+-*^" between
// digits, "." between a lower-case and an upper-case letter) unless it looks
// like a URL. Known abbreviations ("e.g.", "U.S.", "Mr.") stay whole; the
// exceptions written without an apostrophe split as spaCy splits them ("dont"
// -> "do" "nt", "10am" -> "10" "am"); symbols of category So (©, °, ™) are
// prefixes, suffixes and infixes of their own.
//
// Text in scripts written without spaces (Han, kana, Hangul, Thai, Lao,
// Khmer, Myanmar) is split as `unspaced` says: one word per character (the
// FineWeb recipe's approximation, under which some word-level checks are
// skipped in those languages, see filters.h), one word per run of such
// characters, or into dictionary words by ICU's word break iterator (the
// FineWeb-2 recipe; its reference used jieba, SudachiPy and PyThaiNLP, which
// Debian does not package for C++: ICU is the dictionary segmenter Debian
// keeps for all of these scripts).
#pragma once

#include <string_view>
#include <vector>

namespace crawlproof::filter {

enum class Unspaced {
  kCharacters,  // one word per character
  kRuns,        // a run stays one word (spaCy's English tokenizer; the decontaminate step)
  kDictionary,  // dictionary words (ICU); Hangul runs stay whole, as Korean spaces its words
};

std::vector<std::u32string_view> SplitWords(std::u32string_view text, Unspaced unspaced = Unspaced::kCharacters);

// The rules above are spaCy's English tokenizer's. Its tokenizers for other
// languages differ in a few that change word counts (FineWeb-2's thresholds
// were set with them): these switch them.
struct WordRules {
  Unspaced unspaced = Unspaced::kCharacters;
  bool english = true;          // English exceptions: "don't" -> "do" "n't", "dont", "e.g." whole
  bool s_suffix = true;         // "it's" -> "it" "'s"
  bool letter_hyphen = true;    // "Debian-systeem" -> "Debian" "-" "systeem"
  bool digit_hyphen = true;     // "10-20" -> "10" "-" "20"
  bool slash = true;            // "GNU/Linux" -> "GNU" "/" "Linux"
  bool elision = false;         // "l'homme" -> "l'" "homme" (French, Italian, Catalan)
  bool digit_period = true;     // "2." -> "2" "." (German keeps ordinals whole)
  bool small_ordinals = false;  // "2." to "31." whole (Danish, Greek)
  bool catalan = false;         // "del" -> "d" "el", "al" -> "a" "l", ...
  bool reduplication = false;   // "hal-hal" whole (Indonesian, Malay)
  bool operator==(const WordRules&) const = default;
};
std::vector<std::u32string_view> SplitWords(std::u32string_view text, const WordRules& rules);

// spaCy's rules for a CLD2 language code (English's for languages spaCy has
// no rules of its own for); `unspaced` is left at kCharacters.
WordRules WordRulesFor(std::string_view lang);

// Appends the dictionary words of `run` (characters for which
// IsNoSpaceScript holds) to `out`, as ICU's word break iterator finds them.
void SegmentUnspaced(std::u32string_view run, std::vector<std::u32string_view>* out);

}  // namespace crawlproof::filter

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
// Characters of scripts written without spaces (Han, kana, Hangul, Thai,
// Lao, Khmer, Myanmar) are one word each; the reference uses dictionary
// segmenters there, so word-level checks in those languages are approximate
// and some are skipped (see filters.h).
#pragma once

#include <string_view>
#include <vector>

namespace crawlproof::filter {

// With `split_unspaced` false, a run of an unspaced script stays one word
// (spaCy's English tokenizer does that; the decontaminate step follows it).
std::vector<std::u32string_view> SplitWords(std::u32string_view text, bool split_unspaced = true);

}  // namespace crawlproof::filter

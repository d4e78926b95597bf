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
// like a URL. Known abbreviations ("e.g.", "U.S.", "Mr.") stay whole.
//
// Characters of scripts written without spaces (Han, kana, Hangul, Thai,
// Lao, Khmer, Myanmar) are one word each; the reference uses dictionary
// segmenters there, so word-level checks in those languages are approximate
// and some are skipped (see filters.h).
#pragma once

#include <string_view>
#include <vector>

namespace crawlproof::filter {

std::vector<std::u32string_view> SplitWords(std::u32string_view text);

}  // namespace crawlproof::filter

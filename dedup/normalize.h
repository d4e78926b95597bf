// Text normalisation for deduplication. Exactly:
//   1. decode UTF-8 (invalid bytes become U+FFFD);
//   2. lower-case (Python's str.lower, one-to-one mappings);
//   3. strip accents: a precomposed letter becomes its base letter (é -> e),
//      combining accents (Mn in the combining diacritical mark blocks
//      U+0300-036F, 1AB0-1AFF, 1DC0-1DFF, 20D0-20FF, FE20-FE2F) are dropped;
//      other marks (Thai and Devanagari vowel signs, kana voicing) stay;
//   4. every decimal digit (any script) becomes '0';
//   5. every character that is neither alphanumeric (Python's str.isalnum)
//      nor a combining mark (Mn, Mc, Me) is a separator ("punctuation ->
//      space", whitespace included);
//   6. characters of scripts written without spaces (Han, kana, Hangul, Thai,
//      Lao, Khmer, Myanmar) are words of their own, with the marks that
//      follow them (Thai vowel signs stay on their consonant);
//   7. the words, joined by single spaces, no leading or trailing space.
// The MinHash kernels split words at ' ' (kernels/minhash.h), so a CJK text's
// shingles are 5-character n-grams.
#pragma once

#include <string>
#include <string_view>

namespace crawlproof::dedup {

// `keep_digits`: step 4 left out — digits stay what they are (questions: two
// problems that differ only in their numbers are different problems).
std::string NormalizeForDedup(std::string_view utf8, bool keep_digits = false);

}  // namespace crawlproof::dedup

// The steps before the byte-pair model (tokenizer.h): text normalizers and
// pre-tokenizers, as Hugging Face's tokenizer.json names them, and the regex
// conventions of the reference implementations.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof::tokenize {

// Changes the text in place before it is split.
class Normalizer {
 public:
  virtual ~Normalizer() = default;
  virtual void Apply(std::string* text) const = 0;
};

// Replaces every piece of `in` by its parts, into `out`. Pieces are views into
// the text, or into `arena` for pieces a step made (a prefix space).
class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  virtual void Split(const std::vector<std::string_view>& in, std::vector<std::string_view>* out,
                     std::deque<std::string>* arena) const = 0;
};

enum class SplitBehavior { kRemoved, kIsolated, kMergedWithPrevious, kMergedWithNext, kContiguous };
enum class NormalForm { kNfc, kNfd, kNfkc, kNfkd };

// Hugging Face's Split: the regex's matches and the text between them,
// combined as `behavior` says; `invert` swaps what counts as the match.
// Errors: InvalidArgument when the pattern does not compile.
Result<std::unique_ptr<PreTokenizer>> MakeRegexSplit(std::string_view pattern, SplitBehavior behavior, bool invert);
// ByteLevel: a space before every piece that has none (add_prefix_space),
// then GPT-2's split (use_regex). Bytes are not remapped: the model works on raw bytes.
Result<std::unique_ptr<PreTokenizer>> MakeByteLevel(bool add_prefix_space, bool use_regex);
// Digits: every \p{N} alone, or runs of them.
Result<std::unique_ptr<PreTokenizer>> MakeDigits(bool individual);

std::unique_ptr<Normalizer> MakeUnicodeForm(NormalForm form);  // invalid UTF-8 is left as it is
std::unique_ptr<Normalizer> MakeLowercase();                   // one-to-one mappings
Result<std::unique_ptr<Normalizer>> MakeReplace(std::string_view pattern, std::string content);
std::unique_ptr<Normalizer> MakePrepend(std::string prefix);  // when the text is not empty
std::unique_ptr<Normalizer> MakeStrip(bool left, bool right);

// The reference engines' \s is Unicode White_Space; PCRE2's (with UCP) leaves
// out U+0085. Rewrites \s and \S (outside classes; \s inside) to it.
std::string TranslatePattern(std::string_view pattern);
// A literal string as a regex.
std::string QuoteLiteral(std::string_view s);

}  // namespace crawlproof::tokenize

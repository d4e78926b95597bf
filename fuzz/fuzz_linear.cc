// Inputs that must cost linear time: the input is a pattern repeated to
// 256 KiB (the shape of every slow input found so far — an unbalanced run of
// "\boxed{", a long token the URL pattern backtracks over — is a repetition),
// then the prompts stage's text candidates, its final-answer search and the
// word splitter of the quality filters run over it. scripts/fuzz runs this
// target with a short -timeout, so a quadratic path is a finding.
#include <string>

#include "common/unicode.h"
#include "filter/words.h"
#include "fuzz/fuzz_util.h"
#include "prompts/candidates.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  constexpr size_t kTarget = size_t{256} << 10;
  const std::string_view unit = fuzz::AsView(data, size);
  std::string text;
  text.reserve(kTarget + size);
  while (text.size() < kTarget) text.append(unit);
  if (fuzz::IsValidUtf8(text)) {
    std::string source;
    (void)prompts::FinalAnswer(text, &source);
    (void)prompts::FindTextCandidates(text);
    const std::u32string wide = DecodeUtf8(text);
    filter::WordRules rules;
    (void)filter::SplitWords(wide, rules);
  }
  return 0;
}

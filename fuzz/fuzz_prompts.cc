// The prompts stage's parsers of outside input: schema.org markup (JSON-LD,
// microdata) and worked problems in a page, the answer and LaTeX checks, the
// question checks, and the Parquet writer over what they found.
#include "fuzz/fuzz_util.h"
#include "prompts/answer.h"
#include "prompts/candidates.h"
#include "prompts/parquet.h"
#include "prompts/question.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  std::vector<prompts::Candidate> found = prompts::FindMarkupCandidates(in);
  if (fuzz::IsValidUtf8(in)) {
    auto text = prompts::FindTextCandidates(in);
    found.insert(found.end(), text.begin(), text.end());
  }
  (void)prompts::ParsesAsLatex(in.substr(0, 400));
  (void)prompts::ClassifyAnswer(in.substr(0, 2000));
  std::vector<prompts::PromptRecord> rows;
  for (const auto& c : found) {
    if (c.question.size() > prompts::kMaxFieldBytes * 2 || c.answer.size() > prompts::kMaxFieldBytes)
      __builtin_trap();  // fields are bounded
    prompts::Answer a = prompts::ClassifyAnswer(c.answer);
    (void)prompts::CheckQuestion(c.question, a.ground_truth);
    prompts::PromptRecord r;
    r.messages.push_back({"user", c.question});
    r.ground_truth = a.ground_truth;
    rows.push_back(std::move(r));
  }
  if (!prompts::PromptsParquet(rows).ok()) __builtin_trap();
  return 0;
}

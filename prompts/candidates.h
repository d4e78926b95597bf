// Candidate question-answer pairs in a kept document (the prompts stage's
// first step; answer.h and question.h decide which become prompts).
//
// Kinds:
//   "qa"        schema.org QAPage / FAQPage / Question markup with an
//               acceptedAnswer (or, lacking one, the suggestedAnswer with the
//               most upvotes), in JSON-LD and in microdata;
//   "math"      a problem followed by an explicit final answer: \boxed{…},
//               GSM8K's "#### 42", "The answer is …", "Final answer: …";
//   "exercise"  "Exercise / Problem / Question N" followed by an "Answer" or
//               "Solution" section (a <details> block's text reads the same).
// A candidate's answer is the final answer when its text states one
// (\boxed, ####, "the answer is"), else the whole answer text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace crawlproof::prompts {

struct Candidate {
  std::string kind;    // "qa", "math", "exercise"
  std::string source;  // "json-ld", "microdata", "boxed", "gsm8k", "answer-is", "solution"
  std::string question, answer;
};

// Limits per document: a page with thousands of FAQ entries or a 10 MB
// answer costs bounded time and memory.
inline constexpr size_t kMaxCandidatesPerDocument = 1000;
// JSON-LD / microdata looked at per page: as much HTML as the extractor reads
// by default (html.max_html_bytes), so that a page's 10 MB answer is read
// (cut to kMaxFieldBytes) and rejected as too long rather than unseen.
inline constexpr size_t kMaxMarkupBytes = 16 << 20;
inline constexpr size_t kMaxFieldBytes = 64 << 10;  // one question or answer

// From the page's HTML: JSON-LD blocks and microdata.
std::vector<Candidate> FindMarkupCandidates(std::string_view html);

// From the document's text (lines as the extractor wrote them).
std::vector<Candidate> FindTextCandidates(std::string_view text);

// The final answer stated in `text` (the last \boxed{…}, "#### …", "the
// answer is …", "Answer: …"), with the marker's name in *source; "" if none.
std::string FinalAnswer(std::string_view text, std::string* source);

}  // namespace crawlproof::prompts

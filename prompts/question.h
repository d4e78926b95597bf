// Questions a model can answer from the prompt alone: the other half of
// the prompts stage's decision (answer.h is the first).
#pragma once

#include <string>
#include <string_view>

namespace crawlproof::prompts {

struct QuestionOptions {
  int min_words = 5;    // fewer: "question_too_short"
  int max_words = 800;  // more: "question_too_long"
};

// "" when the question may be used with this answer, else the check that
// refuses it:
//   question_too_short, question_too_long   word bounds
//   not_self_contained   it points at what the prompt does not hold ("see the
//                        figure", "the table above", "the link below", "as
//                        shown", "the attached file"), unless a table is inlined
//                        (two or more lines with '|' or tab-separated cells)
//   multiple_choice_without_options   "which of the following…" or "choose
//                        the correct…" with no lettered or numbered options
//   answer_in_question   the ground truth occurs in the question as a whole
//                        token sequence (numbers as numbers: "4" is not in "14")
std::string CheckQuestion(std::string_view question, std::string_view ground_truth, const QuestionOptions& o = {});

// Words as the bounds count them: runs of non-space bytes.
int CountWords(std::string_view s);

}  // namespace crawlproof::prompts

// Answers a rule can check: the verification half of the prompts stage.
//
// A GRPO trainer scores a model's answer against a ground truth with a rule
// (verl's math and GSM8K scorers, TRL reward functions). A mined answer is
// kept only when it is short and of a kind such a rule compares reliably:
//   integer     "42", "-7", "1,234,567", "1 234", "$1,200", "42 cm"  -> "42", "1234567", …
//   decimal     "3.50", "-0.25", "€2.5", "0,5" is not (ambiguous)    -> "3.5", "-0.25"
//   fraction    "3/4", "-12/5", "\frac{3}{4}" (digits only)            -> "3/4"
//   percentage  "45%", "12.5 %", "45 percent"                          -> "45", "12.5"
//               (the number, as GSM8K writes percentages)
//   latex       a LaTeX math expression that parses ("2\sqrt{3}",
//               "x^2+1", "\pi/4"; `$…$`, `\(…\)`, `\boxed{…}` unwrapped)
//   yes_no      "Yes", "no.", "True", "FALSE"                          -> "yes", "no", "true", "false"
//   phrase      at most `max_words` words, no sentence punctuation inside
// Units and currency signs around a number are dropped ("42 cm" -> "42",
// "$1,200.00" -> "1200"); thousands separators (",", thin and no-break
// spaces, "'") are dropped only when they group digits by three.
// Anything else: rejected, reason "answer_not_verifiable" (or
// "answer_empty", "answer_too_long").
#pragma once

#include <string>
#include <string_view>

namespace crawlproof::prompts {

struct Answer {
  bool ok = false;
  std::string type;          // "integer", "decimal", "fraction", "percentage", "latex", "yes_no", "phrase"
  std::string ground_truth;  // normalised, as the reward rule compares it
  std::string reason;        // when rejected: "answer_not_verifiable", "answer_empty", "answer_too_long"
};

Answer ClassifyAnswer(std::string_view text, int max_words = 10);

// True when `s` is a LaTeX math expression this module accepts: balanced
// groups, known commands with their arguments (\frac, \sqrt, \pi, \cdot,
// Greek letters, functions, \left/\right, \text{…}), operands around every
// binary operator.
bool ParsesAsLatex(std::string_view s);

}  // namespace crawlproof::prompts

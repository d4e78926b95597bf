// FindTextCandidates and FinalAnswer (candidates.h).
#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "common/ascii.h"
#include "prompts/candidates.h"

namespace crawlproof::prompts {
namespace {

constexpr size_t kLookBackLines = 40;

size_t IFind(std::string_view s, std::string_view p, size_t from = 0) {
  for (size_t i = from; i + p.size() <= s.size(); ++i)
    if (StartsWithIgnoreCase(s.substr(i), p)) return i;
  return std::string_view::npos;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    out.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

// The sentence after an "answer is" marker: up to a full stop that ends
// it (not a decimal point) or the end of the line.
std::string_view SentenceAfter(std::string_view s) {
  s = TrimAsciiSpace(s);
  for (size_t i = 0; i < s.size(); ++i) {
    if ((s[i] == '.' || s[i] == ';') && (i + 1 == s.size() || s[i + 1] == ' ')) return TrimAsciiSpace(s.substr(0, i));
  }
  return s;
}

// A label that starts a problem: "Problem 3.", "Exercise 2.1:", "Question 5",
// "Example 4", "Q3.", "Q:". Returns its length (0: none).
size_t ProblemLabel(std::string_view line) {
  line = TrimAsciiSpace(line);
  for (std::string_view word : {"problem", "exercise", "question", "example", "task", "q"}) {
    if (!StartsWithIgnoreCase(line, word)) continue;
    size_t i = word.size();
    if (i < line.size() && std::isalpha(static_cast<unsigned char>(line[i]))) continue;  // "questions", "quite"
    while (i < line.size() && line[i] == ' ') ++i;
    size_t digits = i;
    while (i < line.size() && (std::isdigit(static_cast<unsigned char>(line[i])) || line[i] == '.')) ++i;
    bool numbered = i > digits;
    if (i < line.size() && (line[i] == ':' || line[i] == ')')) ++i;
    if (!numbered && !(i > 0 && line[i - 1] == ':')) continue;  // "Question:" or "Question 3"
    if (word == "q" && !numbered && i != 2) continue;
    return i;
  }
  return 0;
}

// A line that starts the solution part.
bool SolutionStart(std::string_view line) {
  line = TrimAsciiSpace(line);
  for (std::string_view word : {"solution", "answer", "proof", "explanation", "hint", "working", "answers"}) {
    if (!StartsWithIgnoreCase(line, word)) continue;
    size_t i = word.size();
    if (i == line.size() || line[i] == ':' || line[i] == '.' || line[i] == ' ' || line[i] == '\t') return true;
  }
  return false;
}

std::string Join(const std::vector<std::string_view>& lines, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to && i < lines.size(); ++i) {
    std::string_view l = TrimAsciiSpace(lines[i]);
    if (l.empty()) continue;
    if (!out.empty()) out += '\n';
    out += l;
    if (out.size() > kMaxFieldBytes) break;
  }
  return out;
}

}  // namespace

// The content of the last \boxed{…} whose brace closes (what Braced()
// finds from each "\boxed{" backwards, in one forward pass: braces pair as a
// stack pairs them, so an unbalanced run of "\boxed{" costs linear time, not
// quadratic). Empty when none closes or every closed one is empty.
std::string_view LastBoxed(std::string_view text) {
  constexpr std::string_view kBoxed = "\\boxed";
  std::vector<size_t> open;  // positions of the '{' not yet closed
  size_t best = std::string_view::npos, best_end = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '{') {
      open.push_back(i);
    } else if (text[i] == '}' && !open.empty()) {
      const size_t o = open.back();
      open.pop_back();
      if (o + 1 == i) continue;  // empty braces: not an answer
      if (o >= kBoxed.size() && text.substr(o - kBoxed.size(), kBoxed.size()) == kBoxed &&
          (best == std::string_view::npos || o > best)) {
        best = o;
        best_end = i;
      }
    }
  }
  if (best == std::string_view::npos) return {};
  return text.substr(best + 1, best_end - best - 1);
}

std::string FinalAnswer(std::string_view text, std::string* source) {
  // The last \boxed{…} wins: a worked solution boxes its result at the end.
  if (std::string_view inner = LastBoxed(text); !inner.empty()) {
    *source = "boxed";
    return std::string(inner);
  }
  std::vector<std::string_view> lines = Lines(text);
  for (size_t k = lines.size(); k-- > 0;) {
    std::string_view l = TrimAsciiSpace(lines[k]);
    if (l.size() > 4 && l.substr(0, 4) == "####") {
      *source = "gsm8k";
      return std::string(TrimAsciiSpace(l.substr(4)));
    }
    for (std::string_view marker : {"the final answer is", "the answer is", "final answer:", "answer:"}) {
      size_t at = IFind(l, marker);
      if (at == std::string_view::npos) continue;
      // "Answer:" only opening the line; the "answer is" phrases anywhere.
      if (marker == "answer:" && at != 0) continue;
      std::string_view rest = SentenceAfter(l.substr(at + marker.size()));
      if (rest.empty()) continue;
      *source = "answer-is";
      return std::string(rest);
    }
  }
  return "";
}

std::vector<Candidate> FindTextCandidates(std::string_view text) {
  std::vector<Candidate> out;
  std::vector<std::string_view> lines = Lines(text);
  std::vector<bool> used(lines.size(), false);
  for (size_t p = 0; p < lines.size() && out.size() < kMaxCandidatesPerDocument; ++p) {
    size_t label = ProblemLabel(lines[p]);
    if (label == 0) {
      // No label: a question line directly followed by its "Answer" or
      // "Solution" (a <details> block's summary, an FAQ written as text).
      std::string_view l = TrimAsciiSpace(lines[p]);
      if (l.empty() || l.back() != '?' || p + 1 >= lines.size() || !SolutionStart(lines[p + 1])) continue;
    }
    // The problem runs to the solution's start, the next problem, or the
    // look-back window's end.
    size_t s = p + 1;
    while (s < lines.size() && s < p + kLookBackLines && !SolutionStart(lines[s]) && !ProblemLabel(lines[s])) ++s;
    if (s >= lines.size() || !SolutionStart(lines[s])) continue;
    // The solution runs on until the next problem, a new question (a line
    // ending in '?'), or through the first line that states a final answer;
    // "Answer: X" on the solution line itself is the whole solution.
    size_t end = s + 1;
    std::string_view head = TrimAsciiSpace(lines[s]);
    bool inline_answer = StartsWithIgnoreCase(head, "answer") && head.find_first_of(":.") != std::string_view::npos &&
                         !TrimAsciiSpace(head.substr(head.find_first_of(":.") + 1)).empty();
    std::string unused;
    if (!inline_answer && FinalAnswer(head, &unused).empty()) {
      while (end < lines.size() && end < s + kLookBackLines && !ProblemLabel(lines[end])) {
        std::string_view l = TrimAsciiSpace(lines[end]);
        if (!l.empty() && l.back() == '?') break;
        ++end;
        if (!FinalAnswer(l, &unused).empty()) break;
      }
    }
    std::string question = std::string(TrimAsciiSpace(TrimAsciiSpace(lines[p]).substr(label)));
    std::string rest = Join(lines, p + 1, s);
    if (!rest.empty()) question += (question.empty() ? "" : "\n") + rest;
    // The solution: the solution line's own text after its label, then the lines below.
    std::string_view first = TrimAsciiSpace(lines[s]);
    size_t colon = first.find_first_of(":.");
    std::string solution =
        colon != std::string_view::npos && colon < 12 ? std::string(TrimAsciiSpace(first.substr(colon + 1))) : "";
    std::string below = Join(lines, s + 1, end);
    if (!below.empty()) solution += (solution.empty() ? "" : "\n") + below;
    Candidate c;
    c.question = question;
    std::string source;
    std::string final = FinalAnswer(solution, &source);
    if (!final.empty()) {
      c.kind = "math";
      c.source = source;
      c.answer = final;
    } else {
      c.kind = "exercise";
      c.source = "solution";
      c.answer = solution;
    }
    if (c.question.empty() || c.answer.empty()) continue;
    for (size_t i = p; i < end; ++i) used[i] = true;
    out.push_back(std::move(c));
    p = end - 1;
  }
  // GSM8K-style pages: a question line ending in '?', its worked solution,
  // then "#### N" — no problem label.
  for (size_t k = 0; k < lines.size() && out.size() < kMaxCandidatesPerDocument; ++k) {
    std::string_view l = TrimAsciiSpace(lines[k]);
    if (used[k] || l.size() <= 4 || l.substr(0, 4) != "####") continue;
    for (size_t q = k; q-- > 0 && q + kLookBackLines > k;) {
      if (used[q] || TrimAsciiSpace(lines[q]).substr(0, 4) == "####") break;
      std::string_view ql = TrimAsciiSpace(lines[q]);
      if (ql.empty() || ql.back() != '?') continue;
      Candidate c;
      c.kind = "math";
      c.source = "gsm8k";
      c.question = std::string(ql);
      c.answer = std::string(TrimAsciiSpace(l.substr(4)));
      out.push_back(std::move(c));
      break;
    }
  }
  return out;
}

}  // namespace crawlproof::prompts

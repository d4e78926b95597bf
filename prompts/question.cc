#include "prompts/question.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "common/ascii.h"

namespace crawlproof::prompts {
namespace {

bool IsWordByte(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80) || c == '_';
}

// `needle` in `hay` with no word character on either side.
bool ContainsWord(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return false;
  for (size_t at = hay.find(needle); at != std::string_view::npos; at = hay.find(needle, at + 1)) {
    bool left = at == 0 || !IsWordByte(hay[at - 1]);
    size_t end = at + needle.size();
    // "4" in "4.5" is not the number 4: a '.' or ',' followed by a digit continues it.
    bool right =
        end == hay.size() ||
        (!IsWordByte(hay[end]) && !((hay[end] == '.' || hay[end] == ',' || hay[end] == '/') && end + 1 < hay.size() &&
                                    std::isdigit(static_cast<unsigned char>(hay[end + 1]))));
    bool left_number = at >= 2 && (hay[at - 1] == '.' || hay[at - 1] == ',' || hay[at - 1] == '/') &&
                       std::isdigit(static_cast<unsigned char>(hay[at - 2])) &&
                       std::isdigit(static_cast<unsigned char>(needle[0]));
    if (left && right && !left_number) return true;
  }
  return false;
}

// Phrases that point outside the prompt.
constexpr std::string_view kPointers[] = {"see the figure",
                                          "see figure",
                                          "in the figure",
                                          "the figure below",
                                          "the figure above",
                                          "following figure",
                                          "the diagram",
                                          "following diagram",
                                          "the picture",
                                          "the image",
                                          "the graph below",
                                          "the graph above",
                                          "following graph",
                                          "the chart",
                                          "the table above",
                                          "the table below",
                                          "following table",
                                          "in the table",
                                          "see table",
                                          "the link",
                                          "click here",
                                          "the video",
                                          "the attached",
                                          "attached file",
                                          "as shown",
                                          "shown above",
                                          "shown below",
                                          "the map",
                                          "the photo",
                                          "the screenshot",
                                          "see above",
                                          "see below",
                                          "the code above",
                                          "the code below",
                                          "the previous question",
                                          "the previous problem",
                                          "the previous exercise",
                                          "refer to"};

constexpr std::string_view kMultipleChoice[] = {
    "which of the following", "which one of the following", "choose the correct",
    "choose the best",        "select the correct",         "select one",
    "pick the correct",       "all of the above",           "none of the above"};

// Two or more lines that look like table rows.
bool HasInlineTable(std::string_view q) {
  int rows = 0;
  size_t start = 0;
  while (start < q.size()) {
    size_t nl = q.find('\n', start);
    if (nl == std::string_view::npos) nl = q.size();
    std::string_view line = q.substr(start, nl - start);
    if (std::count(line.begin(), line.end(), '|') >= 2 || std::count(line.begin(), line.end(), '\t') >= 1) ++rows;
    start = nl + 1;
  }
  return rows >= 2;
}

// Lettered or numbered options: "A)", "(A)", "A.", "a)" for two letters in
// sequence at the start of a line or after whitespace.
bool HasOptions(std::string_view q) {
  auto has = [&](char letter) {
    for (size_t i = 0; i < q.size(); ++i) {
      if (q[i] != letter && q[i] != AsciiLower(letter)) continue;
      bool left = i == 0 || q[i - 1] == ' ' || q[i - 1] == '\n' || q[i - 1] == '(' || q[i - 1] == '\t';
      if (!left || i + 1 >= q.size()) continue;
      char next = q[i + 1];
      if (next == ')' || next == '.' || next == ':') return true;  // "A)", "(A)", "A.", "A:"
    }
    return false;
  };
  return has('A') && has('B');
}

}  // namespace

int CountWords(std::string_view s) {
  int n = 0;
  bool in = false;
  for (char c : s) {
    bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
    if (!space && !in) ++n;
    in = !space;
  }
  return n;
}

std::string CheckQuestion(std::string_view question, std::string_view ground_truth, const QuestionOptions& o) {
  int words = CountWords(question);
  if (words < o.min_words) return "question_too_short";
  if (words > o.max_words) return "question_too_long";
  std::string lower = AsciiLowercase(question);
  for (std::string_view p : kPointers) {
    if (lower.find(p) == std::string::npos) continue;
    bool table = p.find("table") != std::string_view::npos;
    if (!(table && HasInlineTable(question))) return "not_self_contained";
  }
  for (std::string_view p : kMultipleChoice) {
    if (lower.find(p) != std::string::npos && !HasOptions(question)) return "multiple_choice_without_options";
  }
  // With options listed, the answer is one of them: it is meant to be there.
  if (!HasOptions(question) && ContainsWord(lower, AsciiLowercase(ground_truth))) return "answer_in_question";
  return "";
}

}  // namespace crawlproof::prompts

#include "prompts/answer.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

#include "common/ascii.h"

namespace crawlproof::prompts {
namespace {

constexpr size_t kMaxAnswerBytes = 1000;

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}
bool EndsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

// No-break, thin and narrow no-break spaces as ' '.
std::string NormaliseSpaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 2, "\xC2\xA0") == 0) {
      out += ' ';
      ++i;
    } else if (s.compare(i, 3, "\xE2\x80\x89") == 0 || s.compare(i, 3, "\xE2\x80\xAF") == 0) {
      out += ' ';
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The content of `\cmd{…}` when `s` is exactly that, else nullopt.
std::optional<std::string_view> Unwrap(std::string_view s, std::string_view cmd) {
  if (!StartsWith(s, cmd) || s.size() < cmd.size() + 2 || s[cmd.size()] != '{' || s.back() != '}') return {};
  int depth = 0;
  for (size_t i = cmd.size(); i < s.size(); ++i) {
    if (s[i] == '{') ++depth;
    if (s[i] == '}' && --depth == 0 && i + 1 != s.size()) return {};  // closes before the end
  }
  return s.substr(cmd.size() + 1, s.size() - cmd.size() - 2);
}

// Math delimiters, \boxed, markdown bold, a final full stop: peeled off.
std::string_view Peel(std::string_view s, bool* math) {
  for (int round = 0; round < 8; ++round) {
    s = TrimAsciiSpace(s);
    std::string_view before = s;
    if (auto b = Unwrap(s, "\\boxed")) {
      s = *b;
      *math = true;
    } else if (auto f = Unwrap(s, "\\fbox")) {
      s = *f;
    } else if (StartsWith(s, "$$") && EndsWith(s, "$$") && s.size() >= 4) {
      s = s.substr(2, s.size() - 4);
      *math = true;
    } else if (s.size() >= 2 && s.front() == '$' && s.back() == '$') {
      s = s.substr(1, s.size() - 2);
      *math = true;
    } else if ((StartsWith(s, "\\(") && EndsWith(s, "\\)")) || (StartsWith(s, "\\[") && EndsWith(s, "\\]"))) {
      s = s.substr(2, s.size() - 4);
      *math = true;
    } else if (StartsWith(s, "**") && EndsWith(s, "**") && s.size() >= 4) {
      s = s.substr(2, s.size() - 4);
    } else if (!s.empty() && (s.back() == '.' || s.back() == '!')) {
      s.remove_suffix(1);
    } else if (EndsWith(s, "\xE3\x80\x82")) {  // 。
      s.remove_suffix(3);
    }
    if (s == before) break;
  }
  return TrimAsciiSpace(s);
}

// Digits with optional grouping by three ("1,234,567", "1 234", "1'234"):
// the digits, or nullopt when a separator does not group by three.
std::optional<std::string> GroupedDigits(std::string_view s) {
  if (s.empty() || !IsDigit(s[0])) return {};
  std::string digits;
  char sep = 0;
  size_t group = 0;
  bool first = true;
  for (char c : s) {
    if (IsDigit(c)) {
      digits += c;
      ++group;
      continue;
    }
    if (c != ',' && c != ' ' && c != '\'') return {};
    if (sep && c != sep) return {};
    sep = c;
    if ((first && (group == 0 || group > 3)) || (!first && group != 3)) return {};
    first = false;
    group = 0;
  }
  if (sep && group != 3) return {};
  return digits;
}

std::string StripZeros(std::string digits) {
  size_t nz = digits.find_first_not_of('0');
  return nz == std::string::npos ? "0" : digits.substr(nz);
}

// A unit or currency word after a number: letters and / ^ ² ³ . only, one
// or two words ("cm", "km/h", "square meters", "dollars").
bool IsUnit(std::string_view s) {
  s = TrimAsciiSpace(s);
  if (s.empty()) return true;
  if (s.size() > 24) return false;
  if (StartsWith(s, "\\text{") || StartsWith(s, "\\mathrm{")) {
    size_t close = s.find('}');
    return close == s.size() - 1 && IsUnit(s.substr(s.find('{') + 1, close - s.find('{') - 1));
  }
  int words = 0;
  bool in_word = false;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ') {
      in_word = false;
      continue;
    }
    bool ok = std::isalpha(c) || c == '/' || c == '^' || c == '.' || c >= 0x80;  // ², ³, °, letters of any script
    if (!ok && !(IsDigit(static_cast<char>(c)) && i > 0 && s[i - 1] == '^')) return false;
    if (!in_word) ++words;
    in_word = true;
  }
  return words <= 2;
}

// Integer, decimal, fraction or percentage, with units and currency.
std::optional<Answer> Numeric(std::string_view s) {
  std::string_view t = TrimAsciiSpace(s);
  bool negative = false;
  if (StartsWith(t, "-") || StartsWith(t, "\xE2\x88\x92")) {  // '-' or U+2212
    negative = true;
    t.remove_prefix(t[0] == '-' ? 1 : 3);
  } else if (StartsWith(t, "+")) {
    t.remove_prefix(1);
  }
  for (std::string_view currency : {"\\$", "$", "\xE2\x82\xAC", "\xC2\xA3", "\xC2\xA5"}) {  // $ € £ ¥
    if (StartsWith(t, currency)) {
      t.remove_prefix(currency.size());
      break;
    }
  }
  t = TrimAsciiSpace(t);
  if (!negative && StartsWith(t, "-")) {  // "$-5"
    negative = true;
    t.remove_prefix(1);
  }
  // The number: digits, separators, one '.', optionally "/digits".
  size_t end = 0;
  while (end < t.size() && (IsDigit(t[end]) || t[end] == ',' || t[end] == '.' || t[end] == '\'' ||
                            (t[end] == ' ' && end + 1 < t.size() && IsDigit(t[end + 1]))))
    ++end;
  if (end == 0) {
    if (t.size() > 1 && t[0] == '.' && IsDigit(t[1])) {  // ".5"
    } else {
      return {};
    }
  }
  while (end > 0 && (t[end - 1] == ',' || t[end - 1] == '.' || t[end - 1] == ' ')) --end;  // "42." "42,"
  std::string_view number = t.substr(0, end);
  if (number.empty() && t[0] == '.') {
    end = 1;
    while (end < t.size() && IsDigit(t[end])) ++end;
    number = t.substr(0, end);
  }
  std::string_view rest = TrimAsciiSpace(t.substr(end));
  Answer a;
  std::string value;
  size_t dot = number.find('.');
  if (number.find('.', dot == std::string_view::npos ? 0 : dot + 1) != std::string_view::npos &&
      dot != std::string_view::npos)
    return {};  // two dots: a version or a date
  std::string_view whole = dot == std::string_view::npos ? number : number.substr(0, dot);
  std::string_view frac = dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  std::optional<std::string> digits = whole.empty() ? std::optional<std::string>("0") : GroupedDigits(whole);
  if (!digits || frac.find_first_not_of("0123456789") != std::string_view::npos) return {};
  if (dot != std::string_view::npos && frac.empty()) return {};
  value = StripZeros(*digits);
  a.type = "integer";
  if (!frac.empty()) {
    std::string f(frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    if (!f.empty()) value += "." + f;
    a.type = "decimal";
  }
  // A fraction: "3/4".
  if (StartsWith(rest, "/") && a.type == "integer") {
    std::string_view d = TrimAsciiSpace(rest.substr(1));
    size_t e = 0;
    while (e < d.size() && IsDigit(d[e])) ++e;
    if (e == 0 || StripZeros(std::string(d.substr(0, e))) == "0") return {};
    value += "/" + StripZeros(std::string(d.substr(0, e)));
    rest = TrimAsciiSpace(d.substr(e));
    a.type = "fraction";
  }
  // Percent.
  for (std::string_view pct : {"\\%", "%", "percent", "per cent"}) {
    if (StartsWith(rest, pct)) {
      rest = TrimAsciiSpace(rest.substr(pct.size()));
      if (a.type == "fraction") return {};
      a.type = "percentage";
      break;
    }
  }
  if (!IsUnit(rest)) return {};
  // A letter written against the number is a variable ("2x", "3n^2"),
  // unless it is a unit symbol ("5m", "3s", "2L").
  const bool attached_letter =
      end < t.size() && IsAsciiAlpha(t[end]) && (end + 1 == t.size() || !IsAsciiAlpha(t[end + 1]));
  if (attached_letter && std::string_view("mgslLhKAVWJNT").find(t[end]) == std::string_view::npos) return {};
  if (negative && value != "0") value.insert(0, "-");
  a.ok = true;
  a.ground_truth = value;
  return a;
}

// \frac{3}{4} with digits only: a fraction.
std::optional<Answer> LatexFraction(std::string_view s) {
  bool negative = StartsWith(s, "-");
  if (negative) s = TrimAsciiSpace(s.substr(1));
  for (std::string_view cmd : {"\\frac", "\\dfrac", "\\tfrac"}) {
    if (!StartsWith(s, cmd)) continue;
    std::string_view r = s.substr(cmd.size());
    if (r.size() < 5 || r[0] != '{') return {};
    size_t c1 = r.find('}');
    if (c1 == std::string_view::npos || c1 + 1 >= r.size() || r[c1 + 1] != '{' || r.back() != '}') return {};
    std::string_view n = TrimAsciiSpace(r.substr(1, c1 - 1)), d = TrimAsciiSpace(r.substr(c1 + 2, r.size() - c1 - 3));
    auto all_digits = [](std::string_view x) {
      return !x.empty() && std::all_of(x.begin(), x.end(), [](char c) { return IsDigit(c); });
    };
    if (!all_digits(n) || !all_digits(d) || StripZeros(std::string(d)) == "0") return {};
    Answer a;
    a.ok = true;
    a.type = "fraction";
    a.ground_truth = (negative ? "-" : "") + StripZeros(std::string(n)) + "/" + StripZeros(std::string(d));
    return a;
  }
  return {};
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsAsciiSpace(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
    } else {
      out += c;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

Answer Reject(const char* reason) {
  Answer a;
  a.reason = reason;
  return a;
}

}  // namespace

Answer ClassifyAnswer(std::string_view text, int max_words) {
  if (text.size() > kMaxAnswerBytes) return Reject("answer_too_long");
  // Control characters (a backspace overstrike, a stray escape): no ground
  // truth a model could write.
  for (char c : text)
    if ((static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
      return Reject("answer_not_verifiable");
  std::string spaced = NormaliseSpaces(text);
  bool math = false;
  std::string_view s = Peel(spaced, &math);
  if (s.empty()) return Reject("answer_empty");
  std::string lower = AsciiLowercase(s);
  if (lower == "yes" || lower == "no" || lower == "true" || lower == "false") {
    Answer a;
    a.ok = true;
    a.type = "yes_no";
    a.ground_truth = lower;
    return a;
  }
  if (auto n = Numeric(s)) return *n;
  // Digits and separators that are no number we can read ("1,5": a decimal
  // comma or a list? "3/0", "1.2.3"): not a ground truth to trust.
  if (s.find_first_not_of("0123456789.,' /+-") == std::string_view::npos) return Reject("answer_not_verifiable");
  if (auto f = LatexFraction(s)) return *f;
  // LaTeX: delimited, or written with LaTeX's characters, and parses.
  bool latexy = math || s.find_first_of("\\^_{}") != std::string_view::npos;
  if (!latexy) {
    // A bare expression ("2x+3", "x = 5"): digits and an operator, no words.
    bool has_digit = std::any_of(s.begin(), s.end(), [](char c) { return IsDigit(c); });
    bool has_op = s.find_first_of("+-*/=") != std::string_view::npos;
    bool no_words = true;
    for (size_t i = 0; i + 1 < s.size(); ++i)
      if (std::isalpha(static_cast<unsigned char>(s[i])) && std::isalpha(static_cast<unsigned char>(s[i + 1])))
        no_words = false;
    // Or a coefficient against its variables ("2x", "3ab"): one token.
    bool product = IsDigit(s.front()) && s.find(' ') == std::string_view::npos &&
                   std::any_of(s.begin(), s.end(), [](char c) { return IsAsciiAlpha(c); });
    latexy = has_digit && (has_op || product) && no_words;
  }
  if (latexy) {
    if (!ParsesAsLatex(s)) return Reject("answer_not_verifiable");
    Answer a;
    a.ok = true;
    a.type = "latex";
    a.ground_truth = CollapseSpaces(s);
    return a;
  }
  // A short phrase: one line, no sentence inside, at most max_words words.
  if (s.find('\n') != std::string_view::npos || s.size() > 120) return Reject("answer_not_verifiable");
  for (std::string_view stop : {"? ", "! ", "; ", ": ", "\xE3\x80\x82"})
    if (s.find(stop) != std::string_view::npos) return Reject("answer_not_verifiable");
  // ". " ends a sentence unless it closes an abbreviation ("St. George's",
  // "Mt. Everest", "Dr. Watson"): a capital and at most two more letters.
  for (size_t at = s.find(". "); at != std::string_view::npos; at = s.find(". ", at + 1)) {
    size_t w = at;
    while (w > 0 && IsAsciiAlpha(s[w - 1])) --w;
    const size_t len = at - w;
    if (!(len >= 1 && len <= 3 && s[w] >= 'A' && s[w] <= 'Z')) return Reject("answer_not_verifiable");
  }
  if (s.back() == '?') return Reject("answer_not_verifiable");
  std::string phrase = CollapseSpaces(s);
  int words = phrase.empty() ? 0 : 1 + static_cast<int>(std::count(phrase.begin(), phrase.end(), ' '));
  bool has_alnum = std::any_of(phrase.begin(), phrase.end(),
                               [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || (c & 0x80); });
  if (!has_alnum || words > max_words) return Reject("answer_not_verifiable");
  Answer a;
  a.ok = true;
  a.type = "phrase";
  a.ground_truth = phrase;
  return a;
}

}  // namespace crawlproof::prompts

// ParsesAsLatex (answer.h): a recursive-descent check of LaTeX math.
#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "common/ascii.h"
#include "prompts/answer.h"

namespace crawlproof::prompts {
namespace {

constexpr std::string_view kConstants[] = {
    "pi",    "infty", "alpha",    "beta",     "gamma", "delta",  "epsilon", "varepsilon", "zeta",
    "eta",   "theta", "vartheta", "iota",     "kappa", "lambda", "mu",      "nu",         "xi",
    "rho",   "sigma", "tau",      "upsilon",  "phi",   "varphi", "chi",     "psi",        "omega",
    "Gamma", "Delta", "Theta",    "Lambda",   "Xi",    "Pi",     "Sigma",   "Phi",        "Psi",
    "Omega", "circ",  "%",        "emptyset", "ldots", "cdots",  "dots",    "e",          "i"};
constexpr std::string_view kFunctions[] = {"sin",    "cos",  "tan",  "cot",  "sec", "csc", "arcsin", "arccos",
                                           "arctan", "sinh", "cosh", "tanh", "log", "ln",  "lg",     "exp",
                                           "det",    "gcd",  "lcm",  "max",  "min", "deg"};
constexpr std::string_view kOperators[] = {"cdot",  "times", "div", "pm",  "mp", "le",      "leq",
                                           "ge",    "geq",   "ne",  "neq", "lt", "gt",      "approx",
                                           "equiv", "cup",   "cap", "to",  "in", "setminus"};
constexpr std::string_view kTextCommands[] = {"text", "mathrm", "textbf", "mathbf", "mbox", "operatorname"};
constexpr std::string_view kSpacing[] = {",", ";", ":", "!", " ", "quad", "qquad", "displaystyle"};

bool In(std::string_view word, const std::string_view* begin, const std::string_view* end) {
  return std::find(begin, end, word) != end;
}

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Whole() {
    if (!Expr()) return false;
    Skip();
    return i_ == s_.size();
  }

 private:
  void Skip() {
    while (i_ < s_.size()) {
      if (IsAsciiSpace(s_[i_])) {
        ++i_;
        continue;
      }
      // Spacing commands: "\,", "\quad", …
      if (s_[i_] == '\\') {
        size_t save = i_;
        std::string_view name = Command();
        if (!name.empty() && In(name, std::begin(kSpacing), std::end(kSpacing))) continue;
        i_ = save;
      }
      break;
    }
  }
  // The command name at i_ (after '\'), consumed; "" when none.
  std::string_view Command() {
    if (i_ >= s_.size() || s_[i_] != '\\') return {};
    size_t start = ++i_;
    while (i_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[i_]))) ++i_;
    if (i_ == start && i_ < s_.size()) ++i_;  // one-character commands: "\%", "\,", "\{"
    return s_.substr(start, i_ - start);
  }
  // The delimiter after \left or \right: a character or a command ("\{").
  bool Delimiter() {
    Skip();
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '\\') {
      Command();
    } else {
      ++i_;
    }
    return true;
  }
  bool Peek(char c) {
    Skip();
    return i_ < s_.size() && s_[i_] == c;
  }
  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++i_;
    return true;
  }
  // A binary operator at i_, consumed.
  bool BinaryOperator() {
    Skip();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (std::string_view("+-*/=<>,").find(c) != std::string_view::npos) {
      ++i_;
      return true;
    }
    if (c != '\\') return false;
    size_t save = i_;
    if (In(Command(), std::begin(kOperators), std::end(kOperators))) return true;
    i_ = save;
    return false;
  }
  bool Expr() {
    if (++depth_ > 64) return false;
    Skip();
    if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;
    bool ok = Term();
    while (ok && BinaryOperator()) {
      Skip();
      if (i_ < s_.size() && (s_[i_] == '-' || s_[i_] == '+')) ++i_;  // "1, -2", "x = -3"
      ok = Term();
    }
    --depth_;
    return ok;
  }
  // Implicit multiplication: factors side by side ("2\sqrt{3}", "2x").
  bool Term() {
    if (!Factor()) return false;
    while (true) {
      size_t save = i_;
      Skip();
      if (i_ >= s_.size() || std::string_view("+-*/=<>,)]}|").find(s_[i_]) != std::string_view::npos) break;
      if (s_[i_] == '\\') {
        std::string_view name = Command();
        i_ = save;
        Skip();
        if (In(name, std::begin(kOperators), std::end(kOperators)) || name == "right" || name == "}") break;
      }
      if (!Factor()) {
        i_ = save;
        return false;
      }
    }
    return true;
  }
  bool Factor() {
    if (!Atom()) return false;
    while (true) {
      if (Eat('^') || Eat('_')) {
        if (!Script()) return false;
      } else if (Eat('!') || Eat('\'')) {
      } else {
        return true;
      }
    }
  }
  // After ^ or _: one character, a command or a group.
  bool Script() {
    Skip();
    if (i_ >= s_.size()) return false;
    if (s_[i_] == '{') return Group('{', '}');
    if (s_[i_] == '\\') return Atom();
    if (std::isalnum(static_cast<unsigned char>(s_[i_]))) {
      ++i_;
      return true;
    }
    return false;
  }
  bool Group(char open, char close) {
    if (!Eat(open)) return false;
    if (!Expr()) return false;
    return Eat(close);
  }
  bool Atom() {
    Skip();
    if (i_ >= s_.size()) return false;
    char c = s_[i_];
    if (std::isdigit(static_cast<unsigned char>(c)) ||
        (c == '.' && i_ + 1 < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_ + 1])))) {
      while (i_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[i_])) || s_[i_] == '.')) ++i_;
      return true;
    }
    if (std::isalpha(static_cast<unsigned char>(c))) {
      ++i_;
      return true;
    }
    if (c == '{') return Group('{', '}');
    if (c == '(' || c == '[') {
      // Intervals may be half open: "(0, 1]", "[0, 1)".
      ++i_;
      if (!Expr()) return false;
      return Eat(')') || Eat(']');
    }
    if (c == '|') {
      ++i_;
      if (!Expr()) return false;
      return Eat('|');
    }
    if (c != '\\') return false;
    std::string_view name = Command();
    if (name == "{") {  // \{ … \}: a set
      if (!Expr()) return false;
      Skip();
      return Command() == "}";
    }
    if (name == "frac" || name == "dfrac" || name == "tfrac" || name == "binom")
      return Group('{', '}') && Group('{', '}');
    if (name == "sqrt") {
      if (Peek('[') && !Group('[', ']')) return false;
      return Group('{', '}');
    }
    if (name == "left") {
      // \left( … \right), \left[ … \right], \left| … \right|, \left\{ … \right\}
      if (!Delimiter() || !Expr()) return false;
      Skip();
      return Command() == "right" && Delimiter();
    }
    if (In(name, std::begin(kTextCommands), std::end(kTextCommands))) {
      // \text{cm}: any text without braces inside.
      if (!Eat('{')) return false;
      while (i_ < s_.size() && s_[i_] != '}' && s_[i_] != '{') ++i_;
      return Eat('}');
    }
    if (In(name, std::begin(kConstants), std::end(kConstants))) return true;
    if (In(name, std::begin(kFunctions), std::end(kFunctions))) {
      // \sin x, \log_2 8, \sin^2 x
      while (Eat('^') || Eat('_'))
        if (!Script()) return false;
      return Factor();
    }
    return false;
  }

  std::string_view s_;
  size_t i_ = 0;
  int depth_ = 0;
};

}  // namespace

bool ParsesAsLatex(std::string_view s) {
  if (s.empty() || s.size() > 400) return false;
  return Parser(s).Whole();
}

}  // namespace crawlproof::prompts

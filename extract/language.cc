#include "extract/language.h"

#include <cld2/public/compact_lang_det.h>
#include <cld2/public/encodings.h>

#include <algorithm>
#include <cstdio>  // compact_lang_det.h needs FILE
#include <set>

namespace crawlproof::extract {
namespace {

using Spans = std::span<const std::pair<size_t, size_t>>;

// Below this many bytes of language-carrying text CLD2 gets the plain text.
constexpr size_t kMinSample = 64;
// Windows a long text is sampled in.
constexpr size_t kWindows = 8;

bool IsAsciiUpper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool IsAsciiLetter(char c) {
  return (c >= 'a' && c <= 'z') || IsAsciiUpper(c);
}

// Punctuation that may wrap a word: ("word"), word, word; ¿word?
bool IsWrapping(char c) {
  return c == '(' || c == ')' || c == '[' || c == ']' || c == '"' || c == '\'' || c == ',' || c == '.' || c == ';' ||
         c == ':' || c == '!' || c == '?';
}

// Whether a whitespace-separated token carries language: not a number, URL,
// address, path, file name, option, identifier or operator.
bool CarriesLanguage(std::string_view t) {
  while (!t.empty() && IsWrapping(t.front())) t.remove_prefix(1);
  while (!t.empty() && IsWrapping(t.back())) t.remove_suffix(1);
  if (t.empty() || t.front() == '-') return false;
  size_t upper = 0, letters = 0;
  for (char c : t) {
    if (c >= '0' && c <= '9') return false;
    switch (c) {
      case '/':
      case '\\':
      case '@':
      case '_':
      case '=':
      case '<':
      case '>':
      case '{':
      case '}':
      case '[':
      case ']':
      case '|':
      case '$':
      case '#':
      case '*':
      case '~':
      case '^':
      case '`':
      case '+':
      case '%':
      case '&':
      case ';':
      case '(':
      case ')':
      case '"':
      case '.':
      case ':': return false;
      default: break;
    }
    if (IsAsciiLetter(c)) {
      ++letters;
      upper += IsAsciiUpper(c);
    }
  }
  // ALL-CAPS ASCII: acronyms and constants (HTML, NULL, EOF), in any language.
  return !(letters >= 2 && upper == letters && letters == t.size());
}

bool IsWide(unsigned char c) {
  return c >= 0xE0;
}  // lead byte of U+0800 and up: CJK, Thai, Indic, …

// Appends the language-carrying words of `chunk`'s lines to `out`, one line
// per line; a line keeping less than half of its words is dropped (code). Runs
// of characters from U+0800 up are split from ASCII runs first: scripts
// written without spaces hold whole clauses in one "word" ("包括gcc、g++、make").
void AppendCleanLines(std::string_view chunk, size_t max_bytes, std::string* out) {
  std::string line;
  size_t at = 0;
  auto keep = [&](std::string_view piece, size_t* kept) {
    if (!CarriesLanguage(piece)) return;
    ++*kept;
    if (!line.empty()) line.push_back(' ');
    line.append(piece);
  };
  while (at < chunk.size() && out->size() < max_bytes) {
    size_t nl = chunk.find('\n', at);
    if (nl == std::string_view::npos) nl = chunk.size();
    std::string_view l = chunk.substr(at, nl - at);
    at = nl + 1;
    line.clear();
    size_t total = 0, kept = 0;
    for (size_t i = 0; i < l.size();) {
      while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
      size_t j = i;
      bool wide = false;
      while (j < l.size() && l[j] != ' ' && l[j] != '\t') wide |= IsWide(static_cast<unsigned char>(l[j++]));
      if (j == i) break;
      std::string_view token = l.substr(i, j - i);
      if (!wide) {
        ++total;
        keep(token, &kept);
      } else {
        // Wide runs carry language; the narrow runs between them are judged
        // as words of their own.
        size_t k = 0;
        while (k < token.size()) {
          size_t r = k;
          const bool run_wide = IsWide(static_cast<unsigned char>(token[k]));
          while (r < token.size()) {
            unsigned char c = static_cast<unsigned char>(token[r]);
            if (c < 0x80 || c >= 0xC0) {  // a character's first byte
              if (IsWide(c) != run_wide) break;
            }
            ++r;
          }
          std::string_view piece = token.substr(k, r - k);
          ++total;
          if (run_wide) {
            ++kept;
            if (!line.empty() && k == 0) line.push_back(' ');
            line.append(piece);
          } else {
            keep(piece, &kept);
          }
          k = r;
        }
      }
      i = j;
    }
    if (kept == 0 || kept * 2 < total) continue;
    out->append(line);
    out->push_back('\n');
  }
}

// `text[begin, end)` moved inwards to whole lines when a line boundary is near
// (else to word boundaries), so a window does not start or end mid-word.
std::string_view Window(std::string_view text, size_t begin, size_t end) {
  auto forward = [&](size_t p) {
    if (p == 0 || p >= end) return p;
    size_t nl = text.find('\n', p - 1);
    if (nl != std::string_view::npos && nl < end && nl - p < 512) return nl + 1;
    while (p < end && text[p - 1] != ' ' && text[p - 1] != '\n') ++p;
    return p;
  };
  auto backward = [&](size_t p) {
    if (p >= text.size()) return text.size();
    while (p > begin && text[p] != ' ' && text[p] != '\n') --p;
    return p;
  };
  size_t b = forward(begin), e = backward(end);
  return b < e ? text.substr(b, e - b) : std::string_view();
}

// The prose of `text`: the ranges between the code spans.
std::vector<std::pair<size_t, size_t>> Prose(std::string_view text, Spans code) {
  std::vector<std::pair<size_t, size_t>> prose;
  size_t at = 0;
  for (const auto& [b, e] : code) {
    if (b > at) prose.emplace_back(at, std::min(b, text.size()));
    at = std::max(at, std::min(e, text.size()));
  }
  if (at < text.size()) prose.emplace_back(at, text.size());
  return prose;
}

// Primary language subtags of a Content-Language value and an html lang
// attribute ("de-DE, en" -> "de,en"), for CLD2's content-language hint.
std::string HintList(const LanguageHints& hints) {
  std::string out;
  for (std::string_view v : {hints.content_language, hints.html_lang}) {
    while (!v.empty()) {
      size_t comma = v.find(',');
      std::string_view tag = v.substr(0, comma);
      v = comma == std::string_view::npos ? std::string_view() : v.substr(comma + 1);
      while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
      tag = tag.substr(0, tag.find_first_of("-_ ;\t"));
      if (tag.empty() || tag.size() > 3 || !std::all_of(tag.begin(), tag.end(), IsAsciiLetter)) continue;
      if (!out.empty()) out.push_back(',');
      for (char c : tag) out.push_back(static_cast<char>(IsAsciiUpper(c) ? c + 32 : c));
    }
  }
  return out;
}

// The longest prefix of `s` of at most `max` bytes that ends on a character
// boundary.
std::string_view Utf8Prefix(std::string_view s, size_t max) {
  if (s.size() <= max) return s;
  while (max > 0 && (static_cast<unsigned char>(s[max]) & 0xC0) == 0x80) --max;
  return s.substr(0, max);
}

bool Identified(CLD2::Language l) {
  return l != CLD2::UNKNOWN_LANGUAGE && l != CLD2::TG_UNKNOWN_LANGUAGE;
}

}  // namespace

std::string LanguageSample(std::string_view text, size_t max_bytes, Spans code_spans) {
  const auto prose = Prose(text, code_spans);
  size_t total = 0;
  for (const auto& [b, e] : prose) total += e - b;
  std::string sample;
  sample.reserve(max_bytes + 256);
  if (total <= 2 * max_bytes) {
    for (const auto& [b, e] : prose) AppendCleanLines(text.substr(b, e - b), max_bytes, &sample);
  } else {
    // kWindows windows at evenly spaced places of the prose, each given an
    // equal share of the budget (cleaning keeps about half of raw bytes).
    const size_t window = 2 * max_bytes / kWindows;
    size_t seg = 0, seg_start = 0;  // prose coordinate of prose[seg].first
    for (size_t k = 0; k < kWindows; ++k) {
      size_t want = k * total / kWindows;
      while (seg < prose.size() && seg_start + (prose[seg].second - prose[seg].first) <= want) {
        seg_start += prose[seg].second - prose[seg].first;
        ++seg;
      }
      if (seg == prose.size()) break;
      const size_t begin = prose[seg].first + (want - seg_start);
      const size_t end = std::min(prose[seg].second, begin + window);
      AppendCleanLines(Window(text, begin, end), std::min(max_bytes, (k + 1) * max_bytes / kWindows), &sample);
    }
  }
  sample.resize(Utf8Prefix(sample, max_bytes).size());
  return sample;
}

LanguageGuess IdentifyLanguage(std::string_view text, const LanguageOptions& options, const LanguageHints& hints,
                               Spans code_spans) {
  LanguageGuess g;
  std::string sample = LanguageSample(text, options.sample_bytes, code_spans);
  if (sample.size() < kMinSample)  // all code, or nearly no text: CLD2 on the plain text
    sample.assign(Utf8Prefix(text, options.sample_bytes));
  g.sample_bytes = sample.size();
  if (sample.empty()) return g;
  const std::string hint_list = HintList(hints);
  CLD2::Language lang3[3];
  int percent3[3];
  double normalized3[3];
  int text_bytes = 0;
  bool reliable = false;
  CLD2::CLDHints cld_hints = {hint_list.empty() ? nullptr : hint_list.c_str(), nullptr, CLD2::UNKNOWN_ENCODING,
                              CLD2::UNKNOWN_LANGUAGE};
  CLD2::Language top = CLD2::ExtDetectLanguageSummary(sample.data(), static_cast<int>(sample.size()), true, &cld_hints,
                                                      0, lang3, percent3, normalized3, nullptr, &text_bytes, &reliable);
  g.reliable = reliable;
  if (!Identified(top)) return g;
  // The languages by their share of the identified bytes. CLD2's summary
  // prefers another language over English up to a point (web pages carry
  // English boilerplate); the sample has no boilerplate or code left, so the
  // largest share decides.
  int identified = 0;
  for (int k = 0; k < 3; ++k) identified += Identified(lang3[k]) ? percent3[k] : 0;
  if (identified == 0) return g;
  int first = -1, second = -1;
  for (int k = 0; k < 3; ++k) {
    if (!Identified(lang3[k])) continue;
    if (first < 0 || percent3[k] > percent3[first] || (percent3[k] == percent3[first] && lang3[k] == top)) {
      second = first;
      first = k;
    } else if (second < 0 || percent3[k] > percent3[second]) {
      second = k;
    }
  }
  const double confidence = reliable ? 1.0 : 0.5;  // CLD2: too little text, or two languages too close
  g.detected = CLD2::LanguageCode(lang3[first]);
  g.score = confidence * percent3[first] / identified;
  if (g.score >= options.min_score) g.code = g.detected;
  const double second_share = second < 0 ? 0 : confidence * percent3[second] / identified;
  if (second >= 0 && second_share >= options.min_second_share && g.code != "und") {
    g.second = CLD2::LanguageCode(lang3[second]);
    g.second_share = second_share;
  }
  return g;
}

const std::vector<std::string>& KnownLanguageCodes() {
  static const std::vector<std::string> codes = [] {
    std::set<std::string> set;
    for (int i = 0; i < CLD2::NUM_LANGUAGES; ++i) {
      auto l = static_cast<CLD2::Language>(i);
      if (!Identified(l) || CLD2::LanguageRecognizedScript(l, 0) == CLD2::ULScript_Common) continue;
      set.insert(CLD2::LanguageCode(l));
    }
    return std::vector<std::string>(set.begin(), set.end());
  }();
  return codes;
}

}  // namespace crawlproof::extract

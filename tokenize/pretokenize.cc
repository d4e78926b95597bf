// GCC 12 reports a false -Wrestrict on "literal" + std::string (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "tokenize/pretokenize.h"

#include <uninorm.h>

#include <algorithm>
#include <cstdlib>

#include "common/regex.h"
#include "common/unicode.h"

namespace crawlproof::tokenize {

// The reference implementations' \s is Unicode White_Space; PCRE2's (with
// UCP) leaves out U+0085, which real web text has (windows-1252 "…" read as
// Latin-1). \s and \S are spelled out; inside a class \s is inlined (\S in a
// class keeps PCRE2's meaning).
std::string TranslatePattern(std::string_view p) {
  constexpr std::string_view kSpace =
      R"(\t-\r\x20\x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000})";
  std::string out;
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      char n = p[++i];
      if (n == 's') {
        out += in_class ? std::string(kSpace) : "[" + std::string(kSpace) + "]";
      } else if (n == 'S' && !in_class) {
        out += "[^" + std::string(kSpace) + "]";
      } else {
        out += c;
        out += n;
      }
      continue;
    }
    if (!in_class && c == '[') {
      in_class = true;
      out += c;
      // A ']' right after '[' or '[^' is a member, not the end.
      if (i + 1 < p.size() && p[i + 1] == '^') out += p[++i];
      if (i + 1 < p.size() && p[i + 1] == ']') out += p[++i];
      continue;
    }
    if (in_class && c == ']') in_class = false;
    out += c;
  }
  return out;
}

std::string QuoteLiteral(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}-/").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

// ---- normalizers -----------------------------------------------------------

namespace {

class UnicodeForm : public Normalizer {
 public:
  explicit UnicodeForm(uninorm_t form) : form_(form) {}
  void Apply(std::string* text) const override {
    size_t length = 0;
    uint8_t* r = u8_normalize(form_, reinterpret_cast<const uint8_t*>(text->data()), text->size(), nullptr, &length);
    if (!r) return;  // invalid UTF-8: left as it is
    text->assign(reinterpret_cast<const char*>(r), length);
    std::free(r);
  }

 private:
  uninorm_t form_;
};

class Lowercase : public Normalizer {
 public:
  void Apply(std::string* text) const override { *text = EncodeUtf8(Lower(DecodeUtf8(*text))); }
};

class Replace : public Normalizer {
 public:
  Replace(std::unique_ptr<Regex> re, std::string content) : re_(std::move(re)), content_(std::move(content)) {}
  void Apply(std::string* text) const override {
    std::string out;
    size_t from = 0, copied = 0, b = 0, e = 0;
    while (from <= text->size() && re_->Find(*text, from, &b, &e)) {
      out.append(*text, copied, b - copied);
      out += content_;
      copied = e;
      from = e > b ? e : e + 1;
    }
    if (copied == 0 && out.empty()) return;
    out.append(*text, copied, std::string::npos);
    *text = std::move(out);
  }

 private:
  std::unique_ptr<Regex> re_;
  std::string content_;
};

class Prepend : public Normalizer {
 public:
  explicit Prepend(std::string p) : p_(std::move(p)) {}
  void Apply(std::string* text) const override {
    if (!text->empty()) text->insert(0, p_);
  }

 private:
  std::string p_;
};

class Strip : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void Apply(std::string* text) const override {
    std::u32string u = DecodeUtf8(*text);
    size_t b = 0, e = u.size();
    while (left_ && b < e && IsSpace(u[b])) ++b;
    while (right_ && e > b && IsSpace(u[e - 1])) --e;
    if (b != 0 || e != u.size()) *text = EncodeUtf8(std::u32string_view(u).substr(b, e - b));
  }

 private:
  bool left_, right_;
};

}  // namespace

// ---- pre-tokenizers --------------------------------------------------------

namespace {

// Hugging Face's Split: the regex's matches and the text between them,
// combined as `behavior` says; `invert` swaps what counts as the match.
class RegexSplit : public PreTokenizer {
 public:
  RegexSplit(std::unique_ptr<Regex> re, SplitBehavior behavior, bool invert)
      : re_(std::move(re)), behavior_(behavior), invert_(invert) {}

  void Split(const std::vector<std::string_view>& in, std::vector<std::string_view>* out,
             std::deque<std::string>*) const override {
    struct Segment {
      size_t begin, end;
      bool match;
    };
    thread_local std::vector<Segment> segs, merged;
    for (std::string_view piece : in) {
      segs.clear();
      size_t prev = 0, from = 0, b = 0, e = 0;
      while (from <= piece.size() && re_->Find(piece, from, &b, &e)) {
        if (prev != b) segs.push_back({prev, b, invert_});
        segs.push_back({b, e, !invert_});
        prev = e;
        if (e > b) {
          from = e;
        } else {  // empty match: go on after the next character
          from = e + 1;
          while (from < piece.size() && (static_cast<uint8_t>(piece[from]) & 0xC0) == 0x80) ++from;
        }
      }
      if (prev != piece.size()) segs.push_back({prev, piece.size(), invert_});
      const std::vector<Segment>* result = &segs;
      switch (behavior_) {
        case SplitBehavior::kIsolated: break;
        case SplitBehavior::kRemoved:
          merged.clear();
          for (const Segment& s : segs)
            if (!s.match) merged.push_back(s);
          result = &merged;
          break;
        case SplitBehavior::kMergedWithPrevious: {
          merged.clear();
          bool previous_match = false;
          for (const Segment& s : segs) {
            if (s.match && !previous_match && !merged.empty()) {
              merged.back().end = s.end;
            } else {
              merged.push_back(s);
            }
            previous_match = s.match;
          }
          result = &merged;
          break;
        }
        case SplitBehavior::kMergedWithNext: {
          merged.clear();
          bool previous_match = false;
          for (size_t i = segs.size(); i-- > 0;) {
            const Segment& s = segs[i];
            if (s.match && !previous_match && !merged.empty()) {
              merged.back().begin = s.begin;
            } else {
              merged.push_back(s);
            }
            previous_match = s.match;
          }
          std::reverse(merged.begin(), merged.end());
          result = &merged;
          break;
        }
        case SplitBehavior::kContiguous: {
          merged.clear();
          bool previous_match = false;
          for (const Segment& s : segs) {
            if (s.match == previous_match && !merged.empty()) {
              merged.back().end = s.end;
            } else {
              merged.push_back(s);
            }
            previous_match = s.match;
          }
          result = &merged;
          break;
        }
      }
      for (const Segment& s : *result)
        if (s.end > s.begin) out->push_back(piece.substr(s.begin, s.end - s.begin));
    }
  }

 private:
  std::unique_ptr<Regex> re_;
  SplitBehavior behavior_;
  bool invert_;
};

// GPT-2's split, used by the ByteLevel pre-tokenizer when use_regex is set.
constexpr std::string_view kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

// Hugging Face's ByteLevel pre-tokenizer. The byte-to-character mapping
// itself is not needed: the model works on raw bytes.
class ByteLevel : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, std::unique_ptr<RegexSplit> split)
      : add_prefix_space_(add_prefix_space), split_(std::move(split)) {}
  void Split(const std::vector<std::string_view>& in, std::vector<std::string_view>* out,
             std::deque<std::string>* arena) const override {
    const std::vector<std::string_view>* pieces = &in;
    thread_local std::vector<std::string_view> prefixed;
    if (add_prefix_space_) {
      prefixed.clear();
      for (std::string_view p : in) {
        if (!p.empty() && p[0] != ' ') {
          arena->push_back(" " + std::string(p));
          prefixed.push_back(arena->back());
        } else {
          prefixed.push_back(p);
        }
      }
      pieces = &prefixed;
    }
    if (split_) {
      split_->Split(*pieces, out, arena);
    } else {
      out->insert(out->end(), pieces->begin(), pieces->end());
    }
  }

 private:
  bool add_prefix_space_;
  std::unique_ptr<RegexSplit> split_;
};

}  // namespace

Result<std::unique_ptr<PreTokenizer>> MakeRegexSplit(std::string_view pattern, SplitBehavior behavior, bool invert) {
  ASSIGN_OR_RETURN(std::unique_ptr<Regex> re, Regex::Compile(TranslatePattern(pattern)));
  return std::unique_ptr<PreTokenizer>(std::make_unique<RegexSplit>(std::move(re), behavior, invert));
}

Result<std::unique_ptr<PreTokenizer>> MakeByteLevel(bool add_prefix_space, bool use_regex) {
  std::unique_ptr<RegexSplit> split;
  if (use_regex) {
    ASSIGN_OR_RETURN(std::unique_ptr<Regex> re, Regex::Compile(TranslatePattern(kGpt2Pattern)));
    split = std::make_unique<RegexSplit>(std::move(re), SplitBehavior::kIsolated, false);
  }
  return std::unique_ptr<PreTokenizer>(std::make_unique<ByteLevel>(add_prefix_space, std::move(split)));
}

Result<std::unique_ptr<PreTokenizer>> MakeDigits(bool individual) {
  return MakeRegexSplit(individual ? R"(\p{N})" : R"(\p{N}+)", SplitBehavior::kIsolated, false);
}

std::unique_ptr<Normalizer> MakeUnicodeForm(NormalForm form) {
  return std::make_unique<UnicodeForm>(form == NormalForm::kNfc    ? UNINORM_NFC
                                       : form == NormalForm::kNfd  ? UNINORM_NFD
                                       : form == NormalForm::kNfkc ? UNINORM_NFKC
                                                                   : UNINORM_NFKD);
}

std::unique_ptr<Normalizer> MakeLowercase() {
  return std::make_unique<Lowercase>();
}

Result<std::unique_ptr<Normalizer>> MakeReplace(std::string_view pattern, std::string content) {
  ASSIGN_OR_RETURN(std::unique_ptr<Regex> re, Regex::Compile(TranslatePattern(pattern)));
  return std::unique_ptr<Normalizer>(std::make_unique<Replace>(std::move(re), std::move(content)));
}

std::unique_ptr<Normalizer> MakePrepend(std::string prefix) {
  return std::make_unique<Prepend>(std::move(prefix));
}

std::unique_ptr<Normalizer> MakeStrip(bool left, bool right) {
  return std::make_unique<Strip>(left, right);
}

}  // namespace crawlproof::tokenize

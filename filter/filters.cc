#include "filter/filters.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/unicode.h"
#include "filter/words.h"

namespace crawlproof::filter {
namespace {

using U32 = std::u32string;
using U32View = std::u32string_view;

void Drop(Decision* d, std::string_view filter, std::string_view check) {
  d->keep = false;
  d->reason = std::string(filter) + ":" + std::string(check);
}

// Two 64-bit hashes of a code point sequence: equal strings, equal keys.
struct Key {
  uint64_t a, b;
  bool operator==(const Key& o) const { return a == o.a && b == o.b; }
};
struct KeyHash {
  size_t operator()(const Key& k) const { return k.a ^ (k.b * 0x9E3779B97F4A7C15ull); }
};
class KeyBuilder {
 public:
  void Add(U32View s) {
    for (char32_t c : s) {
      a_ = (a_ ^ c) * 0x100000001B3ull;
      b_ = (b_ + c + 1) * 0xC2B2AE3D27D4EB4Full;
      b_ ^= b_ >> 29;
    }
  }
  Key key(size_t length) const { return {a_ ^ length, b_}; }

 private:
  uint64_t a_ = 0xCBF29CE484222325ull, b_ = 0x165667B19E3779F9ull;
};
Key KeyOf(U32View s) {
  KeyBuilder k;
  k.Add(s);
  return k.key(s.size());
}

// An open-addressing set of keys (no allocation per insert).
class KeySet {
 public:
  explicit KeySet(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.assign(cap, Key{0, 0});
    used_.assign(cap, 0);
    mask_ = cap - 1;
  }
  // True when `k` was not in the set.
  bool Insert(const Key& k) {
    size_t i = KeyHash()(k) & mask_;
    while (used_[i]) {
      if (slots_[i] == k) return false;
      i = (i + 1) & mask_;
    }
    used_[i] = 1;
    slots_[i] = k;
    return true;
  }

 private:
  std::vector<Key> slots_;
  std::vector<char> used_;
  size_t mask_;
};

// Open-addressing counts of keys, remembering where each was first seen.
class KeyCounts {
 public:
  explicit KeyCounts(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap <<= 1;
    slots_.resize(cap);
    mask_ = cap - 1;
  }
  struct Slot {
    Key key{0, 0};
    uint32_t count = 0;  // 0: empty
    uint32_t first = 0;
  };
  // Counts one more `k` (first seen at `index`); returns its slot.
  const Slot& Add(const Key& k, uint32_t index) {
    size_t i = KeyHash()(k) & mask_;
    while (slots_[i].count != 0 && !(slots_[i].key == k)) i = (i + 1) & mask_;
    Slot& s = slots_[i];
    if (s.count == 0) {
      s.key = k;
      s.first = index;
    }
    ++s.count;
    return s;
  }

 private:
  std::vector<Slot> slots_;
  size_t mask_;
};

// Hashes of every substring of the words' concatenation (no separators), in
// O(1) each: what "".join(words[i:i+n]) compares by.
class ConcatHashes {
 public:
  explicit ConcatHashes(const std::vector<U32View>& words) {
    size_t total = 0;
    for (auto w : words) total += w.size();
    h1_.reserve(total + 1);
    h2_.reserve(total + 1);
    p1_.reserve(total + 1);
    p2_.reserve(total + 1);
    h1_.push_back(0);
    h2_.push_back(0);
    p1_.push_back(1);
    p2_.push_back(1);
    starts_.reserve(words.size() + 1);
    for (auto w : words) {
      starts_.push_back(h1_.size() - 1);
      for (char32_t c : w) {
        h1_.push_back(h1_.back() * kB1 + c + 1);
        h2_.push_back(h2_.back() * kB2 + (c ^ 0x5bd1e995u) + 7);
        p1_.push_back(p1_.back() * kB1);
        p2_.push_back(p2_.back() * kB2);
      }
    }
    starts_.push_back(h1_.size() - 1);
  }
  // Key and length of words [i, i + n) joined without separators.
  Key Of(size_t i, size_t n, size_t* length) const {
    size_t a = starts_[i], b = starts_[i + n];
    *length = b - a;
    return {(h1_[b] - h1_[a] * p1_[b - a]) ^ (b - a), h2_[b] - h2_[a] * p2_[b - a]};
  }

 private:
  static constexpr uint64_t kB1 = 0x100000001B3ull, kB2 = 0x9E3779B97F4A7C15ull | 1;
  std::vector<uint64_t> h1_, h2_, p1_, p2_;
  std::vector<size_t> starts_;
};

// find_duplicates: (elements seen before, their characters).
std::pair<size_t, size_t> FindDuplicates(const std::vector<U32View>& items) {
  KeySet seen(items.size());
  size_t dup = 0, chars = 0;
  for (U32View s : items) {
    if (!seen.Insert(KeyOf(s))) {
      ++dup;
      chars += s.size();
    }
  }
  return {dup, chars};
}

// Splits at runs of '\n' of at least `min_run` (1: lines as re.split("\n+"),
// 2: paragraphs as re.split("\n{2,}")).
std::vector<U32View> SplitNewlines(U32View text, size_t min_run) {
  std::vector<U32View> out;
  size_t start = 0, i = 0;
  while (i < text.size()) {
    if (text[i] != '\n') {
      ++i;
      continue;
    }
    size_t run = i;
    while (run < text.size() && text[run] == '\n') ++run;
    if (run - i >= min_run) {
      out.push_back(text.substr(start, i - start));
      start = run;
    }
    i = run;
  }
  out.push_back(text.substr(start));
  return out;
}

// Python's str.splitlines().
std::vector<U32View> SplitLines(U32View text) {
  std::vector<U32View> out;
  size_t start = 0, i = 0;
  auto is_break = [](char32_t c) {
    return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || c == 0x1C || c == 0x1D || c == 0x1E || c == 0x85 ||
           c == 0x2028 || c == 0x2029;
  };
  while (i < text.size()) {
    if (!is_break(text[i])) {
      ++i;
      continue;
    }
    out.push_back(text.substr(start, i - start));
    if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
    ++i;
    start = i;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

// Python's str.count (non-overlapping).
size_t Count(U32View text, U32View needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != U32View::npos; p = text.find(needle, p + needle.size())) ++n;
  return n;
}

bool StartsWith(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(0, p.size()) == p;
}
bool EndsWith(U32View s, U32View p) {
  return s.size() >= p.size() && s.substr(s.size() - p.size()) == p;
}

U32View LStrip(U32View s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}
U32View RStrip(U32View s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

bool NoSpaceLanguage(std::string_view lang) {
  // CLD2 codes of languages written without spaces between words.
  return lang == "zh" || lang == "zh-Hant" || lang == "ja" || lang == "th" || lang == "lo" || lang == "km" ||
         lang == "my" || lang == "bo";
}

// ---- language -------------------------------------------------------------

class LanguageFilter : public Filter {
 public:
  explicit LanguageFilter(LanguageOptions o) : o_(std::move(o)) {}
  std::string_view name() const override { return "language"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    if (!o_.languages.empty() && std::find(o_.languages.begin(), o_.languages.end(), doc->lang) == o_.languages.end()) {
      Drop(d, name(), "not_allowed");
    } else if (!(doc->lang_score > o_.min_score)) {
      Drop(d, name(), "low_score");
    }
  }

 private:
  LanguageOptions o_;
};

// ---- url ------------------------------------------------------------------

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
  return out;
}

bool IsAsciiAlnum(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// normalize(): drop everything but [A-Za-z0-9], lower case.
std::string NormalizeWord(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (IsAsciiAlnum(c)) out += c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
  }
  return out;
}

class UrlFilter : public Filter {
 public:
  explicit UrlFilter(const UrlOptions& o) : soft_threshold_(o.soft_word_threshold) {
    for (const auto& s : o.block_domains) {
      std::string_view t = TrimDots(s);
      if (!t.empty()) domains_.insert(LowerAscii(t));
    }
    for (const auto& s : o.block_urls) urls_.insert(s);
    for (const auto& s : o.banned_words) AddNonEmpty(&banned_, NormalizeWord(s));
    for (const auto& s : o.soft_banned_words) AddNonEmpty(&soft_, NormalizeWord(s));
    for (const auto& s : o.banned_subwords) {
      std::string w = NormalizeWord(s);
      if (!w.empty()) subwords_.push_back(std::move(w));
    }
  }
  std::string_view name() const override { return "url"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const std::string& url = doc->url;
    if (!domains_.empty()) {
      std::string host = LowerAscii(Host(url));
      // The host itself, then each parent domain.
      for (std::string_view h = host; !h.empty();) {
        if (domains_.count(std::string(h))) {
          Drop(d, name(), h.size() == host.size() ? "domain" : "subdomain");
          return;
        }
        size_t dot = h.find('.');
        if (dot == std::string_view::npos) break;
        h.remove_prefix(dot + 1);
      }
    }
    if (urls_.count(url)) return Drop(d, name(), "url");
    if (!banned_.empty() || !soft_.empty()) {
      std::unordered_set<std::string> words;
      size_t i = 0;
      while (i < url.size()) {
        while (i < url.size() && !IsAsciiAlnum(url[i])) ++i;
        size_t s = i;
        while (i < url.size() && IsAsciiAlnum(url[i])) ++i;
        if (i > s) words.insert(url.substr(s, i - s));
      }
      for (const auto& w : words) {
        if (banned_.count(w)) return Drop(d, name(), "banned_word");
      }
      int soft = 0;
      for (const auto& w : soft_) soft += words.count(w) ? 1 : 0;
      if (soft >= soft_threshold_) return Drop(d, name(), "soft_banned_words");
    }
    if (!subwords_.empty()) {
      std::string norm = NormalizeWord(url);
      for (const auto& w : subwords_) {
        if (norm.find(w) != std::string::npos) return Drop(d, name(), "banned_subword");
      }
    }
  }

 private:
  static std::string_view TrimDots(std::string_view s) {
    while (!s.empty() && (s.front() == '.' || s.front() == ' ')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '.' || s.back() == ' ' || s.back() == '\r')) s.remove_suffix(1);
    return s;
  }
  static void AddNonEmpty(std::unordered_set<std::string>* set, std::string w) {
    if (!w.empty()) set->insert(std::move(w));
  }
  static std::string_view Host(std::string_view url) {
    size_t p = url.find("://");
    std::string_view rest = p == std::string_view::npos ? url : url.substr(p + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (!rest.empty() && rest.front() == '[') return rest.substr(0, rest.find(']') + 1);
    return rest.substr(0, rest.find(':'));
  }
  std::unordered_set<std::string> domains_, urls_, banned_, soft_;
  std::vector<std::string> subwords_;
  int soft_threshold_;
};

// ---- gopher repetition ------------------------------------------------------

class GopherRepetitionFilter : public Filter {
 public:
  explicit GopherRepetitionFilter(GopherRepetitionOptions o) : o_(std::move(o)) {}
  std::string_view name() const override { return "gopher_repetition"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const U32& text = doc->Text32();
    if (text.empty()) return Drop(d, name(), "empty");
    double len = static_cast<double>(text.size());
    auto paragraphs = SplitNewlines(Strip(text), 2);
    auto [para_dup, para_chars] = FindDuplicates(paragraphs);
    if (o_.dup_para_frac > 0 && static_cast<double>(para_dup) / paragraphs.size() > o_.dup_para_frac)
      return Drop(d, name(), "dup_para_frac");
    if (o_.dup_para_char_frac > 0 && para_chars / len > o_.dup_para_char_frac)
      return Drop(d, name(), "dup_para_char_frac");
    auto lines = SplitNewlines(text, 1);
    auto [line_dup, line_chars] = FindDuplicates(lines);
    if (o_.dup_line_frac > 0 && static_cast<double>(line_dup) / lines.size() > o_.dup_line_frac)
      return Drop(d, name(), "dup_line_frac");
    if (o_.dup_line_char_frac > 0 && line_chars / len > o_.dup_line_char_frac)
      return Drop(d, name(), "dup_line_char_frac");
    if (NoSpaceLanguage(doc->lang)) {
      // Words here are single characters; n-gram repetition of characters is
      // normal text in these scripts, not boilerplate.
      d->skipped.push_back("gopher_repetition:n_grams:no spaces between words in " + doc->lang);
      return;
    }
    const auto& words = doc->Words();
    std::vector<Key> word_keys;
    word_keys.reserve(words.size());
    for (auto w : words) word_keys.push_back(KeyOf(w));
    for (auto [n, frac] : o_.top_n_grams) {
      if (words.size() < static_cast<size_t>(n) || n <= 0) continue;
      if (TopNGramChars(words, word_keys, static_cast<size_t>(n)) / len > frac)
        return Drop(d, name(), "top_" + std::to_string(n) + "_gram");
    }
    ConcatHashes concat(words);
    for (auto [n, frac] : o_.dup_n_grams) {
      if (n <= 0) continue;
      if (AllDuplicateChars(concat, words.size(), static_cast<size_t>(n)) / len > frac)
        return Drop(d, name(), "duplicated_" + std::to_string(n) + "_n_grams");
    }
  }

 private:
  // Characters of the most frequent n-gram (words joined by ' ') times its
  // count; ties go to the n-gram seen first.
  static double TopNGramChars(const std::vector<U32View>& w, const std::vector<Key>& word_keys, size_t n) {
    // Words hold no spaces, so " ".join(a) == " ".join(b) exactly when the
    // word sequences are equal: combine per-word keys.
    KeyCounts counts(w.size());
    size_t best_count = 0, best_first = 0, best_len = 0;
    for (size_t i = 0; i + n <= w.size(); ++i) {
      Key k{n, 0x51ED27ull};
      size_t chars = n - 1;
      for (size_t j = 0; j < n; ++j) {
        k.a = (k.a ^ word_keys[i + j].a) * 0x100000001B3ull;
        k.b = (k.b + word_keys[i + j].b) * 0xC2B2AE3D27D4EB4Full;
        chars += w[i + j].size();
      }
      const auto& e = counts.Add(k, static_cast<uint32_t>(i));
      if (e.count > best_count || (e.count == best_count && e.first < best_first)) {
        best_count = e.count;
        best_first = e.first;
        best_len = chars;
      }
    }
    return static_cast<double>(best_count * best_len);
  }

  // find_all_duplicate: n-grams joined without separator; a repeat skips n.
  static double AllDuplicateChars(const ConcatHashes& h, size_t words, size_t n) {
    KeySet seen(words);
    size_t repeated = 0, idx = 0;
    while (words >= n && idx < words - n + 1) {
      size_t chars = 0;
      Key k = h.Of(idx, n, &chars);
      if (!seen.Insert(k)) {
        repeated += chars;
        idx += n;
      } else {
        ++idx;
      }
    }
    return static_cast<double>(repeated);
  }

  GopherRepetitionOptions o_;
};

// ---- gopher quality ---------------------------------------------------------

class GopherQualityFilter : public Filter {
 public:
  explicit GopherQualityFilter(GopherQualityOptions o) : o_(std::move(o)) {
    for (const auto& [lang, list] : o_.stop_words) {
      auto& set = stop_[lang];
      for (const auto& w : list) set.insert(DecodeUtf8(w));
    }
  }
  std::string_view name() const override { return "gopher_quality"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const U32& text = doc->Text32();
    const auto& words = doc->Words();
    size_t n_words = words.size();
    size_t non_symbol = 0, non_symbol_chars = 0, alpha_words = 0;
    for (U32View w : words) {
      if (std::any_of(w.begin(), w.end(), [](char32_t c) { return !IsSymbol(c); })) {
        ++non_symbol;
        non_symbol_chars += w.size();
      }
      if (std::any_of(w.begin(), w.end(), IsAlpha)) ++alpha_words;
    }
    if (o_.min_doc_words > 0 && non_symbol < static_cast<size_t>(o_.min_doc_words)) return Drop(d, name(), "short_doc");
    if (o_.max_doc_words > 0 && non_symbol > static_cast<size_t>(o_.max_doc_words)) return Drop(d, name(), "long_doc");
    bool unspaced = NoSpaceLanguage(doc->lang);
    if (unspaced) {
      d->skipped.push_back("gopher_quality:mean_word_length:no spaces between words in " + doc->lang);
    } else if (non_symbol > 0) {
      double avg = static_cast<double>(non_symbol_chars) / non_symbol;
      if (o_.min_avg_word_length > 0 && avg < o_.min_avg_word_length) return Drop(d, name(), "mean_word_length");
      if (o_.max_avg_word_length > 0 && avg > o_.max_avg_word_length) return Drop(d, name(), "mean_word_length");
    }
    if (n_words == 0) return;
    double nw = static_cast<double>(n_words);
    if (o_.max_symbol_word_ratio > 0 && Count(text, U"#") / nw > o_.max_symbol_word_ratio)
      return Drop(d, name(), "hash_ratio");
    if (o_.max_symbol_word_ratio > 0 && (Count(text, U"...") + Count(text, U"…")) / nw > o_.max_symbol_word_ratio)
      return Drop(d, name(), "ellipsis_ratio");
    auto lines = SplitLines(text);
    if (!lines.empty()) {
      size_t bullets = 0, ellipsis = 0;
      for (U32View l : lines) {
        U32View ls = LStrip(l), rs = RStrip(l);
        bullets += StartsWith(ls, U"•") || StartsWith(ls, U"-");
        ellipsis += EndsWith(rs, U"...") || EndsWith(rs, U"…");
      }
      double nl = static_cast<double>(lines.size());
      if (o_.max_bullet_lines_ratio > 0 && bullets / nl > o_.max_bullet_lines_ratio)
        return Drop(d, name(), "bullet_lines");
      if (o_.max_ellipsis_lines_ratio > 0 && ellipsis / nl > o_.max_ellipsis_lines_ratio)
        return Drop(d, name(), "ellipsis_lines");
    }
    if (o_.min_alpha_words_ratio > 0 && alpha_words / nw < o_.min_alpha_words_ratio)
      return Drop(d, name(), "alpha_words");
    if (o_.min_stop_words > 0) {
      auto it = stop_.find(doc->lang == "und" ? "en" : doc->lang);
      if (it == stop_.end()) {
        d->skipped.push_back("gopher_quality:stop_words:no stop word list for " + doc->lang);
        return;
      }
      std::unordered_set<U32View> present;
      int found = 0;
      for (U32View w : words) {
        if (it->second.count(U32(w)) && present.insert(w).second) ++found;
        if (found >= o_.min_stop_words) break;
      }
      if (found < o_.min_stop_words) return Drop(d, name(), "stop_words");
    }
  }

 private:
  GopherQualityOptions o_;
  std::map<std::string, std::unordered_set<U32>> stop_;
};

// ---- c4 -------------------------------------------------------------------

constexpr U32View kPolicy[] = {U"terms of use", U"privacy policy", U"cookie policy",
                               U"uses cookies", U"use of cookies", U"use cookies"};

bool IsPunctToken(U32View t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](char32_t c) { return !IsWordChar(c) && !IsSpace(c); });
}

// Sentences in a line as spaCy's sentencizer counts them: a new sentence
// starts at a non-punctuation token after a sentence-final one.
size_t CountSentences(U32View line) {
  auto tokens = SplitWords(line);
  if (tokens.empty()) return 0;
  size_t sentences = 1;
  bool seen_period = false;
  for (U32View t : tokens) {
    bool terminal = t.size() == 1 && IsSentenceTerminal(t[0]);
    if (seen_period && !IsPunctToken(t) && !terminal) {
      ++sentences;
      seen_period = false;
    } else if (terminal) {
      seen_period = true;
    }
  }
  return sentences;
}

// Removes "[12]", "[]", "[edit]", "[citation needed]".
U32 RemoveCitations(U32View line) {
  U32 out;
  size_t i = 0;
  while (i < line.size()) {
    if (line[i] == '[') {
      size_t j = i + 1;
      while (j < line.size() && IsDecimal(line[j])) ++j;
      if (j < line.size() && line[j] == ']') {
        i = j + 1;
        continue;
      }
      U32View rest = line.substr(i);
      if (StartsWith(rest, U"[edit]")) {
        i += 6;
        continue;
      }
      if (StartsWith(rest, U"[citation needed]")) {
        i += 17;
        continue;
      }
    }
    out.push_back(line[i++]);
  }
  return out;
}

class C4Filter : public Filter {
 public:
  explicit C4Filter(C4Options o) : o_(o) {}
  std::string_view name() const override { return "c4"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const U32& text = doc->Text32();
    size_t sentences = 0;
    std::vector<U32> kept;
    std::map<std::string, uint64_t> removed;
    bool unspaced = NoSpaceLanguage(doc->lang);
    for (U32View raw : SplitLines(text)) {
      U32View line = Strip(raw);
      // words = line.split()
      size_t n_words = 0;
      bool long_word = false;
      for (size_t i = 0; i < line.size();) {
        while (i < line.size() && IsSpace(line[i])) ++i;
        size_t s = i;
        while (i < line.size() && !IsSpace(line[i])) ++i;
        if (i > s) {
          ++n_words;
          if (o_.max_word_length >= 0 && i - s > static_cast<size_t>(o_.max_word_length)) long_word = true;
        }
      }
      if (long_word) {
        ++removed["c4:line_too_long_word"];
        continue;
      }
      // Without spaces between words, count words as words.h splits them.
      if (unspaced) n_words = SplitWords(line).size();
      U32 cleaned = o_.remove_citations ? RemoveCitations(line) : U32(line);
      if (o_.filter_no_terminal_punct) {
        U32View c = cleaned;
        bool terminal = !c.empty() &&
                        (c.back() == '.' || c.back() == '?' || c.back() == '!' || c.back() == '"' || c.back() == '\'');
        if (!terminal || EndsWith(c, U"...")) {
          ++removed["c4:line_no_terminal_punct"];
          continue;
        }
      }
      if (o_.min_words_per_line >= 0 && n_words < static_cast<size_t>(o_.min_words_per_line)) {
        ++removed["c4:line_too_few_words"];
        continue;
      }
      U32 lower = Lower(cleaned);
      if (o_.filter_lorem_ipsum && lower.find(U"lorem ipsum") != U32::npos) return Drop(d, name(), "lorem_ipsum");
      if (o_.filter_javascript && lower.find(U"javascript") != U32::npos) {
        ++removed["c4:line_javascript"];
        continue;
      }
      if (o_.filter_curly_bracket && cleaned.find(U'{') != U32::npos) return Drop(d, name(), "curly_bracket");
      if (o_.filter_policy &&
          std::any_of(std::begin(kPolicy), std::end(kPolicy), [&](U32View p) { return lower.find(p) != U32::npos; })) {
        ++removed["c4:line_policy"];
        continue;
      }
      if (o_.min_num_sentences != -1) sentences += CountSentences(cleaned);
      kept.push_back(std::move(cleaned));
    }
    if (o_.min_num_sentences != -1 && sentences < static_cast<size_t>(o_.min_num_sentences))
      return Drop(d, name(), "too_few_sentences");
    U32 joined;
    for (size_t i = 0; i < kept.size(); ++i) {
      if (i) joined.push_back('\n');
      joined += kept[i];
    }
    std::string out = EncodeUtf8(Strip(joined));
    if (out != doc->text) {
      doc->text = std::move(out);
      doc->TextChanged();
      for (auto& [k, v] : removed) d->changes[k] += v;
      if (removed.empty()) d->changes["c4:citations_or_whitespace"] += 1;
    }
  }

 private:
  C4Options o_;
};

// ---- fineweb ----------------------------------------------------------------

class FineWebFilter : public Filter {
 public:
  explicit FineWebFilter(FineWebOptions o) : o_(o) {}
  std::string_view name() const override { return "fineweb"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    const U32& text = doc->Text32();
    std::vector<U32View> lines;
    for (U32View l : SplitNewlines(text, 0)) {
      if (!Strip(l).empty()) lines.push_back(l);
    }
    if (lines.empty()) return Drop(d, name(), "empty");
    double n = static_cast<double>(lines.size());
    size_t punct = 0, short_lines = 0;
    for (U32View l : lines) {
      punct += !l.empty() && IsSentenceTerminal(l.back());
      short_lines += l.size() <= static_cast<size_t>(o_.short_line_length);
    }
    double ratio = punct / n;
    if (ratio < o_.line_punct_thr && !(ratio == 0 && o_.line_punct_exclude_zero))
      return Drop(d, name(), "line_punct_ratio");
    if (short_lines / n > o_.short_line_thr) return Drop(d, name(), "short_line_ratio");
    size_t newlines = static_cast<size_t>(std::count(text.begin(), text.end(), U'\n'));
    size_t without_newlines = text.size() - newlines;
    double dup_chars = static_cast<double>(FindDuplicates(lines).second);
    if (without_newlines == 0 || dup_chars / without_newlines > o_.char_duplicates_ratio)
      return Drop(d, name(), "char_dup_ratio");
    const auto& words = doc->Words();
    if (words.empty() || static_cast<double>(newlines) / words.size() > o_.new_line_ratio)
      return Drop(d, name(), "list_ratio");
  }

 private:
  FineWebOptions o_;
};

}  // namespace

std::unique_ptr<Filter> MakeLanguageFilter(LanguageOptions o) {
  return std::make_unique<LanguageFilter>(std::move(o));
}
std::unique_ptr<Filter> MakeUrlFilter(const UrlOptions& o) {
  return std::make_unique<UrlFilter>(o);
}
std::unique_ptr<Filter> MakeGopherRepetitionFilter(GopherRepetitionOptions o) {
  return std::make_unique<GopherRepetitionFilter>(std::move(o));
}
std::unique_ptr<Filter> MakeGopherQualityFilter(GopherQualityOptions o) {
  return std::make_unique<GopherQualityFilter>(std::move(o));
}
std::unique_ptr<Filter> MakeC4Filter(C4Options o) {
  return std::make_unique<C4Filter>(o);
}
std::unique_ptr<Filter> MakeFineWebFilter(FineWebOptions o) {
  return std::make_unique<FineWebFilter>(o);
}

const std::u32string& FilterDocument::Text32() {
  if (!have_text32_) {
    text32_ = DecodeUtf8(text);
    have_text32_ = true;
    have_words_ = false;
  }
  return text32_;
}

const std::vector<std::u32string_view>& FilterDocument::Words() {
  if (!have_words_) {
    const std::u32string& t = Text32();
    words_ = SplitWords(t);
    have_words_ = true;
  }
  return words_;
}

Decision FilterPipeline::Run(FilterDocument* doc) {
  Decision d;
  for (auto& f : filters_) {
    f->Apply(doc, &d);
    if (!d.keep) break;
  }
  return d;
}

}  // namespace crawlproof::filter

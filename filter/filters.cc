#include "filter/filters.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/ascii.h"
#include "common/unicode.h"
#include "filter/text_util.h"
#include "filter/words.h"

namespace crawlproof::filter {
namespace {

using namespace detail;

// ---- language -------------------------------------------------------------

class LanguageFilter : public Filter {
 public:
  explicit LanguageFilter(LanguageOptions o) : o_(std::move(o)) {}
  std::string_view name() const override { return "language"; }
  void Apply(FilterDocument* doc, Decision* d) override {
    if (!Allowed(doc->lang)) {
      Drop(d, name(), "not_allowed");
      return;
    }
    // A mixed page's second language counts when it is allowed too: with
    // languages = [] a German page with English paragraphs is all language.
    double share = doc->lang_score;
    if (!doc->lang2.empty() && Allowed(doc->lang2)) share += doc->lang2_share;
    if (!(share > o_.min_score)) Drop(d, name(), "low_score", share, o_.min_score);
  }

 private:
  bool Allowed(const std::string& lang) const {
    return o_.languages.empty() || std::find(o_.languages.begin(), o_.languages.end(), lang) != o_.languages.end();
  }
  LanguageOptions o_;
};

// ---- url ------------------------------------------------------------------

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
      if (!t.empty()) domains_.insert(AsciiLowercase(t));
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
      std::string host = AsciiLowercase(Host(url));
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
      if (soft >= soft_threshold_) return Drop(d, name(), "soft_banned_words", soft, soft_threshold_);
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
    if (o_.min_doc_words > 0 && non_symbol < static_cast<size_t>(o_.min_doc_words))
      return Drop(d, name(), "short_doc", static_cast<double>(non_symbol), o_.min_doc_words);
    if (o_.max_doc_words > 0 && non_symbol > static_cast<size_t>(o_.max_doc_words))
      return Drop(d, name(), "long_doc", static_cast<double>(non_symbol), o_.max_doc_words);
    if (NoSpaceLanguage(doc->lang) && !doc->segmented()) {
      d->skipped.push_back("gopher_quality:mean_word_length:no spaces between words in " + doc->lang);
    } else if (non_symbol > 0) {
      double avg = static_cast<double>(non_symbol_chars) / non_symbol;
      if (o_.min_avg_word_length > 0 && avg < o_.min_avg_word_length)
        return Drop(d, name(), "mean_word_length", avg, o_.min_avg_word_length);
      if (o_.max_avg_word_length > 0 && avg > o_.max_avg_word_length)
        return Drop(d, name(), "mean_word_length", avg, o_.max_avg_word_length);
    }
    if (n_words == 0) return;
    double nw = static_cast<double>(n_words);
    if (o_.max_symbol_word_ratio > 0 && Count(text, U"#") / nw > o_.max_symbol_word_ratio)
      return Drop(d, name(), "hash_ratio", Count(text, U"#") / nw, o_.max_symbol_word_ratio);
    if (o_.max_symbol_word_ratio > 0) {
      const double ellipses = (Count(text, U"...") + Count(text, U"…")) / nw;
      if (ellipses > o_.max_symbol_word_ratio)
        return Drop(d, name(), "ellipsis_ratio", ellipses, o_.max_symbol_word_ratio);
    }
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
        return Drop(d, name(), "bullet_lines", bullets / nl, o_.max_bullet_lines_ratio);
      if (o_.max_ellipsis_lines_ratio > 0 && ellipsis / nl > o_.max_ellipsis_lines_ratio)
        return Drop(d, name(), "ellipsis_lines", ellipsis / nl, o_.max_ellipsis_lines_ratio);
    }
    if (o_.min_alpha_words_ratio > 0 && alpha_words / nw < o_.min_alpha_words_ratio)
      return Drop(d, name(), "alpha_words", alpha_words / nw, o_.min_alpha_words_ratio);
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
      if (found < o_.min_stop_words) return Drop(d, name(), "stop_words", found, o_.min_stop_words);
    }
  }

 private:
  GopherQualityOptions o_;
  std::map<std::string, std::unordered_set<U32>> stop_;
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
      return Drop(d, name(), "line_punct_ratio", ratio, o_.line_punct_thr);
    if (short_lines / n > o_.short_line_thr)
      return Drop(d, name(), "short_line_ratio", short_lines / n, o_.short_line_thr);
    size_t newlines = static_cast<size_t>(std::count(text.begin(), text.end(), U'\n'));
    size_t without_newlines = text.size() - newlines;
    double dup_chars = static_cast<double>(FindDuplicates(lines).second);
    if (without_newlines == 0) return Drop(d, name(), "char_dup_ratio");
    if (dup_chars / without_newlines > o_.char_duplicates_ratio)
      return Drop(d, name(), "char_dup_ratio", dup_chars / without_newlines, o_.char_duplicates_ratio);
    const auto& words = doc->Words();
    if (words.empty()) return Drop(d, name(), "list_ratio");
    if (static_cast<double>(newlines) / words.size() > o_.new_line_ratio)
      return Drop(d, name(), "list_ratio", static_cast<double>(newlines) / words.size(), o_.new_line_ratio);
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
std::unique_ptr<Filter> MakeGopherQualityFilter(GopherQualityOptions o) {
  return std::make_unique<GopherQualityFilter>(std::move(o));
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
    words_ = SplitWords(t, rules_);
    have_words_ = true;
  }
  return words_;
}

namespace {

// ---- per language -------------------------------------------------------------

class PerLanguageFilter : public Filter {
 public:
  PerLanguageFilter(std::unique_ptr<Filter> others, std::map<std::string, std::shared_ptr<Filter>> by_language,
                    std::string skip_why)
      : others_(std::move(others)), by_language_(std::move(by_language)), skip_why_(std::move(skip_why)) {}
  std::string_view name() const override { return others_->name(); }
  void Apply(FilterDocument* doc, Decision* d) override {
    auto it = by_language_.find(doc->lang);
    if (it == by_language_.end()) return others_->Apply(doc, d);
    if (it->second) return it->second->Apply(doc, d);
    d->skipped.push_back(std::string(name()) + ":all:" + skip_why_ + " " + doc->lang);
  }

 private:
  std::unique_ptr<Filter> others_;
  std::map<std::string, std::shared_ptr<Filter>> by_language_;
  std::string skip_why_;
};

}  // namespace

std::unique_ptr<Filter> MakePerLanguageFilter(std::unique_ptr<Filter> others,
                                              std::map<std::string, std::shared_ptr<Filter>> by_language,
                                              std::string skip_why) {
  return std::make_unique<PerLanguageFilter>(std::move(others), std::move(by_language), std::move(skip_why));
}

size_t FilterPipeline::RunFrom(FilterDocument* doc, Decision* d, size_t from) {
  auto rules = word_rules_.find(doc->lang);
  doc->UseWordRules(rules == word_rules_.end() ? WordRules{} : rules->second);
  for (size_t i = from; i < filters_.size() && d->keep; ++i) {
    if (filters_[i]->batch()) return i;
    filters_[i]->Apply(doc, d);
  }
  return filters_.size();
}

Result<Decision> FilterPipeline::Run(FilterDocument* doc) {
  Decision d;
  for (size_t next = RunFrom(doc, &d, 0); next < filters_.size() && d.keep; next = RunFrom(doc, &d, next + 1))
    RETURN_IF_ERROR(filters_[next]->batch()->Decide({{doc, &d}}));
  return d;
}

}  // namespace crawlproof::filter

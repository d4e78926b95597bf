// The Gopher repetition filter (filters.h).
#include <algorithm>
#include <unordered_map>

#include "filter/filters.h"
#include "filter/text_util.h"
#include "filter/words.h"

namespace crawlproof::filter {
namespace {

using namespace detail;

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
    if (const double f = static_cast<double>(para_dup) / paragraphs.size();
        o_.dup_para_frac > 0 && f > o_.dup_para_frac)
      return Drop(d, name(), "dup_para_frac", f, o_.dup_para_frac);
    if (o_.dup_para_char_frac > 0 && para_chars / len > o_.dup_para_char_frac)
      return Drop(d, name(), "dup_para_char_frac", para_chars / len, o_.dup_para_char_frac);
    auto lines = SplitNewlines(text, 1);
    auto [line_dup, line_chars] = FindDuplicates(lines);
    if (const double f = static_cast<double>(line_dup) / lines.size(); o_.dup_line_frac > 0 && f > o_.dup_line_frac)
      return Drop(d, name(), "dup_line_frac", f, o_.dup_line_frac);
    if (o_.dup_line_char_frac > 0 && line_chars / len > o_.dup_line_char_frac)
      return Drop(d, name(), "dup_line_char_frac", line_chars / len, o_.dup_line_char_frac);
    if (NoSpaceLanguage(doc->lang) && !doc->segmented()) {
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
      if (const double f = TopNGramChars(words, word_keys, static_cast<size_t>(n)) / len; f > frac)
        return Drop(d, name(), "top_" + std::to_string(n) + "_gram", f, frac);
    }
    ConcatHashes concat(words);
    for (auto [n, frac] : o_.dup_n_grams) {
      if (n <= 0) continue;
      if (const double f = AllDuplicateChars(concat, words.size(), static_cast<size_t>(n)) / len; f > frac)
        return Drop(d, name(), "duplicated_" + std::to_string(n) + "_n_grams", f, frac);
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

}  // namespace

std::unique_ptr<Filter> MakeGopherRepetitionFilter(GopherRepetitionOptions o) {
  return std::make_unique<GopherRepetitionFilter>(std::move(o));
}

}  // namespace crawlproof::filter

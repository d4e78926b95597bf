// The C4 quality filter, with the FineWeb recipe's settings (filters.h).
#include <algorithm>
#include <unordered_map>

#include "filter/filters.h"
#include "filter/text_util.h"
#include "filter/words.h"

namespace crawlproof::filter {
namespace {

using namespace detail;

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
          if (o_.max_word_length && i - s > *o_.max_word_length) long_word = true;
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
      if (o_.min_words_per_line && n_words < *o_.min_words_per_line) {
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
      if (o_.min_num_sentences) sentences += CountSentences(cleaned);
      kept.push_back(std::move(cleaned));
    }
    if (o_.min_num_sentences && sentences < *o_.min_num_sentences)
      return Drop(d, name(), "too_few_sentences", static_cast<double>(sentences), *o_.min_num_sentences);
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

}  // namespace

std::unique_ptr<Filter> MakeC4Filter(C4Options o) {
  return std::make_unique<C4Filter>(o);
}

}  // namespace crawlproof::filter

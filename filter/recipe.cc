#include "filter/recipe.h"

#include <toml++/toml.h>

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "common/toml_section.h"
#include "filter/text_util.h"

namespace crawlproof::embedded {
extern const std::string_view kFineWeb2Recipe;  // data/fineweb2/recipe.toml (cmake/embed_file.cmake)
}  // namespace crawlproof::embedded

namespace crawlproof::filter {
namespace {

std::vector<std::pair<int, double>> Pairs(const toml::node_view<const toml::node>& n) {
  std::vector<std::pair<int, double>> out;
  if (const toml::array* a = n.as_array()) {
    for (const auto& p : *a) {
      const toml::array* pair = p.as_array();
      if (pair && pair->size() == 2) out.emplace_back((*pair)[0].value_or(0), (*pair)[1].value_or(0.0));
    }
  }
  return out;
}

std::map<std::string, FineWeb2Language> Parse() {
  auto t = ParseToml(std::string(embedded::kFineWeb2Recipe), "data/fineweb2/recipe.toml");
  if (!t.ok()) {
    // The data is compiled in and checked by tests/filter/fineweb2_data_test.cc.
    std::cerr << "crawlproof: " << t.status().message() << "\n";
    std::abort();
  }
  std::map<std::string, FineWeb2Language> out;
  for (const auto& [code, node] : *t) {
    const toml::table* l = node.as_table();
    if (!l) continue;
    FineWeb2Language r;
    const toml::node_view<const toml::node> v(l);
    r.source = v["source"].value_or(std::string());
    r.language_score = v["language_score"].value_or(0.0);
    r.dup_line_frac = v["dup_line_frac"].value_or(0.0);
    r.top_n_grams = Pairs(v["top_n_grams"]);
    r.dup_n_grams = Pairs(v["dup_n_grams"]);
    r.line_punct_thr = v["line_punct_thr"].value_or(0.0);
    r.new_line_ratio = v["new_line_ratio"].value_or(0.0);
    r.min_avg_word_length = v["min_avg_word_length"].value_or(0.0);
    r.max_avg_word_length = v["max_avg_word_length"].value_or(0.0);
    r.min_alpha_words_ratio = v["max_non_alpha_words_ratio"].value_or(0.0);
    if (const toml::array* words = v["stopwords"].as_array())
      for (const auto& w : *words) r.stop_words.push_back(w.value_or(std::string()));
    out.emplace(std::string(code.str()), std::move(r));
  }
  return out;
}

}  // namespace

Result<Recipe> ParseRecipe(std::string_view name) {
  if (name == "auto") return Recipe::kAuto;
  if (name == "fineweb") return Recipe::kFineWeb;
  if (name == "fineweb-2") return Recipe::kFineWeb2;
  std::string why = "must be \"fineweb\", \"fineweb-2\" or \"auto\", not \"";
  why.append(name);
  why += '"';
  return Status::InvalidArgument(why);
}

const std::map<std::string, FineWeb2Language>& FineWeb2Languages() {
  static const std::map<std::string, FineWeb2Language> languages = Parse();
  return languages;
}

double CalibratedLanguageScore(double t) {
  t = std::min(std::max(t, 0.01), 0.99);
  const double clean = std::log(0.99 / 0.01);
  return 0.5 + std::log(t / (1 - t)) / (2 * clean);
}

bool SegmentedLanguage(std::string_view lang) {
  // The languages without spaces, less Tibetan (ICU has no dictionary for it).
  return detail::NoSpaceLanguage(lang) && lang != "bo";
}

GopherRepetitionOptions FineWeb2Repetition(const FineWeb2Language* rec) {
  GopherRepetitionOptions o;
  // Off in FineWeb-2: Trafilatura leaves few paragraphs, and the fineweb
  // step's char_duplicates_ratio does the duplicate-line characters.
  o.dup_para_frac = o.dup_line_char_frac = o.dup_para_char_frac = 0;
  if (rec) {
    o.dup_line_frac = rec->dup_line_frac;
    o.top_n_grams = rec->top_n_grams;
    o.dup_n_grams = rec->dup_n_grams;
  }
  return o;
}

FineWebOptions FineWeb2Quality(const FineWeb2Language* rec) {
  FineWebOptions o;
  o.short_line_thr = 999;         // off in FineWeb-2
  o.char_duplicates_ratio = 0.1;  // FineWeb: 0.01
  if (rec) {
    o.line_punct_thr = rec->line_punct_thr;  // -1: off
    o.new_line_ratio = rec->new_line_ratio;
  }
  return o;
}

GopherQualityOptions FineWeb2GopherQuality(const std::string& lang, const FineWeb2Language* rec) {
  GopherQualityOptions o;
  o.min_stop_words = 2;
  if (rec) {
    o.min_avg_word_length = rec->min_avg_word_length;
    o.max_avg_word_length = rec->max_avg_word_length;
    o.min_alpha_words_ratio = rec->min_alpha_words_ratio;
    o.stop_words = {{lang, rec->stop_words}};
  }
  return o;
}

}  // namespace crawlproof::filter

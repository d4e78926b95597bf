// LoadFilterPipeline: the [filter] section of a TOML config.
#include <toml++/toml.h>

#include <filesystem>
#include <optional>
#include <set>

#include "common/file_util.h"
#include "common/toml_section.h"
#include "filter/filters.h"

namespace crawlproof::filter {
namespace {

using Section = TomlSection;

}  // namespace

Result<FilterPipeline> LoadFilterPipeline(const std::string& config_path) {
  toml::table root;
  if (!config_path.empty()) {
    try {
      root = toml::parse_file(config_path);
    } catch (const toml::parse_error& e) {
      return Status::InvalidArgument(config_path + ": " + std::string(e.description()));
    }
  }
  const toml::table* f = root["filter"].as_table();
  auto section = [&](const char* name) {
    return Section(f ? (*f)[name].as_table() : nullptr, std::string("filter.") + name, config_path);
  };
  std::vector<std::string> steps(std::begin(kDefaultSteps), std::end(kDefaultSteps));
  Section top(f, "filter", config_path);
  RETURN_IF_ERROR(top.Get("steps", &steps));
  // [filter] languages = [...]: shorthand for [filter.language] languages.
  std::optional<std::vector<std::string>> languages;
  if (top.Node("languages")) {
    languages.emplace();
    RETURN_IF_ERROR(top.Get("languages", &*languages));
  }
  for (const char* sub : {"language", "url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"})
    top.Node(sub);
  RETURN_IF_ERROR(top.CheckUnknown());

  FilterPipeline p;
  for (const auto& step : steps) {
    if (step == "language") {
      LanguageOptions o;
      if (languages) o.languages = *languages;
      Section s = section("language");
      RETURN_IF_ERROR(s.Get("languages", &o.languages));
      RETURN_IF_ERROR(s.Get("min_score", &o.min_score));
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeLanguageFilter(o));
    } else if (step == "url") {
      UrlOptions o;
      Section s = section("url");
      RETURN_IF_ERROR(s.GetList("block_domains", &o.block_domains));
      RETURN_IF_ERROR(s.GetList("block_urls", &o.block_urls));
      RETURN_IF_ERROR(s.GetList("banned_words", &o.banned_words));
      RETURN_IF_ERROR(s.GetList("soft_banned_words", &o.soft_banned_words));
      RETURN_IF_ERROR(s.GetList("banned_subwords", &o.banned_subwords));
      RETURN_IF_ERROR(s.Get("soft_word_threshold", &o.soft_word_threshold));
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeUrlFilter(o));
    } else if (step == "gopher_repetition") {
      GopherRepetitionOptions o;
      Section s = section("gopher_repetition");
      RETURN_IF_ERROR(s.Get("dup_line_frac", &o.dup_line_frac));
      RETURN_IF_ERROR(s.Get("dup_para_frac", &o.dup_para_frac));
      RETURN_IF_ERROR(s.Get("dup_line_char_frac", &o.dup_line_char_frac));
      RETURN_IF_ERROR(s.Get("dup_para_char_frac", &o.dup_para_char_frac));
      RETURN_IF_ERROR(s.Get("top_n_grams", &o.top_n_grams));
      RETURN_IF_ERROR(s.Get("dup_n_grams", &o.dup_n_grams));
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeGopherRepetitionFilter(o));
    } else if (step == "gopher_quality") {
      GopherQualityOptions o;
      Section s = section("gopher_quality");
      RETURN_IF_ERROR(s.Get("min_doc_words", &o.min_doc_words));
      RETURN_IF_ERROR(s.Get("max_doc_words", &o.max_doc_words));
      RETURN_IF_ERROR(s.Get("min_avg_word_length", &o.min_avg_word_length));
      RETURN_IF_ERROR(s.Get("max_avg_word_length", &o.max_avg_word_length));
      RETURN_IF_ERROR(s.Get("max_symbol_word_ratio", &o.max_symbol_word_ratio));
      RETURN_IF_ERROR(s.Get("max_bullet_lines_ratio", &o.max_bullet_lines_ratio));
      RETURN_IF_ERROR(s.Get("max_ellipsis_lines_ratio", &o.max_ellipsis_lines_ratio));
      RETURN_IF_ERROR(s.Get("min_alpha_words_ratio", &o.min_alpha_words_ratio));
      RETURN_IF_ERROR(s.Get("min_stop_words", &o.min_stop_words));
      if (const toml::node* n = s.Node("stop_words")) {
        const toml::table* t = n->as_table();
        if (!t) return Status::InvalidArgument(config_path + ": filter.gopher_quality.stop_words must be a table");
        Section words(t, "filter.gopher_quality.stop_words", config_path);
        for (const auto& [lang, v] : *t) {
          std::string l(lang.str());
          RETURN_IF_ERROR(words.Get(l.c_str(), &o.stop_words[l]));
        }
      }
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeGopherQualityFilter(o));
    } else if (step == "c4") {
      C4Options o;
      Section s = section("c4");
      RETURN_IF_ERROR(s.Get("filter_no_terminal_punct", &o.filter_no_terminal_punct));
      RETURN_IF_ERROR(s.Get("min_num_sentences", &o.min_num_sentences));
      RETURN_IF_ERROR(s.Get("min_words_per_line", &o.min_words_per_line));
      RETURN_IF_ERROR(s.Get("max_word_length", &o.max_word_length));
      RETURN_IF_ERROR(s.Get("filter_lorem_ipsum", &o.filter_lorem_ipsum));
      RETURN_IF_ERROR(s.Get("filter_javascript", &o.filter_javascript));
      RETURN_IF_ERROR(s.Get("filter_curly_bracket", &o.filter_curly_bracket));
      RETURN_IF_ERROR(s.Get("filter_policy", &o.filter_policy));
      RETURN_IF_ERROR(s.Get("remove_citations", &o.remove_citations));
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeC4Filter(o));
    } else if (step == "fineweb") {
      FineWebOptions o;
      Section s = section("fineweb");
      RETURN_IF_ERROR(s.Get("line_punct_thr", &o.line_punct_thr));
      RETURN_IF_ERROR(s.Get("line_punct_exclude_zero", &o.line_punct_exclude_zero));
      RETURN_IF_ERROR(s.Get("short_line_thr", &o.short_line_thr));
      RETURN_IF_ERROR(s.Get("short_line_length", &o.short_line_length));
      RETURN_IF_ERROR(s.Get("char_duplicates_ratio", &o.char_duplicates_ratio));
      RETURN_IF_ERROR(s.Get("new_line_ratio", &o.new_line_ratio));
      RETURN_IF_ERROR(s.CheckUnknown());
      p.Add(MakeFineWebFilter(o));
    } else if (step == "pii") {
      PiiOptions o;
      Section s = section("pii");
      RETURN_IF_ERROR(s.Get("emails", &o.emails));
      RETURN_IF_ERROR(s.Get("ips", &o.ips));
      RETURN_IF_ERROR(s.Get("only_public_ips", &o.only_public_ips));
      RETURN_IF_ERROR(s.Get("email_replacements", &o.email_replacements));
      RETURN_IF_ERROR(s.Get("ip_replacements", &o.ip_replacements));
      RETURN_IF_ERROR(s.CheckUnknown());
      ASSIGN_OR_RETURN(auto pii, MakePiiFilter(o));
      p.Add(std::move(pii));
    } else {
      return Status::InvalidArgument((config_path.empty() ? std::string("filter") : config_path) + ": unknown step '" +
                                     step + "' in filter.steps");
    }
  }
  return p;
}

}  // namespace crawlproof::filter

// LoadFilterPipeline: the [filter] section of a TOML config.
#include <toml++/toml.h>

#include <filesystem>
#include <set>

#include "common/file_util.h"
#include "filter/filters.h"

namespace crawlproof::filter {
namespace {

class Section {
 public:
  Section(const toml::table* t, std::string path, std::string file) : t_(t), path_(std::move(path)), file_(file) {}

  Status Get(const char* key, double* v) { return GetNumber(key, v); }
  Status Get(const char* key, int* v) {
    double d = *v;
    RETURN_IF_ERROR(GetNumber(key, &d));
    if (d != static_cast<int>(d)) return Bad(key, "must be an integer");
    *v = static_cast<int>(d);
    return Status::Ok();
  }
  Status Get(const char* key, bool* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_boolean()) return Bad(key, "must be true or false");
    *v = n->as_boolean()->get();
    return Status::Ok();
  }
  Status Get(const char* key, std::vector<std::string>* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Bad(key, "must be an array of strings");
    v->clear();
    for (const auto& e : *a) {
      if (!e.is_string()) return Bad(key, "must be an array of strings");
      v->push_back(e.as_string()->get());
    }
    return Status::Ok();
  }
  Status Get(const char* key, std::vector<std::pair<int, double>>* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    const toml::array* a = n->as_array();
    if (!a) return Bad(key, "must be an array of [n, fraction] pairs");
    v->clear();
    for (const auto& e : *a) {
      const toml::array* p = e.as_array();
      if (!p || p->size() != 2 || !(*p)[0].is_integer() || !(*p)[1].is_number())
        return Bad(key, "must be an array of [n, fraction] pairs");
      v->emplace_back(static_cast<int>((*p)[0].as_integer()->get()), (*p)[1].value<double>().value_or(0));
    }
    return Status::Ok();
  }
  // A list given inline (`key`) and/or as a file of one entry per line
  // (`key_file`, relative to the config; '#' lines ignored).
  Status GetList(const std::string& key, std::vector<std::string>* v) {
    RETURN_IF_ERROR(Get(key.c_str(), v));
    std::string file_key = key + "_file";
    const toml::node* n = Node(file_key.c_str());
    if (!n) return Status::Ok();
    if (!n->is_string()) return Bad(file_key.c_str(), "must be a path");
    std::filesystem::path p = n->as_string()->get();
    if (p.is_relative()) p = std::filesystem::path(file_).parent_path() / p;
    auto text = ReadWholeFile(p.string());
    if (!text.ok()) return text.status().WithPrefix(file_ + ": " + path_ + "." + file_key);
    size_t start = 0;
    while (start < text->size()) {
      size_t nl = text->find('\n', start);
      if (nl == std::string::npos) nl = text->size();
      std::string line = text->substr(start, nl - start);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
      if (!line.empty() && line[0] != '#') v->push_back(line);
      start = nl + 1;
    }
    return Status::Ok();
  }
  const toml::node* Node(const char* key) {
    seen_.insert(key);
    return t_ ? t_->get(key) : nullptr;
  }
  // Unknown keys are errors (a misspelt threshold must not pass silently).
  Status CheckUnknown() {
    if (!t_) return Status::Ok();
    for (const auto& [k, v] : *t_) {
      if (!seen_.count(std::string(k.str()))) return Bad(std::string(k.str()).c_str(), "is not a known option");
    }
    return Status::Ok();
  }
  const toml::table* table() const { return t_; }

 private:
  Status GetNumber(const char* key, double* v) {
    const toml::node* n = Node(key);
    if (!n) return Status::Ok();
    if (!n->is_number()) return Bad(key, "must be a number");
    *v = n->value<double>().value_or(*v);
    return Status::Ok();
  }
  Status Bad(const char* key, const char* why) {
    return Status::InvalidArgument(file_ + ": " + path_ + "." + key + " " + why);
  }
  const toml::table* t_;
  std::string path_, file_;
  std::set<std::string> seen_;
};

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
  for (const char* sub : {"language", "url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "pii"})
    top.Node(sub);
  RETURN_IF_ERROR(top.CheckUnknown());

  FilterPipeline p;
  for (const auto& step : steps) {
    if (step == "language") {
      LanguageOptions o;
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

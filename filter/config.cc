// LoadFilterPipeline: the [filter] section of a TOML config.
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "common/file_util.h"
#include "common/toml_section.h"
#include "extract/language.h"
#include "filter/classifier.h"
#include "filter/decontaminate.h"
#include "filter/filters.h"
#include "filter/recipe.h"

namespace crawlproof::filter {
namespace {

using Section = TomlSection;
constexpr uint64_t kMaxConfigBytes = 16 << 20;
constexpr int kMaxWords = 100000000;

// Every code must be one CLD2 can answer (or "und"): a misspelt code would
// silently drop every document. With a language model ([extract]
// language_model) the model's codes count too: a label as
// extract::LanguageCodeOfLabel keeps it ("xmf", "nds_Latn").
bool ModelCodeShape(const std::string& c) {
  const size_t us = c.find('_');
  const std::string lang = c.substr(0, us);
  if (lang.size() < 2 || lang.size() > 3 || lang.find_first_not_of("abcdefghijklmnopqrstuvwxyz") != std::string::npos)
    return false;
  if (us == std::string::npos) return true;
  const std::string script = c.substr(us + 1);
  return script.size() == 4 && std::isupper(static_cast<unsigned char>(script[0])) &&
         script.find_first_not_of("abcdefghijklmnopqrstuvwxyz", 1) == std::string::npos;
}

Status CheckLanguageCodes(const std::vector<std::string>& codes, const Section& where, bool language_model) {
  const auto& known = extract::KnownLanguageCodes();
  for (const auto& c : codes) {
    if (c == "und" || std::binary_search(known.begin(), known.end(), c)) continue;
    if (language_model && ModelCodeShape(c)) continue;
    std::string list;
    for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
    return where.Bad("languages", "has \"" + c + "\", not a language code crawlproof can identify; the codes are: " +
                                      list + " (and und)");
  }
  return Status::Ok();
}

// Each step's keys, read over options that hold a recipe's values: a key
// the file sets applies to every language.
Status ReadLanguage(Section& s, LanguageOptions* o) {
  return s.Get("min_score", &o->min_score, 0.0, 1.0);
}

Status ReadRepetition(Section& s, GopherRepetitionOptions* o) {
  RETURN_IF_ERROR(s.Get("dup_line_frac", &o->dup_line_frac, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("dup_para_frac", &o->dup_para_frac, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("dup_line_char_frac", &o->dup_line_char_frac, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("dup_para_char_frac", &o->dup_para_char_frac, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("top_n_grams", &o->top_n_grams));
  return s.Get("dup_n_grams", &o->dup_n_grams);
}

Status ReadGopherQuality(Section& s, GopherQualityOptions* o) {
  RETURN_IF_ERROR(s.Get("min_doc_words", &o->min_doc_words, 0, kMaxWords));
  RETURN_IF_ERROR(s.Get("max_doc_words", &o->max_doc_words, 0, kMaxWords));
  RETURN_IF_ERROR(s.Get("min_avg_word_length", &o->min_avg_word_length, 0.0, 1000.0));
  RETURN_IF_ERROR(s.Get("max_avg_word_length", &o->max_avg_word_length, 0.0, 1000.0));
  RETURN_IF_ERROR(s.Get("max_symbol_word_ratio", &o->max_symbol_word_ratio, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("max_bullet_lines_ratio", &o->max_bullet_lines_ratio, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("max_ellipsis_lines_ratio", &o->max_ellipsis_lines_ratio, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("min_alpha_words_ratio", &o->min_alpha_words_ratio, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("min_stop_words", &o->min_stop_words, 0, kMaxWords));
  if (const toml::node* n = s.Node("stop_words")) {
    const toml::table* t = n->as_table();
    if (!t) return s.Bad("stop_words", std::string("must be a table of lists, one per language"));
    Section words(t, "filter.gopher_quality.stop_words", s.path());
    for (const auto& [lang, v] : *t) {
      std::string l(lang.str());
      RETURN_IF_ERROR(words.Get(l.c_str(), &o->stop_words[l]));
    }
  }
  return Status::Ok();
}

Status ReadC4(Section& s, C4Options* o) {
  RETURN_IF_ERROR(s.Get("filter_no_terminal_punct", &o->filter_no_terminal_punct));
  RETURN_IF_ERROR(s.GetCountOrOff("min_num_sentences", &o->min_num_sentences, kMaxWords));
  RETURN_IF_ERROR(s.GetCountOrOff("min_words_per_line", &o->min_words_per_line, kMaxWords));
  RETURN_IF_ERROR(s.GetCountOrOff("max_word_length", &o->max_word_length, kMaxWords));
  RETURN_IF_ERROR(s.Get("filter_lorem_ipsum", &o->filter_lorem_ipsum));
  RETURN_IF_ERROR(s.Get("filter_javascript", &o->filter_javascript));
  RETURN_IF_ERROR(s.Get("filter_curly_bracket", &o->filter_curly_bracket));
  RETURN_IF_ERROR(s.Get("filter_policy", &o->filter_policy));
  return s.Get("remove_citations", &o->remove_citations);
}

Status ReadFineWeb(Section& s, FineWebOptions* o) {
  RETURN_IF_ERROR(s.Get("line_punct_thr", &o->line_punct_thr, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("line_punct_exclude_zero", &o->line_punct_exclude_zero));
  RETURN_IF_ERROR(s.Get("short_line_thr", &o->short_line_thr, 0.0, 1.0));
  RETURN_IF_ERROR(s.Get("short_line_length", &o->short_line_length, 0, kMaxWords));
  RETURN_IF_ERROR(s.Get("char_duplicates_ratio", &o->char_duplicates_ratio, 0.0, 1.0));
  return s.Get("new_line_ratio", &o->new_line_ratio, 0.0, 1.0);
}

// The languages under FineWeb-2's settings, with their tables (null: English
// under recipe = "fineweb-2", which FineWeb-2 published no table for).
using FineWeb2Set = std::map<std::string, const FineWeb2Language*>;

FineWeb2Set FineWeb2Covered(Recipe recipe) {
  FineWeb2Set out;
  if (recipe == Recipe::kFineWeb) return out;
  for (const auto& [code, rec] : FineWeb2Languages()) out[code] = &rec;
  if (recipe == Recipe::kFineWeb2) out["en"] = nullptr;
  return out;
}

// One step: FineWeb's options (`fineweb`) for the languages outside `fw2`,
// FineWeb-2's (`fineweb2(lang, table)`) for those in it, the file's keys
// over both.
template <class O, class Read, class FineWeb2, class Make>
Result<std::unique_ptr<Filter>> Step(const FineWeb2Set& fw2, Section& s, O fineweb, Read read, FineWeb2 fineweb2,
                                     Make make) {
  RETURN_IF_ERROR(read(s, &fineweb));
  RETURN_IF_ERROR(s.CheckUnknown());
  std::unique_ptr<Filter> others = make(fineweb);
  if (fw2.empty()) return others;
  std::map<std::string, std::shared_ptr<Filter>> by_language;
  for (const auto& [lang, rec] : fw2) {
    O o = fineweb2(lang, rec);
    RETURN_IF_ERROR(read(s, &o));
    by_language[lang] = make(std::move(o));
  }
  return MakePerLanguageFilter(std::move(others), std::move(by_language), "");
}

// [filter.decontaminate]: the evaluation sets (relative to the file) and the
// n-gram size, checked.
Status ReadDecontaminate(Section& s, DecontaminateOptions* o) {
  RETURN_IF_ERROR(s.Get("files", &o->files));
  for (auto& f : o->files) f = s.Resolve(f);
  RETURN_IF_ERROR(s.Get("ngram", &o->ngram, 1, 100));
  RETURN_IF_ERROR(s.CheckUnknown());
  if (o->files.empty())
    return s.Bad("files", std::string("must list the evaluation sets (JSON lines with \"text\", or text)"));
  return Status::Ok();
}

// [filter.classifier.<name>] tables, by name.
Status ReadClassifiers(Section& top, std::map<std::string, ClassifierOptions>* out) {
  const toml::table* all = nullptr;
  RETURN_IF_ERROR(top.Table("classifier", &all));
  if (!all) return Status::Ok();
  for (const auto& [key, node] : *all) {
    const std::string name(key.str());
    const std::string where = "filter.classifier." + name;
    if (name.empty() ||
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != std::string::npos)
      return top.Bad("classifier", "has a classifier named \"" + name + "\": names are letters, digits, _ and -");
    const toml::table* t = node.as_table();
    if (!t) return top.Bad("classifier", "." + name + " must be a table ([" + where + "])");
    Section s(t, where, top.path());
    ClassifierOptions o;
    o.name = name;
    RETURN_IF_ERROR(s.GetPath("model", &o.model));
    RETURN_IF_ERROR(s.Get("label", &o.label));
    RETURN_IF_ERROR(s.Get("command", &o.command));
    int batch_size = static_cast<int>(o.batch_size), max_in_flight = static_cast<int>(o.max_in_flight);
    RETURN_IF_ERROR(s.Get("batch_size", &batch_size, 1, 1 << 20));
    RETURN_IF_ERROR(s.Get("max_in_flight", &max_in_flight, 1, 1024));
    RETURN_IF_ERROR(s.Get("timeout_s", &o.timeout_s, 0.001, 86400.0));
    o.batch_size = batch_size;
    o.max_in_flight = max_in_flight;
    if (s.Node("keep")) {
      // A fastText score is a probability; a scorer's is whatever its model says.
      double keep = 0;
      if (o.command.empty()) {
        RETURN_IF_ERROR(s.Get("keep", &keep, 0.0, 1.0));
      } else {
        RETURN_IF_ERROR(s.Get("keep", &keep));
      }
      o.keep = keep;
    }
    if (s.Node("top_fraction")) {
      double f = 0;
      RETURN_IF_ERROR(s.Get("top_fraction", &f, 1e-9, 1.0));
      if (o.keep) return s.Bad("top_fraction", std::string("and keep exclude each other: a threshold, or a fraction"));
      o.top_fraction = f;
    }
    if (s.Node("histogram")) {
      std::vector<double> range;
      const toml::array* a = s.Node("histogram")->as_array();
      if (a)
        for (const auto& v : *a)
          if (auto d = v.value<double>()) range.push_back(*d);
      if (!a || range.size() != 2 || a->size() != 2 || !(range[0] < range[1]))
        return s.Bad("histogram", std::string("must be [low, high] with low < high"));
      o.histogram = {range[0], range[1]};
    }
    std::string text = "joined";
    RETURN_IF_ERROR(s.Get("text", &text));
    if (text == "joined") {
      o.text = ClassifierText::kJoined;
    } else if (text == "as-is") {
      o.text = ClassifierText::kAsIs;
    } else {
      return s.Bad("text", "must be \"joined\" or \"as-is\", not \"" + text + "\"");
    }
    RETURN_IF_ERROR(s.CheckUnknown());
    if (!o.model.empty() && !o.command.empty())
      return s.Bad("command", std::string("and model exclude each other: a fastText model, or a scorer command"));
    if (s.Node("command") && o.command.empty())
      return s.Bad("command", std::string("must list the scorer's program and its arguments"));
    if (o.model.empty() && o.command.empty())
      return s.Bad("model", std::string("must name the model file (a fastText .bin or .ftz), or `command` a scorer"));
    if (o.command.empty() && o.label.empty())
      return s.Bad("label", std::string("must name the label whose probability is the score"));
    (*out)[name] = std::move(o);
  }
  return Status::Ok();
}

}  // namespace

Result<FilterPipeline> LoadFilterPipeline(const std::string& config_path) {
  toml::table root;
  if (!config_path.empty()) {
    ASSIGN_OR_RETURN(root, ParseTomlFile(config_path, kMaxConfigBytes));
  }
  const toml::table* f = nullptr;
  RETURN_IF_ERROR(Section(&root, "", config_path).Table("filter", &f));
  std::vector<std::string> steps(std::begin(kDefaultSteps), std::end(kDefaultSteps));
  Section top(f, "filter", config_path);
  // [filter.<step>] tables: a value there (`language = ["de"]`, meant as
  // `languages`) is an error, not an ignored key.
  std::map<std::string, const toml::table*> tables;
  for (const char* sub :
       {"language", "url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "pii", "decontaminate"})
    RETURN_IF_ERROR(top.Table(sub, &tables[sub]));
  auto section = [&](const char* name) { return Section(tables[name], std::string("filter.") + name, config_path); };
  RETURN_IF_ERROR(top.Get("steps", &steps));
  // [filter] languages = [...]: shorthand for [filter.language] languages.
  std::optional<std::vector<std::string>> languages;
  if (top.Node("languages")) {
    languages.emplace();
    RETURN_IF_ERROR(top.Get("languages", &*languages));
  }
  std::string recipe_name = "auto";
  RETURN_IF_ERROR(top.Get("recipe", &recipe_name));
  auto recipe = ParseRecipe(recipe_name);
  if (!recipe.ok()) return top.Bad("recipe", recipe.status().message());
  const FineWeb2Set fw2 = FineWeb2Covered(*recipe);
  // [extract] language_model: documents' languages come from a model.
  bool language_model = false;
  if (const toml::table* e = root["extract"].as_table()) language_model = e->contains("language_model");
  std::map<std::string, ClassifierOptions> classifiers;
  RETURN_IF_ERROR(ReadClassifiers(top, &classifiers));
  RETURN_IF_ERROR(top.CheckUnknown());
  // Classifiers `steps` does not place run last, in name order.
  for (const auto& [name, o] : classifiers)
    if (std::find(steps.begin(), steps.end(), "classifier:" + name) == steps.end())
      steps.push_back("classifier:" + name);

  // Every section present is read and range-checked, also those of steps
  // the list leaves out (a bad value must not wait for the day it is used).
  std::vector<std::pair<std::string, bool>> work;
  for (const auto& step : steps) work.emplace_back(step, true);
  for (const auto& [name, table] : tables)
    if (table && std::find(steps.begin(), steps.end(), name) == steps.end()) work.emplace_back(name, false);
  FilterPipeline p;
  for (const auto& [step, use] : work) {
    auto add = [&, use = use](std::unique_ptr<Filter> filter) {
      if (use) p.Add(std::move(filter));
    };
    if (step.rfind("classifier:", 0) == 0) {
      auto it = classifiers.find(step.substr(11));
      if (it == classifiers.end())
        return Status::InvalidArgument((config_path.empty() ? std::string("filter") : config_path) +
                                       ": filter.steps names '" + step + "' but there is no [filter.classifier." +
                                       step.substr(11) + "] section");
      ModelUse model;
      ASSIGN_OR_RETURN(auto f, MakeClassifierFilter(it->second, &model));
      p.AddModel(std::move(model));
      add(std::move(f));
    } else if (step == "language") {
      LanguageOptions o;
      if (languages) o.languages = *languages;
      Section s = section("language");
      RETURN_IF_ERROR(s.Get("languages", &o.languages));
      RETURN_IF_ERROR(CheckLanguageCodes(o.languages, languages ? top : s, language_model));
      auto fineweb2 = [&](const std::string&, const FineWeb2Language* rec) {
        LanguageOptions l = o;
        // A model's score is GlotLID's confidence itself: FineWeb-2's
        // threshold as published. CLD2's share goes through the calibration.
        if (rec) l.min_score = language_model ? rec->language_score : CalibratedLanguageScore(rec->language_score);
        return l;
      };
      ASSIGN_OR_RETURN(auto f, Step(fw2, s, o, ReadLanguage, fineweb2, MakeLanguageFilter));
      add(std::move(f));
    } else if (step == "url") {
      UrlOptions o;
      Section s = section("url");
      RETURN_IF_ERROR(s.GetList("block_domains", &o.block_domains));
      RETURN_IF_ERROR(s.GetList("block_urls", &o.block_urls));
      RETURN_IF_ERROR(s.GetList("banned_words", &o.banned_words));
      RETURN_IF_ERROR(s.GetList("soft_banned_words", &o.soft_banned_words));
      RETURN_IF_ERROR(s.GetList("banned_subwords", &o.banned_subwords));
      RETURN_IF_ERROR(s.Get("soft_word_threshold", &o.soft_word_threshold, 1, 1000));
      RETURN_IF_ERROR(s.CheckUnknown());
      add(MakeUrlFilter(o));
    } else if (step == "gopher_repetition") {
      Section s = section("gopher_repetition");
      auto fineweb2 = [](const std::string&, const FineWeb2Language* rec) { return FineWeb2Repetition(rec); };
      ASSIGN_OR_RETURN(auto f,
                       Step(fw2, s, GopherRepetitionOptions{}, ReadRepetition, fineweb2, MakeGopherRepetitionFilter));
      add(std::move(f));
    } else if (step == "gopher_quality") {
      Section s = section("gopher_quality");
      ASSIGN_OR_RETURN(auto f, Step(fw2, s, GopherQualityOptions{}, ReadGopherQuality, FineWeb2GopherQuality,
                                    MakeGopherQualityFilter));
      add(std::move(f));
    } else if (step == "c4") {
      C4Options o;
      Section s = section("c4");
      RETURN_IF_ERROR(ReadC4(s, &o));
      RETURN_IF_ERROR(s.CheckUnknown());
      // FineWeb-2 does not apply C4's rules.
      std::map<std::string, std::shared_ptr<Filter>> none;
      for (const auto& [lang, rec] : fw2) none[lang] = nullptr;
      add(fw2.empty() ? MakeC4Filter(o) : MakePerLanguageFilter(MakeC4Filter(o), std::move(none), "fineweb-2 recipe,"));
    } else if (step == "fineweb") {
      Section s = section("fineweb");
      auto fineweb2 = [](const std::string&, const FineWeb2Language* rec) { return FineWeb2Quality(rec); };
      ASSIGN_OR_RETURN(auto f, Step(fw2, s, FineWebOptions{}, ReadFineWeb, fineweb2, MakeFineWebFilter));
      add(std::move(f));
    } else if (step == "decontaminate") {
      DecontaminateOptions o;
      Section s = section("decontaminate");
      RETURN_IF_ERROR(ReadDecontaminate(s, &o));
      if (use) {
        ASSIGN_OR_RETURN(auto decont, MakeDecontaminateFilter(o));
        add(std::move(decont));
      } else {
        // Not a step of this run: the files must exist, loading them waits.
        for (const auto& f : o.files) {
          std::error_code ec;
          if (!std::filesystem::is_regular_file(f, ec))
            return Status::NotFound(f + ": no such evaluation set (filter.decontaminate.files)");
        }
      }
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
      add(std::move(pii));
    } else {
      return Status::InvalidArgument((config_path.empty() ? std::string("filter") : config_path) + ": unknown step '" +
                                     step + "' in filter.steps");
    }
  }
  // Words as FineWeb-2 counted them: spaCy's rules for the language, and
  // dictionary words where it used a segmenter.
  std::map<std::string, WordRules> rules;
  for (const auto& [lang, rec] : fw2) {
    WordRules r = WordRulesFor(lang);
    if (SegmentedLanguage(lang)) r.unspaced = Unspaced::kDictionary;
    rules[lang] = r;
  }
  p.UseWordRulesOf(std::move(rules));
  return p;
}

Result<std::unique_ptr<Filter>> LoadDecontamination(const std::string& config_path) {
  if (config_path.empty()) return std::unique_ptr<Filter>();
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(config_path, kMaxConfigBytes));
  const toml::table* f = nullptr;
  RETURN_IF_ERROR(Section(&root, "", config_path).Table("filter", &f));
  const toml::table* t = nullptr;
  RETURN_IF_ERROR(Section(f, "filter", config_path).Table("decontaminate", &t));
  if (!t) return std::unique_ptr<Filter>();
  Section s(t, "filter.decontaminate", config_path);
  DecontaminateOptions o;
  RETURN_IF_ERROR(ReadDecontaminate(s, &o));
  return MakeDecontaminateFilter(o);
}

}  // namespace crawlproof::filter

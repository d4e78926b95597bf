// Document filters: the FineWeb recipe's quality rules, in C++.
//
// A filter looks at one document and decides: keep, drop with a reason
// ("<filter>:<check>", e.g. "gopher_quality:stop_words"), or keep with the
// text changed (C4 line removal, PII replacement) and counts of what changed.
// Checks a filter cannot apply to a document's language are skipped and the
// skip is recorded, never turned into a drop. The definitions — what a word,
// a line, a paragraph, an n-gram and each ratio is — follow datatrove's
// implementation of FineWeb (docs/filter.md lists them); lengths are counted
// in code points, words as words.h splits them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "filter/words.h"

namespace crawlproof::filter {

struct FilterDocument {
  std::string id, url, lang;
  double lang_score = 0;
  std::string lang2;  // a mixed page's second language (extract/language.h), or ""
  double lang2_share = 0;
  std::string text;  // UTF-8; a filter that changes it calls TextChanged()

  // The text as code points and as words (words.h), computed once and shared
  // by the filters until the text changes.
  const std::u32string& Text32();
  const std::vector<std::u32string_view>& Words();
  void TextChanged() { have_text32_ = have_words_ = false; }
  // How Words() splits (words.h): spaCy's English rules and one word per
  // character of unspaced scripts unless the pipeline's recipe sets the
  // document language's rules.
  void UseWordRules(const WordRules& rules) {
    if (!(rules == rules_)) have_words_ = false;
    rules_ = rules;
  }
  // Words of unspaced scripts are dictionary words, not characters.
  bool segmented() const { return rules_.unspaced == Unspaced::kDictionary; }

 private:
  std::u32string text32_;
  std::vector<std::u32string_view> words_;
  WordRules rules_;
  bool have_text32_ = false, have_words_ = false;
};

// A model's score of a document (filter/classifier.h).
struct ClassifierScore {
  std::string name;          // the classifier step's <name>
  std::string label;         // the model's label scored ("__label__hq")
  std::string model_sha256;  // of the model file, hex
  double score = 0;
  std::optional<double> keep;  // the step's threshold, if it has one
  std::string error;           // a scorer's reason for no score ("": scored)
};

struct Decision {
  bool keep = true;
  std::string reason;                       // "<filter>:<check>" when dropped
  std::map<std::string, uint64_t> changes;  // "<filter>:<kind>" -> count, when the text changed
  std::vector<std::string> skipped;         // "<filter>:<check>:<why>"
  std::string match;                        // decontaminate: the n-gram found (normalised text)
  std::string error;                        // a batch step's reason for no score (its scorer's words)
  // When dropped by a measured check: what it measured and the limit that
  // value crossed (a ratio, a count, a score), for the document's account.
  std::optional<double> value, threshold;
  std::vector<ClassifierScore> scores;  // every classifier step that scored it, in order
};

class BatchStep;

class Filter {
 public:
  virtual ~Filter() = default;
  virtual std::string_view name() const = 0;
  // May change doc->text; fills `d` (which arrives keep = true).
  virtual void Apply(FilterDocument* doc, Decision* d) = 0;
  // A step that decides documents in batches (an out-of-process scorer)
  // returns itself here: BatchedFilterRun (batched_run.h) holds the
  // documents that reach it and hands them over together. Default: null.
  virtual BatchStep* batch() { return nullptr; }
};

class BatchStep {
 public:
  virtual ~BatchStep() = default;
  // Decides every document of `docs`, each with its decision so far (keep).
  // Errors: the step could not decide (its scorer failed) — the documents'
  // run ends; never a silent keep.
  virtual Status Decide(const std::vector<std::pair<FilterDocument*, Decision*>>& docs) = 0;
};

// ---- Options, with the FineWeb recipe's values as defaults ----------------

struct LanguageOptions {
  std::vector<std::string> languages = {"en"};  // empty: every language
  // Kept when the share of the text in allowed languages is above this: the
  // top language's lang_score, plus lang2_share when lang2 is allowed too.
  double min_score = 0.65;
};

struct UrlOptions {
  std::vector<std::string> block_domains;  // host or any parent domain matches
  std::vector<std::string> block_urls;     // exact URL
  std::vector<std::string> banned_words;   // any URL word (split at non-alphanumerics)
  std::vector<std::string> soft_banned_words;
  int soft_word_threshold = 2;               // this many soft words drop
  std::vector<std::string> banned_subwords;  // substring of the URL's alphanumerics, lower case
};

struct GopherRepetitionOptions {
  double dup_line_frac = 0.3, dup_para_frac = 0.3, dup_line_char_frac = 0.2, dup_para_char_frac = 0.2;
  std::vector<std::pair<int, double>> top_n_grams = {{2, 0.2}, {3, 0.18}, {4, 0.16}};
  std::vector<std::pair<int, double>> dup_n_grams = {{5, 0.15}, {6, 0.14}, {7, 0.13}, {8, 0.12}, {9, 0.11}, {10, 0.10}};
};

struct GopherQualityOptions {
  int min_doc_words = 50, max_doc_words = 100000;
  double min_avg_word_length = 3, max_avg_word_length = 10;
  double max_symbol_word_ratio = 0.1, max_bullet_lines_ratio = 0.9, max_ellipsis_lines_ratio = 0.3;
  double min_alpha_words_ratio = 0.8;
  int min_stop_words = 2;
  // Stop words per language; a language without a list skips the check.
  std::map<std::string, std::vector<std::string>> stop_words = {
      {"en", {"the", "be", "to", "of", "and", "that", "have", "with"}}};
};

struct C4Options {
  bool filter_no_terminal_punct = false;  // FineWeb turns C4's rule off
  // Empty: the check is off (-1 in the pipeline file).
  std::optional<uint64_t> min_num_sentences = 5;
  std::optional<uint64_t> min_words_per_line = 3;
  std::optional<uint64_t> max_word_length = 1000;
  bool filter_lorem_ipsum = true, filter_javascript = true, filter_curly_bracket = true, filter_policy = true;
  bool remove_citations = true;
};

struct FineWebOptions {
  double line_punct_thr = 0.12;
  bool line_punct_exclude_zero = false;
  double short_line_thr = 0.67;
  int short_line_length = 30;
  double char_duplicates_ratio = 0.01;
  double new_line_ratio = 0.3;
};

struct PiiOptions {
  bool emails = true, ips = true, only_public_ips = true;
  std::vector<std::string> email_replacements = {"email@example.com", "firstname.lastname@example.org"};
  std::vector<std::string> ip_replacements = {"22.214.171.124", "126.96.36.199",  "188.8.131.52",
                                              "184.108.40.206", "220.127.116.11", "18.104.22.168"};
};

std::unique_ptr<Filter> MakeLanguageFilter(LanguageOptions o);
std::unique_ptr<Filter> MakeUrlFilter(const UrlOptions& o);
std::unique_ptr<Filter> MakeGopherRepetitionFilter(GopherRepetitionOptions o);
std::unique_ptr<Filter> MakeGopherQualityFilter(GopherQualityOptions o);
std::unique_ptr<Filter> MakeC4Filter(C4Options o);
std::unique_ptr<Filter> MakeFineWebFilter(FineWebOptions o);
// Errors: InvalidArgument (no replacement strings).
Result<std::unique_ptr<Filter>> MakePiiFilter(PiiOptions o);

// One step with settings per language (recipe.h): the filter in
// `by_language` for a document in that language, `others` for the rest. A
// null filter skips the step for that language; the skip is recorded as
// "<step>:all:<skip_why> <lang>".
std::unique_ptr<Filter> MakePerLanguageFilter(std::unique_ptr<Filter> others,
                                              std::map<std::string, std::shared_ptr<Filter>> by_language,
                                              std::string skip_why);

// A model file a step reads (the classifier steps).
struct ModelUse {
  std::string step;                           // "classifier:<name>"
  std::string path;                           // as the config resolves it
  std::string sha256;                         // of the file, hex
  std::string label;                          // the label scored
  std::optional<double> top_fraction;         // the run's top fraction is kept (a run-wide cut)
  std::pair<double, double> histogram{0, 1};  // the range of report.html's score histogram
};

// An ordered list of filters; the first drop ends the document's run.
class FilterPipeline {
 public:
  // The models the steps read, in step order (for the run's record and the
  // dataset card).
  void AddModel(ModelUse m) { models_.push_back(std::move(m)); }
  const std::vector<ModelUse>& models() const { return models_; }
  void Add(std::unique_ptr<Filter> f) { filters_.push_back(std::move(f)); }
  // Documents in these languages are split into words by these rules
  // (FilterDocument::UseWordRules); the others by the default rules.
  void UseWordRulesOf(std::map<std::string, WordRules> rules) { word_rules_ = std::move(rules); }
  // Every step in order; a batch step decides this one document alone.
  // Errors: a batch step's (the decision is then incomplete).
  Result<Decision> Run(FilterDocument* doc);
  // Steps `from`, `from`+1, … on `*d` until a drop, the end, or a batch
  // step: returns that step's index (filters().size() when none is left).
  size_t RunFrom(FilterDocument* doc, Decision* d, size_t from);
  const std::vector<std::unique_ptr<Filter>>& filters() const { return filters_; }

 private:
  std::vector<std::unique_ptr<Filter>> filters_;
  std::map<std::string, WordRules> word_rules_;
  std::vector<ModelUse> models_;
};

// The steps by name, in the given order, with options from a TOML config
// ([filter] steps = [...], [filter.<step>] options; docs/filter.md). An empty
// path gives the default steps and options. Each [filter.classifier.<name>]
// is a step "classifier:<name>" (filter/classifier.h), where `steps` names it,
// else after the other steps in name order. Errors: InvalidArgument naming
// the file and the key, NotFound for a list file.
Result<FilterPipeline> LoadFilterPipeline(const std::string& config_path);

// The `decontaminate` step of a config's [filter.decontaminate] section
// whether or not `steps` lists it (the prompts stage checks questions
// against the same evaluation sets); null when the section is absent.
Result<std::unique_ptr<Filter>> LoadDecontamination(const std::string& config_path);

inline constexpr std::string_view kDefaultSteps[] = {"language", "url", "gopher_repetition", "gopher_quality", "c4",
                                                     "fineweb",  "pii"};

}  // namespace crawlproof::filter

// What a careless operator or an attacker can do to a run: misconfigured
// pipeline files (refused before anything is written), outputs that are not
// crawlproof's, sources that fail. The hardening issue's items, one test each.
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/pipelines/sample.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

namespace fs = std::filesystem;

// Every value with its range: `run --check` refuses it naming the key, and a
// run refuses it before creating the output folder or the store.
TEST(Guard, EveryPipelineValueIsRangeChecked) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  struct Case {
    std::string section, value, message;
  };
  const std::vector<Case> cases = {
      {"[dedup]\n", "bands = 0", "dedup.bands must be between 1 and 112, not 0"},
      {"[dedup]\n", "num_perm = 0", "dedup.num_perm must be between 1 and 1024, not 0"},
      {"[dedup]\n", "threshold = nan", "dedup.threshold must be a finite number, not nan"},
      {"[dedup]\n", "threshold = 5", "dedup.threshold must be between 0 and 1, not 5"},
      {"[dedup]\n", "threshold = -1", "dedup.threshold must be between 0 and 1, not -1"},
      {"[dedup]\n", "threshold = 0", "dedup.threshold must be above 0"},
      {"[dedup]\n", "ngram = 0", "dedup.ngram must be between 1 and 64, not 0"},
      {"[dedup]\n", "bands = 20\nrows = 8", "dedup.bands × dedup.rows (20 × 8) must be at most dedup.num_perm (112)"},
      {"[extract]\n", "min_lang_score = nan", "extract.min_lang_score must be a finite number, not nan"},
      {"[extract]\n", "min_lang_score = 1.5", "extract.min_lang_score must be between 0 and 1, not 1.5"},
      {"[extract]\n", "max_html_bytes = 0", "extract.max_html_bytes must be between 1024 and 1073741824, not 0"},
      {"", "[run]\nworkers = 100000", "run.workers must be between 0 and 1024, not 100000"},
      {"[filter.language]\n", "min_score = nan", "filter.language.min_score must be a finite number, not nan"},
      {"[filter.fineweb]\n", "new_line_ratio = 2", "filter.fineweb.new_line_ratio must be between 0 and 1, not 2"},
      {"[filter.gopher_quality]\n", "min_doc_words = -5", "filter.gopher_quality.min_doc_words must be between"},
  };
  for (const auto& c : cases) {
    const std::string output = dir + "/out";
    std::string extra = c.section + c.value + "\n";
    std::string run_extra;
    if (c.section.empty()) {  // a [run] key: merged into the [run] table
      extra.clear();
      run_extra = c.value.substr(c.value.find('\n') + 1) + "\n";
    }
    std::string pipeline = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"", "", run_extra);
    if (c.section.rfind("[filter", 0) == 0) {
      // [filter.x] tables go after [filter].
      std::ofstream(pipeline, std::ios::app) << extra;
    } else if (!extra.empty()) {
      pipeline = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"", extra, run_extra);
    }
    if (c.section.empty()) {
      std::string text = testing::ReadFileBytes(pipeline);
      text.replace(text.find("workers = 2\n"), 12, "");
      std::ofstream(pipeline, std::ios::trunc) << text;
    }
    auto check = testing::RunCrawlproof("run --check " + pipeline);
    EXPECT_EQ(check.exit_code, 2) << c.value;
    EXPECT_NE(check.err.find(pipeline + ": " + c.message), std::string::npos) << c.value << " -> " << check.err;
    auto run = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(run.exit_code, 2) << c.value;
    EXPECT_FALSE(fs::exists(output)) << c.value << ": the run created its output folder";
  }
}

// `language = ["de"]` under [filter] (meant: `languages`) is an error, not a
// silently ignored table that leaves the default (English only).
TEST(Guard, FilterLanguageSingularIsRefused) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"");
  std::string text = testing::ReadFileBytes(pipeline);
  text.replace(text.find("languages = []"), 14, "language = [\"de\"]");
  std::ofstream(pipeline, std::ios::trunc) << text;
  auto check = testing::RunCrawlproof("run --check " + pipeline);
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.err.find(pipeline + ": filter.language must be a table ([filter.language]), not a value"),
            std::string::npos)
      << check.err;
  std::ofstream(dir + "/docs.jsonl") << "{\"text\": \"Hallo Welt\"}\n";
  auto filter = testing::RunCrawlproof("filter --input " + dir + "/docs.jsonl --config " + pipeline + " --output " +
                                       dir + "/kept.jsonl --dropped " + dir + "/dropped.jsonl");
  EXPECT_EQ(filter.exit_code, 2);
  EXPECT_NE(filter.err.find("filter.language must be a table"), std::string::npos) << filter.err;
  EXPECT_FALSE(fs::exists(dir + "/kept.jsonl"));
  // A section that is not a table, and an unknown one.
  std::ofstream(dir + "/notable.toml") << "run = 1\n";
  EXPECT_NE(testing::RunCrawlproof("run --check " + dir + "/notable.toml").err.find("run must be a table"),
            std::string::npos);
  std::ofstream(dir + "/unknown.toml") << "[run]\noutput = \"o\"\n[sources]\npaths = [\"x\"]\n";
  EXPECT_NE(testing::RunCrawlproof("run --check " + dir + "/unknown.toml").err.find("sources is not a known table"),
            std::string::npos);
}

}  // namespace
}  // namespace crawlproof

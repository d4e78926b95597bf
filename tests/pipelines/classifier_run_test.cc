// A classifier step ([filter.classifier.<name>]) through `crawlproof run`,
// `audit --store` and `crawlproof filter`, with the shipped lid.176.ftz as the
// model (a real quantized fastText model) and "__label__zh" as the label, on
// the bundled sample (real Common Crawl WARCs, mostly Chinese, German and
// Russian pages).
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "store/provenance_store.h"
#include "tests/pipelines/sample.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

const char* kLidSha256 = "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83";

// A sample pipeline with one classifier section; returns its path.
std::string Pipeline(const std::string& dir, const std::string& output, const std::string& classifier) {
  const std::string path = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"");
  std::ofstream(path, std::ios::app) << "[filter.classifier.chinese]\nmodel = \""
                                     << testing::TestDataPath("lid.176.ftz") << "\"\nlabel = \"zh\"\n"
                                     << classifier;
  return path;
}

struct Account {
  std::string status, reason;
  double score = -1, check_value = -1, check_threshold = -1;
  std::string sha256;
};

// Every document account of a store, by id, with classifier `name`'s score.
std::map<std::string, Account> Accounts(const std::string& store_dir, const std::string& name = "chinese") {
  std::map<std::string, Account> out;
  auto st = store::ProvenanceStore::OpenForReading(store_dir);
  EXPECT_TRUE(st.ok()) << st.status().ToString();
  if (!st.ok()) return out;
  auto dump = (*st)->Dump();
  EXPECT_TRUE(dump.ok());
  simdjson::dom::parser parser;
  size_t at = 0;
  while (dump.ok() && at < dump->size()) {
    const size_t end = dump->find('\n', at);
    const std::string line = dump->substr(at, end - at);  // family \t key \t value
    at = end == std::string::npos ? dump->size() : end + 1;
    const size_t tab = line.find('\t', line.find('\t') + 1);
    if (tab == std::string::npos) continue;
    simdjson::dom::element v;
    std::string_view id, status;
    if (parser.parse(line.substr(tab + 1)).get(v) || v["doc_id"].get(id) || v["status"].get(status)) continue;
    Account a;
    a.status = std::string(status);
    std::string_view reason;
    if (!v["reason"].get(reason)) a.reason = std::string(reason);
    simdjson::dom::element c;
    if (!v["classifiers"][name].get(c)) {
      std::string_view sha;
      EXPECT_FALSE(c["score"].get(a.score));
      EXPECT_FALSE(c["model_sha256"].get(sha));
      a.sha256 = std::string(sha);
    }
    if (!v["check"].get(c)) {
      EXPECT_FALSE(c["value"].get(a.check_value));
      EXPECT_FALSE(c["threshold"].get(a.check_threshold));
    }
    out[std::string(id)] = a;
  }
  return out;
}

TEST(ClassifierRun, ScoresEveryDocumentItReachesThenKeepsAboveTheThreshold) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  // Scores only: nothing dropped by the classifier.
  auto r = testing::RunCrawlproof("run " + Pipeline(dir, "scored", "") + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto scored = Accounts(dir + "/scored/store");
  size_t with_score = 0, chinese = 0;
  for (const auto& [id, a] : scored) {
    EXPECT_NE(a.reason, "classifier:chinese") << id;
    if (a.score < 0) continue;
    ++with_score;
    EXPECT_EQ(a.sha256, kLidSha256);
    EXPECT_LE(a.score, 1.00001);
    chinese += a.score >= 0.5;
  }
  ASSERT_GT(with_score, 5u);
  ASSERT_GT(chinese, 0u);
  ASSERT_LT(chinese, with_score);

  // keep = 0.5: exactly the documents scored below it are dropped, each with
  // its score and the threshold in its account.
  r = testing::RunCrawlproof("run " + Pipeline(dir, "kept", "keep = 0.5\n") + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto kept = Accounts(dir + "/kept/store");
  ASSERT_EQ(kept.size(), scored.size());
  size_t dropped = 0;
  for (const auto& [id, a] : kept) {
    const Account& before = scored.at(id);
    EXPECT_EQ(a.score, before.score) << id;  // the same model, the same text: the same score
    if (a.score < 0) continue;
    if (a.score < 0.5) {
      ++dropped;
      EXPECT_EQ(a.status, "dropped") << id;
      EXPECT_EQ(a.reason, "classifier:chinese") << id;
      EXPECT_EQ(a.check_value, a.score) << id;
      EXPECT_EQ(a.check_threshold, 0.5) << id;
    } else {
      EXPECT_EQ(a.status, before.status) << id;
    }
  }
  EXPECT_EQ(dropped, with_score - chinese);
  // audit --store tells the score; the card names the model.
  for (const auto& [id, a] : kept) {
    if (a.reason != "classifier:chinese") continue;
    auto audit = testing::RunCrawlproof("audit --store " + dir + "/kept/store --doc " + id);
    EXPECT_EQ(audit.exit_code, 0) << audit.err;
    EXPECT_NE(audit.out.find("dropped by classifier:chinese: measured"), std::string::npos) << audit.out;
    EXPECT_NE(audit.out.find("model:    chinese scored __label__zh"), std::string::npos) << audit.out;
    EXPECT_NE(audit.out.find(kLidSha256), std::string::npos) << audit.out;
    break;
  }
  const std::string card = testing::ReadFileBytes(dir + "/kept/README.md");
  EXPECT_NE(card.find("Model `classifier:chinese`: `lid.176.ftz` (SHA-256 `" + std::string(kLidSha256)),
            std::string::npos)
      << card;
}

TEST(ClassifierRun, FilterCommandAndConfigErrors) {
  const std::string dir = testing::MakeTempDir();
  auto docs = testing::RunCrawlproof("extract " + testing::TestDataPath("debian-faq-multilingual.warc.gz"));
  ASSERT_EQ(docs.exit_code, 0) << docs.err;
  std::ofstream(dir + "/docs.jsonl") << docs.out;
  const std::string model = testing::TestDataPath("lid.176.ftz");
  std::ofstream(dir + "/f.toml") << "[filter]\nlanguages = []\nsteps = [\"classifier:ru\", \"language\"]\n"
                                 << "[filter.classifier.ru]\nmodel = \"" << model
                                 << "\"\nlabel = \"__label__ru\"\nkeep = 0.9\ntext = \"as-is\"\n";
  auto r = testing::RunCrawlproof("filter --input " + dir + "/docs.jsonl --config " + dir + "/f.toml --output " + dir +
                                  "/kept.jsonl --dropped " + dir + "/dropped.jsonl");  // one line is no document
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string kept = testing::ReadFileBytes(dir + "/kept.jsonl");
  const std::string dropped = testing::ReadFileBytes(dir + "/dropped.jsonl");
  EXPECT_NE(kept.find("basic-defs.ru.html"), std::string::npos);
  EXPECT_EQ(kept.find("basic-defs.de.html"), std::string::npos);
  EXPECT_NE(dropped.find("\"reason\":\"classifier:ru\""), std::string::npos) << dropped;
  EXPECT_NE(kept.find("\"classifiers\":{\"ru\":{\"score\":"), std::string::npos) << kept;

  auto bad = [&](const std::string& toml, const std::string& expected) {
    std::ofstream(dir + "/bad.toml") << toml;
    auto b = testing::RunCrawlproof("filter --input " + dir + "/docs.jsonl --config " + dir + "/bad.toml --output " +
                                    dir + "/o.jsonl --dropped " + dir + "/d.jsonl --force");
    EXPECT_NE(b.exit_code, 0) << toml;
    EXPECT_NE(b.err.find(expected), std::string::npos) << b.err;
  };
  bad("[filter.classifier.q]\nmodel = \"" + model + "\"\nlabel = \"__label__hq\"\n", "has no label");
  bad("[filter]\nsteps = [\"classifier:x\"]\n", "no [filter.classifier.x] section");
  bad("[filter.classifier.q]\nmodel = \"" + model + "\"\nlabel = \"zh\"\ntext = \"raw\"\n",
      "filter.classifier.q.text must be");
  bad("[filter.classifier.q]\nmodel = \"" + dir + "/absent.bin\"\nlabel = \"zh\"\n", "absent.bin");
  bad("[filter.classifier.q]\nmodel = \"" + dir + "/docs.jsonl\"\nlabel = \"zh\"\n", "not a fastText model");
  bad("[filter.classifier.q]\nmodel = \"" + model + "\"\nlabel = \"zh\"\nkeep = 2\n", "keep");
}

}  // namespace
}  // namespace crawlproof

namespace crawlproof {
namespace {

// [extract] language_model: every document's language from lid.176, its
// label in the account, the model named in the card.
TEST(ClassifierRun, LanguageModelInsteadOfCld2) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string path =
      WriteSamplePipeline(dir, "lid", "\"sample/*.warc.gz\"",
                          "[extract]\nlanguage_model = \"" + testing::TestDataPath("lid.176.ftz") + "\"\n");
  auto r = testing::RunCrawlproof("run " + path + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto st = store::ProvenanceStore::OpenForReading(dir + "/lid/store");
  ASSERT_TRUE(st.ok());
  auto dump = (*st)->Dump();
  ASSERT_TRUE(dump.ok());
  size_t accounts = 0, labelled = 0;
  for (size_t at = dump->find("\"doc_id\":"); at != std::string::npos; at = dump->find("\"doc_id\":", at + 1))
    ++accounts;
  for (size_t at = dump->find("\"lang_label\":\""); at != std::string::npos;
       at = dump->find("\"lang_label\":\"", at + 1))
    ++labelled;
  EXPECT_GT(accounts, 10u);
  EXPECT_EQ(labelled, accounts) << "every extracted document carries the model's label";
  const std::string card = testing::ReadFileBytes(dir + "/lid/README.md");
  EXPECT_NE(card.find("language by the fastText model `lid.176.ftz`"), std::string::npos) << card;
}

}  // namespace
}  // namespace crawlproof

namespace crawlproof {
namespace {

std::string ScorerPipeline(const std::string& dir, const std::string& output, const std::string& mode) {
  const std::string path = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"");
  std::ofstream(path, std::ios::app) << "[filter.classifier.e]\ncommand = [\"python3\", \""
                                     << CRAWLPROOF_TEST_SOURCE_DIR << "/tests/classify/fake_scorer.py\", " << mode
                                     << "]\nkeep = 0.08\nbatch_size = 2\ntimeout_s = 20\n";
  return path;
}

// A scorer process (tests/classify/fake_scorer.py: the share of "e") as a
// classifier of `crawlproof run`, then the same scorer crashing.
TEST(ClassifierRun, ScorerCommandThroughRunAndItsCrash) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto r = testing::RunCrawlproof("run " + ScorerPipeline(dir, "scorer", "\"ok\"") + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  size_t scored = 0, dropped = 0;
  for (const auto& [id, a] : Accounts(dir + "/scorer/store", "e")) {
    if (a.score < 0) continue;
    ++scored;
    EXPECT_EQ(a.sha256.size(), 64u);
    const bool is_dropped = a.reason == "classifier:e";
    EXPECT_EQ(is_dropped, a.score < 0.08) << id;
    dropped += is_dropped;
  }
  EXPECT_GT(scored, 3u);
  EXPECT_GT(dropped, 0u);
  EXPECT_LT(dropped, scored);

  // The scorer exits before answering its first batch: the run fails, naming
  // the classifier, the batch and its first document; nothing is committed.
  r = testing::RunCrawlproof("run " + ScorerPipeline(dir, "crash", "\"crash\", \"0\"") + " --progress off");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("classifier e (scorer `python3`): exited with status 3 while scoring; batch 0, first document "),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir + "/crash/shards/manifest.json"));

  // `crawlproof filter` over lines without an id, and with the same id twice.
  std::ofstream(dir + "/lines.jsonl") << "{\"text\":\"eeee eeee\"}\n{\"text\":\"xyz\"}\n"
                                      << "{\"id\":\"a\",\"text\":\"see me\"}\n{\"id\":\"a\",\"text\":\"abc\"}\n";
  std::ofstream(dir + "/f.toml") << "[filter]\nsteps = []\n[filter.classifier.e]\ncommand = [\"python3\", \""
                                 << CRAWLPROOF_TEST_SOURCE_DIR
                                 << "/tests/classify/fake_scorer.py\", \"ok\"]\nkeep = 0.3\n";
  r = testing::RunCrawlproof("filter --input " + dir + "/lines.jsonl --config " + dir + "/f.toml --output " + dir +
                             "/kept.jsonl --dropped " + dir + "/dropped.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string kept = testing::ReadFileBytes(dir + "/kept.jsonl");
  const std::string gone = testing::ReadFileBytes(dir + "/dropped.jsonl");
  EXPECT_NE(kept.find("eeee eeee"), std::string::npos) << kept;
  EXPECT_NE(kept.find("see me"), std::string::npos) << kept;
  EXPECT_NE(gone.find("xyz"), std::string::npos) << gone;
  EXPECT_NE(gone.find("abc"), std::string::npos) << gone;
}

}  // namespace
}  // namespace crawlproof

namespace crawlproof {
namespace {

// top_fraction: the run's best half by score kept, the rest dropped after
// dedup with the cut as the threshold; the scores' histogram in stats.json
// and report.html.
TEST(ClassifierRun, TopFractionAndTheHistogram) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto r = testing::RunCrawlproof("run " + Pipeline(dir, "top", "top_fraction = 0.5\n") + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto accounts = Accounts(dir + "/top/store");
  std::vector<double> scores;
  for (const auto& [id, a] : accounts)
    if (a.score >= 0 && a.status != "duplicate") scores.push_back(a.score);
  ASSERT_GE(scores.size(), 4u);
  std::sort(scores.rbegin(), scores.rend());
  const double cut = scores[(scores.size() + 1) / 2 - 1];  // the ceil(n / 2)-th best
  size_t cut_off = 0;
  for (const auto& [id, a] : accounts) {
    if (a.score < 0 || a.status == "duplicate") continue;
    if (a.score < cut) {
      ++cut_off;
      EXPECT_EQ(a.reason, "classifier:chinese") << id;
      EXPECT_EQ(a.check_threshold, cut) << id;
    } else {
      EXPECT_NE(a.reason, "classifier:chinese") << id;
    }
  }
  EXPECT_EQ(cut_off, scores.size() / 2);
  EXPECT_NE(r.err.find("the top 50% of"), std::string::npos) << r.err;
  // Every scored document in the histogram, once.
  const std::string stats = testing::ReadFileBytes(dir + "/top/stats.json");
  const size_t at = stats.find("\"classifier_scores\":{");
  ASSERT_NE(at, std::string::npos) << stats;
  uint64_t in_histogram = 0;
  for (size_t p = stats.find("\"chinese ", at); p != std::string::npos && p < stats.find('}', at);
       p = stats.find("\"chinese ", p + 1))
    in_histogram += std::stoull(stats.substr(stats.find(':', p) + 1));
  size_t scored = 0;
  for (const auto& [id, a] : accounts) scored += a.score >= 0;
  EXPECT_EQ(in_histogram, scored);
  EXPECT_NE(testing::ReadFileBytes(dir + "/top/report.html").find("Scores of classifier <code>chinese</code>"),
            std::string::npos);
  // top_fraction and keep exclude each other.
  auto bad = testing::RunCrawlproof("run " + Pipeline(dir, "both", "top_fraction = 0.5\nkeep = 0.1\n"));
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("exclude each other"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace crawlproof

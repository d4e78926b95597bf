// `crawlproof run` with [prompts] enabled on pages crawled by wget from a
// loopback server (tests/data/prompts/planted*.warc.gz, rebuilt by
// tests/prompts/make-planted-warc): the rows verl reads, their provenance
// equal to the documents' accounts, every candidate's account in the store,
// the manifest, audit --prompt with a bundle that `audit verify` accepts
// (and a tampered one it refuses), question dedup against an earlier run.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/digest.h"
#include "common/encoding.h"
#include "ingest/content_decoding.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

namespace fs = std::filesystem;
const std::string kSrc = CRAWLPROOF_TEST_SOURCE_DIR;

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  return e[key].get(s) ? std::string() : std::string(s);
}

uint64_t U64(simdjson::dom::element e, const char* key) {
  uint64_t v = 0;
  EXPECT_FALSE(e[key].get(v)) << key << " is not an unsigned integer";
  return v;
}

// A signed ledger over the planted WARCs in `dir`/warcs, its trust file.
void MakeLedger(const std::string& dir) {
  fs::create_directories(dir + "/warcs");
  for (const char* f : {"planted.warc.gz", "planted-2.warc.gz"})
    fs::copy_file(kSrc + "/tests/data/prompts/" + f, dir + "/warcs/" + f);
  ASSERT_EQ(testing::RunCrawlproof("keygen --name v1 --out " + dir + "/keys").exit_code, 0);
  auto valset = testing::RunCrawlproof("ledger valset --quorum 1 " + dir + "/keys/v1.vkey");
  ASSERT_EQ(valset.exit_code, 0) << valset.err;
  std::ofstream(dir + "/genesis.valset") << valset.out;
  std::ofstream(dir + "/trust.toml") << "origin = \"crawlproof.test/prompts\"\nvalset_file = \"genesis.valset\"\n";
  auto build =
      testing::RunCrawlproof("ledger build --origin crawlproof.test/prompts --valset " + dir +
                             "/genesis.valset --key " + dir + "/keys/v1.key --root " + dir + "/warcs --out " + dir +
                             "/ledger.json " + dir + "/warcs/planted.warc.gz " + dir + "/warcs/planted-2.warc.gz");
  ASSERT_EQ(build.exit_code, 0) << build.err;
}

std::string Pipeline(const std::string& dir, const std::string& name, const std::string& paths,
                     const std::string& prompts_extra = "") {
  const std::string path = dir + "/" + name + ".toml";
  std::ofstream(path) << "[run]\noutput = \"" << name << "\"\nworkers = 2\n[source]\npaths = [" << paths
                      << "]\n[ledger]\nsnapshot = \"ledger.json\"\ntrust = \"trust.toml\"\nroot = \"warcs\"\n"
                      << "[filter]\nlanguages = []\nsteps = [\"url\"]\n[filter.decontaminate]\nfiles = [\"" << kSrc
                      << "/tests/data/prompts/eval-set.jsonl\"]\n[tokenize]\ntokenizer = \"" << kSrc
                      << "/data/tokenizers/deepseek-v3/tokenizer.json\"\n[prompts]\nenabled = true\n"
                      << prompts_extra;
  return path;
}

struct Row {
  std::string json, question, ground_truth, prompt_id, doc_id, answer_type, kind, split;
};

std::vector<Row> ReadRows(const std::string& file) {
  std::vector<Row> rows;
  auto lines = ingest::DecodeContentCoding("zstd", testing::ReadFileBytes(file), uint64_t{1} << 30);
  EXPECT_TRUE(lines.ok()) << file;
  if (!lines.ok()) return rows;
  simdjson::dom::parser parser;
  size_t at = 0;
  while (at < lines->size()) {
    size_t nl = lines->find('\n', at);
    Row r;
    r.json = lines->substr(at, nl - at);
    at = nl + 1;
    simdjson::padded_string p(r.json);
    simdjson::dom::element e = parser.parse(p);
    simdjson::dom::array messages = e["prompt"];
    for (simdjson::dom::element m : messages)
      if (Str(m, "role") == "user") r.question = Str(m, "content");
    r.ground_truth = Str(e["reward_model"], "ground_truth");
    r.prompt_id = Str(e["extra_info"], "prompt_id");
    r.doc_id = Str(e["extra_info"], "doc_id");
    r.answer_type = Str(e["extra_info"], "answer_type");
    r.kind = Str(e["extra_info"], "kind");
    r.split = Str(e["extra_info"], "split");
    rows.push_back(std::move(r));
  }
  return rows;
}

// Every prompt account of a store, by id.
std::map<std::string, std::string> Accounts(const std::string& store) {
  auto dump = testing::RunCrawlproof("store dump " + store + " --family prompts");
  EXPECT_EQ(dump.exit_code, 0) << dump.err;
  std::map<std::string, std::string> out;
  simdjson::dom::parser parser;
  size_t at = 0;
  while (at < dump.out.size()) {
    size_t nl = dump.out.find('\n', at);
    simdjson::padded_string p(dump.out.substr(at, nl - at));
    at = nl + 1;
    simdjson::dom::element e = parser.parse(p);
    out[std::string(e["key"].get_string().value())] = simdjson::minify(e["value"]);
  }
  return out;
}

class PromptsRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    MakeLedger(dir_);
  }
  std::string dir_;
};

TEST_F(PromptsRun, PlantedPagesBecomeVerlRowsWithTheirProvenance) {
  auto run = testing::RunCrawlproof("run " + Pipeline(dir_, "out", "\"warcs/planted.warc.gz\"") + " --progress off");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const std::string out = dir_ + "/out";
  ASSERT_TRUE(fs::exists(out + "/prompts/prompts-00000.jsonl.zst"));
  ASSERT_TRUE(fs::exists(out + "/prompts/prompts-00000.parquet"));
  std::vector<Row> rows = ReadRows(out + "/prompts/prompts-00000.jsonl.zst");
  std::map<std::string, Row> by_question;  // the question's first line
  for (const Row& r : rows) by_question[r.question.substr(0, r.question.find('\n'))] = r;
  // Planted items that must come through, with their ground truth: JSON-LD
  // (FAQPage, @graph with suggested answers), microdata (QAPage), boxed,
  // "The answer is", "Final answer:", GSM8K "####", exercises with
  // solutions, a <details> block, the one real entry among 3,000 repeats.
  const std::map<std::string, std::string> planted = {
      {"How many centimetres are there in 2.5 metres?", "250"},
      {"What is the boiling point of water at sea level in degrees Celsius?", "100"},
      {"What is 15% of 80?", "12"},
      {"How many edges does a cube have?", "12"},
      {"Is every square a rectangle?", "yes"},
      {"A train travels 180 km in 2 hours at a constant speed. How far does it travel in 5 hours?", "450"},
      {"Simplify the fraction 18/24 to lowest terms.", "3/4"},
      {"Is 91 a prime number? Think about small divisors.", "no"},
      {"A car uses 6 litres of fuel per 100 km. What percentage of a 50 litre tank does a 250 km trip use?", "30"},
      {"Compute the value of 2 raised to the power 10.", "1024"},
      {"What is the square root of 144?", "12"},
      {"Write the square root of 50 in simplest radical form.", "5\\sqrt{2}"},
      {"Janet has 3 boxes with 12 pencils each. She gives away 7 pencils. How many pencils does she have left?", "29"},
      {"A school orders 1,250 notebooks and hands out 875 of them. How many notebooks are left?", "375"},
      {"A train travels 240 km in 3 hours at a constant speed. How far does it travel in 5 hours?", "400"},
      {"How many days are there in a leap year?", "366"},
      {"What is the derivative of x squared?", "2x"},
  };
  for (const auto& [q, truth] : planted) {
    ASSERT_TRUE(by_question.count(q)) << "missing: " << q;
    EXPECT_EQ(by_question[q].ground_truth, truth) << q;
  }
  // The template asks for \boxed{}, where verl's math scorer looks.
  EXPECT_NE(rows[0].json.find("put your final answer within \\\\boxed{}"), std::string::npos) << rows[0].json;
  // Every field of verl's shape; the source fields exactly as the document's account has them.
  simdjson::dom::parser parser, doc_parser;
  for (size_t i = 0; i < rows.size(); ++i) {
    simdjson::padded_string p(rows[i].json);
    simdjson::dom::element e = parser.parse(p);
    EXPECT_EQ(Str(e, "data_source"), "lighteval/MATH");
    EXPECT_TRUE(Str(e, "ability") == "math" || Str(e, "ability") == "qa");
    EXPECT_EQ(Str(e["reward_model"], "style"), "rule");
    simdjson::dom::element x = e["extra_info"];
    EXPECT_EQ(U64(x, "index"), i);
    EXPECT_EQ(Str(x, "split"), "train");
    EXPECT_EQ(Str(x, "verification"), "verified");
    EXPECT_EQ(Str(x, "record_id").front(), '<');
    EXPECT_EQ(U64(e, "prompt_tokens"), simdjson::dom::array(e["prompt_ids"]).size());
    auto doc = testing::RunCrawlproof("audit --store " + out + "/store --doc " + Str(x, "doc_id") + " --json");
    ASSERT_EQ(doc.exit_code, 0) << doc.err;
    simdjson::padded_string dp(doc.out);
    simdjson::dom::element d = doc_parser.parse(dp);
    EXPECT_EQ(Str(d, "status"), "in-shard");
    for (const char* k : {"url", "crawl", "file", "record_id"}) EXPECT_EQ(Str(x, k), Str(d["source"], k)) << k;
    EXPECT_EQ(U64(x, "offset"), U64(d["source"], "offset"));
    EXPECT_EQ(U64(x, "length"), U64(d["source"], "length"));
    EXPECT_EQ(U64(x, "ledger_leaf"), U64(d, "ledger_leaf"));
    // The document's account lists its prompts.
    EXPECT_NE(doc.out.find(rows[i].prompt_id), std::string::npos);
  }
  // Rejected candidates: in the store with their reasons, not in the file.
  std::map<std::string, std::string> reason_of;  // question's first 40 bytes -> reason
  for (const auto& [id, account] : Accounts(out + "/store")) {
    simdjson::padded_string p(account);
    simdjson::dom::element a = parser.parse(p);
    reason_of[Str(a, "question").substr(0, 40)] = Str(a, "reason");
    const bool in_file = account.find("\"status\":\"kept\"") != std::string::npos;
    EXPECT_EQ(in_file, std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.prompt_id == id; }));
  }
  EXPECT_EQ(reason_of["Look at the figure above and find the ar"], "prompts:not_self_contained");
  EXPECT_EQ(reason_of["Which of the following is a unit of leng"], "prompts:multiple_choice_without_options");
  EXPECT_EQ(reason_of["How do I reset my password on the custom"], "prompts:answer_not_verifiable");
  EXPECT_EQ(reason_of["Weng earns $12 an hour for babysitting. "], "prompts:decontaminate:eval-set");
  EXPECT_EQ(reason_of["Describe the graph of y = x squared."], "prompts:answer_not_verifiable");
  EXPECT_EQ(reason_of["Please summarise the whole manual for me"], "prompts:answer_too_long");  // its 10 MB answer
  // The reposted train problem: a duplicate of the first, kept one.
  size_t duplicates = 0;
  for (const auto& [q, reason] : reason_of) duplicates += reason == "prompts:duplicate";
  EXPECT_EQ(duplicates, 1u);
  // The manifest: every file's SHA-256, the counts the stats line has.
  const std::string manifest = testing::ReadFileBytes(out + "/prompts/manifest.json");
  for (const char* f : {"prompts-00000.jsonl.zst", "prompts-00000.parquet"})
    EXPECT_NE(manifest.find(HexEncode(Sha256(testing::ReadFileBytes(out + "/prompts/" + f)))), std::string::npos) << f;
  EXPECT_NE(manifest.find("\"kept\":" + std::to_string(rows.size())), std::string::npos) << manifest;
  EXPECT_NE(run.out.find("\"prompts\":{\"candidates\":"), std::string::npos) << run.out;
  EXPECT_NE(testing::ReadFileBytes(out + "/README.md").find("## Prompts"), std::string::npos);
  EXPECT_NE(testing::ReadFileBytes(out + "/report.html").find("Prompts"), std::string::npos);
}

TEST_F(PromptsRun, AuditBundleOfAPromptVerifiesAndATamperedOneDoesNot) {
  ASSERT_EQ(
      testing::RunCrawlproof("run " + Pipeline(dir_, "out", "\"warcs/planted.warc.gz\"") + " --progress off").exit_code,
      0);
  const std::string out = dir_ + "/out";
  std::vector<Row> rows = ReadRows(out + "/prompts/prompts-00000.jsonl.zst");
  ASSERT_GT(rows.size(), 5u);
  const Row& r = rows[5];
  auto story = testing::RunCrawlproof("audit --store " + out + "/store --prompt " + r.prompt_id);
  ASSERT_EQ(story.exit_code, 0) << story.err;
  EXPECT_NE(story.out.find("prompt " + r.prompt_id + ": kept"), std::string::npos) << story.out;
  EXPECT_NE(story.out.find("ledger:   verified"), std::string::npos) << story.out;
  auto json = testing::RunCrawlproof("audit --store " + out + "/store --prompt " + r.prompt_id + " --json");
  ASSERT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find("\"ground_truth\":\"" + r.ground_truth + "\""), std::string::npos) << json.out;
  const std::string bundle = dir_ + "/bundle.json";
  auto b = testing::RunCrawlproof("audit --store " + out + "/store --prompt " + r.prompt_id + " --bundle " + bundle);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = testing::RunCrawlproof("audit verify " + bundle + " --trust " + dir_ + "/trust.toml --prompts " + out +
                                  "/prompts --shards " + out + "/shards");
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  EXPECT_NE(v.out.find("\"status\":\"verified\""), std::string::npos);
  EXPECT_NE(v.out.find("\"prompt_row\":\"verified"), std::string::npos) << v.out;
  // Another ground truth in the bundle: its id no longer matches.
  std::string text = testing::ReadFileBytes(bundle);
  const std::string answer = "\"answer_text\":\"";
  size_t at = text.find(answer, text.find("\"prompt\":"));
  ASSERT_NE(at, std::string::npos);
  text.insert(at + answer.size(), "9");
  std::ofstream(dir_ + "/tampered.json") << text;
  auto t = testing::RunCrawlproof("audit verify " + dir_ + "/tampered.json --trust " + dir_ + "/trust.toml");
  EXPECT_NE(t.exit_code, 0);
  EXPECT_NE(t.out.find("prompt: prompt " + r.prompt_id + ": its id is not the hash"), std::string::npos) << t.out;
  // A prompt file changed after the run: the row check fails.
  fs::permissions(out + "/prompts/prompts-00000.jsonl.zst", fs::perms::owner_write, fs::perm_options::add);
  std::ofstream(out + "/prompts/prompts-00000.jsonl.zst", std::ios::app) << "x";
  auto changed = testing::RunCrawlproof("audit verify " + bundle + " --trust " + dir_ + "/trust.toml --prompts " + out +
                                        "/prompts");
  EXPECT_NE(changed.exit_code, 0);
  EXPECT_NE(changed.out.find("SHA-256 differs from the manifest"), std::string::npos) << changed.out;
  // An unknown id.
  auto unknown = testing::RunCrawlproof("audit --store " + out + "/store --prompt p0000 --json");
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.out.find("\"status\":\"unknown\""), std::string::npos);
}

// The same inputs and options give the same bytes; a later run dedups its
// questions against the earlier run's kept ones and numbers its file next.
TEST_F(PromptsRun, StableAcrossOutputsAndDedupedAgainstEarlierRuns) {
  const std::string first = "\"warcs/planted.warc.gz\"", both = first + ", \"warcs/planted-2.warc.gz\"";
  for (const char* name : {"a", "b"})
    ASSERT_EQ(
        testing::RunCrawlproof("run " + Pipeline(dir_, name, first, "validation_fraction = 0.4\n") + " --progress off")
            .exit_code,
        0);
  for (const char* f : {"prompts-00000.jsonl.zst", "prompts-00000.parquet", "manifest.json"})
    EXPECT_EQ(testing::ReadFileBytes(dir_ + "/a/prompts/" + f), testing::ReadFileBytes(dir_ + "/b/prompts/" + f)) << f;
  std::vector<Row> rows = ReadRows(dir_ + "/a/prompts/prompts-00000.jsonl.zst");
  std::set<std::string> splits;
  for (const Row& r : rows) splits.insert(r.split);
  EXPECT_EQ(splits, (std::set<std::string>{"train", "validation"}));
  // Run 2 over both crawls: the first is done; the second's repeated train problem is a duplicate of run 1's.
  auto second =
      testing::RunCrawlproof("run " + Pipeline(dir_, "a", both, "validation_fraction = 0.4\n") + " --progress off");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("\"prompts:duplicate:earlier\":1"), std::string::npos) << second.out;
  std::vector<Row> later = ReadRows(dir_ + "/a/prompts/prompts-00001.jsonl.zst");
  std::set<std::string> truths;
  for (const Row& r : later) truths.insert(r.ground_truth);
  EXPECT_EQ(truths, (std::set<std::string>{"45", "12"}));
  const std::string manifest = testing::ReadFileBytes(dir_ + "/a/prompts/manifest.json");
  EXPECT_NE(manifest.find("\"name\":\"prompts-00001.parquet\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"run\":2"), std::string::npos);
}

// Killed after a group's prompt files are placed but before its commit, and
// after a commit but before the manifest file is written: the next run ends
// with the same prompt files and accounts as a run never killed.
TEST_F(PromptsRun, KilledRunsResumeToTheSameFiles) {
  const std::string both = "\"warcs/planted.warc.gz\", \"warcs/planted-2.warc.gz\"";
  auto write = [&](const std::string& name) {  // one commit group per source
    const std::string path = Pipeline(dir_, name, both);
    std::string text = testing::ReadFileBytes(path);
    text.replace(text.find("workers = 2\n"), 12, "workers = 2\ncommit_every = 1\n");
    std::ofstream(path) << text;
    return path;
  };
  auto files = [](const std::string& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::directory_iterator(dir))
      out[e.path().filename().string()] = testing::ReadFileBytes(e.path().string());
    return out;
  };
  ASSERT_EQ(testing::RunCrawlproof("run " + write("clean") + " --progress off").exit_code, 0);
  ASSERT_EQ(files(dir_ + "/clean/prompts").size(), 5u);  // two pairs and the manifest
  for (const char* point : {"prompts-placed:2", "committed:1"}) {
    const std::string name = std::string("k") + point[0];
    auto killed =
        testing::RunCrawlproof("run " + write(name) + " --progress off", std::string("CRAWLPROOF_FAILPOINT=") + point);
    EXPECT_NE(killed.exit_code, 0) << point;
    if (point[0] == 'p') {  // the second pair placed, the manifest without it: what the next run must clean up
      EXPECT_TRUE(fs::exists(dir_ + "/" + name + "/prompts/prompts-00001.jsonl.zst"));
      EXPECT_EQ(testing::ReadFileBytes(dir_ + "/" + name + "/prompts/manifest.json").find("prompts-00001"),
                std::string::npos);
    }
    auto again = testing::RunCrawlproof("run " + write(name) + " --progress off");
    ASSERT_EQ(again.exit_code, 0) << point << again.err;
    EXPECT_EQ(files(dir_ + "/" + name + "/prompts"), files(dir_ + "/clean/prompts")) << point;
    EXPECT_EQ(Accounts(dir_ + "/" + name + "/store"), Accounts(dir_ + "/clean/store")) << point;
  }
}

// The Parquet file reads back equal to the JSON lines through pyarrow and
// Hugging Face datasets (verl's loader), where build/venv has them.
TEST_F(PromptsRun, ParquetRowsEqualTheJsonRows) {
  const std::string python = testing::BinaryDir() + "/../venv/bin/python";
  if (std::system((python + " -c 'import pyarrow' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "pyarrow not installed in build/venv";
  ASSERT_EQ(
      testing::RunCrawlproof("run " + Pipeline(dir_, "out", "\"warcs/planted.warc.gz\"") + " --progress off").exit_code,
      0);
  const std::string p = dir_ + "/out/prompts/prompts-00000";
  ASSERT_EQ(std::system(("zstd -qdc " + p + ".jsonl.zst > " + dir_ + "/rows.jsonl").c_str()), 0);
  EXPECT_EQ(std::system((python + " " + kSrc + "/tests/prompts/parquet_equals_json.py " + p + ".parquet " + dir_ +
                         "/rows.jsonl")
                            .c_str()),
            0);
}

// verl's RLHFDataset and built-in reward, TRL's GRPOTrainer: the rows come
// through with their ground truth (tests/prompts/trainer_loaders.py). Runs
// where torch, transformers, datasets, trl and verl install: build/venv-trainers
// (or the Python in $CRAWLPROOF_TRAINERS_PYTHON); skipped elsewhere.
TEST_F(PromptsRun, VerlAndTrlReadTheRowsWithTheirGroundTruth) {
  const char* env = std::getenv("CRAWLPROOF_TRAINERS_PYTHON");
  const std::string python = env ? env : testing::BinaryDir() + "/../venv-trainers/bin/python";
  if (std::system((python + " -c 'import verl, trl, torch' >/dev/null 2>&1").c_str()) != 0)
    GTEST_SKIP() << "verl, trl and torch are not installed for " << python;
  ASSERT_EQ(
      testing::RunCrawlproof("run " + Pipeline(dir_, "out", "\"warcs/planted.warc.gz\"") + " --progress off").exit_code,
      0);
  const std::string log = dir_ + "/trainers.log";
  const int rc =
      std::system((python + " " + kSrc + "/tests/prompts/trainer_loaders.py " + dir_ +
                   "/out/prompts/prompts-00000.parquet " + kSrc + "/data/tokenizers/deepseek-v3 > " + log + " 2>&1")
                      .c_str());
  const std::string out = testing::ReadFileBytes(log);
  EXPECT_EQ(rc, 0) << out;
  const std::string n = std::to_string(ReadRows(dir_ + "/out/prompts/prompts-00000.jsonl.zst").size());
  EXPECT_NE(out.find("RLHFDataset read " + n + " rows; default_compute_score gave 1 to " + n + " right and 0 to " + n +
                     " wrong"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("GRPOTrainer ran a step, the reward function got the ground truth"), std::string::npos) << out;
}

}  // namespace
}  // namespace crawlproof

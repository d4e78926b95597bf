// `crawlproof extract` and `crawlproof filter` as a user runs them.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(ExtractCommand, DocumentsAndStats) {
  std::string dir = testing::MakeTempDir();
  auto r = testing::RunCrawlproof("extract " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) +
                                  "/data/sample.warc.gz --stats " + dir + "/stats.json");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Lines(r.out), 16u);
  std::string first = r.out.substr(0, r.out.find('\n'));
  for (const char* key : {"\"id\":", "\"url\":", "\"date\":", "\"title\":", "\"text\":", "\"lang\":", "\"lang_score\":",
                          "\"file\":", "\"offset\":", "\"length\":"})
    EXPECT_NE(first.find(key), std::string::npos) << key << " in " << first;
  std::string stats = testing::ReadFileBytes(dir + "/stats.json");
  EXPECT_NE(stats.find("\"records\":50,\"documents\":16"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"type:request\":17"), std::string::npos) << stats;
  EXPECT_EQ(testing::RunCrawlproof("extract " + dir + "/missing.warc.gz").exit_code, 2);
}

// Every input line lands in exactly one output; a bad line is reported with
// its number and counted, and the exit code says so.
TEST(FilterCommand, EveryLineLandsOnceAndBadLinesAreReported) {
  std::string dir = testing::MakeTempDir();
  auto docs = testing::RunCrawlproof("extract " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) +
                                     "/tests/data/debian-faq-multilingual.warc.gz " + CRAWLPROOF_TEST_SOURCE_DIR +
                                     "/data/sample.warc.gz");
  ASSERT_EQ(docs.exit_code, 0);
  ASSERT_EQ(Lines(docs.out), 20u);
  std::ofstream(dir + "/docs.jsonl") << docs.out << "this is not json\n{\"id\":\"x\"}\n";
  std::ofstream(dir + "/all.toml") << "[filter.language]\nlanguages = []\nmin_score = 0.5\n";
  std::string cmd = "filter --input " + dir + "/docs.jsonl --config " + dir + "/all.toml --output " + dir +
                    "/kept.jsonl --dropped " + dir + "/dropped.jsonl --stats " + dir + "/stats.json";
  auto r = testing::RunCrawlproof(cmd);
  EXPECT_EQ(r.exit_code, 1);  // two invalid lines
  std::string kept = testing::ReadFileBytes(dir + "/kept.jsonl");
  std::string dropped = testing::ReadFileBytes(dir + "/dropped.jsonl");
  EXPECT_EQ(Lines(kept) + Lines(dropped), 22u);
  EXPECT_NE(dropped.find("{\"line\":21,\"reason\":\"input:invalid\",\"error\":\"not JSON"), std::string::npos)
      << dropped;
  EXPECT_NE(dropped.find("{\"line\":22,\"reason\":\"input:invalid\",\"error\":\"no \\\"text\\\" string\""),
            std::string::npos)
      << dropped;
  // The four FAQ chapters (de, ru, ja, zh) are kept; every dropped document has a reason.
  for (const char* url : {"basic-defs.de.html", "basic-defs.ru.html", "basic-defs.ja.html", "basic-defs.zh-cn.html"})
    EXPECT_NE(kept.find(url), std::string::npos) << url;
  size_t reasons = 0;
  for (size_t p = dropped.find("\"reason\":\""); p != std::string::npos; p = dropped.find("\"reason\":\"", p + 1))
    ++reasons;
  EXPECT_EQ(reasons, Lines(dropped));
  std::string stats = testing::ReadFileBytes(dir + "/stats.json");
  EXPECT_NE(stats.find("\"documents\":20,"), std::string::npos) << stats;
  EXPECT_NE(stats.find("\"invalid_lines\":2"), std::string::npos) << stats;
  // A misspelt option is refused before anything is read.
  std::ofstream(dir + "/typo.toml") << "[filter.fineweb]\nshort_line_treshold = 0.5\n";
  EXPECT_EQ(testing::RunCrawlproof("filter --input " + dir + "/docs.jsonl --config " + dir + "/typo.toml --output " +
                                   dir + "/k2 --dropped " + dir + "/d2")
                .exit_code,
            2);
}

// `minhash` writes the documented file; `dedup` keeps one of each cluster and
// says for every removed line what it duplicates.
TEST(DedupCommand, SignatureFileAndRemovedLines) {
  std::string dir = testing::MakeTempDir();
  auto docs = testing::RunCrawlproof("extract " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/data/sample.warc.gz");
  ASSERT_EQ(docs.exit_code, 0);
  // The 16 documents, then each again under another id (exact duplicates),
  // then a line without an id.
  std::string input = docs.out, first = docs.out.substr(0, docs.out.find('\n'));
  std::string copy = docs.out;
  for (size_t p = 0; (p = copy.find("{\"id\":\"", p)) != std::string::npos; p += 8) copy.insert(p + 7, "copy-");
  input += copy;
  std::ofstream(dir + "/docs.jsonl") << input << "{\"text\":\"no id\"}\n";
  auto m = testing::RunCrawlproof("minhash --input " + dir + "/docs.jsonl --output " + dir + "/sigs.bin --device cpu");
  EXPECT_EQ(m.exit_code, 1);  // the line without an id
  std::string sigs = testing::ReadFileBytes(dir + "/sigs.bin");
  ASSERT_GE(sigs.size(), 40u);
  EXPECT_EQ(sigs.substr(0, 16), "CRAWLPROOF-MH-V1");
  EXPECT_EQ(static_cast<unsigned char>(sigs[16]), 112u);  // num_perm, little-endian
  EXPECT_EQ(static_cast<unsigned char>(sigs[32]), 32u);   // document count
  std::string id0 = first.substr(7, 36);
  EXPECT_EQ(sigs.substr(40, 2), std::string("\x24\x00", 2));  // id length 36
  EXPECT_EQ(sigs.substr(42, 36), id0);
  EXPECT_EQ(sigs.size(), 40u + 32 * (2 + 112 * 8) + 16 * 36 + 16 * 41);
  auto d = testing::RunCrawlproof("dedup --input " + dir + "/docs.jsonl --output " + dir + "/kept.jsonl --removed " +
                                  dir + "/removed.jsonl --stats " + dir + "/stats.json --device cpu");
  EXPECT_EQ(d.exit_code, 1);
  std::string kept = testing::ReadFileBytes(dir + "/kept.jsonl");
  std::string removed = testing::ReadFileBytes(dir + "/removed.jsonl");
  EXPECT_EQ(Lines(removed), 16u);
  EXPECT_EQ(Lines(kept), 16u);
  EXPECT_EQ(kept, docs.out);  // the originals, lines untouched
  EXPECT_NE(removed.find("{\"id\":\"copy-" + id0 + "\",\"duplicate_of\":\"" + id0 + "\",\"cluster\":\"" + id0 +
                         "\",\"jaccard\":1,\"method\":\"exact\"}"),
            std::string::npos)
      << removed;
  std::string stats = testing::ReadFileBytes(dir + "/stats.json");
  EXPECT_NE(stats.find("\"documents\":32,\"kept\":16,\"exact_duplicates\":16"), std::string::npos) << stats;
}

// A memory budget far below what the documents need: the same outputs, and
// the stats say what went to disk. A budget that is not a size is refused.
TEST(DedupCommand, MemoryBudgetSpillsWithoutChangingTheOutput) {
  std::string dir = testing::MakeTempDir();
  auto docs = testing::RunCrawlproof("extract " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) +
                                     "/tests/data/debian-faq-multilingual.warc.gz");
  ASSERT_EQ(docs.exit_code, 0);
  std::string input = docs.out, copy = docs.out;
  for (size_t p = 0; (p = copy.find("{\"id\":\"", p)) != std::string::npos; p += 8) copy.insert(p + 7, "copy-");
  std::ofstream(dir + "/docs.jsonl") << input << copy;
  std::string run = "dedup --input " + dir + "/docs.jsonl --device cpu --no-exact";
  auto whole = testing::RunCrawlproof(run + " --output " + dir + "/k1 --removed " + dir + "/r1 --stats " + dir + "/s1");
  ASSERT_EQ(whole.exit_code, 0) << whole.err;
  auto small = testing::RunCrawlproof(run + " --output " + dir + "/k2 --removed " + dir + "/r2 --stats " + dir +
                                      "/s2 --memory-budget 1K --temp-dir " + dir);
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(testing::ReadFileBytes(dir + "/k1"), testing::ReadFileBytes(dir + "/k2"));
  std::string removed = testing::ReadFileBytes(dir + "/r1");
  EXPECT_EQ(removed, testing::ReadFileBytes(dir + "/r2"));
  EXPECT_GE(Lines(removed), Lines(docs.out));  // every copy, as a near duplicate
  std::string s1 = testing::ReadFileBytes(dir + "/s1"), s2 = testing::ReadFileBytes(dir + "/s2");
  EXPECT_NE(s1.find("\"spilled_signature_bytes\":0,\"spilled_band_bytes\":0,\"sorted_runs\":0"), std::string::npos)
      << s1;
  EXPECT_NE(s2.find("\"memory_budget_bytes\":1024,"), std::string::npos) << s2;
  EXPECT_EQ(s2.find("\"spilled_signature_bytes\":0"), std::string::npos) << s2;
  EXPECT_EQ(s2.find("\"sorted_runs\":0,"), std::string::npos) << s2;
  auto bad = testing::RunCrawlproof(run + " --output " + dir + "/k3 --removed " + dir + "/r3 --memory-budget lots");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--memory-budget lots: not a size"), std::string::npos) << bad.err;
}

// A later run against the index of an earlier one: documents it already kept
// are removed and named by their earlier id.
TEST(DedupCommand, LaterRunsDeduplicateAgainstTheIndex) {
  std::string dir = testing::MakeTempDir();
  auto docs = testing::RunCrawlproof("extract " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/data/sample.warc.gz");
  ASSERT_EQ(docs.exit_code, 0);
  std::string again = docs.out, first = docs.out.substr(0, docs.out.find('\n'));
  for (size_t p = 0; (p = again.find("{\"id\":\"", p)) != std::string::npos; p += 8) again.insert(p + 7, "later-");
  std::ofstream(dir + "/run1.jsonl") << docs.out;
  std::ofstream(dir + "/run2.jsonl") << again;
  std::string common = " --index " + dir + "/index --device cpu";
  auto r1 = testing::RunCrawlproof("dedup --input " + dir + "/run1.jsonl --output " + dir + "/k1 --removed " + dir +
                                   "/r1" + common);
  ASSERT_EQ(r1.exit_code, 0);
  EXPECT_EQ(Lines(testing::ReadFileBytes(dir + "/k1")), 16u);
  auto r2 = testing::RunCrawlproof("dedup --input " + dir + "/run2.jsonl --output " + dir + "/k2 --removed " + dir +
                                   "/r2 --stats " + dir + "/s2.json" + common);
  ASSERT_EQ(r2.exit_code, 0);
  EXPECT_EQ(testing::ReadFileBytes(dir + "/k2"), "");
  std::string removed = testing::ReadFileBytes(dir + "/r2");
  EXPECT_EQ(Lines(removed), 16u);
  std::string id0 = first.substr(7, 36);
  EXPECT_NE(removed.find("{\"id\":\"later-" + id0 + "\",\"duplicate_of\":\"" + id0 + "\",\"cluster\":\"" + id0 +
                         "\",\"jaccard\":1,\"method\":\"minhash\",\"earlier_run\":true}"),
            std::string::npos)
      << removed;
  std::string stats = testing::ReadFileBytes(dir + "/s2.json");
  EXPECT_NE(stats.find("\"earlier_run_duplicates\":16,\"index_documents\":16"), std::string::npos) << stats;
  // Other LSH parameters cannot use this index.
  EXPECT_EQ(testing::RunCrawlproof("dedup --input " + dir + "/run2.jsonl --output " + dir + "/k3 --removed " + dir +
                                   "/r3 --bands 10" + common)
                .exit_code,
            2);
}

}  // namespace
}  // namespace crawlproof

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

}  // namespace
}  // namespace crawlproof

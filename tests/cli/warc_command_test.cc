// The `crawlproof warc` commands as a user runs them: output, exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>

#include "tests/ingest/read_all.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

using Run = testing::CliRun;

Run Crawlproof(const std::string& args) {
  return testing::RunCrawlproof(args);
}

size_t Lines(const std::string& s) {
  return static_cast<size_t>(std::count(s.begin(), s.end(), '\n'));
}

TEST(WarcIndex, OneJsonLinePerRecordExitZero) {
  std::string f = testing::FixturePath("warc/rp_warcfile.warc.gz");
  auto r = Crawlproof("warc index " + f);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(Lines(r.out), 50u);
  std::string first = r.out.substr(0, r.out.find('\n'));
  for (const char* key :
       {"\"file\":", "\"offset\":0", "\"length\":", "\"type\":\"warcinfo\"",
        "\"record_id\":\"<urn:uuid:", "\"target_uri\":", "\"date\":", "\"content_length\":", "\"digest_ok\":null"})
    EXPECT_NE(first.find(key), std::string::npos) << key << " in " << first;
  EXPECT_NE(r.out.find("\"digest_ok\":true"), std::string::npos);
}

TEST(WarcIndex, ExitCodesForBadAndUnreadableInput) {
  auto bad = Crawlproof("warc index " + testing::FixturePath("warc/gowarc_corrupted-mid-record.warc.gz.open"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(Lines(bad.out), 12u);  // the good records are still indexed
  auto missing = Crawlproof("warc index /no/such/file.warc.gz");
  EXPECT_EQ(missing.exit_code, 2);
  auto usage = Crawlproof("warc index");
  EXPECT_EQ(usage.exit_code, 2);
}

// Commands end with one summary line on stderr saying why the exit status is
// what it is (main() maps the command's Status to it, nowhere else).
TEST(WarcIndex, TheLastErrorLineSumsUpTheExitStatus) {
  const std::string good = testing::FixturePath("warc/rp_warcfile.warc.gz");
  const std::string bad = testing::FixturePath("warc/gowarc_corrupted-mid-record.warc.gz.open");
  auto damaged = Crawlproof("--log-format text warc index " + good + " " + bad);
  EXPECT_EQ(damaged.exit_code, 1);
  EXPECT_EQ(Lines(damaged.out), 62u);
  std::string last = damaged.err.substr(damaged.err.rfind('\n', damaged.err.size() - 2) + 1);
  EXPECT_NE(last.find("warc index: "), std::string::npos) << damaged.err;
  EXPECT_NE(last.find(" bad records (see above)"), std::string::npos) << last;
  auto unreadable = Crawlproof("--log-format text warc index " + good + " /no/such/file.warc.gz " + bad);
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_EQ(Lines(unreadable.out), 62u);  // the readable inputs are still indexed
  EXPECT_NE(unreadable.err.find("warc index: 1 of 3 inputs could not be read"), std::string::npos) << unreadable.err;
}

TEST(WarcCat, WritesTheStoredMemberOfARecord) {
  std::string f = testing::FixturePath("warc/rp_warcfile.warc.gz");
  std::string file = testing::ReadFileBytes(f);
  auto all = testing::ReadAll(f);
  const auto& rec = all.records[7];
  auto with_length = Crawlproof("warc cat " + f + " --offset " + std::to_string(rec.offset) + " --length " +
                                std::to_string(rec.length));
  EXPECT_EQ(with_length.exit_code, 0);
  EXPECT_EQ(with_length.out, file.substr(rec.offset, rec.length));
  auto without = Crawlproof("warc cat " + f + " --offset " + std::to_string(rec.offset));
  EXPECT_EQ(without.exit_code, 0);
  EXPECT_EQ(without.out, file.substr(rec.offset, rec.length));
  auto decoded = Crawlproof("warc cat " + f + " --offset " + std::to_string(rec.offset) + " --decode");
  EXPECT_EQ(decoded.out, testing::GunzipAll(file.substr(rec.offset, rec.length)));
  auto wrong = Crawlproof("warc cat " + f + " --offset " + std::to_string(rec.offset + 3));
  EXPECT_EQ(wrong.exit_code, 1);
  // --length 0 is not "the whole record", --offset -1 does not wrap around.
  auto zero = Crawlproof("warc cat " + f + " --offset " + std::to_string(rec.offset) + " --length 0");
  EXPECT_EQ(zero.exit_code, 2);
  EXPECT_EQ(zero.out, "");
  EXPECT_NE(zero.err.find("--length"), std::string::npos) << zero.err;
  auto negative = Crawlproof("warc cat " + f + " --offset -1");
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_EQ(negative.out, "");
  EXPECT_NE(negative.err.find("--offset"), std::string::npos) << negative.err;
}

}  // namespace
}  // namespace crawlproof

namespace crawlproof {
namespace {

TEST(WarcCdx, IndexesHttpCapturesAndLookupFetchesThem) {
  std::string f = testing::FixturePath("warc/rp_warcfile.warc.gz");
  auto cdx = Crawlproof("warc cdx " + f);
  EXPECT_EQ(cdx.exit_code, 0);
  auto all = testing::ReadAll(f);
  size_t responses = 0;
  for (const auto& r : all.records) responses += r.type == "response";
  ASSERT_EQ(Lines(cdx.out), responses);
  // Every line's offset/length is a record: look the 10th URL up and fetch it.
  std::string line = cdx.out;
  for (int i = 0; i < 9; ++i) line = line.substr(line.find('\n') + 1);
  line = line.substr(0, line.find('\n'));
  auto url_at = line.find("\"url\":\"") + 7;
  std::string url = line.substr(url_at, line.find('"', url_at) - url_at);
  std::string index = testing::MakeTempDir() + "/index.cdxj";
  FILE* fp = fopen(index.c_str(), "w");
  fwrite(cdx.out.data(), 1, cdx.out.size(), fp);
  fclose(fp);
  auto fetched = Crawlproof("warc cat --cdxj-lookup " + index + " --url '" + url + "' --decode");
  EXPECT_EQ(fetched.exit_code, 0);
  EXPECT_EQ(fetched.out.substr(0, 9), "WARC/1.0\r");
  EXPECT_NE(fetched.out.find("WARC-Target-URI: " + url), std::string::npos);
}

}  // namespace
}  // namespace crawlproof

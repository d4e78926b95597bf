// Every real file in tests/data/fixtures/warc is read without a crash, a hang or
// unbounded memory; the well-formed ones completely and without errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;
using testing::ReadAll;

TEST(Fixtures, EveryFileIsReadWithoutCrashOrHang) {
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(FixturePath("warc"))) {
    auto all = ReadAll(e.path().string());
    EXPECT_FALSE(all.failed) << e.path() << ": " << (all.errors.empty() ? "" : all.errors.front());
    for (const auto& msg : all.errors) {
      // Every error names the file and an offset.
      EXPECT_NE(msg.find(e.path().filename().string()), std::string::npos) << msg;
      EXPECT_NE(msg.find("offset"), std::string::npos) << msg;
    }
    ++files;
  }
  EXPECT_GT(files, 90u);
}

// Well-formed files: record counts checked against the files themselves.
TEST(Fixtures, WellFormedFilesAreReadCompletely) {
  const std::map<std::string, size_t> expected = {
      {"warc/rp_warcfile.warc.gz", 50},
      {"warc/cmoncrawl_mini_CC-MAIN-2022-05.warc.gz", 3},
      {"warc/dolma_sample-0000_wget-1.21.4.warc.gz", 48},
      {"warc/gowarc_good.warc.gz.open", 50},
      {"warc/gowarc_test.warc.gz", 3},
      {"warc/jwarc_cc.warc.gz", 1},
      {"warc/jwarc_gzip_extra_sl.warc.gz", 1},
      {"warc/wac_IAH-urls-wget.warc.gz", 36},
      {"warc/warcbench_test-crawl_0.warc.gz", 23},
      {"warc/warcbench_scoop_example.com.warc", 9},
      {"warc/warcbench_fb_wget-1.25_zstd-accept.warc.gz", 10},
      {"warc/wio_example.warc.gz", 6},
      {"warc/wio_example-iana.org-chunked.warc", 3},
      {"warc/wio_example-digest.warc", 4},
      {"warc/npmwarc_CC-MAIN-20140820021334-00006.warc.wat", 9},
      {"warc/ccst_filter_test_1.wet.gz", 26},
      {"warc/jwat_small_BNF.arc", 6},
      {"warc/iawc_html-lang-attribute.warc", 5},
      {"warc/iawc_link-extraction-test.warc", 10},
      {"warc/iawc_text-extraction-test.warc", 4},
      {"warc/jwat_valid-warcfile-contenttype-continuation.warc", 1},
      {"warc/jwat_valid-warcfile-fields-metainfo.warc", 1},
      {"warc/jwat_valid-warcfile-non-warc-headers.warc", 1},
      {"warc/jwat_valid-warcfile-upper-lower-case.warc", 5},
      {"warc/jwat_valid-warcfile-utf8.warc", 1},
      {"warc/jwat_invalid-warcfile-contenttype-recommended.warc", 7},
      {"warc/jwat_invalid-warcfile-segment-number-continuation.warc", 2},
      {"warc/jwat_invalid-warcfile-encoding-headers.warc.gz", 4},
      {"warc/warciojs_redirect.warc", 2},
      {"warc/warciojs_post-test-more.warc", 6},  // gzip despite its name
      {"warc/wac_mutliple-headers.warc", 1},
      {"warc/wio_example-resource.warc.gz", 3},
      {"warc/wio_example-space-in-target-uri.warc.gz", 2},
      {"warc/wio_example-wget-bad-target-uri.warc.gz", 6},
      {"warc/wio_post-test.warc.gz", 6},
      {"warc/gowarc_skip-non-open.warc.gz", 10},
      {"warc/rp_block-sized-records.warc.gz", 3},
      {"warc/jwarc_testsuite_fold.warc", 1},
      {"commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc", 0},
  };
  for (const auto& [file, count] : expected) {
    auto all = ReadAll(FixturePath(file));
    EXPECT_TRUE(all.errors.empty()) << file << ": " << all.errors.front();
    if (count > 0) {
      EXPECT_EQ(all.records.size(), count) << file;
    } else {
      EXPECT_GT(all.records.size(), 0u) << file;
    }
    for (const auto& r : all.records) EXPECT_NE(r.digest_ok, std::optional<bool>(false)) << file << " " << r.id;
  }
}

TEST(Fixtures, BrokenFilesAreReportedNotFatal) {
  for (const char* file : {"warc/rp_clipped.warc.gz", "warc/ccst_appended_zip_fragment_unexpected_eof.wet.gz",
                           "warc/gowarc_corrupted-mid-record.warc.gz.open", "warc/jwat_gzip_invalid-truncated.gz",
                           "warc/wac_gzip_double-single-inflate-error.gz", "warc/wio_example-trunc.warc"}) {
    auto all = ReadAll(FixturePath(file));
    EXPECT_FALSE(all.failed) << file;
    size_t record_errors = 0;
    for (const auto& r : all.records) record_errors += r.errors;
    EXPECT_GT(all.errors.size() + record_errors, 0u) << file << " should report damage";
  }
  // The records before the damage survive.
  EXPECT_EQ(ReadAll(FixturePath("warc/gowarc_corrupted-mid-record.warc.gz.open")).records.size(), 12u);
  EXPECT_EQ(ReadAll(FixturePath("warc/ccst_appended_zip_fragment_unexpected_eof.wet.gz")).records.size(), 16u);
}

}  // namespace
}  // namespace crawlproof::ingest

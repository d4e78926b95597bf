// Both streaming inflaters (ISA-L and zlib) on real gzip WARCs: every member
// streamed must give exactly what libdeflate's whole-member path gives, with the
// same member boundaries (an inflater that reads past a member's end would
// shift every offset after it).
#include "ingest/stream_inflater.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;
using testing::ReadAll;

class StreamInflaterTest : public ::testing::TestWithParam<InflaterKind> {};

WarcReaderOptions StreamEverything(InflaterKind kind) {
  WarcReaderOptions o;
  o.decoder.max_fast_output_bytes = 1;  // libdeflate never succeeds: every member is streamed
  o.decoder.stream_chunk_bytes = 4096;  // and in small steps
  o.decoder.stream_inflater = kind;
  return o;
}

TEST_P(StreamInflaterTest, StreamedMembersEqualWholeMembers) {
  for (const char* file : {"warc/rp_warcfile.warc.gz", "warc/dolma_sample-0000_wget-1.21.4.warc.gz",
                           "warc/jwarc_gzip_extra_sl.warc.gz", "warc/warcbench_test-crawl_0.warc.gz"}) {
    auto whole = ReadAll(FixturePath(file));
    auto streamed = ReadAll(FixturePath(file), StreamEverything(GetParam()));
    ASSERT_TRUE(streamed.errors.empty()) << file << ": " << streamed.errors.front();
    ASSERT_EQ(streamed.records.size(), whole.records.size()) << file;
    for (size_t i = 0; i < whole.records.size(); ++i) {
      EXPECT_EQ(streamed.records[i].offset, whole.records[i].offset) << file << " #" << i;
      EXPECT_EQ(streamed.records[i].length, whole.records[i].length) << file << " #" << i;
      EXPECT_EQ(streamed.records[i].block, whole.records[i].block) << file << " #" << i;
      EXPECT_EQ(streamed.records[i].digest_ok, whole.records[i].digest_ok) << file << " #" << i;
    }
  }
}

TEST_P(StreamInflaterTest, DamageIsReportedAndSkipped) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = ReadAll(path);
  std::string bad = testing::ReadFileBytes(path);
  const auto& victim = ref.records[5];
  for (uint64_t i = victim.offset + 20; i < victim.offset + 60; ++i) bad[i] = '\x55';
  std::string copy = testing::WriteTempFile("bad.warc.gz", bad);
  auto all = ReadAll(copy, StreamEverything(GetParam()));
  EXPECT_EQ(all.records.size(), 49u);
  ASSERT_FALSE(all.errors.empty());
  EXPECT_NE(all.errors[0].find("offset " + std::to_string(victim.offset)), std::string::npos) << all.errors[0];
  EXPECT_NE(all.errors[0].find("corrupt gzip member"), std::string::npos) << all.errors[0];
}

INSTANTIATE_TEST_SUITE_P(Inflaters, StreamInflaterTest, ::testing::Values(InflaterKind::kIsal, InflaterKind::kZlib),
                         [](const auto& info) { return std::string(InflaterName(info.param)); });

}  // namespace
}  // namespace crawlproof::ingest

// Inputs the fuzz targets found (docs/security.md), kept as unit tests: under
// the asan preset (ASan + UBSan, no recovery) each would abort as it did.
#include <gtest/gtest.h>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

// fuzz_warc: a gzip member that ends inside the next record's WARC header.
// The check "does Content-Length run past the member?" subtracted the header
// length from the member's length and wrapped around (UBSan: pointer overflow
// in string_view::substr; the message claimed 18446744073709551463 block
// bytes). Such a record spans members; its Content-Length decides.
TEST(FuzzFindings, GzipMemberEndingInsideAWarcHeader) {
  const std::string path = testing::TestDataPath("fuzz-findings/warc-member-ends-in-header");
  const std::string bytes = testing::ReadFileBytes(path);
  WarcReaderOptions o;
  o.block_sha256 = true;
  o.addressable_sha256 = true;
  o.decoder.read_bytes = 64 << 10;  // as the fuzz target read it
  auto all = testing::ReadAll(MakeMemorySource(bytes, path), o);
  EXPECT_FALSE(all.failed);
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].offset, 207u);
  EXPECT_EQ(all.records[0].offset + all.records[0].length, bytes.size());
  for (const auto& e : all.errors) EXPECT_EQ(e.find("18446744073709551"), std::string::npos) << e;
  ASSERT_FALSE(all.errors.empty());
  EXPECT_NE(all.errors[0].find("corrupt gzip member"), std::string::npos) << all.errors[0];
}

// fuzz_warc: a malformed gzip member on which ISA-L gave back more input than
// the call handed it; the difference wrapped around as "consumed" and the
// decoder dropped that many bytes from a 64 KiB buffer (UBSan: pointer
// overflow). Now damage: the member is skipped, the reader goes on.
TEST(FuzzFindings, InflaterGivingBackMoreInputThanItRead) {
  const std::string path = testing::TestDataPath("fuzz-findings/warc-isal-gives-back-input");
  const std::string bytes = testing::ReadFileBytes(path);
  for (const char* inflater : {"isal", "zlib"}) {
    WarcReaderOptions o;
    o.block_sha256 = true;
    o.addressable_sha256 = true;
    o.decoder.read_bytes = 64 << 10;
    o.decoder.stream_inflater = std::string(inflater) == "zlib" ? InflaterKind::kZlib : InflaterKind::kIsal;
    auto all = testing::ReadAll(MakeMemorySource(bytes, path), o);
    EXPECT_FALSE(all.failed) << inflater;
    ASSERT_FALSE(all.errors.empty()) << inflater;
    EXPECT_NE(all.errors[0].find("corrupt gzip member"), std::string::npos) << inflater << ": " << all.errors[0];
    for (const auto& r : all.records) EXPECT_LE(r.offset + r.length, bytes.size()) << inflater;
  }
}

// fuzz_extract: a record whose terminator was not yet in the window: the
// reader took the block as a view into the window, then refilled the window
// to look at the terminator — moving it, so the block pointed at freed memory
// (ASan: heap-use-after-free in ParseHttpResponse). The terminator's bytes are
// now read before the view is taken: the blocks read with small refills equal
// those read with one big buffer.
TEST(FuzzFindings, BlockStaysValidWhenTheTerminatorNeedsARefill) {
  const std::string path = testing::TestDataPath("fuzz-findings/extract-block-moved-by-terminator-refill");
  const std::string bytes = testing::ReadFileBytes(path);
  WarcReaderOptions small;
  small.decoder.read_bytes = 64 << 10;
  small.decoder.stream_chunk_bytes = 4 << 10;  // many refills
  auto a = testing::ReadAll(MakeMemorySource(bytes, path), small);
  auto b = testing::ReadAll(MakeMemorySource(bytes, path));
  ASSERT_EQ(a.records.size(), b.records.size());
  ASSERT_FALSE(a.records.empty());
  for (size_t i = 0; i < a.records.size(); ++i) {
    EXPECT_EQ(a.records[i].block, b.records[i].block) << i;
    EXPECT_EQ(a.records[i].offset, b.records[i].offset) << i;
  }
}

}  // namespace
}  // namespace crawlproof::ingest

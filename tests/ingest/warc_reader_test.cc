#include "ingest/warc_reader.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;
using testing::GunzipAll;
using testing::ReadAll;
using testing::ReadFileBytes;

// Common Crawl's layout: one gzip member per record, sha1 Base32 digests.
TEST(WarcReader, CommonCrawlGzipMembersAreAddressable) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto all = ReadAll(path);
  ASSERT_TRUE(all.errors.empty()) << all.errors.front();
  ASSERT_EQ(all.records.size(), 50u);
  EXPECT_EQ(all.records[0].type, "warcinfo");
  std::string file = ReadFileBytes(path);
  uint64_t expected_offset = 0;
  int digests = 0;
  for (const auto& r : all.records) {
    EXPECT_FALSE(r.offset_is_decoded);
    EXPECT_EQ(r.offset, expected_offset);  // members tile the file
    expected_offset += r.length;
    // Each member decodes to exactly one record.
    std::string member = file.substr(r.offset, r.length);
    std::string decoded = GunzipAll(member);
    EXPECT_EQ(decoded.substr(0, 9), "WARC/1.0\r");
    EXPECT_EQ(decoded.substr(decoded.size() - 4), "\r\n\r\n");
    EXPECT_NE(decoded.find(r.id), std::string::npos);
    if (r.digest_ok.has_value()) {
      EXPECT_TRUE(*r.digest_ok) << r.id;
      ++digests;
    }
  }
  EXPECT_EQ(expected_offset, file.size());
  EXPECT_EQ(digests, 16);  // the file has 16 WARC-Block-Digest fields (grep -c)
}

// The same records from a plain .warc and from one whole-file gzip stream.
TEST(WarcReader, PlainAndSingleStreamGzipGiveTheSameRecords) {
  std::string gz = ReadFileBytes(FixturePath("warc/rp_warcfile.warc.gz"));
  std::string plain = GunzipAll(gz);
  auto reference = ReadAll(FixturePath("warc/rp_warcfile.warc.gz"));
  auto from_plain = ReadAll(testing::WriteTempFile("x.warc", plain));
  auto from_stream = ReadAll(testing::WriteTempFile("x.warc.gz", testing::Deflate(plain)));
  ASSERT_EQ(from_plain.records.size(), 50u);
  ASSERT_EQ(from_stream.records.size(), 50u);
  EXPECT_TRUE(from_plain.errors.empty());
  EXPECT_TRUE(from_stream.errors.empty());
  uint64_t offset = 0;
  for (size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(from_plain.records[i].id, reference.records[i].id);
    EXPECT_EQ(from_stream.records[i].id, reference.records[i].id);
    EXPECT_EQ(from_plain.records[i].block, reference.records[i].block);
    EXPECT_EQ(from_stream.records[i].digest_ok, reference.records[i].digest_ok);
    // Plain offsets are file offsets: the record starts with its version line.
    EXPECT_EQ(plain.substr(from_plain.records[i].offset, 8), "WARC/1.0");
    EXPECT_EQ(from_plain.records[i].offset, offset);
    offset += from_plain.records[i].length;
    // In a single stream, records are not member-aligned: decoded offsets.
    EXPECT_TRUE(from_stream.records[i].offset_is_decoded);
    EXPECT_EQ(from_stream.records[i].offset, from_plain.records[i].offset);
  }
  EXPECT_EQ(offset, plain.size());
}

// wget: <uri> in WARC-Target-URI, LF-only and continuation-line files.
TEST(WarcReader, ToleratesWhatRealWritersEmit) {
  auto wget = ReadAll(FixturePath("warc/dolma_sample-0000_wget-1.21.4.warc.gz"));
  ASSERT_TRUE(wget.errors.empty());
  ASSERT_GT(wget.records.size(), 10u);
  bool saw_uri = false;
  for (const auto& r : wget.records) {
    if (!r.uri.empty()) {
      saw_uri = true;
      EXPECT_NE(r.uri.front(), '<');
      EXPECT_NE(r.uri.back(), '>');
    }
  }
  EXPECT_TRUE(saw_uri);

  auto fold = ReadAll(FixturePath("warc/jwat_valid-warcfile-fields-continuation.warc"));
  ASSERT_EQ(fold.errors.size(), 0u) << fold.errors.front();
  ASSERT_EQ(fold.records.size(), 1u);
  EXPECT_EQ(fold.records[0].type, "continuation");

  auto upper = ReadAll(FixturePath("warc/jwat_valid-warcfile-upper-lower-case.warc"));
  EXPECT_TRUE(upper.errors.empty());
  EXPECT_EQ(upper.records.size(), 5u);  // five version lines, in either case
}

TEST(WarcReader, RepeatedHeaderFieldsKeptInOrder) {
  auto reader = WarcReader::Open(FixturePath("warc/jwat_valid-warcfile-duplicate-concurrentto.warc"));
  ASSERT_TRUE(reader.ok());
  WarcRecord rec;
  ASSERT_TRUE((*reader)->Next(&rec).value());
  int concurrent = 0;
  for (const auto& f : rec.headers) concurrent += f.name == "WARC-Concurrent-To";
  EXPECT_GE(concurrent, 2);
}

TEST(WarcReader, ArcFilesBecomeRecords) {
  auto arc = ReadAll(FixturePath("warc/jwat_1-1-20110922131213-00000-svc-VirtualBox.arc"));
  EXPECT_TRUE(arc.errors.empty());
  ASSERT_GT(arc.records.size(), 100u);
  EXPECT_EQ(arc.records[0].type, "warcinfo");
  EXPECT_EQ(arc.records[1].type, "response");
  size_t http = 0;
  for (const auto& r : arc.records) http += r.uri.rfind("http://", 0) == 0;
  EXPECT_GT(http, 50u);
  auto gz = ReadAll(FixturePath("warc/wio_example.arc.gz"));
  EXPECT_TRUE(gz.errors.empty());
  ASSERT_EQ(gz.records.size(), 2u);
  // Each record is its own gzip member, blank line after the block included:
  // addressable like any per-record-compressed WARC.
  EXPECT_FALSE(gz.records[0].offset_is_decoded);
  EXPECT_EQ(gz.records[0].offset, 0u);
  EXPECT_EQ(gz.records[0].length, 171u);
  EXPECT_EQ(gz.records[1].offset, 171u);
  EXPECT_EQ(gz.records[1].length, 856u);
}

TEST(WarcReader, DigestMismatchIsReportedNotTrusted) {
  std::string plain =
      ReadFileBytes(FixturePath("commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc"));
  auto good = ReadAll(testing::WriteTempFile("good.warc", plain));
  ASSERT_FALSE(good.records.empty());
  size_t checked = 0;
  for (const auto& r : good.records) checked += r.digest_ok == true;
  ASSERT_GT(checked, 0u);
  // Flip one byte inside the block of the last record that has a digest.
  size_t victim = 0;
  for (size_t i = 0; i < good.records.size(); ++i)
    if (good.records[i].digest_ok == true) victim = i;
  std::string bad = plain;
  size_t at = good.records[victim].offset + good.records[victim].length - 10;
  bad[at] = static_cast<char>(bad[at] ^ 0x20);
  auto flipped = ReadAll(testing::WriteTempFile("bad.warc", bad));
  ASSERT_EQ(flipped.records.size(), good.records.size());
  EXPECT_EQ(flipped.records[victim].digest_ok, std::optional<bool>(false));
  EXPECT_EQ(flipped.stats.digest_mismatches, 1u);
}

TEST(WarcReader, TruncatedGzipReportsOffsetAndKeepsEarlierRecords) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = ReadAll(path);
  std::string file = ReadFileBytes(path);
  const auto& victim = ref.records[30];
  std::string cut = file.substr(0, victim.offset + victim.length / 2);
  auto all = ReadAll(testing::WriteTempFile("cut.warc.gz", cut));
  EXPECT_EQ(all.records.size(), 30u);
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_NE(all.errors[0].find("offset " + std::to_string(victim.offset)), std::string::npos) << all.errors[0];
  EXPECT_NE(all.errors[0].find("truncated"), std::string::npos) << all.errors[0];
}

TEST(WarcReader, GarbageBetweenMembersIsSkippedAndCounted) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = ReadAll(path);
  std::string file = ReadFileBytes(path);
  uint64_t at = ref.records[10].offset;
  std::string garbage(777, 'x');
  std::string bad = file.substr(0, at) + garbage + file.substr(at);
  auto all = ReadAll(testing::WriteTempFile("garbage.warc.gz", bad));
  EXPECT_EQ(all.records.size(), 50u);
  ASSERT_EQ(all.errors.size(), 1u);
  EXPECT_NE(all.errors[0].find("offset " + std::to_string(at)), std::string::npos) << all.errors[0];
  EXPECT_NE(all.errors[0].find("777 bytes"), std::string::npos) << all.errors[0];
  // Records after the garbage keep their true file offsets.
  EXPECT_EQ(all.records[10].offset, at + 777);
}

TEST(WarcReader, CorruptMemberIsSkippedAndNextRecordRead) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = ReadAll(path);
  std::string file = ReadFileBytes(path);
  std::string bad = file;
  const auto& victim = ref.records[5];
  for (uint64_t i = victim.offset + 20; i < victim.offset + 60; ++i) bad[i] = '\x55';
  auto all = ReadAll(testing::WriteTempFile("corrupt.warc.gz", bad));
  EXPECT_EQ(all.records.size(), 49u);
  ASSERT_GE(all.errors.size(), 1u);
  EXPECT_NE(all.errors[0].find(std::to_string(victim.offset)), std::string::npos) << all.errors[0];
  EXPECT_EQ(all.records[5].id, ref.records[6].id);
}

TEST(WarcReader, ContentLengthThatLiesIsReported) {
  auto all = ReadAll(FixturePath("warc/warciojs_example-bad-length.warc"));
  size_t with_errors = 0;
  for (const auto& r : all.records) with_errors += r.errors;
  EXPECT_GT(with_errors + all.errors.size(), 0u);
  EXPECT_GE(all.records.size(), 4u);
}

TEST(WarcReader, GzipBombIsAbandonedWithBoundedMemory) {
  // A record whose block is 64 MiB of zeros compresses about 1000:1.
  std::string block(64 << 20, '\0');
  std::string record = "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:bomb>\r\nContent-Length: " +
                       std::to_string(block.size()) + "\r\n\r\n" + block + "\r\n\r\n";
  std::string next =
      "WARC/1.0\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:after>\r\nContent-Length: 2\r\n\r\nok\r\n\r\n";
  std::string file = testing::Deflate(record) + testing::Deflate(next);
  WarcReaderOptions o;
  o.decoder.max_inflation_ratio = 100;
  o.decoder.inflation_check_bytes = 1 << 20;
  o.decoder.max_fast_output_bytes = 4 << 20;
  auto all = ReadAll(testing::WriteTempFile("bomb.warc.gz", file), o);
  ASSERT_EQ(all.records.size(), 1u);
  EXPECT_EQ(all.records[0].id, "<urn:uuid:after>");
  ASSERT_FALSE(all.errors.empty());
  EXPECT_NE(all.errors[0].find("decompression bomb"), std::string::npos) << all.errors[0];
}

TEST(WarcReader, LargeBlocksAreStreamedThroughTheDigest) {
  auto ref = ReadAll(FixturePath("warc/rp_warcfile.warc.gz"));
  WarcReaderOptions o;
  o.max_block_in_memory = 1024;  // every larger block is streamed
  auto streamed = ReadAll(FixturePath("warc/rp_warcfile.warc.gz"), o);
  ASSERT_EQ(streamed.records.size(), ref.records.size());
  for (size_t i = 0; i < ref.records.size(); ++i) {
    EXPECT_EQ(streamed.records[i].digest_ok, ref.records[i].digest_ok);
    EXPECT_EQ(streamed.records[i].offset, ref.records[i].offset);
    if (ref.records[i].content_length > 1024) {
      EXPECT_TRUE(streamed.records[i].block.empty());
    }
  }
}

}  // namespace
}  // namespace crawlproof::ingest

namespace crawlproof::ingest {
namespace {

// No WARC/0.18 file is among the fixtures: Heritrix 1.x wrote this shape.
TEST(WarcReader, Warc018RecordsReadLike10) {
  std::string block = "hello";
  std::string rec =
      "WARC/0.18\r\nWARC-Type: resource\r\nWARC-Record-ID: <urn:uuid:018>\r\n"
      "WARC-Date: 2008-04-30T20:48:25Z\r\nWARC-Target-URI: http://example.com/\r\n"
      "Content-Length: 5\r\n\r\n" +
      block + "\r\n\r\n";
  auto all = testing::ReadAll(testing::WriteTempFile("old.warc", rec + rec));
  ASSERT_TRUE(all.errors.empty());
  ASSERT_EQ(all.records.size(), 2u);
  EXPECT_EQ(all.records[0].block, "hello");
  EXPECT_EQ(all.records[1].offset, rec.size());
}

TEST(WarcReader, LimitsAreEnforcedAndReadingContinues) {
  std::string path = testing::FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = testing::ReadAll(path);
  uint64_t largest = 0;
  size_t over = 0;
  for (const auto& r : ref.records) largest = std::max(largest, r.content_length);
  WarcReaderOptions o;
  o.max_record_bytes = largest / 2;
  for (const auto& r : ref.records) over += r.content_length > o.max_record_bytes;
  ASSERT_GT(over, 0u);
  auto limited = testing::ReadAll(path, o);
  EXPECT_EQ(limited.records.size(), ref.records.size() - over);
  EXPECT_EQ(limited.errors.size(), over);
  EXPECT_NE(limited.errors[0].find("exceeds the limit"), std::string::npos) << limited.errors[0];

  WarcReaderOptions h;
  h.max_header_fields = 3;  // Common Crawl records have more
  auto few = testing::ReadAll(path, h);
  EXPECT_EQ(few.records.size(), 0u);
  ASSERT_FALSE(few.errors.empty());
  EXPECT_NE(few.errors[0].find("more than 3 header fields"), std::string::npos) << few.errors[0];
}

}  // namespace
}  // namespace crawlproof::ingest

// .warc.zst: each record of a real WARC compressed into its own zstd frame,
// without and with a dictionary (gowarc's real one) in a skippable frame.
#include <gtest/gtest.h>
#include <zdict.h>
#include <zstd.h>

#include <fstream>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;
using testing::GunzipAll;
using testing::ReadAll;
using testing::ReadFileBytes;

std::string SkippableFrame(uint32_t magic, const std::string& content) {
  std::string f(8, '\0');
  for (int i = 0; i < 4; ++i) f[i] = static_cast<char>(magic >> (8 * i));
  uint32_t n = static_cast<uint32_t>(content.size());
  for (int i = 0; i < 4; ++i) f[4 + i] = static_cast<char>(n >> (8 * i));
  return f + content;
}

struct ZstFile {
  std::string bytes;
  std::vector<std::pair<uint64_t, uint64_t>> frames;  // offset, length per record
};

// One frame per record of rp_warcfile.warc.gz (Common Crawl, 50 records).
ZstFile Build(const std::string& dictionary, bool compress_dictionary) {
  std::string path = FixturePath("warc/rp_warcfile.warc.gz");
  auto ref = ReadAll(path);
  std::string file = ReadFileBytes(path);
  ZstFile out;
  if (!dictionary.empty()) {
    std::string content = dictionary;
    if (compress_dictionary) {
      content.resize(ZSTD_compressBound(dictionary.size()));
      content.resize(ZSTD_compress(content.data(), content.size(), dictionary.data(), dictionary.size(), 3));
    }
    out.bytes += SkippableFrame(0x184D2A5D, content);
  }
  out.bytes += SkippableFrame(0x184D2A50, "other metadata, skipped");
  ZSTD_CCtx* c = ZSTD_createCCtx();
  for (const auto& r : ref.records) {
    std::string record = GunzipAll(file.substr(r.offset, r.length));
    std::string frame(ZSTD_compressBound(record.size()), '\0');
    size_t n = dictionary.empty() ? ZSTD_compressCCtx(c, frame.data(), frame.size(), record.data(), record.size(), 3)
                                  : ZSTD_compress_usingDict(c, frame.data(), frame.size(), record.data(), record.size(),
                                                            dictionary.data(), dictionary.size(), 3);
    frame.resize(n);
    out.frames.push_back({out.bytes.size(), frame.size()});
    out.bytes += frame;
  }
  ZSTD_freeCCtx(c);
  return out;
}

void ExpectSameRecords(const ZstFile& zst) {
  auto ref = ReadAll(FixturePath("warc/rp_warcfile.warc.gz"));
  auto all = ReadAll(testing::WriteTempFile("x.warc.zst", zst.bytes));
  ASSERT_TRUE(all.errors.empty()) << all.errors.front();
  ASSERT_EQ(all.records.size(), ref.records.size());
  for (size_t i = 0; i < ref.records.size(); ++i) {
    EXPECT_EQ(all.records[i].id, ref.records[i].id);
    EXPECT_EQ(all.records[i].block, ref.records[i].block);
    EXPECT_EQ(all.records[i].digest_ok, ref.records[i].digest_ok);
    EXPECT_FALSE(all.records[i].offset_is_decoded);
    EXPECT_EQ(all.records[i].offset, zst.frames[i].first);
    EXPECT_EQ(all.records[i].length, zst.frames[i].second);
  }
}

TEST(Zstd, FramePerRecordWithoutDictionary) {
  ExpectSameRecords(Build("", false));
}

TEST(Zstd, DictionaryInSkippableFrame) {
  std::string dict = ReadFileBytes(FixturePath("warc/gowarc_zstd_dictionary"));
  ASSERT_FALSE(dict.empty());
  ExpectSameRecords(Build(dict, false));
}

TEST(Zstd, CompressedDictionaryInSkippableFrame) {
  std::string dict = ReadFileBytes(FixturePath("warc/gowarc_zstd_dictionary"));
  ExpectSameRecords(Build(dict, true));
}

TEST(Zstd, WithoutItsDictionaryTheFramesFailClearly) {
  std::string dict = ReadFileBytes(FixturePath("warc/gowarc_zstd_dictionary"));
  ZstFile zst = Build(dict, false);
  // Drop the dictionary frame: frames compressed with it cannot be decoded.
  size_t dict_frame = 8 + dict.size();
  auto all = ReadAll(testing::WriteTempFile("x.warc.zst", zst.bytes.substr(dict_frame)));
  EXPECT_FALSE(all.errors.empty());
  EXPECT_NE(all.errors.front().find("zstd"), std::string::npos) << all.errors.front();
}

}  // namespace
}  // namespace crawlproof::ingest

// The hashes the ledger commits to, computed while streaming: SHA-256 of every
// record's addressable bytes (exactly what `warc cat --offset --length` returns)
// and of the whole file, checked against hashing those byte ranges directly.
#include <gtest/gtest.h>

#include "common/digest.h"
#include "ingest/warc_reader.h"
#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

void ExpectAddressableHashes(const std::string& path, WarcReaderOptions o, bool decoded_offsets = false) {
  o.addressable_sha256 = true;
  o.block_sha256 = true;
  std::string file = testing::ReadFileBytes(path);
  std::string decoded = decoded_offsets ? testing::GunzipAll(file) : std::string();
  auto reader = WarcReader::Open(path, {}, o);
  ASSERT_TRUE(reader.ok());
  WarcRecord rec;
  size_t n = 0;
  while (true) {
    auto r = (*reader)->Next(&rec);
    ASSERT_TRUE(r.ok()) << r.status().message();
    if (!*r) break;
    ++n;
    EXPECT_EQ(rec.offset_is_decoded, decoded_offsets);
    const std::string& space = decoded_offsets ? decoded : file;
    ASSERT_LE(rec.offset + rec.length, space.size());
    EXPECT_EQ(rec.addressable_sha256, Sha256(std::string_view(space).substr(rec.offset, rec.length)))
        << path << " record " << n;
    if (rec.block_in_memory) {
      EXPECT_EQ(rec.block_sha256, Sha256(rec.block));
    }
  }
  EXPECT_GT(n, 0u);
  EXPECT_EQ((*reader)->bytes_read(), file.size());
  EXPECT_EQ((*reader)->FileSha256(), Sha256(file));
}

TEST(AddressableHash, GzipMembers) {
  ExpectAddressableHashes(testing::FixturePath("warc/rp_warcfile.warc.gz"), {});
  ExpectAddressableHashes(testing::FixturePath("warc/dolma_sample-0000_wget-1.21.4.warc.gz"), {});
}

TEST(AddressableHash, StreamedGzipMembers) {
  for (InflaterKind kind : {InflaterKind::kIsal, InflaterKind::kZlib}) {
    WarcReaderOptions o;
    o.decoder.max_fast_output_bytes = 1;
    o.decoder.stream_chunk_bytes = 4096;
    o.decoder.stream_inflater = kind;
    ExpectAddressableHashes(testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz"), o);
  }
}

TEST(AddressableHash, PlainWarcAndArc) {
  ExpectAddressableHashes(
      testing::FixturePath("commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc"), {});
  ExpectAddressableHashes(testing::FixturePath("warc/jwat_1-1-20110922131213-00000-svc-VirtualBox.arc"), {});
  ExpectAddressableHashes(testing::FixturePath("warc/warcbench_scoop_example.com.warc"), {});
}

TEST(AddressableHash, StreamedLargeBlocks) {
  WarcReaderOptions o;
  o.max_block_in_memory = 512;
  ExpectAddressableHashes(testing::FixturePath("warc/warcbench_scoop_example.com.warc"), o);
}

TEST(AddressableHash, SingleGzipStreamUsesDecodedBytes) {
  std::string plain = testing::GunzipAll(testing::ReadFileBytes(testing::FixturePath("warc/rp_warcfile.warc.gz")));
  std::string path = testing::WriteTempFile("stream.warc.gz", testing::Deflate(plain));
  ExpectAddressableHashes(path, {}, /*decoded_offsets=*/true);
}

}  // namespace
}  // namespace crawlproof::ingest

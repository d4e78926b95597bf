#include "verify/commitments.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/digest.h"
#include "common/encoding.h"
#include "tests/support/test_paths.h"

namespace crawlproof::verify {
namespace {

// Known answers for a real Common Crawl file, from an independent Python
// implementation of docs/ledger-format.md (zlib member by member, hashlib).
TEST(Commitments, KnownAnswersForACommonCrawlFile) {
  std::string path = testing::FixturePath("warc/rp_warcfile.warc.gz");
  CommitOptions o;
  o.keep_leaves = true;
  auto c = CommitFile(path, "crawl-data/sample/rp_warcfile.warc.gz", o);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->problems.empty());
  EXPECT_EQ(c->entry.record_count, 50u);
  EXPECT_EQ(ToHex(c->entry.record_root), "cdc2a903ac8d18d9082d406616ff4c02827476cef0021d072cc7381aa6c1fa0a");
  std::string file = testing::ReadFileBytes(path);
  EXPECT_EQ(c->entry.size, file.size());
  EXPECT_EQ(std::string(AsBytes(c->entry.sha256)), Sha256(file));
  EXPECT_EQ(HexEncode(EncodeRecordLeaf(c->leaves[0]).value()),
            "435241574c50524f4f462d5245432d563100000000000000000000000000000001e1d3c0fe916b203c1f7785ff04471ddf67"
            "dc88c55fa0aa6b65ab9dcf4e01cef3a79b8bd2f03fbe6194e4e4c240ed8be2ad98b15a2a5b88804ae26fe02a377e65ec0000"
            "2f3c75726e3a757569643a62663135326432312d396434332d343335612d383931632d3839666439373433623463643e0000"
            "0014323032302d30382d30385431363a35343a31375a");
  EXPECT_EQ(ToHex(HashLeaf(EncodeFileEntry(c->entry).value())),
            "cbc43abf9cb10bb87122934b635a6716638449a46985a0eb0cbf112ff3ee46ab");
}

// The same, for more real files, against the Python reference run now.
TEST(Commitments, EqualTheIndependentReferenceOnRealFiles) {
  if (std::system("python3 --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  std::string script = std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/verify/reference_commitments.py";
  for (const char* f : {"warc/dolma_sample-0000_wget-1.21.4.warc.gz", "warc/warcbench_test-crawl_0.warc.gz",
                        "warc/cmoncrawl_mini_CC-MAIN-2022-05.warc.gz", "warc/wac_IAH-urls-wget.warc.gz"}) {
    std::string path = testing::FixturePath(f);
    FILE* p = popen(("python3 " + script + " " + path + " some/path").c_str(), "r");
    ASSERT_NE(p, nullptr);
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ASSERT_EQ(pclose(p), 0) << f;
    auto c = CommitFile(path, "some/path");
    ASSERT_TRUE(c.ok());
    EXPECT_NE(out.find("record_root " + ToHex(c->entry.record_root)), std::string::npos) << f << "\n" << out;
    EXPECT_NE(out.find("entry_leaf_hash " + ToHex(HashLeaf(EncodeFileEntry(c->entry).value()))), std::string::npos)
        << f;
  }
}

TEST(Commitments, EncodingsRoundTripAndDecodeStrictly) {
  RecordLeaf leaf;
  leaf.offset = 12345;
  leaf.length = 678;
  leaf.addressable_sha256 = HashLeaf("a");
  leaf.block_sha256 = HashLeaf("b");
  leaf.type = 1;
  leaf.record_id = "<urn:uuid:x>";
  leaf.target_uri = "http://example.com/";
  leaf.date = "2024-01-01T00:00:00Z";
  std::string enc = EncodeRecordLeaf(leaf).value();
  auto dec = DecodeRecordLeaf(enc);
  ASSERT_TRUE(dec.ok());
  EXPECT_EQ(dec->target_uri, leaf.target_uri);
  EXPECT_EQ(dec->offset, 12345u);
  EXPECT_FALSE(DecodeRecordLeaf(enc + "x").ok());
  EXPECT_FALSE(DecodeRecordLeaf(enc.substr(0, enc.size() - 1)).ok());
  FileEntry e{"crawl-data/x.warc.gz", 10, HashLeaf("f"), 2, HashLeaf("r")};
  std::string fe = EncodeFileEntry(e).value();
  EXPECT_EQ(DecodeFileEntry(fe)->path, e.path);
  EXPECT_FALSE(DecodeFileEntry(enc).ok());  // a record leaf is not a file entry
  leaf.target_uri.assign(70000, 'x');
  EXPECT_FALSE(EncodeRecordLeaf(leaf).ok());
}

TEST(Commitments, PlainAndCompressedFilesCommitTheirOwnBytes) {
  for (const char* f : {"commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc",
                        "warc/dolma_sample-0000_wget-1.21.4.warc.gz", "warc/warcbench_test-crawl_0.warc.gz"}) {
    auto c = CommitFile(testing::FixturePath(f), "x");
    ASSERT_TRUE(c.ok()) << f;
    EXPECT_TRUE(c->problems.empty()) << f << ": " << c->problems.front();
    EXPECT_GT(c->entry.record_count, 0u);
    EXPECT_EQ(RootFromLeafHashes(c->leaf_hashes), c->entry.record_root);
  }
  auto damaged = CommitFile(testing::FixturePath("warc/gowarc_corrupted-mid-record.warc.gz.open"), "x");
  ASSERT_TRUE(damaged.ok());
  EXPECT_FALSE(damaged->problems.empty());
}

TEST(Commitments, LeafSidecarsAreCheckedAgainstTheEntry) {
  auto c = CommitFile(testing::FixturePath("warc/rp_warcfile.warc.gz"), "rp_warcfile.warc.gz");
  ASSERT_TRUE(c.ok()) << c.status().message();
  std::string sidecar = EncodeLeafSidecar(c->leaf_hashes);
  EXPECT_EQ(sidecar.size(), 21 + 8 + 32 * c->leaf_hashes.size());
  auto back = DecodeLeafSidecar(sidecar, c->entry);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, c->leaf_hashes);
  auto name = LeafSidecarName(c->entry);
  ASSERT_TRUE(name.ok());
  auto encoded = EncodeFileEntry(c->entry);
  ASSERT_TRUE(encoded.ok());
  EXPECT_EQ(*name, ToHex(HashLeaf(*encoded)) + ".leaves");

  std::string swapped = sidecar;  // two leaves exchanged: same set, other root
  std::swap_ranges(swapped.begin() + 29, swapped.begin() + 61, swapped.begin() + 61);
  EXPECT_FALSE(DecodeLeafSidecar(swapped, c->entry).ok());
  EXPECT_FALSE(DecodeLeafSidecar(sidecar.substr(0, sidecar.size() - 1), c->entry).ok());
  EXPECT_FALSE(DecodeLeafSidecar(sidecar + std::string(32, '\0'), c->entry).ok());
  EXPECT_FALSE(DecodeLeafSidecar("CRAWLPROOF-LEAVES-V0" + sidecar.substr(20), c->entry).ok());
  FileEntry fewer = c->entry;
  fewer.record_count -= 1;
  EXPECT_FALSE(DecodeLeafSidecar(sidecar, fewer).ok());

  std::vector<Hash> a = c->leaf_hashes, b = a;
  EXPECT_FALSE(FirstDifferingLeaf(a, b).has_value());
  b[7][0] ^= 1;
  EXPECT_EQ(FirstDifferingLeaf(a, b), 7u);
  b.resize(5);
  EXPECT_EQ(FirstDifferingLeaf(a, b), 5u);
  EXPECT_EQ(FirstDifferingLeaf(b, a), 5u);
}

TEST(Commitments, LedgerPaths) {
  EXPECT_EQ(LedgerPath("https://data.commoncrawl.org/crawl-data/CC-MAIN-2024-30/a.warc.gz", ""),
            "crawl-data/CC-MAIN-2024-30/a.warc.gz");
  EXPECT_EQ(LedgerPath("s3://commoncrawl/crawl-data/CC-MAIN-2024-30/a.warc.gz", ""),
            "crawl-data/CC-MAIN-2024-30/a.warc.gz");
  EXPECT_EQ(LedgerPath("/data/crawl/seg/a.warc.gz", "/data/crawl"), "seg/a.warc.gz");
  EXPECT_EQ(LedgerPath("/data/crawl/seg/a.warc.gz", "/data/crawl/"), "seg/a.warc.gz");
  EXPECT_EQ(LedgerPath("/data/crawl/seg/a.warc.gz", ""), "a.warc.gz");
  EXPECT_EQ(LedgerPath("/elsewhere/a.warc.gz", "/data/crawl"), "a.warc.gz");
  EXPECT_EQ(LedgerPath("file:///data/crawl/a.warc.gz", "/data"), "crawl/a.warc.gz");
}

}  // namespace
}  // namespace crawlproof::verify

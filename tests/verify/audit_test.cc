#include "verify/audit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

#include "common/encoding.h"
#include "tests/support/test_paths.h"
#include "tests/verify/test_keys.h"
#include "verify/signed_note.h"

namespace crawlproof::verify {
namespace {

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() : a_(MakeTestKey("alpha")), b_(MakeTestKey("beta")) {
    set_ = MakeValidatorSet(2, {ValidatorLine("alpha", a_.pair.public_key), ValidatorLine("beta", b_.pair.public_key)})
               .value();
    trust_.origin = "crawlproof.test/ledger";
    trust_.genesis = set_;
    file_ = testing::FixturePath("warc/rp_warcfile.warc.gz");
    other_ = testing::FixturePath("warc/dolma_sample-0000_wget-1.21.4.warc.gz");
    std::vector<FileEntry> files;
    for (const auto& f : {other_, file_}) files.push_back(CommitFile(f, LedgerPath(f, "")).value().entry);
    EXPECT_TRUE(AppendBlock(&snapshot_, trust_.origin, set_, {{"alpha", &a_.signer}, {"beta", &b_.signer}},
                            std::move(files), 1000)
                    .ok());
    auto c = CommitFile(file_, "x", {true, {}, nullptr}).value();
    leaves_ = c.leaves;
  }
  AuditBundle BundleFor(size_t record) {
    auto b = BuildAuditBundle(file_, LedgerPath(file_, ""), leaves_[record].offset, snapshot_);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.value();
  }
  std::string RecordBytes(size_t record) {
    return testing::ReadFileBytes(file_).substr(leaves_[record].offset, leaves_[record].length);
  }
  std::string VerifyError(const AuditBundle& b, const std::optional<std::string>& bytes = std::nullopt) {
    auto r = VerifyAuditBundle(b, trust_, bytes);
    return r.ok() ? "" : r.status().message();
  }

  TestKey a_, b_;
  ValidatorSet set_;
  Trust trust_;
  Snapshot snapshot_;
  std::string file_, other_;
  std::vector<RecordLeaf> leaves_;
};

TEST_F(AuditTest, EveryRecordsBundleVerifiesWithItsBytes) {
  for (size_t i = 0; i < leaves_.size(); i += 7) {
    AuditBundle b = BundleFor(i);
    auto parsed = ParseAuditBundle(FormatAuditBundle(b));
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    auto r = VerifyAuditBundle(*parsed, trust_, RecordBytes(i));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_TRUE(r->content_checked);
    EXPECT_EQ(r->leaf.offset, leaves_[i].offset);
    EXPECT_EQ(r->signers.size(), 2u);
  }
}

TEST_F(AuditTest, RefusesWhatItMust) {
  AuditBundle good = BundleFor(9);
  EXPECT_EQ(VerifyError(good, RecordBytes(9)), "");
  // The record's bytes changed.
  std::string bytes = RecordBytes(9);
  bytes[bytes.size() / 2] ^= 1;
  EXPECT_NE(VerifyError(good, bytes).find("content"), std::string::npos);
  // A leaf moved to another index.
  AuditBundle moved = good;
  moved.record_index = 10;
  EXPECT_NE(VerifyError(moved).find("record"), std::string::npos);
  // Another file's leaf in this file's proof.
  AuditBundle foreign = good;
  auto other = CommitFile(other_, "y", {true, {}, nullptr}).value();
  foreign.leaf = EncodeRecordLeaf(other.leaves[9]).value();
  EXPECT_NE(VerifyError(foreign).find("record"), std::string::npos);
  // An internal node (64 bytes) submitted as a leaf.
  AuditBundle node = good;
  node.leaf = std::string(AsBytes(good.record_path[0])) + std::string(AsBytes(good.record_path[1]));
  EXPECT_NE(VerifyError(node), "");
  // Proofs too long, too short; index beyond the size.
  AuditBundle longer = good;
  longer.record_path.push_back(good.record_path[0]);
  EXPECT_NE(VerifyError(longer).find("too long"), std::string::npos);
  AuditBundle shorter = good;
  shorter.entry_path.pop_back();
  EXPECT_NE(VerifyError(shorter), "");
  AuditBundle beyond = good;
  beyond.record_index = good.record_count;
  EXPECT_NE(VerifyError(beyond).find("not below the tree size"), std::string::npos);
  // A changed byte in the signed block.
  AuditBundle changed = good;
  changed.block_note[changed.block_note.find("time ") + 5] ^= 1;
  EXPECT_NE(VerifyError(changed).find("block"), std::string::npos);
  // Signatures dropped below the quorum.
  AuditBundle unsigned_block = good;
  unsigned_block.block_note = unsigned_block.block_note.substr(0, unsigned_block.block_note.rfind("— "));
  EXPECT_NE(VerifyError(unsigned_block).find("quorum"), std::string::npos);
  // An untrusted genesis set.
  Trust other_trust = trust_;
  TestKey c = MakeTestKey("gamma");
  other_trust.genesis = MakeValidatorSet(1, {ValidatorLine("gamma", c.pair.public_key)}).value();
  EXPECT_FALSE(VerifyAuditBundle(good, other_trust).ok());
}

TEST_F(AuditTest, Sha1DigestsAreNotAProof) {
  std::string json = FormatAuditBundle(BundleFor(3));
  // Replace the first record path hash with a 40-hex SHA-1.
  size_t at = json.find("\"record_path\": [\"") + 17;
  json.replace(at, 64, "a9993e364706816aba3e25717850c26c9cd0d89d");
  auto parsed = ParseAuditBundle(json);
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("not a SHA-256"), std::string::npos);
}

// docs/audit.md's recipe (scripts/audit-verify.sh: POSIX sh, sed, od, openssl)
// on a real bundle, and on a tampered one.
TEST_F(AuditTest, ShellAndOpenSslRecipeAgrees) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/bundle.json") << FormatAuditBundle(BundleFor(12));
  std::ofstream(dir + "/genesis.valset") << set_.document;
  std::ofstream(dir + "/record.bin", std::ios::binary) << RecordBytes(12);
  std::string script = std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/scripts/audit-verify.sh";
  std::string run = "sh " + script + " " + dir + "/bundle.json " + dir + "/genesis.valset " + dir + "/record.bin";
  EXPECT_EQ(std::system((run + " >/dev/null 2>&1").c_str()), 0);
  std::string bytes = RecordBytes(12);
  bytes[100] ^= 1;
  std::ofstream(dir + "/record.bin", std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_NE(std::system((run + " >/dev/null 2>&1").c_str()), 0);
  AuditBundle moved = BundleFor(12);
  moved.record_index = 13;
  std::ofstream(dir + "/bundle.json", std::ios::trunc) << FormatAuditBundle(moved);
  EXPECT_NE(
      std::system(("sh " + script + " " + dir + "/bundle.json " + dir + "/genesis.valset >/dev/null 2>&1").c_str()), 0);
}

}  // namespace
}  // namespace crawlproof::verify

#include "verify/ledger.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_paths.h"
#include "tests/verify/test_keys.h"
#include "verify/signed_note.h"

namespace crawlproof::verify {
namespace {

std::vector<Signer> By(const std::vector<const TestKey*>& keys) {
  std::vector<Signer> out;
  for (const auto* k : keys) out.push_back({k->name, &k->signer});
  return out;
}

FileEntry Entry(const char* fixture) {
  auto c = CommitFile(testing::FixturePath(fixture), LedgerPath(fixture, ""));
  EXPECT_TRUE(c.ok());
  return c->entry;
}

class LedgerTest : public ::testing::Test {
 protected:
  LedgerTest() : a_(MakeTestKey("alpha")), b_(MakeTestKey("beta")), c_(MakeTestKey("gamma")) {
    set_ = TestSet(2, {&a_, &b_, &c_});
    trust_.origin = "crawlproof.test/ledger";
    trust_.genesis = set_;
  }
  // Two blocks committing three real WARC files.
  Snapshot TwoBlocks(uint64_t time = 1000) {
    Snapshot s;
    EXPECT_TRUE(AppendBlock(&s, trust_.origin, set_, By({&a_, &b_}),
                            {Entry("warc/rp_warcfile.warc.gz"), Entry("warc/cmoncrawl_mini_CC-MAIN-2022-05.warc.gz")},
                            time)
                    .ok());
    EXPECT_TRUE(AppendBlock(&s, trust_.origin, set_, By({&b_, &c_}),
                            {Entry("warc/dolma_sample-0000_wget-1.21.4.warc.gz")}, time + 60)
                    .ok());
    return s;
  }
  std::string Verify(const Snapshot& s) {
    auto v = VerifySnapshot(s, trust_);
    return v.ok() ? "" : v.status().message();
  }

  TestKey a_, b_, c_;
  ValidatorSet set_;
  Trust trust_;
};

TEST_F(LedgerTest, ValidSnapshotVerifiesAndSurvivesAJsonRoundTrip) {
  Snapshot s = TwoBlocks();
  auto v = VerifySnapshot(s, trust_);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_EQ(v->height(), 1u);
  EXPECT_EQ(v->entries.size(), 3u);
  EXPECT_EQ(v->FindPath("rp_warcfile.warc.gz"), 0);
  EXPECT_EQ(v->BlockOfEntry(2), 1u);
  auto parsed = ParseSnapshot(FormatSnapshot(s));
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_TRUE(VerifySnapshot(*parsed, trust_).ok());
  EXPECT_EQ(FormatSnapshot(*parsed), FormatSnapshot(s));
}

TEST_F(LedgerTest, AChangedNoteByteIsRefused) {
  Snapshot s = TwoBlocks();
  std::string& note = s.blocks[1].note;
  size_t at = note.find("time ") + 5;
  note[at] = note[at] == '1' ? '2' : '1';
  EXPECT_NE(Verify(s).find("block 1"), std::string::npos);
}

TEST_F(LedgerTest, QuorumIsCountedOverDistinctKnownValidators) {
  Snapshot one;
  ASSERT_TRUE(AppendBlock(&one, trust_.origin, set_, By({&a_}), {Entry("warc/rp_warcfile.warc.gz")}, 1).ok());
  EXPECT_NE(Verify(one).find("quorum"), std::string::npos);
  Snapshot twice;
  ASSERT_TRUE(AppendBlock(&twice, trust_.origin, set_, By({&a_, &a_}), {Entry("warc/rp_warcfile.warc.gz")}, 1).ok());
  EXPECT_NE(Verify(twice).find("quorum"), std::string::npos);
  TestKey stranger = MakeTestKey("mallory");
  Snapshot unknown;
  ASSERT_TRUE(
      AppendBlock(&unknown, trust_.origin, set_, By({&a_, &stranger}), {Entry("warc/rp_warcfile.warc.gz")}, 1).ok());
  EXPECT_NE(Verify(unknown).find("quorum"), std::string::npos);
}

TEST_F(LedgerTest, FileEntriesMustHashToTheRoot) {
  Snapshot s = TwoBlocks();
  s.blocks[0].files[1].size += 1;
  EXPECT_NE(Verify(s).find("do not hash to its root"), std::string::npos) << Verify(s);
  Snapshot dropped = TwoBlocks();
  dropped.blocks[0].files.pop_back();
  EXPECT_NE(Verify(dropped).find("file entries"), std::string::npos) << Verify(dropped);
}

TEST_F(LedgerTest, BrokenPrevChainAndEquivocation) {
  Snapshot a = TwoBlocks(1000), b = TwoBlocks(2000);
  Snapshot spliced = a;
  spliced.blocks[1] = b.blocks[1];  // its prev is b's block 0
  EXPECT_NE(Verify(spliced).find("prev"), std::string::npos) << Verify(spliced);
  Snapshot fork = a;
  fork.blocks.push_back(b.blocks[1]);  // a second block at height 1
  std::string msg = Verify(fork);
  EXPECT_NE(msg.find("equivocation"), std::string::npos) << msg;
  auto ra = VerifySnapshot(a, trust_).value(), rb = VerifySnapshot(b, trust_).value();
  EXPECT_NE(msg.find(ToHex(ra.blocks[1].body.root)), std::string::npos);
}

TEST_F(LedgerTest, PinnedHeightRefusesRollback) {
  Snapshot s = TwoBlocks();
  auto v = VerifySnapshot(s, trust_).value();
  trust_.pinned_height = 1;
  trust_.pinned_root = v.blocks[1].body.root;
  EXPECT_EQ(Verify(s), "");
  Snapshot shorter = s;
  shorter.blocks.pop_back();
  EXPECT_NE(Verify(shorter).find("rollback"), std::string::npos);
  trust_.pinned_root = HashLeaf("another history");
  EXPECT_NE(Verify(s).find("rollback or fork"), std::string::npos);
}

TEST_F(LedgerTest, ValidatorSetRotationNeedsTheOldQuorum) {
  TestKey d = MakeTestKey("delta"), e = MakeTestKey("epsilon");
  ValidatorSet next = TestSet(1, {&d, &e});
  Snapshot good = TwoBlocks();
  // Signed by a quorum of the old set (alpha, beta) and by the new set (delta).
  ASSERT_TRUE(
      AppendBlock(&good, trust_.origin, next, By({&a_, &b_, &d}), {Entry("warc/gowarc_test.warc.gz")}, 5000).ok());
  ASSERT_TRUE(AppendBlock(&good, trust_.origin, next, By({&e}), {Entry("warc/jwarc_cc.warc.gz")}, 6000).ok());
  EXPECT_EQ(Verify(good), "");
  Snapshot bad = TwoBlocks();
  ASSERT_TRUE(AppendBlock(&bad, trust_.origin, next, By({&d, &e}), {Entry("warc/gowarc_test.warc.gz")}, 5000).ok());
  EXPECT_NE(Verify(bad).find("switches validator sets without a quorum"), std::string::npos) << Verify(bad);
}

TEST_F(LedgerTest, ValidatorSetSwitchNeedsTheNewQuorumToo) {
  // A switch signed by the old quorum only, to a set that never signs: refused.
  TestKey d = MakeTestKey("delta"), e = MakeTestKey("epsilon");
  ValidatorSet next = TestSet(2, {&d, &e});
  Snapshot unsigned_by_new = TwoBlocks();
  ASSERT_TRUE(
      AppendBlock(&unsigned_by_new, trust_.origin, next, By({&a_, &b_}), {Entry("warc/gowarc_test.warc.gz")}, 5000)
          .ok());
  EXPECT_NE(Verify(unsigned_by_new).find("block 2: switches to validator set 1 without a quorum of 2 of the new set"),
            std::string::npos)
      << Verify(unsigned_by_new);
  // One signature of a new set whose quorum is 2: still refused.
  Snapshot one_of_two = TwoBlocks();
  ASSERT_TRUE(
      AppendBlock(&one_of_two, trust_.origin, next, By({&a_, &b_, &d}), {Entry("warc/gowarc_test.warc.gz")}, 5000)
          .ok());
  EXPECT_NE(Verify(one_of_two).find("without a quorum of 2 of the new set"), std::string::npos);
  // Both quorums: accepted, and the new set signs alone afterwards.
  Snapshot both = TwoBlocks();
  ASSERT_TRUE(
      AppendBlock(&both, trust_.origin, next, By({&b_, &c_, &d, &e}), {Entry("warc/gowarc_test.warc.gz")}, 5000).ok());
  ASSERT_TRUE(AppendBlock(&both, trust_.origin, next, By({&d, &e}), {Entry("warc/jwarc_cc.warc.gz")}, 6000).ok());
  EXPECT_EQ(Verify(both), "");
}

TEST_F(LedgerTest, GenesisSetAndOriginMustBeTrusted) {
  Snapshot s = TwoBlocks();
  Trust other = trust_;
  TestKey z = MakeTestKey("zeta");
  other.genesis = TestSet(1, {&z});
  EXPECT_FALSE(VerifySnapshot(s, other).ok());
  other = trust_;
  other.origin = "somebody.else/ledger";
  EXPECT_FALSE(VerifySnapshot(s, other).ok());
}

TEST_F(LedgerTest, TrustFileIsRead) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/genesis.valset") << set_.document;
  std::ofstream(dir + "/trust.toml") << "origin = \"crawlproof.test/ledger\"\nvalset_file = \"genesis.valset\"\n"
                                     << "[pinned]\nheight = 0\nroot = \"" << ToHex(HashLeaf("x")) << "\"\n";
  auto t = LoadTrustFile(dir + "/trust.toml");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->origin, trust_.origin);
  EXPECT_EQ(t->genesis.hash, set_.hash);
  EXPECT_EQ(t->pinned_height, 0u);
  EXPECT_FALSE(LoadTrustFile(dir + "/missing.toml").ok());
}

}  // namespace
}  // namespace crawlproof::verify

#include "verify/audit.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
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

// With the entry's leaf sidecar and the record's index and length, only the
// record is read: the same bundle as streaming the file; a sidecar that does
// not belong, or a wrong index, falls back to streaming, same bundle again.
TEST_F(AuditTest, BundleFromTheLeafSidecarEqualsTheStreamedOne) {
  const std::string dir = testing::MakeTempDir();
  auto c = CommitFile(file_, LedgerPath(file_, ""), {true, {}, nullptr}).value();
  const std::string name = LeafSidecarName(c.entry).value();
  std::ofstream(dir + "/" + name, std::ios::binary) << EncodeLeafSidecar(c.leaf_hashes);
  for (size_t i = 0; i < leaves_.size(); i += 5) {
    RecordHint hint{i, leaves_[i].length, dir};
    auto fast = BuildAuditBundle(file_, LedgerPath(file_, ""), leaves_[i].offset, snapshot_, {}, std::nullopt, &hint);
    ASSERT_TRUE(fast.ok()) << fast.status().message();
    EXPECT_EQ(FormatAuditBundle(*fast), FormatAuditBundle(BundleFor(i))) << i;
    EXPECT_EQ(VerifyError(*fast, RecordBytes(i)), "");
    RecordHint wrong{i + 1, leaves_[i].length, dir};  // another record's leaf
    auto fallback =
        BuildAuditBundle(file_, LedgerPath(file_, ""), leaves_[i].offset, snapshot_, {}, std::nullopt, &wrong);
    ASSERT_TRUE(fallback.ok());
    EXPECT_EQ(FormatAuditBundle(*fallback), FormatAuditBundle(BundleFor(i)));
  }
  // Only the record is read: a copy of the file cut after record 2 still
  // gives record 2's bundle (streaming it would find the file short).
  const std::string cut = dir + "/copy/" + std::filesystem::path(file_).filename().string();
  std::filesystem::create_directories(dir + "/copy");
  std::ofstream(cut, std::ios::binary) << testing::ReadFileBytes(file_).substr(0,
                                                                               leaves_[2].offset + leaves_[2].length);
  RecordHint two{2, leaves_[2].length, dir};
  auto from_cut = BuildAuditBundle(cut, LedgerPath(cut, ""), leaves_[2].offset, snapshot_, {}, std::nullopt, &two);
  ASSERT_TRUE(from_cut.ok()) << from_cut.status().message();
  from_cut->file = file_;  // the rest is the same bundle
  EXPECT_EQ(FormatAuditBundle(*from_cut), FormatAuditBundle(BundleFor(2)));
  EXPECT_FALSE(BuildAuditBundle(cut, LedgerPath(cut, ""), leaves_[2].offset, snapshot_).ok());
  // A sidecar whose leaves do not hash to the entry's record root is not used.
  auto hashes = c.leaf_hashes;
  hashes[0][0] ^= 1;
  std::ofstream(dir + "/" + name, std::ios::binary | std::ios::trunc) << EncodeLeafSidecar(hashes);
  RecordHint hint{0, leaves_[0].length, dir};
  auto b = BuildAuditBundle(file_, LedgerPath(file_, ""), leaves_[0].offset, snapshot_, {}, std::nullopt, &hint);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(FormatAuditBundle(*b), FormatAuditBundle(BundleFor(0)));
  std::filesystem::remove_all(dir);
}

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

// Two chains from the same genesis block: `main` and a fork that differs
// from height 1 on. The trust file pins a block of `main`.
TEST_F(AuditTest, PinnedBlockIsEnforcedForBundlesAtEveryHeight) {
  auto entry = [](const std::string& f) { return CommitFile(f, LedgerPath(f, "")).value().entry; };
  const std::string third = testing::FixturePath("warc/gowarc_test.warc.gz");
  const std::string fourth = testing::FixturePath("warc/jwarc_cc.warc.gz");
  std::vector<Signer> both = {{"alpha", &a_.signer}, {"beta", &b_.signer}};
  Snapshot main = snapshot_, fork = snapshot_;
  ASSERT_TRUE(AppendBlock(&main, trust_.origin, set_, both, {entry(third)}, 2000).ok());
  ASSERT_TRUE(AppendBlock(&main, trust_.origin, set_, both, {entry(fourth)}, 3000).ok());
  ASSERT_TRUE(AppendBlock(&fork, trust_.origin, set_, both, {entry(fourth)}, 2000).ok());
  ASSERT_TRUE(AppendBlock(&fork, trust_.origin, set_, both, {entry(third)}, 3000).ok());
  auto bundle = [&](const Snapshot& s, const std::string& f, std::optional<uint64_t> pin) {
    auto c = CommitFile(f, "x", {true, {}, nullptr}).value();
    auto b = BuildAuditBundle(f, LedgerPath(f, ""), c.leaves[0].offset, s, {}, pin);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return ParseAuditBundle(FormatAuditBundle(b.value())).value();
  };
  auto check = [&](const AuditBundle& b) {
    auto r = VerifyAuditBundle(b, trust_);
    return r.ok() ? "ok: " + r->pin_check : r.status().message();
  };
  Trust pinned_trust = trust_;
  auto v = VerifySnapshot(main, trust_).value();
  trust_.pinned_height = 1;
  trust_.pinned_root = v.blocks[1].body.root;
  // Above the pin: main's block 2 extends it; the fork's block 2 does not.
  EXPECT_EQ(check(bundle(main, fourth, 1)), "ok: extends the pinned block");
  EXPECT_NE(check(bundle(fork, third, 1)).find("not consistent with the pinned block (fork)"), std::string::npos)
      << check(bundle(fork, third, 1));
  // Without the proof: refused, saying how to make one.
  EXPECT_NE(check(bundle(main, fourth, std::nullopt)).find("--pin-height 1"), std::string::npos);
  // A proof for another height, or a doctored size: refused.
  EXPECT_NE(check(bundle(main, fourth, 0)).find("no proof of consistency"), std::string::npos);
  AuditBundle doctored = bundle(main, fourth, 1);
  doctored.pin->size += 1;
  EXPECT_NE(check(doctored).find("pinned"), std::string::npos) << check(doctored);
  // At the pin: its root. Below it: in its log (block 0 is shared by both chains).
  EXPECT_EQ(check(bundle(main, third, 1)), "ok: same block");
  EXPECT_NE(check(bundle(fork, fourth, 1)).find("fork"), std::string::npos);
  trust_.pinned_height = 2;
  trust_.pinned_root = v.blocks[2].body.root;
  EXPECT_EQ(check(bundle(main, file_, 2)), "ok: in the pinned block's log");
  // The fork shares block 0, but its proof is from its own log, not the pinned one.
  EXPECT_NE(check(bundle(fork, file_, 2)).find("fork"), std::string::npos);
  EXPECT_NE(check(bundle(fork, fourth, 2)).find("fork"), std::string::npos) << check(bundle(fork, fourth, 2));
  // No pin: nothing to check against.
  trust_ = pinned_trust;
  EXPECT_EQ(check(bundle(fork, third, std::nullopt)), "ok: none");
}

// docs/audit.md's recipe (scripts/audit-verify.sh: POSIX sh, sed, od, openssl)
// on a real bundle, and one list of tampered bundles through both verifiers:
// whatever the C++ verifier refuses, the script refuses too.
TEST_F(AuditTest, ShellAndOpenSslRecipeRefusesWhatTheVerifierRefuses) {
  if (std::system("openssl version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no openssl command";
  const std::string dir = testing::MakeTempDir();
  const std::string script = std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/scripts/audit-verify.sh";
  std::ofstream(dir + "/genesis.valset") << set_.document;
  std::ofstream(dir + "/record.bin", std::ios::binary) << RecordBytes(12);
  const std::string good = FormatAuditBundle(BundleFor(12));
  auto shell = [&](const std::string& json, bool with_bytes) {
    std::ofstream(dir + "/bundle.json", std::ios::trunc) << json;
    return std::system(("sh " + script + " " + dir + "/bundle.json " + dir + "/genesis.valset " +
                        (with_bytes ? dir + "/record.bin" : "") + " >/dev/null 2>&1")
                           .c_str());
  };
  auto cpp = [&](const std::string& json, bool with_bytes) {
    auto b = ParseAuditBundle(json);
    if (!b.ok()) return false;
    return VerifyAuditBundle(*b, trust_, with_bytes ? std::optional<std::string>(RecordBytes(12)) : std::nullopt).ok();
  };
  ASSERT_TRUE(cpp(good, true));
  ASSERT_EQ(shell(good, true), 0);
  // Each tampering: a field set to a new raw JSON value.
  auto set = [&](const std::string& field, const std::string& value) {
    std::string json = good;
    const size_t at = json.find("\n\"" + field + "\": ") + field.size() + 5;
    json.replace(at, json.find('\n', at) - at - (json[json.find('\n', at) - 1] == ',' ? 1 : 0), value);
    return json;
  };
  auto number = [&](const std::string& field, int64_t delta) {
    const size_t at = good.find("\n\"" + field + "\": ") + field.size() + 5;
    return set(field, std::to_string(std::stoll(good.substr(at)) + delta));
  };
  auto text = [&](const std::string& field) {
    const size_t at = good.find("\n\"" + field + "\": ") + field.size() + 5;
    return good.substr(at, good.find('\n', at) - at - 1);
  };
  const AuditBundle b = BundleFor(12);
  std::string upper_hash = text("record_path");
  for (size_t i = 2; i < 10; ++i) upper_hash[i] = static_cast<char>(std::toupper(upper_hash[i]));
  std::string changed_note = text("block_note");
  changed_note[changed_note.find("time ") + 5] ^= 1;
  const std::vector<std::pair<std::string, std::string>> tampered = {
      {"record index = record count", set("record_index", std::to_string(b.record_count))},
      {"record index with a leading zero", set("record_index", "0" + std::to_string(b.record_index))},
      {"record index moved", number("record_index", 1)},
      {"record count changed", number("record_count", 1)},
      {"entry index = tree size", set("entry_index", std::to_string(b.tree_size))},
      {"entry index with a leading zero", set("entry_index", "0" + std::to_string(b.entry_index))},
      {"tree size changed", number("tree_size", 1)},
      {"offset changed", number("offset", 1)},
      {"length changed", number("length", -1)},
      {"height changed", number("height", 1)},
      {"path changed", set("path", "\"other.warc.gz\"")},
      {"origin changed", set("origin", "\"somebody.else/ledger\"")},
      {"format changed", set("format", "\"crawlproof-audit/v2\"")},
      {"upper-case hash", set("record_path", upper_hash)},
      {"a SHA-1 in a path", set("record_path", "[\"a9993e364706816aba3e25717850c26c9cd0d89d\"]")},
      {"record path too long", set("record_path", text("record_path").substr(0, text("record_path").size() - 1) +
                                                      ", \"" + ToHex(b.record_path[0]) + "\"]")},
      {"entry path cut", set("entry_path", "[]")},
      {"leaf of odd length", set("leaf", "\"" + HexEncode(b.leaf) + "0\"")},
      {"leaf in upper case", set("leaf", "\"" + std::string(1, 'A') + HexEncode(b.leaf).substr(1) + "\"")},
      {"a byte of the block changed", set("block_note", changed_note)},
      {"another file's leaf",
       set("leaf",
           "\"" + HexEncode(EncodeRecordLeaf(CommitFile(other_, "y", {true, {}, nullptr}).value().leaves[12]).value()) +
               "\"")},
  };
  for (const auto& [what, json] : tampered) {
    ASSERT_NE(json, good) << what;
    EXPECT_FALSE(cpp(json, false)) << what << ": the C++ verifier accepted it";
    EXPECT_NE(shell(json, false), 0) << what << ": the shell recipe accepted it";
  }
  // The record's bytes: changed, or cut short.
  std::string bytes = RecordBytes(12);
  bytes[100] ^= 1;
  std::ofstream(dir + "/record.bin", std::ios::binary | std::ios::trunc) << bytes;
  EXPECT_NE(shell(good, true), 0);
  std::ofstream(dir + "/record.bin", std::ios::binary | std::ios::trunc) << RecordBytes(12).substr(1);
  EXPECT_NE(shell(good, true), 0);
}

}  // namespace
}  // namespace crawlproof::verify

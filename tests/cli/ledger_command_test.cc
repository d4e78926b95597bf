// keygen and the ledger commands as a user runs them.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

using Run = testing::CliRun;

Run Crawlproof(const std::string& args) {
  return testing::RunCrawlproof(args);
}

class LedgerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir();
    ASSERT_EQ(Crawlproof("keygen --name v1 --out " + dir_ + "/keys").exit_code, 0);
    ASSERT_EQ(Crawlproof("keygen --name v2 --out " + dir_ + "/keys").exit_code, 0);
    auto valset = Crawlproof("ledger valset --quorum 2 " + dir_ + "/keys/v1.vkey " + dir_ + "/keys/v2.vkey");
    ASSERT_EQ(valset.exit_code, 0);
    std::ofstream(dir_ + "/genesis.valset") << valset.out;
    std::ofstream(dir_ + "/trust.toml") << "origin = \"crawlproof.test/ledger\"\nvalset_file = \"genesis.valset\"\n";
    std::string warcs = dir_ + "/warcs";
    std::filesystem::create_directories(warcs + "/seg");
    for (const char* f : {"rp_warcfile.warc.gz", "dolma_sample-0000_wget-1.21.4.warc.gz"})
      std::filesystem::copy_file(testing::FixturePath(std::string("warc/") + f), warcs + "/seg/" + f);
    auto build = Crawlproof(Build() + " --out " + dir_ + "/ledger.json " + warcs + "/seg/rp_warcfile.warc.gz " + warcs +
                            "/seg/dolma_sample-0000_wget-1.21.4.warc.gz");
    ASSERT_EQ(build.exit_code, 0);
  }
  std::string Build() const {
    return "ledger build --origin crawlproof.test/ledger --valset " + dir_ + "/genesis.valset --key " + dir_ +
           "/keys/v1.key --key " + dir_ + "/keys/v2.key --root " + dir_ + "/warcs";
  }
  std::string dir_;
};

TEST_F(LedgerCli, KeysAreWrittenPrivatelyAndNeverOverwritten) {
  struct stat st {};
  ASSERT_EQ(stat((dir_ + "/keys/v1.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_NE(Crawlproof("keygen --name v1 --out " + dir_ + "/keys").exit_code, 0);
  std::ifstream vkey(dir_ + "/keys/v1.vkey");
  std::string line;
  std::getline(vkey, line);
  EXPECT_EQ(line.rfind("v1 A", 0), 0u) << line;  // base64 of 0x01 ‖ key starts with 'A'
}

TEST_F(LedgerCli, VerifyAndCheck) {
  auto v = Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + dir_ + "/trust.toml");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("\"status\":\"verified\",\"height\":0,\"files\":2"), std::string::npos) << v.out;
  auto check = Crawlproof("ledger check " + dir_ + "/ledger.json --trust " + dir_ + "/trust.toml --root " + dir_ +
                          "/warcs " + dir_ + "/warcs/seg/rp_warcfile.warc.gz");
  EXPECT_EQ(check.exit_code, 0);
  EXPECT_NE(check.out.find("\"path\":\"seg/rp_warcfile.warc.gz\""), std::string::npos) << check.out;
  EXPECT_NE(check.out.find("\"status\":\"verified\""), std::string::npos) << check.out;
  // A file with one byte changed, under the committed path: mismatch, and why.
  std::string other = dir_ + "/other/seg";
  std::filesystem::create_directories(other);
  std::string bytes = testing::ReadFileBytes(dir_ + "/warcs/seg/rp_warcfile.warc.gz");
  bytes[bytes.size() / 2] ^= 1;
  std::ofstream(other + "/rp_warcfile.warc.gz", std::ios::binary) << bytes;
  auto bad = Crawlproof("ledger check " + dir_ + "/ledger.json --trust " + dir_ + "/trust.toml --root " + dir_ +
                        "/other " + other + "/rp_warcfile.warc.gz " + testing::FixturePath("warc/jwarc_cc.warc.gz"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("\"status\":\"mismatch\",\"detail\":\"file hash"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("\"status\":\"not-in-ledger\""), std::string::npos) << bad.out;
}

// The leaf sidecars written by `ledger build` let `ledger check` name the
// record where a file first differs — and a sidecar that does not hash to the
// committed record root is not believed.
TEST_F(LedgerCli, CheckNamesTheFirstDifferingRecord) {
  std::string plain = dir_ + "/warcs/seg/text.warc", ledger = dir_ + "/plain.json";
  std::string original = testing::ReadFileBytes(testing::FixturePath("warc/iawc_text-extraction-test.warc"));
  std::ofstream(plain, std::ios::binary) << original;
  ASSERT_EQ(Crawlproof(Build() + " --out " + ledger + " " + plain).exit_code, 0);
  std::vector<std::string> sidecars;
  for (const auto& e : std::filesystem::directory_iterator(ledger + ".leaves")) sidecars.push_back(e.path());
  ASSERT_EQ(sidecars.size(), 1u);
  EXPECT_EQ(std::filesystem::file_size(sidecars[0]), 21u + 8u + 4 * 32u);  // header, count, 4 leaves
  std::string check = "ledger check " + ledger + " --trust " + dir_ + "/trust.toml --root " + dir_ + "/warcs " + plain;

  // One byte of the third record's payload (offset 2540, 744 bytes) changed.
  std::string changed = original;
  changed[2900] ^= 0x20;
  std::ofstream(plain, std::ios::binary | std::ios::trunc) << changed;
  auto one = Crawlproof(check);
  EXPECT_EQ(one.exit_code, 1);
  EXPECT_NE(one.out.find("\"detail\":\"file hash: ledger "), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("; record root: ledger "), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("; first differing record: #2 at offset 2540 ("), std::string::npos) << one.out;
  EXPECT_NE(one.out.find("\"first_differing_record\":{\"index\":2,\"offset\":2540,\"length\":744,"), std::string::npos)
      << one.out;
  EXPECT_EQ(one.out.find("size: "), std::string::npos) << one.out;

  // The last record cut off: sizes and counts differ, the first difference is #3.
  std::ofstream(plain, std::ios::binary | std::ios::trunc) << original.substr(0, 3284);
  auto cut = Crawlproof(check);
  EXPECT_NE(cut.out.find("\"detail\":\"size: ledger 3649, file 3284; "), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("record count: ledger 4, file 3"), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("first differing record: #3: the file ends after 3 records"), std::string::npos) << cut.out;

  // A forged sidecar (claims record 0 differs) is refused, not believed.
  std::string forged = testing::ReadFileBytes(sidecars[0]);
  forged[21 + 8] ^= 1;
  std::ofstream(sidecars[0], std::ios::binary | std::ios::trunc) << forged;
  std::ofstream(plain, std::ios::binary | std::ios::trunc) << changed;
  auto refused = Crawlproof(check);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("first differing record: unknown (leaf sidecar "), std::string::npos) << refused.out;
  EXPECT_NE(refused.out.find("do not hash to the file entry's record root"), std::string::npos) << refused.out;
  EXPECT_EQ(refused.out.find("first_differing_record"), std::string::npos) << refused.out;

  // A sidecar larger than its entry's can be: refused before it is read.
  std::ofstream(sidecars[0], std::ios::binary | std::ios::trunc)
      << testing::ReadFileBytes(sidecars[0]) << std::string(1 << 20, '\0');
  auto padded = Crawlproof(check);
  EXPECT_NE(padded.out.find("it can be"), std::string::npos) << padded.out;
  EXPECT_EQ(padded.out.find("first_differing_record"), std::string::npos) << padded.out;

  // Without sidecars the check still says which fields differ.
  std::filesystem::remove_all(ledger + ".leaves");
  auto none = Crawlproof(check);
  EXPECT_NE(none.out.find("first differing record: unknown (no leaf sidecar "), std::string::npos) << none.out;
}

TEST_F(LedgerCli, AppendingAndTampering) {
  std::string ledger = dir_ + "/ledger.json";
  auto more = Crawlproof(Build() + " --prev " + ledger + " --out " + ledger + " " +
                         testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz"));
  ASSERT_EQ(more.exit_code, 0);
  auto v = Crawlproof("ledger verify " + ledger + " --trust " + dir_ + "/trust.toml");
  EXPECT_NE(v.out.find("\"height\":1,\"files\":3"), std::string::npos) << v.out;
  auto proof = Crawlproof("ledger consistency " + ledger + " --trust " + dir_ + "/trust.toml --from 0");
  EXPECT_EQ(proof.exit_code, 0);
  EXPECT_NE(proof.out.find("\"verified\":true"), std::string::npos);
  std::string text = testing::ReadFileBytes(ledger);
  text.replace(text.find("\"size\":"), 7, "\"size\":1");  // a file entry that no longer hashes to the root
  std::ofstream(ledger, std::ios::binary | std::ios::trunc) << text;
  auto tampered = Crawlproof("ledger verify " + ledger + " --trust " + dir_ + "/trust.toml");
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_NE(tampered.out.find("\"status\":\"failed\""), std::string::npos) << tampered.out;
  EXPECT_EQ(Crawlproof("ledger verify " + dir_ + "/missing.json --trust " + dir_ + "/trust.toml").exit_code, 2);
}

// A scheduled verifier pins the head, and later moves the pin forward.
TEST_F(LedgerCli, PinningMovesTheTrustPointForward) {
  std::string ledger = dir_ + "/ledger.json", trust = dir_ + "/trust.toml";
  auto first = Crawlproof("ledger verify " + ledger + " --trust " + trust + " --pin");
  ASSERT_EQ(first.exit_code, 0);
  EXPECT_NE(testing::ReadFileBytes(trust).find("[pinned]\nheight = 0\nroot = '"), std::string::npos);
  ASSERT_EQ(Crawlproof(Build() + " --prev " + ledger + " --out " + ledger + " " +
                       testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz"))
                .exit_code,
            0);
  auto second = Crawlproof("ledger verify " + ledger + " --trust " + trust + " --pin");
  ASSERT_EQ(second.exit_code, 0);
  EXPECT_NE(second.out.find("\"consistency\":{\"from_height\":0,\"old_size\":2,\"new_size\":3"), std::string::npos)
      << second.out;
  std::string pinned = testing::ReadFileBytes(trust);
  EXPECT_NE(pinned.find("height = 1"), std::string::npos) << pinned;
  EXPECT_EQ(pinned.find("height = 0"), std::string::npos) << pinned;  // one [pinned] section
  // An older snapshot is now a rollback.
  std::string older = dir_ + "/older.json";
  ASSERT_EQ(Crawlproof(Build() + " --out " + older + " " + dir_ + "/warcs/seg/rp_warcfile.warc.gz").exit_code, 0);
  EXPECT_EQ(Crawlproof("ledger verify " + older + " --trust " + trust).exit_code, 1);
}

// A misspelt or misplaced table in the trust file would switch the rollback
// check off: every such file is refused, naming the file and the key.
TEST_F(LedgerCli, TrustFileIsReadStrictly) {
  const std::string base = "origin = \"crawlproof.test/ledger\"\nvalset_file = \"genesis.valset\"\n";
  const std::string root = "\"" + std::string(64, 'a') + "\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"[pined]\nheight = 0\nroot = " + root + "\n", "pined is not a known table"},
      {"[Pinned]\nheight = 0\nroot = " + root + "\n", "Pinned is not a known table"},
      {"pinned = 1\n", "pinned must be a table"},
      {"[pinned]\nheigth = 0\nroot = " + root + "\n", "pinned.heigth is not a known option"},
      {"[pinned]\nheight = -1\nroot = " + root + "\n", "pinned.height must be a non-negative integer"},
      {"[pinned]\nheight = 0\n", "[pinned] needs height and root"},
      {"valset = \"x\"\n", "valset is not a known option"},
  };
  for (const auto& [extra, expected] : cases) {
    const std::string trust = dir_ + "/bad-trust.toml";
    std::ofstream(trust, std::ios::trunc) << base << extra;
    auto v = Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + trust);
    EXPECT_EQ(v.exit_code, 2) << extra;
    EXPECT_NE(v.err.find(trust + ": " + expected), std::string::npos) << extra << " -> " << v.err;
  }
  // More than a trust file can hold: refused before reading.
  std::ofstream(dir_ + "/huge.toml") << base << "# " << std::string(2 << 20, 'x') << "\n";
  auto huge = Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + dir_ + "/huge.toml");
  EXPECT_EQ(huge.exit_code, 2);
  EXPECT_NE(huge.err.find("such a file can hold"), std::string::npos) << huge.err;
}

// --pin rewrites through the TOML serialiser: one [pinned] table whatever the
// file's spelling of it, comments at the top kept, a symbolic link kept.
TEST_F(LedgerCli, PinRewritesOneTableThroughALink) {
  const std::string real = dir_ + "/real-trust.toml", link = dir_ + "/trust-link.toml";
  std::ofstream(real) << "# our production trust point\norigin = \"crawlproof.test/ledger\"\n"
                      << "valset_file = \"genesis.valset\"\n\n[ pinned ]  # set by hand\nheight = 0\nroot = \""
                      << std::string(64, '0') << "\"\n";
  std::filesystem::create_symlink(real, link);
  // The hand-set root is wrong: verify refuses, and nothing is rewritten.
  EXPECT_EQ(Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + link + " --pin").exit_code, 1);
  EXPECT_NE(testing::ReadFileBytes(real).find("[ pinned ]  # set by hand"), std::string::npos);
  auto root = Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + dir_ + "/trust.toml");
  ASSERT_EQ(root.exit_code, 0);
  const size_t at = root.out.find("\"root\":\"") + 8;
  std::string text = testing::ReadFileBytes(real);
  text.replace(text.find(std::string(64, '0')), 64, root.out.substr(at, 64));
  std::ofstream(real, std::ios::trunc) << text;
  ASSERT_EQ(Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + link + " --pin").exit_code, 0);
  EXPECT_TRUE(std::filesystem::is_symlink(link));
  const std::string after = testing::ReadFileBytes(real);
  EXPECT_EQ(after.rfind("# our production trust point\n", 0), 0u) << after;
  size_t tables = 0;
  for (size_t p = after.find("pinned"); p != std::string::npos; p = after.find("pinned", p + 1)) ++tables;
  EXPECT_EQ(tables, 1u) << after;
  EXPECT_EQ(Crawlproof("ledger verify " + dir_ + "/ledger.json --trust " + link).exit_code, 0);
}

// A block that switches to a set whose quorum did not co-sign is not written.
TEST_F(LedgerCli, BuildRefusesASwitchTheNewSetDidNotSign) {
  ASSERT_EQ(Crawlproof("keygen --name v3 --out " + dir_ + "/keys").exit_code, 0);
  auto next = Crawlproof("ledger valset --quorum 1 " + dir_ + "/keys/v3.vkey");
  ASSERT_EQ(next.exit_code, 0);
  std::ofstream(dir_ + "/next.valset") << next.out;
  const std::string ledger = dir_ + "/ledger.json", before = testing::ReadFileBytes(ledger);
  const std::string add =
      " --prev " + ledger + " --out " + ledger + " " + testing::FixturePath("warc/warcbench_test-crawl_0.warc.gz");
  std::string build = Build();
  build.replace(build.find(dir_ + "/genesis.valset"), (dir_ + "/genesis.valset").size(), dir_ + "/next.valset");
  auto refused = Crawlproof(build + add);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("without a quorum of 1 of the new set"), std::string::npos) << refused.err;
  EXPECT_EQ(testing::ReadFileBytes(ledger), before);
  auto accepted = Crawlproof(build + " --key " + dir_ + "/keys/v3.key" + add);
  EXPECT_EQ(accepted.exit_code, 0) << accepted.err;
  EXPECT_EQ(Crawlproof("ledger verify " + ledger + " --trust " + dir_ + "/trust.toml").exit_code, 0);
}

// An empty file is almost always a failed download: not committed unless asked.
TEST_F(LedgerCli, BuildRefusesAnEmptyFileUnlessAsked) {
  const std::string empty = dir_ + "/warcs/seg/empty.warc.gz", out = dir_ + "/empty-ledger.json";
  std::ofstream(empty).close();
  auto refused = Crawlproof(Build() + " --out " + out + " " + empty);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("empty.warc.gz: empty (0 bytes); not committed (use --allow-empty"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_EQ(Crawlproof(Build() + " --allow-empty --out " + out + " " + empty).exit_code, 0);
  EXPECT_EQ(Crawlproof("ledger verify " + out + " --trust " + dir_ + "/trust.toml").exit_code, 0);
}

}  // namespace
}  // namespace crawlproof

// Damaged copies of real WARCs (bytes flipped, ranges deleted or duplicated,
// junk inserted, files cut) must never crash, hang, or be fatal: every call of
// Next() moves forward, every error names the file and an offset, and the
// records that survive are real ones.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <set>

#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

std::string Mutate(std::string s, std::mt19937_64& rng) {
  auto pick = [&](size_t n) { return n == 0 ? size_t{0} : static_cast<size_t>(rng() % n); };
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int e = 0; e < edits && !s.empty(); ++e) {
    size_t at = pick(s.size());
    switch (rng() % 5) {
      case 0:  // flip a few bytes
        for (int i = 0; i < 8 && at + i < s.size(); ++i) s[at + i] = static_cast<char>(rng());
        break;
      case 1:  // delete a range
        s.erase(at, pick(4096));
        break;
      case 2:  // insert junk
        s.insert(at, std::string(pick(600) + 1, static_cast<char>(rng())));
        break;
      case 3:  // duplicate a range
        s.insert(at, s.substr(pick(s.size()), pick(3000)));
        break;
      case 4:  // cut the file
        s.resize(at);
        break;
    }
  }
  return s;
}

void Torture(const std::string& fixture, const std::string& name, int rounds) {
  std::string original = testing::ReadFileBytes(testing::FixturePath(fixture));
  ASSERT_FALSE(original.empty());
  auto reference = testing::ReadAll(testing::FixturePath(fixture));
  std::set<std::string> real_ids;
  for (const auto& r : reference.records) real_ids.insert(r.id);
  std::mt19937_64 rng(20261128);
  for (int round = 0; round < rounds; ++round) {
    std::string damaged = Mutate(original, rng);
    std::string path = testing::WriteTempFile(name, damaged);
    auto t0 = std::chrono::steady_clock::now();
    auto all = testing::ReadAll(path);
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(secs, 10.0) << fixture << " round " << round;
    EXPECT_FALSE(all.failed) << fixture << " round " << round;
    EXPECT_LE(all.records.size() + all.errors.size(), damaged.size() + 1) << "no progress?";
    for (const auto& m : all.errors) {
      EXPECT_NE(m.find(name), std::string::npos) << m;
      EXPECT_NE(m.find("offset"), std::string::npos) << m;
    }
    for (const auto& r : all.records) {
      // A surviving record is one of the file's, unless its header itself was hit.
      if (!r.id.empty() && real_ids.count(r.id) == 0) continue;
      EXPECT_LE(r.block.size(), r.content_length);
    }
  }
}

TEST(Robustness, DamagedCommonCrawlGzip) {
  Torture("warc/rp_warcfile.warc.gz", "damaged.warc.gz", 60);
}
TEST(Robustness, DamagedPlainWarc) {
  Torture("commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal.warc", "damaged.warc", 60);
}
TEST(Robustness, DamagedWgetGzip) {
  Torture("warc/dolma_sample-0000_wget-1.21.4.warc.gz", "damaged2.warc.gz", 40);
}
TEST(Robustness, DamagedArc) {
  Torture("warc/jwat_small_BNF.arc", "damaged.arc", 40);
}
TEST(Robustness, DamagedWet) {
  Torture("warc/ccst_filter_test_1.wet.gz", "damaged.wet.gz", 40);
}

}  // namespace
}  // namespace crawlproof::ingest

// GCC 12 reports a false -Wrestrict on "literal" + std::string (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "ingest/line_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::dedup {
namespace {

TEST(Normalize, AsDocumented) {
  EXPECT_EQ(NormalizeForDedup("Héllo, WORLD!  2024 — naïve café_bar"), "hello world 0000 naive cafe bar");
  EXPECT_EQ(NormalizeForDedup("e\xCC\x81t\xC3\xA9 \xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82!"), "ete привет");
  EXPECT_EQ(NormalizeForDedup("大きな,プロジェクト ok"), "大 き な プ ロ ジ ェ ク ト ok");  // voicing marks stay
  EXPECT_EQ(NormalizeForDedup("ภาษาไทย"), "ภ า ษ า ไ ท ย");
  EXPECT_EQ(NormalizeForDedup("กิน ข้าว"), "กิ น ข้ า ว");       // vowel and tone marks stay on their consonant
  EXPECT_EQ(NormalizeForDedup("हिन्दी भाषा"), "हिन्दी भाषा");  // Devanagari signs belong to the word
  EXPECT_EQ(NormalizeForDedup("한국어 \xD9\xA3\xD9\xA4"), "한 국 어 00");  // Hangul per syllable; Arabic-Indic digits
  EXPECT_EQ(NormalizeForDedup("  ...  "), "");
  EXPECT_EQ(NormalizeForDedup(""), "");
}

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> w;
  for (std::string x; in >> x;) w.push_back(x);
  return w;
}

std::string Join(const std::vector<std::string>& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : " ") + x;
  return s;
}

std::set<std::string> Shingles(const std::string& normalized) {
  auto w = Words(normalized);
  std::set<std::string> out;
  if (w.empty()) return out;
  size_t n = std::min<size_t>(5, w.size());
  for (size_t i = 0; i + n <= w.size(); ++i) {
    std::vector<std::string> g(w.begin() + i, w.begin() + i + n);
    out.insert(Join(g));
  }
  return out;
}

double Jaccard(const std::string& a, const std::string& b) {
  auto x = Shingles(a), y = Shingles(b);
  if (x.empty() && y.empty()) return 1;
  size_t common = 0;
  for (const auto& s : x) common += y.count(s);
  return static_cast<double>(common) / (x.size() + y.size() - common);
}

// Real pages (PostgreSQL and SQLite manuals, tests/data/filter-reference) and
// planted edited copies of them: word substitutions, added boilerplate,
// truncation. Recall is measured per band of true Jaccard.
struct Copy {
  size_t original, index;
  double jaccard;
};

struct Planted {
  std::vector<std::string> originals, texts;  // texts: the originals, then the copies
  std::vector<Copy> copies;
};

Planted PlantedCopies() {
  Planted planted;
  std::vector<std::string>& originals = planted.originals;
  simdjson::dom::parser parser;
  Status s = ingest::ForEachLine(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/filter-reference.jsonl.gz", {},
                                 [&](std::string_view line) {
                                   simdjson::padded_string p(line);
                                   std::string_view text = parser.parse(p)["text"].get_string().value();
                                   std::string norm = NormalizeForDedup(text);
                                   if (Words(norm).size() >= 300) originals.push_back(norm);
                                   return true;
                                 });
  EXPECT_TRUE(s.ok()) << s.message();
  const std::string boilerplate = NormalizeForDedup(
      "Copyright 1996-2024 The PostgreSQL Global Development Group. Privacy policy. This site uses cookies to "
      "improve your experience; by continuing you accept our terms of use. Subscribe to our newsletter.");
  std::mt19937_64 rng(11);
  std::vector<std::string>& texts = planted.texts;
  texts = originals;
  std::vector<Copy>& copies = planted.copies;
  for (size_t o = 0; o < originals.size(); ++o) {
    auto w = Words(originals[o]);
    for (double rate : {0.004, 0.008, 0.012, 0.016, 0.02, 0.03}) {  // word substitutions
      auto e = w;
      for (size_t k = 0; k < static_cast<size_t>(rate * e.size()) + 1; ++k) e[rng() % e.size()] = w[rng() % w.size()];
      copies.push_back({o, texts.size(), 0});
      texts.push_back(Join(e));
    }
    for (double cut : {0.05, 0.1, 0.15}) {  // truncation
      std::vector<std::string> e(w.begin(), w.end() - static_cast<long>(cut * w.size()));
      copies.push_back({o, texts.size(), 0});
      texts.push_back(Join(e));
    }
    copies.push_back({o, texts.size(), 0});  // boilerplate added
    texts.push_back(originals[o] + " " + boilerplate);
  }
  for (auto& c : copies) c.jaccard = Jaccard(originals[c.original], texts[c.index]);
  return planted;
}

TEST(Dedup, RecallOnPlantedNearDuplicatesOfRealPages) {
  Planted planted = PlantedCopies();
  ASSERT_GT(planted.originals.size(), 80u);
  const std::vector<std::string>& texts = planted.texts;
  const std::vector<Copy>& copies = planted.copies;
  DedupOptions options;
  options.device = DedupOptions::Device::kCpu;
  auto report = Deduplicate(texts, {}, options);
  ASSERT_TRUE(report.ok()) << report.status().message();
  std::map<std::string, std::pair<int, int>> buckets;  // found, total
  for (const auto& c : copies) {
    bool found = report->outcomes[c.index].cluster == report->outcomes[c.original].cluster;
    std::string b = c.jaccard >= 0.85 ? "[0.85,1]" : c.jaccard >= 0.8 ? "[0.80,0.85)" : "<0.80";
    buckets[b].first += found;
    buckets[b].second += 1;
  }
  for (const auto& [b, v] : buckets)
    std::printf("recall %-12s %d / %d = %.3f\n", b.c_str(), v.first, v.second, static_cast<double>(v.first) / v.second);
  ASSERT_GT(buckets["[0.85,1]"].second, 200);
  ASSERT_GT(buckets["[0.80,0.85)"].second, 20);
  EXPECT_GE(static_cast<double>(buckets["[0.85,1]"].first) / buckets["[0.85,1]"].second, 0.98);
  EXPECT_GE(static_cast<double>(buckets["[0.80,0.85)"].first) / buckets["[0.80,0.85)"].second, 0.90);
  // In batches (as `crawlproof dedup` reads its input): the same outcome.
  Deduplicator batched(options);
  size_t third = texts.size() / 3;
  for (size_t from : {size_t{0}, third, 2 * third}) {
    size_t to = from == 2 * third ? texts.size() : from + third;
    ASSERT_TRUE(batched.Add(std::vector<std::string>(texts.begin() + from, texts.begin() + to), {}, {}).ok());
  }
  auto batched_report = batched.Finish();
  ASSERT_TRUE(batched_report.ok());
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_EQ(batched_report->outcomes[i].removed, report->outcomes[i].removed) << i;
    ASSERT_EQ(batched_report->outcomes[i].duplicate_of, report->outcomes[i].duplicate_of) << i;
  }
  // Precision: every removed document really resembles the one it points at.
  size_t removed = 0, resembling = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& out = report->outcomes[i];
    if (!out.removed) continue;
    ++removed;
    resembling += Jaccard(texts[i], texts[out.duplicate_of]) >= 0.5;
  }
  ASSERT_GT(removed, 500u);
  EXPECT_GE(static_cast<double>(resembling) / removed, 0.99) << resembling << " of " << removed;
}

TEST(Dedup, SignaturesDoNotDependOnThreads) {
  std::vector<std::string> texts;
  for (int i = 0; i < 3000; ++i) {
    std::string t;
    for (int w = 0; w < 20 + i % 200; ++w) t += "w" + std::to_string((i * 7 + w * 13) % 997) + " ";
    texts.push_back(t);
  }
  kernels::MinHashParams p;
  std::string device;
  auto one = Signatures(texts, p, DedupOptions::Device::kCpu, &device, 1);
  auto three = Signatures(texts, p, DedupOptions::Device::kCpu, &device, 3);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(device, "cpu");
  EXPECT_EQ(*one, *three);
}

TEST(Dedup, ExactDuplicatesKeepsAndDates) {
  std::vector<std::string> texts = {NormalizeForDedup("The same page, twice."),
                                    NormalizeForDedup("the SAME page twice"),
                                    NormalizeForDedup("Something else entirely")};
  DedupOptions o;
  o.device = DedupOptions::Device::kCpu;
  auto r = Deduplicate(texts, {}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->outcomes[0].removed);
  EXPECT_TRUE(r->outcomes[1].removed);
  EXPECT_TRUE(r->outcomes[1].exact);
  EXPECT_EQ(r->outcomes[1].duplicate_of, 0u);
  EXPECT_FALSE(r->outcomes[2].removed);
  // Earliest date keeps the second one.
  o.keep = DedupOptions::Keep::kEarliestDate;
  r = Deduplicate(texts, {"2024-05-01T00:00:00Z", "2023-01-01T00:00:00Z", "2020-01-01T00:00:00Z"}, o);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->outcomes[0].removed);
  EXPECT_EQ(r->outcomes[0].duplicate_of, 1u);
  DedupOptions too_many;
  too_many.bands = 20;  // 20 × 8 > 112
  EXPECT_FALSE(Deduplicate(texts, {}, too_many).ok());
}

// A memory budget far below the state of ~1,000 documents: signatures go to a
// mapped file, band entries to several sorted runs; every outcome and count
// is the same as in memory.
TEST(Dedup, SpillingToDiskChangesNothing) {
  Planted planted = PlantedCopies();
  const std::vector<std::string>& texts = planted.texts;
  ASSERT_GT(texts.size(), 900u);
  DedupOptions options;
  options.device = DedupOptions::Device::kCpu;
  auto in_memory = Deduplicate(texts, {}, options);
  ASSERT_TRUE(in_memory.ok());
  EXPECT_EQ(in_memory->spilled_signature_bytes, 0u);
  EXPECT_EQ(in_memory->sorted_runs, 0u);
  options.memory_budget = 64 << 10;
  options.temp_dir = testing::MakeTempDir();
  Deduplicator spilling(options);
  for (size_t from = 0; from < texts.size(); from += 100) {
    size_t to = std::min(texts.size(), from + 100);
    ASSERT_TRUE(spilling.Add(std::vector<std::string>(texts.begin() + from, texts.begin() + to), {}, {}).ok());
  }
  auto spilled = spilling.Finish();
  ASSERT_TRUE(spilled.ok()) << spilled.status().message();
  const size_t rows = texts.size() - in_memory->exact_duplicates;
  EXPECT_EQ(spilled->spilled_signature_bytes, rows * 112 * 8);
  EXPECT_EQ(spilled->spilled_band_bytes, rows * 14 * sizeof(BandEntrySorter::Entry));
  EXPECT_GE(spilled->sorted_runs, 5u);
  EXPECT_EQ(spilled->candidate_pairs, in_memory->candidate_pairs);
  EXPECT_EQ(spilled->verified_pairs, in_memory->verified_pairs);
  EXPECT_EQ(spilled->near_duplicates, in_memory->near_duplicates);
  EXPECT_GT(spilled->near_duplicates, 500u);
  for (size_t i = 0; i < texts.size(); ++i) {
    const DedupOutcome &a = spilled->outcomes[i], &b = in_memory->outcomes[i];
    ASSERT_EQ(a.removed, b.removed) << i;
    ASSERT_EQ(a.duplicate_of, b.duplicate_of) << i;
    ASSERT_EQ(a.cluster, b.cluster) << i;
    ASSERT_EQ(a.jaccard, b.jaccard) << i;
  }
  // The temporary files were unlinked as soon as they were made.
  EXPECT_TRUE(std::filesystem::is_empty(options.temp_dir));
}

TEST(BandEntrySorter, RunsMergeIntoTheSortedGroups) {
  std::mt19937_64 rng(5);
  std::vector<std::pair<uint64_t, uint32_t>> entries;
  for (uint32_t row = 0; row < 20000; ++row)
    for (int b = 0; b < 3; ++b) entries.push_back({rng() % 5000, row});  // many shared keys
  for (uint64_t limit : {uint64_t{0}, uint64_t{4096}, uint64_t{100000}}) {
    BandEntrySorter sorter(limit, testing::MakeTempDir());
    for (const auto& [k, r] : entries) ASSERT_TRUE(sorter.Add(k, r).ok());
    if (limit == 4096) {
      EXPECT_EQ(sorter.runs(), entries.size() * 16 / 4096);
    }
    std::vector<std::pair<uint64_t, uint32_t>> got;
    uint64_t last_key = 0;
    bool first = true;
    Status s = sorter.ForEachGroup([&](uint64_t key, const std::vector<uint32_t>& rows) {
      EXPECT_TRUE(first || key > last_key);
      first = false;
      last_key = key;
      for (uint32_t r : rows) got.push_back({key, r});
      return Status::Ok();
    });
    ASSERT_TRUE(s.ok()) << s.message();
    auto want = entries;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(got, want) << "limit " << limit;
  }
  TempFile nowhere;
  Status s = nowhere.Open("/nonexistent-crawlproof-dir");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find("/nonexistent-crawlproof-dir"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace crawlproof::dedup

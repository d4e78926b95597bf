#include "kernels/minhash.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/test_paths.h"

namespace crawlproof::kernels {
namespace {

struct Batch {
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  void Add(const std::string& t) {
    bytes += t;
    offsets.push_back(bytes.size());
  }
  PackedTexts View() const {
    return {reinterpret_cast<const uint8_t*>(bytes.data()), offsets.data(), offsets.size() - 1};
  }
};

// Real text, normalised the way dedup's normaliser writes it (lower case,
// single spaces): SQLite's documentation of SELECT and an edited copy.
const std::string kText =
    "the select statement is used to query the database the result of a select is zero or more rows of data where "
    "each row has a fixed number of columns a select statement does not make any changes to the database";
const std::string kEdited =
    "the select statement is used to query a database the result of a select is zero or more rows of data where "
    "each row has a fixed number of columns a select statement never makes any changes to the database";

Batch EdgeCases() {
  Batch b;
  b.Add(kText);
  b.Add(kEdited);
  b.Add("");                   // no words
  b.Add("   ");                // only spaces
  b.Add("three short words");  // fewer than n words: one shingle
  b.Add("  leading and  double spaces here too ");
  b.Add("大 き な プ ロ ジ ェ ク ト に 取 り 組 ん で");  // CJK, one character per word
  b.Add("caf\xC3\xA9 na\xC3\xAFve r\xC3\xA9sum\xC3\xA9 \xD0\xBF\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82 world");
  std::string longer;
  for (int i = 0; i < 3000; ++i) longer += "word" + std::to_string(i % 977) + " ";
  b.Add(longer);
  return b;
}

size_t sig_size(const Batch& b, const MinHashParams& p) {
  return (b.offsets.size() - 1) * p.num_perm;
}

std::vector<uint64_t> Cpu(const Batch& b, const MinHashParams& p) {
  std::vector<uint64_t> out((b.offsets.size() - 1) * p.num_perm);
  MinHashCpu(b.View(), p, out.data());
  return out;
}

TEST(MinHash, MatchesTheIndependentReference) {
  Batch b = EdgeCases();
  MinHashParams p;
  auto ours = Cpu(b, p);
  std::string dir = testing::MakeTempDir();
  {
    std::ofstream f(dir + "/texts", std::ios::binary);
    for (size_t k = 0; k + 1 < b.offsets.size(); ++k)
      f << b.bytes.substr(b.offsets[k], b.offsets[k + 1] - b.offsets[k]) << '\n';
  }
  std::string cmd = "python3 " + std::string(CRAWLPROOF_TEST_SOURCE_DIR) +
                    "/tests/kernels/reference_minhash.py 112 5 42 < " + dir + "/texts";
  FILE* pipe = popen(cmd.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char buf[65536];
  for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
  ASSERT_EQ(pclose(pipe), 0);
  std::istringstream in(out);
  std::vector<uint64_t> ref;
  for (uint64_t v; in >> v;) ref.push_back(v);
  ASSERT_EQ(ref.size(), ours.size());
  EXPECT_EQ(ref, ours);
}

TEST(MinHash, Properties) {
  Batch b = EdgeCases();
  MinHashParams p;
  auto sig = Cpu(b, p);
  auto at = [&](size_t k, size_t i) { return sig[k * p.num_perm + i]; };
  for (size_t i = 0; i < p.num_perm; ++i) {
    EXPECT_EQ(at(2, i), kMersenne61);  // empty
    EXPECT_EQ(at(3, i), kMersenne61);  // only spaces
    EXPECT_LT(at(4, i), kMersenne61);  // short text: one shingle
    EXPECT_LT(at(0, i), kMersenne61);
  }
  // The edited copy: the signature agreement estimates the shingle Jaccard.
  std::set<std::string> s1, s2;
  auto shingles = [](const std::string& t, std::set<std::string>* out) {
    std::istringstream in(t);
    std::vector<std::string> w;
    for (std::string x; in >> x;) w.push_back(x);
    for (size_t i = 0; i + 5 <= w.size(); ++i)
      out->insert(w[i] + " " + w[i + 1] + " " + w[i + 2] + " " + w[i + 3] + " " + w[i + 4]);
  };
  shingles(kText, &s1);
  shingles(kEdited, &s2);
  size_t common = 0;
  for (const auto& s : s1) common += s2.count(s);
  double jaccard = static_cast<double>(common) / (s1.size() + s2.size() - common);
  size_t equal = 0;
  for (size_t i = 0; i < p.num_perm; ++i) equal += at(0, i) == at(1, i);
  double estimate = static_cast<double>(equal) / p.num_perm;
  EXPECT_NEAR(estimate, jaccard, 0.15) << "exact " << jaccard;
  // Another seed gives other permutations; the same seed the same values.
  MinHashParams q = p;
  q.seed = 7;
  EXPECT_NE(Cpu(b, q), sig);
  EXPECT_EQ(Cpu(b, p), sig);
}

// The scalar, AVX2 and AVX-512 loops give the same values (the ones this
// processor has; the others are skipped with a message).
TEST(MinHash, EveryCpuPathGivesTheSameValues) {
  Batch b = EdgeCases();
  for (int i = 0; i < 40; ++i) b.Add(kText.substr(0, 50 + 5 * i) + " " + kEdited.substr(i));
  for (uint32_t num_perm : {1u, 7u, 16u, 65u, 112u, 128u}) {
    MinHashParams p;
    p.num_perm = num_perm;
    SetMinHashCpuPath(CpuPath::kScalar);
    ASSERT_EQ(MinHashCpuPath(), CpuPath::kScalar);
    const std::vector<uint64_t> scalar = Cpu(b, p);
    for (CpuPath path : {CpuPath::kAvx2, CpuPath::kAvx512}) {
      SetMinHashCpuPath(path);
      if (MinHashCpuPath() != path) {
        std::printf("%s not available on this processor\n", CpuPathName(path));
        continue;
      }
      EXPECT_EQ(Cpu(b, p), scalar) << CpuPathName(path) << ", " << num_perm << " permutations";
    }
  }
  SetMinHashCpuPath(CpuPath::kAuto);
  std::printf("default path: %s\n", CpuPathName(MinHashCpuPath()));
}

TEST(MinHash, CudaEqualsCpuBitForBit) {
  Batch b = EdgeCases();
  MinHashParams p;
  std::vector<uint64_t> gpu(sig_size(b, p));
  std::string error;
  if (!MinHashCuda(b.View(), p, gpu.data(), &error)) GTEST_SKIP() << "GPU path not exercised: " << error;
  EXPECT_EQ(gpu, Cpu(b, p));
  for (uint32_t n : {1u, 3u, 9u}) {
    MinHashParams q = p;
    q.ngram = n;
    q.num_perm = 64 + n;
    std::vector<uint64_t> g(sig_size(b, q));
    ASSERT_TRUE(MinHashCuda(b.View(), q, g.data(), &error)) << error;
    EXPECT_EQ(g, Cpu(b, q)) << "ngram " << n;
  }
}

}  // namespace
}  // namespace crawlproof::kernels

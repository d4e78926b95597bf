// FastTextModel against Debian's fastText 0.9.2 (the reference): models are
// trained here with `fasttext supervised` / `fasttext quantize` on the real
// pages of tests/data/multilingual-docs.jsonl.gz (1,134 documentation pages in
// six languages), every page is scored by `fasttext predict-prob` and by
// crawlproof, and every label's probability must agree within 1e-5. The
// shipped lid.176.ftz (quantized, pruned, hierarchical softmax, char
// n-grams) is checked the same way.
#include "classify/fasttext_model.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "ingest/line_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::classify {
namespace {

using crawlproof::testing::MakeTempDir;
using crawlproof::testing::TestDataPath;

struct Page {
  std::string lang, text;
};

const std::vector<Page>& Pages() {
  static const std::vector<Page> pages = [] {
    std::vector<Page> out;
    simdjson::dom::parser parser;
    Status s = ingest::ForEachLine(TestDataPath("multilingual-docs.jsonl.gz"), {}, [&](std::string_view line) {
      simdjson::padded_string padded(line);
      simdjson::dom::element doc = parser.parse(padded).value();
      out.push_back({std::string(doc["lang"].get_string().value()), std::string(doc["text"].get_string().value())});
      return true;
    });
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }();
  return pages;
}

bool HaveFastText() {
  return std::system("command -v fasttext >/dev/null 2>&1") == 0;
}

int Shell(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// `fasttext predict-prob model lines k`: per line, label -> probability.
std::vector<std::map<std::string, double>> Reference(const std::string& model, const std::string& lines, int k) {
  std::vector<std::map<std::string, double>> out;
  FILE* p = ::popen(("fasttext predict-prob " + model + " " + lines + " " + std::to_string(k)).c_str(), "r");
  EXPECT_NE(p, nullptr);
  std::string line;
  char buf[1 << 16];
  while (std::fgets(buf, sizeof buf, p)) {
    line += buf;
    if (line.empty() || line.back() != '\n') continue;
    std::istringstream in(line);
    std::map<std::string, double> m;
    std::string label;
    double prob;
    while (in >> label >> prob) m[label] = prob;
    out.push_back(std::move(m));
    line.clear();
  }
  EXPECT_EQ(::pclose(p), 0);
  return out;
}

class FastTextModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!HaveFastText()) return;
    dir_ = new std::string(MakeTempDir());
    std::ofstream train(*dir_ + "/train.txt"), lines(*dir_ + "/lines.txt");
    for (const Page& p : Pages()) {
      const std::string joined = JoinLines(p.text);
      train << "__label__" << p.lang << " " << joined << "\n";
      lines << joined << "\n";
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) GTEST_SKIP() << "Debian's fasttext is not installed (scripts/bootstrap installs it)";
  }
  // Trains `name` with `args`; returns the model's path.
  static std::string Train(const std::string& name, const std::string& args) {
    const std::string out = *dir_ + "/" + name;
    if (!std::ifstream(out + ".bin")) {
      EXPECT_EQ(
          Shell("fasttext supervised -input " + *dir_ + "/train.txt -output " + out + " -thread 2 -epoch 3 " + args),
          0);
    }
    return out + ".bin";
  }
  // Every page's every label, ours against the reference; returns how many
  // probabilities were compared.
  static size_t Compare(const std::string& model_path) {
    auto model = FastTextModel::Open(model_path);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return 0;
    const auto& labels = (*model)->labels();
    const auto ref = Reference(model_path, *dir_ + "/lines.txt", static_cast<int>(labels.size()));
    EXPECT_EQ(ref.size(), Pages().size());
    FastTextModel::Scratch scratch;
    std::vector<float> probs;
    size_t compared = 0;
    for (size_t i = 0; i < std::min(ref.size(), Pages().size()); ++i) {
      const std::string joined = JoinLines(Pages()[i].text);
      EXPECT_TRUE((*model)->Predict(joined, &scratch, &probs));
      for (size_t l = 0; l < labels.size(); ++l) {
        auto it = ref[i].find(labels[l]);
        // Hierarchical softmax prints no label whose path fell under 1e-5.
        const double expected = it == ref[i].end() ? 0.0 : it->second;
        const double tolerance = it == ref[i].end() ? 2e-5 : 1e-5;
        EXPECT_NEAR(probs[l], expected, tolerance) << model_path << " page " << i << " " << labels[l];
        ++compared;
        // One label's path: on some pages, for the first labels (it is
        // Predict's work again).
        if (i % 20 != 0 || l >= 12) continue;
        auto one = (*model)->Probability(joined, static_cast<int>(l), &scratch);
        EXPECT_TRUE(one.has_value());
        EXPECT_NEAR(one.value_or(-1), probs[l], 1e-6) << "Probability and Predict disagree, page " << i;
      }
    }
    return compared;
  }
  static std::string* dir_;
};
std::string* FastTextModelTest::dir_ = nullptr;

TEST_F(FastTextModelTest, SoftmaxWordBigramsLikeDclm) {
  const std::string m = Train("softmax", "-loss softmax -wordNgrams 2 -dim 20 -bucket 200000 -minn 0 -maxn 0");
  EXPECT_EQ(Compare(m), Pages().size() * 7);
  auto model = FastTextModel::Open(m);
  ASSERT_TRUE(model.ok());
  EXPECT_EQ((*model)->info().loss, FastTextLoss::kSoftmax);
  EXPECT_EQ((*model)->info().word_ngrams, 2);
  EXPECT_EQ((*model)->info().sha256.size(), 64u);
  EXPECT_EQ((*model)->FindLabel("de"), (*model)->FindLabel("__label__de"));
  EXPECT_FALSE((*model)->FindLabel("__label__xx").has_value());
}

TEST_F(FastTextModelTest, HierarchicalSoftmaxCharNgrams) {
  EXPECT_GT(Compare(Train("hs", "-loss hs -minn 2 -maxn 4 -dim 16 -bucket 50000")), 0u);
}

TEST_F(FastTextModelTest, OneVsAllTrigramsAndCharNgrams) {
  EXPECT_GT(Compare(Train("ova", "-loss ova -wordNgrams 3 -minn 3 -maxn 5 -dim 12 -bucket 30000")), 0u);
}

TEST_F(FastTextModelTest, NegativeSampling) {
  EXPECT_GT(Compare(Train("ns", "-loss ns -neg 3 -dim 10 -bucket 20000 -wordNgrams 2")), 0u);
}

TEST_F(FastTextModelTest, QuantizedPrunedAndNot) {
  const std::string hs = Train("hs", "-loss hs -minn 2 -maxn 4 -dim 16 -bucket 50000");
  const std::string base = hs.substr(0, hs.size() - 4);
  // Pruned (-cutoff), with quantized norms.
  ASSERT_EQ(Shell("fasttext quantize -input " + *dir_ + "/train.txt -output " + base +
                  " -qnorm -cutoff 3000 -retrain -epoch 1 -dsub 2 -thread 2"),
            0);
  auto pruned = FastTextModel::Open(base + ".ftz");
  ASSERT_TRUE(pruned.ok()) << pruned.status().ToString();
  EXPECT_TRUE((*pruned)->info().quantized_input);
  EXPECT_FALSE((*pruned)->info().quantized_output);
  EXPECT_TRUE((*pruned)->info().pruned);
  EXPECT_GT(Compare(base + ".ftz"), 0u);

  const std::string sm = Train("smq", "-loss softmax -wordNgrams 2 -dim 20 -bucket 20000");
  const std::string sbase = sm.substr(0, sm.size() - 4);
  ASSERT_EQ(Shell("fasttext quantize -input " + *dir_ + "/train.txt -output " + sbase + " -dsub 4"), 0);
  auto plain = FastTextModel::Open(sbase + ".ftz");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_TRUE((*plain)->info().quantized_input);
  EXPECT_FALSE((*plain)->info().pruned);
  EXPECT_GT(Compare(sbase + ".ftz"), 0u);
}

// fastText quantizes an output matrix only with 256 rows or more: 300
// labels, each page given one by its position, and -qout.
TEST_F(FastTextModelTest, QuantizedOutput) {
  const std::string many = *dir_ + "/many.txt";
  {
    std::ifstream in(*dir_ + "/train.txt");
    std::ofstream out(many);
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) out << "__label__c" << i % 300 << line.substr(line.find(' ')) << "\n";
  }
  const std::string base = *dir_ + "/qout";
  ASSERT_EQ(Shell("fasttext supervised -input " + many + " -output " + base +
                  " -loss softmax -dim 8 -epoch 1 -bucket 20000 -wordNgrams 2 -thread 2"),
            0);
  ASSERT_EQ(Shell("fasttext quantize -input " + many + " -output " + base + " -qout -qnorm -dsub 2"), 0);
  auto model = FastTextModel::Open(base + ".ftz");
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_TRUE((*model)->info().quantized_output);
  EXPECT_EQ((*model)->labels().size(), 300u);
  EXPECT_EQ(Compare(base + ".ftz"), Pages().size() * 300);
}

TEST_F(FastTextModelTest, ShippedLanguageIdentifier) {
  const std::string lid = TestDataPath("lid.176.ftz");
  auto model = FastTextModel::Open(lid);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  EXPECT_EQ((*model)->labels().size(), 176u);
  EXPECT_EQ((*model)->info().loss, FastTextLoss::kHierarchicalSoftmax);
  EXPECT_EQ((*model)->info().sha256, "8f3472cfe8738a7b6099e8e999c3cbfae0dcd15696aac7d7738a8039db603e83");
  EXPECT_EQ(Compare(lid), Pages().size() * 176);
  // Its top label is the page's language for most pages.
  FastTextModel::Scratch s;
  std::vector<float> probs;
  size_t agree = 0, known = 0;
  for (const Page& p : Pages()) {
    if (p.lang == "und") continue;
    ++known;
    ASSERT_TRUE((*model)->Predict(NewlinesToSpaces(p.text), &s, &probs));
    const size_t top = std::max_element(probs.begin(), probs.end()) - probs.begin();
    agree += (*model)->labels()[top] == "__label__" + p.lang;
  }
  EXPECT_GT(agree, known * 95 / 100);
}

TEST_F(FastTextModelTest, OneCopyForEveryCallerAndThread) {
  const std::string lid = TestDataPath("lid.176.ftz");
  auto a = FastTextModel::Open(lid), b = FastTextModel::Open(lid);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->get(), b->get());
  // Two threads scoring the same pages get the same numbers as one.
  std::vector<float> one(Pages().size()), two(Pages().size());
  FastTextModel::Scratch s;
  const int de = *(*a)->FindLabel("de");
  for (size_t i = 0; i < Pages().size(); ++i) one[i] = (*a)->Probability(Pages()[i].text, de, &s).value_or(-1);
  auto work = [&](size_t from) {
    FastTextModel::Scratch mine;
    for (size_t i = from; i < Pages().size(); i += 2)
      two[i] = (*b)->Probability(Pages()[i].text, de, &mine).value_or(-1);
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(one, two);
}

TEST(FastTextText, NewlinesAreEndOfSentenceTokens) {
  auto model = FastTextModel::Open(TestDataPath("lid.176.ftz"));
  ASSERT_TRUE(model.ok());
  FastTextModel::Scratch s;
  std::vector<float> a, b, c;
  ASSERT_TRUE((*model)->Predict("Bonjour tout le monde\nune deuxième ligne", &s, &a));
  ASSERT_TRUE((*model)->Predict("Bonjour tout le monde </s> une deuxième ligne", &s, &b));
  ASSERT_TRUE((*model)->Predict("Bonjour tout le monde\nune deuxième ligne\n", &s, &c));
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(FastTextText, JoinLinesAsPython) {
  // " ".join(t.strip().splitlines()) in Python 3.11.
  EXPECT_EQ(JoinLines("  a\nb\r\nc\rd\x0b"
                      "e\x0c"
                      "f\x1cg\xc2\x85h\xe2\x80\xa8i\n\n"),
            "a b c d e f g h i");
  EXPECT_EQ(JoinLines("\xe3\x80\x80x\n\ny\xc2\xa0"), "x  y");
  EXPECT_EQ(JoinLines(""), "");
  EXPECT_EQ(JoinLines(" \n "), "");
  EXPECT_EQ(NewlinesToSpaces("a\nb\r\n"), "a b\r ");
}

TEST(FastTextFile, BadFilesNameTheByte) {
  const std::string dir = MakeTempDir();
  auto write = [&](const std::string& name, const std::string& bytes) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
    return dir + "/" + name;
  };
  auto r = FastTextModel::Open(write("text.bin", "this is not a model"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not a fastText model"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(FastTextModel::Open(dir + "/absent.bin").status().code(), StatusCode::kNotFound);
  // The shipped model cut short: the error names where it ends.
  const std::string lid = crawlproof::testing::ReadFileBytes(TestDataPath("lid.176.ftz"));
  r = FastTextModel::Open(write("cut.ftz", lid.substr(0, lid.size() / 2)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("cut.ftz: byte "), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("ends"), std::string::npos) << r.status().ToString();
  r = FastTextModel::Open(write("long.ftz", lid + "x"));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("1 bytes follow"), std::string::npos) << r.status().ToString();
}

}  // namespace
}  // namespace crawlproof::classify

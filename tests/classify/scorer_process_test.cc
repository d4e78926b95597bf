// ScorerProcess against real scorer processes (tests/classify/fake_scorer.py,
// a Python scorer with the standard library only): answers in and out of
// order, per-document errors, and every way a scorer can fail — a crash, a
// hang, a wrong count, an unknown id, a bad hello, a program that does not
// exist — each an error naming the classifier and the document.
#include "classify/scorer_process.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <string>
#include <vector>

#include "ingest/line_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::classify {
namespace {

std::string Fake() {
  return std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/classify/fake_scorer.py";
}

// 60 real pages (ids and texts) of tests/data/multilingual-docs.jsonl.gz.
const std::vector<std::pair<std::string, std::string>>& Pages() {
  static const auto pages = [] {
    std::vector<std::pair<std::string, std::string>> out;
    simdjson::dom::parser parser;
    (void)ingest::ForEachLine(
        crawlproof::testing::TestDataPath("multilingual-docs.jsonl.gz"), {}, [&](std::string_view line) {
          simdjson::padded_string padded(line);
          simdjson::dom::element doc = parser.parse(padded).value();
          out.emplace_back(std::string(doc["id"].get_string().value()), std::string(doc["text"].get_string().value()));
          return out.size() < 60;
        });
    return out;
  }();
  return pages;
}

std::vector<std::pair<std::string_view, std::string_view>> Request(size_t n = 60) {
  std::vector<std::pair<std::string_view, std::string_view>> r;
  for (size_t i = 0; i < n && i < Pages().size(); ++i) r.emplace_back(Pages()[i].first, Pages()[i].second);
  return r;
}

double Expected(std::string_view text) {
  // fake_scorer.py's score: the share of "e" among the text's code points.
  size_t e = 0, cps = 0;
  for (unsigned char c : text) {
    e += c == 'e';
    cps += (c & 0xC0) != 0x80;
  }
  return static_cast<double>(e) / std::max<size_t>(1, cps);
}

ScorerOptions Options(const std::string& mode, const std::string& n = "0", double timeout_s = 30) {
  ScorerOptions o;
  o.name = "fake";
  o.command = {"python3", Fake(), mode, n};
  o.batch_size = 7;
  o.max_in_flight = 3;
  o.timeout_s = timeout_s;
  return o;
}

void ExpectScores(const std::vector<ScorerResult>& r) {
  ASSERT_EQ(r.size(), Pages().size());
  for (size_t i = 0; i < r.size(); ++i) {
    ASSERT_TRUE(r[i].score.has_value()) << i << " " << r[i].error;
    EXPECT_NEAR(*r[i].score, Expected(Pages()[i].second), 1e-12) << i;
  }
}

TEST(ScorerProcess, ScoresInOrderAndAgain) {
  ScorerProcess p(Options("ok"));
  auto r = p.Score(Request());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectScores(*r);
  EXPECT_EQ(p.model(), "fake-ok");
  std::string ab;
  for (int i = 0; i < 32; ++i) ab += "ab";
  EXPECT_EQ(p.model_sha256(), ab);
  // The same process answers a second call (batch numbers go on).
  r = p.Score(Request(10));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->size(), 10u);
}

TEST(ScorerProcess, AnswersOutOfOrderAreMatchedById) {
  ScorerProcess p(Options("reverse"));
  auto r = p.Score(Request());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ExpectScores(*r);
}

TEST(ScorerProcess, PerDocumentErrors) {
  ScorerProcess p(Options("errors"));
  auto r = p.Score(Request());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  size_t errors = 0;
  for (size_t i = 0; i < r->size(); ++i) {
    const bool session = Pages()[i].second.find("session") != std::string::npos;
    EXPECT_EQ((*r)[i].score.has_value(), !session) << i;
    if (session) {
      EXPECT_EQ((*r)[i].error, "no scores for sessions today");
      ++errors;
    }
  }
  EXPECT_GT(errors, 0u);
}

// Each failure: an Unavailable error naming the classifier and what happened.
void ExpectFailure(const ScorerOptions& o, const std::string& what, bool names_document = true) {
  ScorerProcess p(o);
  auto r = p.Score(Request());
  ASSERT_FALSE(r.ok()) << o.command[2];
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  const std::string m = r.status().message();
  EXPECT_NE(m.find("classifier fake"), std::string::npos) << m;
  EXPECT_NE(m.find(what), std::string::npos) << m;
  if (names_document) {
    EXPECT_NE(m.find("first document "), std::string::npos) << m;
  }
}

TEST(ScorerProcess, CrashIsAnErrorNamingTheBatch) {
  ExpectFailure(Options("crash", "2"), "exited with status 3 while scoring");
  ScorerProcess p(Options("crash", "2"));
  auto r = p.Score(Request());
  ASSERT_FALSE(r.ok());
  // Batches 0 and 1 were answered: the error names batch 2 and its first page.
  EXPECT_NE(r.status().message().find("batch 2, first document " + Pages()[14].first), std::string::npos)
      << r.status().message();
}

TEST(ScorerProcess, HangIsKilledAfterTheTimeout) {
  const auto t0 = std::chrono::steady_clock::now();
  ExpectFailure(Options("hang", "1", 1.5), "no answer within 1 s; killed");
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_LT(s, 10);
}

TEST(ScorerProcess, ProtocolViolations) {
  ExpectFailure(Options("wrong-count"), "6 results for 7 documents");
  ExpectFailure(Options("unknown-id"), "a result for document not-a-document, which is not in the batch");
  ExpectFailure(Options("bad-hello"), "its first line is not", false);
  ExpectFailure(Options("flood"), "an answer longer than 64 MiB");
  ScorerOptions missing = Options("ok");
  missing.command = {"/nonexistent/scorer"};
  ExpectFailure(missing, "exited with status 127 before its hello line", false);
}

}  // namespace
}  // namespace crawlproof::classify

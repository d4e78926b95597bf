// The decontaminate step: datatrove's normalisation, word for word, on real
// texts; documents sharing an n-gram with an evaluation set dropped with the
// n-gram; bad evaluation files refused naming file and line.
#include "filter/decontaminate.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/unicode.h"
#include "ingest/line_reader.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof::filter {
namespace {

std::string Joined(const std::vector<std::u32string>& words) {
  std::u32string out;
  for (const auto& w : words) out += (out.empty() ? U"" : U" ") + w;
  return EncodeUtf8(out);
}

std::vector<std::string> JsonTexts(const std::string& path, size_t max = SIZE_MAX) {
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  Status s = ingest::ForEachLine(path, {}, [&](std::string_view line) {
    simdjson::dom::element e;
    std::string_view t;
    if (!parser.parse(line.data(), line.size()).get(e) && !e["text"].get(t)) texts.emplace_back(t);
    return texts.size() < max;
  });
  EXPECT_TRUE(s.ok()) << s.message();
  return texts;
}

// tests/data/decontaminate/reference-words.jsonl.gz: what datatrove 0.10.1
// makes of 200 real texts (60 Debian documentation pages in five languages,
// 40 HumanEval prompts, 100 Debian passages): word_tokenize(simplify_text(t))
// with its English tokenizer (bench/decont_agreement.py --write-reference).
TEST(Decontaminate, WordsEqualDatatrovesOnRealTexts) {
  simdjson::dom::parser parser;
  size_t n = 0, same = 0;
  Status s = ingest::ForEachLine(testing::TestDataPath("decontaminate/reference-words.jsonl.gz"), {},
                                 [&](std::string_view line) {
                                   simdjson::dom::element e;
                                   EXPECT_FALSE(parser.parse(line.data(), line.size()).get(e));
                                   std::string_view text;
                                   EXPECT_FALSE(e["text"].get(text));
                                   std::string want;
                                   for (auto w : e["words"].get_array()) {
                                     if (!want.empty()) want += ' ';
                                     want += std::string_view(w.get_string().value());
                                   }
                                   const std::string got = Joined(DecontaminationWords(text));
                                   ++n;
                                   same += got == want;
                                   EXPECT_EQ(got.substr(0, 2000), want.substr(0, 2000)) << "text " << n;
                                   return true;
                                 });
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(n, 200u);
  EXPECT_EQ(same, n);
}

TEST(Decontaminate, Normalisation) {
  EXPECT_EQ(Joined(DecontaminationWords("Café — 1,234.5 people; ÉTÉ 2024!  Ωmega\t\tdone")),
            "cafe 0 0 people ete 0 ωmega done");
  EXPECT_EQ(Joined(DecontaminationWords("가나 ブ")), EncodeUtf8(U"\u1100\u1161\u1102\u1161 \u30d5"));
}

std::unique_ptr<Filter> Sets() {
  DecontaminateOptions o;
  o.files = {testing::TestDataPath("decontaminate/HumanEval-sample.jsonl"),
             testing::TestDataPath("decontaminate/debian-passages.txt")};
  std::vector<EvaluationSetStats> stats;
  auto f = MakeDecontaminateFilter(o, &stats);
  EXPECT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(stats.size(), 2u);
  EXPECT_EQ(stats[0].name, "HumanEval-sample");
  EXPECT_EQ(stats[0].items, 40u);
  EXPECT_EQ(stats[1].name, "debian-passages");
  EXPECT_EQ(stats[1].items, 100u);
  EXPECT_EQ(stats[1].too_short, 0u);  // passages of 20 words or more
  return std::move(f).value();
}

// Real documentation pages: those holding one of the passages (which were
// cut from these pages) are dropped with that set's name and an n-gram of
// the passage; a page with a HumanEval prompt pasted in is dropped for
// HumanEval; the others are kept.
TEST(Decontaminate, DropsDocumentsSharingAnNgram) {
  auto filter = Sets();
  std::vector<std::string> passages;
  std::ifstream in(testing::TestDataPath("decontaminate/debian-passages.txt"));
  for (std::string l; std::getline(in, l);) passages.push_back(l);
  const auto prompts = JsonTexts(testing::TestDataPath("decontaminate/HumanEval-sample.jsonl"));
  auto docs = JsonTexts(testing::TestDataPath("multilingual-docs.jsonl.gz"), 400);
  ASSERT_EQ(docs.size(), 400u);
  size_t holding = 0, dropped = 0;
  for (size_t i = 0; i < docs.size(); ++i) {
    std::string text = docs[i];
    const bool pasted = i % 50 == 7;
    if (pasted) text += "\nA task from a benchmark:\n" + prompts[i % prompts.size()];
    bool holds = false;
    for (const auto& p : passages) holds = holds || text.find(p) != std::string::npos;
    FilterDocument fd;
    fd.text = text;
    Decision d;
    filter->Apply(&fd, &d);
    holding += holds;
    dropped += !d.keep;
    if (pasted) {
      EXPECT_FALSE(d.keep) << i;
      // Found in document order: the page's own text may hold a passage first.
      if (!holds) {
        EXPECT_EQ(d.reason, "decontaminate:HumanEval-sample") << i;
      }
    } else if (holds) {
      EXPECT_FALSE(d.keep) << i;
    }
    if (!d.keep) {
      // The match is 12 normalised words of the document and of a set item.
      EXPECT_EQ(std::count(d.match.begin(), d.match.end(), ' '), 11) << d.match;
      EXPECT_NE(Joined(DecontaminationWords(text)).find(d.match), std::string::npos) << d.match;
      bool in_set = false;
      for (const auto& p : d.reason == "decontaminate:HumanEval-sample" ? prompts : passages)
        in_set = in_set || Joined(DecontaminationWords(p)).find(d.match) != std::string::npos;
      EXPECT_TRUE(in_set) << d.reason << ": " << d.match;
    }
  }
  EXPECT_GT(holding, 20u);
  EXPECT_GE(dropped, holding);
  EXPECT_LT(dropped, docs.size() / 2);  // most pages share nothing with the sets
}

TEST(Decontaminate, BadEvaluationFilesAreRefusedNamingFileAndLine) {
  const std::string dir = testing::MakeTempDir();
  auto load = [&](const std::string& name, const std::string& content) {
    if (!content.empty() || name.find("empty") != std::string::npos) std::ofstream(dir + "/" + name) << content;
    DecontaminateOptions o;
    o.files = {dir + "/" + name};
    return MakeDecontaminateFilter(o).status();
  };
  Status missing = load("missing.jsonl", "");
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(dir + "/missing.jsonl"), std::string::npos) << missing.message();
  Status empty = load("empty.jsonl", "");
  EXPECT_NE(empty.message().find("empty.jsonl: no evaluation items"), std::string::npos) << empty.message();
  Status not_json = load("bad.jsonl", "{\"text\": \"fine\"}\n\n{\"text\": broken\n");
  EXPECT_NE(not_json.message().find("bad.jsonl: line 3: not JSON"), std::string::npos) << not_json.message();
  Status no_text = load("notext.jsonl", "{\"question\": \"What is 2+2?\"}\n");
  EXPECT_NE(no_text.message().find("notext.jsonl: line 1: no \"text\" string"), std::string::npos);
  Status plain = load("plain.txt", "{\"not\": \"json here\"} is fine as text\n");
  EXPECT_TRUE(plain.ok()) << plain.message();
}

// The command as a user runs it: the dropped line names the set and the
// n-gram; a bad set writes nothing.
TEST(Decontaminate, FilterCommand) {
  const std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/decont.toml") << "[filter]\nsteps = [\"decontaminate\"]\n[filter.decontaminate]\nfiles = [\""
                                      << testing::TestDataPath("decontaminate/debian-passages.txt") << "\"]\n";
  auto r = testing::RunCrawlproof("filter --config " + dir + "/decont.toml --input " +
                                  testing::TestDataPath("multilingual-docs.jsonl.gz") + " --output " + dir +
                                  "/kept.jsonl --dropped " + dir + "/dropped.jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream dropped(dir + "/dropped.jsonl");
  std::string line;
  ASSERT_TRUE(std::getline(dropped, line));
  EXPECT_NE(line.find("\"reason\":\"decontaminate:debian-passages\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"match\":\""), std::string::npos) << line;

  std::ofstream(dir + "/bad.jsonl") << "{\"text\": \"one\"}\nnot json\n";
  std::ofstream(dir + "/bad.toml") << "[filter]\nsteps = [\"decontaminate\"]\n[filter.decontaminate]\nfiles = "
                                      "[\"bad.jsonl\"]\nngram = 8\n";
  auto bad = testing::RunCrawlproof("filter --config " + dir + "/bad.toml --input " +
                                    testing::TestDataPath("multilingual-docs.jsonl.gz") + " --output " + dir +
                                    "/kept2.jsonl --dropped " + dir + "/dropped2.jsonl");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dir + "/bad.jsonl: line 2: not JSON"), std::string::npos) << bad.err;
  EXPECT_FALSE(std::ifstream(dir + "/kept2.jsonl").good());
  EXPECT_FALSE(std::ifstream(dir + "/dropped2.jsonl").good());
}

}  // namespace
}  // namespace crawlproof::filter

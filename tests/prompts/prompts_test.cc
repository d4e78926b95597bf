// The prompts stage's decisions: answers a rule can verify (answer.h),
// questions that stand alone (question.h), candidates in text and markup
// (candidates.h). Pages in tests/data/prompts/ are modelled on the public
// markup of Q&A sites (QAPage microdata) and schema.org's FAQPage JSON-LD.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <fstream>
#include <map>
#include <string>

#include "common/file_util.h"
#include "dedup/normalize.h"
#include "prompts/answer.h"
#include "prompts/candidates.h"
#include "prompts/parquet.h"
#include "prompts/prompt.h"
#include "prompts/question.h"
#include "prompts/question_dedup.h"
#include "tests/support/test_paths.h"

namespace crawlproof::prompts {
namespace {

std::string Verdict(std::string_view text, int max_words = 10) {
  Answer a = ClassifyAnswer(text, max_words);
  return a.ok ? a.type + ":" + a.ground_truth : "rejected:" + a.reason;
}

TEST(Answer, NumbersWithUnitsAndSeparators) {
  EXPECT_EQ(Verdict("42"), "integer:42");
  EXPECT_EQ(Verdict(" -7. "), "integer:-7");
  EXPECT_EQ(Verdict("1,234,567"), "integer:1234567");
  EXPECT_EQ(Verdict("1\xE2\x80\xAF"
                    "234"),
            "integer:1234");  // narrow no-break space
  EXPECT_EQ(Verdict("$1,200.00"), "decimal:1200");
  EXPECT_EQ(Verdict("\\$5"), "integer:5");
  EXPECT_EQ(Verdict("42 cm"), "integer:42");
  EXPECT_EQ(Verdict("250 square metres"), "integer:250");
  EXPECT_EQ(Verdict("100 \xC2\xB0"
                    "C"),
            "integer:100");
  EXPECT_EQ(Verdict("3.50"), "decimal:3.5");
  EXPECT_EQ(Verdict(".5"), "decimal:0.5");
  EXPECT_EQ(Verdict("007"), "integer:7");
  EXPECT_EQ(Verdict("3/4"), "fraction:3/4");
  EXPECT_EQ(Verdict("\\frac{3}{4}"), "fraction:3/4");
  EXPECT_EQ(Verdict("$-\\dfrac{12}{5}$"), "fraction:-12/5");
  EXPECT_EQ(Verdict("45%"), "percentage:45");
  EXPECT_EQ(Verdict("12.5 \\%"), "percentage:12.5");
  EXPECT_EQ(Verdict("45 percent"), "percentage:45");
  EXPECT_EQ(Verdict("\\boxed{18}"), "integer:18");
  // Not numbers a rule compares reliably.
  EXPECT_EQ(Verdict("1,5"), "rejected:answer_not_verifiable");  // decimal comma or a list?
  EXPECT_EQ(Verdict("1,23,456"), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("1.2.3"), "rejected:answer_not_verifiable");  // a version or a date
  EXPECT_EQ(Verdict("3/0"), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("12 apples and 3 pears"), "phrase:12 apples and 3 pears");
}

TEST(Answer, LatexYesNoAndPhrases) {
  EXPECT_EQ(Verdict("$2\\sqrt{3}$"), "latex:2\\sqrt{3}");
  EXPECT_EQ(Verdict("\\boxed{x^2 + 1}"), "latex:x^2 + 1");
  EXPECT_EQ(Verdict("\\(\\frac{\\pi}{4}\\)"), "latex:\\frac{\\pi}{4}");
  EXPECT_EQ(Verdict("$\\left(1, -2\\right)$"), "latex:\\left(1, -2\\right)");
  EXPECT_EQ(Verdict("2x+3"), "latex:2x+3");
  EXPECT_EQ(Verdict("$\\frac{1}{2$"), "rejected:answer_not_verifiable");  // unbalanced
  EXPECT_EQ(Verdict("$\\unknowncommand{3}$"), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("$3 +$"), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("Yes."), "yes_no:yes");
  EXPECT_EQ(Verdict("FALSE"), "yes_no:false");
  EXPECT_EQ(Verdict("Paris"), "phrase:Paris");
  EXPECT_EQ(Verdict("the Treaty of Westphalia"), "phrase:the Treaty of Westphalia");
  EXPECT_EQ(Verdict("one two three four five six seven eight nine ten eleven"), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("one two three four five six seven eight nine ten eleven", 11),
            "phrase:one two three four five six seven eight nine ten eleven");
  EXPECT_EQ(Verdict("It depends. Usually yes."), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("St. George's"), "phrase:St. George's");
  EXPECT_EQ(Verdict("Chi,\bsinau"),
            "rejected:answer_not_verifiable");  // an overstrike  // an abbreviation, not a sentence's end
  EXPECT_EQ(Verdict("Mostly so. Not always."), "rejected:answer_not_verifiable");
  EXPECT_EQ(Verdict("2x"), "latex:2x");  // a variable against a number, not a unit
  EXPECT_EQ(Verdict("3x^2"), "latex:3x^2");
  EXPECT_EQ(Verdict("5m"), "integer:5");  // a unit symbol
  EXPECT_EQ(Verdict("   "), "rejected:answer_empty");
  EXPECT_EQ(Verdict(std::string(2000, '7')), "rejected:answer_too_long");
}

TEST(Latex, ParsesWhatMathAnswersLookLike) {
  for (const char* ok : {"\\frac{a+b}{2}", "\\sqrt[3]{27}", "x_1 + x_2", "\\sin^2 x + \\cos^2 x", "e^{i\\pi}",
                         "90^\\circ", "|x - 1|", "\\{1, 2, 3\\}", "3!", "(0, 1]", "2 \\cdot 10^{3}", "\\text{cm}^2",
                         "-\\infty", "\\log_2 8", "a \\le b", "\\binom{5}{2}"})
    EXPECT_TRUE(ParsesAsLatex(ok)) << ok;
  for (const char* bad :
       {"", "}", "{", "\\frac{1}", "a +", "\\sqrt", "x^", "\\left( x", "1 == 2 ==", "\\begin{matrix}"})
    EXPECT_FALSE(ParsesAsLatex(bad)) << bad;
  EXPECT_FALSE(ParsesAsLatex(std::string(300, '{') + std::string(300, '}')));  // depth bound, no crash
}

TEST(Question, SelfContainedOptionsAndTheAnswer) {
  EXPECT_EQ(CheckQuestion("How many edges does a cube have?", "12"), "");
  EXPECT_EQ(CheckQuestion("Edges?", "12"), "question_too_short");
  EXPECT_EQ(CheckQuestion("Look at the figure above and find the shaded area.", "12"), "not_self_contained");
  EXPECT_EQ(CheckQuestion("Using the table below, find the total cost of the order.", "12"), "not_self_contained");
  EXPECT_EQ(
      CheckQuestion("Using the table below, find the total cost.\n| item | cost |\n| pen | 5 |\n| ink | 7 |", "12"),
      "");
  EXPECT_EQ(CheckQuestion("Which of the following numbers is prime?", "7"), "multiple_choice_without_options");
  EXPECT_EQ(CheckQuestion("Which of the following numbers is prime? A) 4 B) 6 C) 7 D) 9", "C"), "");
  EXPECT_EQ(CheckQuestion("What is 12 divided by 3, written as a whole number?", "12"), "answer_in_question");
  EXPECT_EQ(CheckQuestion("What is 14 divided by 7, written as a whole number?", "4"), "");  // 4 is not in 14
  EXPECT_EQ(CheckQuestion("What is 4.5 rounded down to a whole number?", "4"), "");
  EXPECT_EQ(CheckQuestion("Which city is the capital of France, the country?", "Paris"), "");
  EXPECT_EQ(CheckQuestion("Is Paris the capital of France, the country?", "Paris"), "answer_in_question");
}

std::map<std::string, Candidate> ByQuestionStart(const std::vector<Candidate>& cs) {
  std::map<std::string, Candidate> out;
  for (const auto& c : cs) out[c.question.substr(0, 24)] = c;
  return out;
}

TEST(Candidates, QaPageMicrodata) {
  auto html = ReadWholeFile(testing::TestDataPath("prompts/qapage-microdata.html"), 1 << 20);
  ASSERT_TRUE(html.ok());
  auto cs = FindMarkupCandidates(*html);
  ASSERT_EQ(cs.size(), 3u);
  auto by = ByQuestionStart(cs);
  const Candidate& cube = by.at("How many edges does a cu");
  EXPECT_EQ(cube.kind, "qa");
  EXPECT_EQ(cube.source, "microdata");
  EXPECT_NE(cube.question.find("counting each edge once?"), std::string::npos) << cube.question;
  EXPECT_EQ(cube.answer, "12");  // the accepted answer's final answer, not the suggested "Eight"
  EXPECT_EQ(Verdict(cube.answer), "integer:12");
  EXPECT_EQ(CheckQuestion(cube.question, "12"), "");
  EXPECT_EQ(Verdict(by.at("Is every square a rectan").answer), "yes_no:yes");
  // Only a suggested answer, long: a candidate the verifier rejects.
  EXPECT_EQ(Verdict(by.at("Why do we divide by two ").answer), "rejected:answer_not_verifiable");
}

TEST(Candidates, FaqPageJsonLd) {
  auto html = ReadWholeFile(testing::TestDataPath("prompts/faqpage-jsonld.html"), 1 << 20);
  ASSERT_TRUE(html.ok());
  auto cs = FindMarkupCandidates(*html);
  ASSERT_EQ(cs.size(), 5u);  // the broken block is skipped, the @graph one read
  auto by = ByQuestionStart(cs);
  EXPECT_EQ(Verdict(by.at("How many centimetres are").answer), "integer:250");
  EXPECT_EQ(Verdict(by.at("What is the boiling poin").answer), "integer:100");
  const Candidate& mc = by.at("Which of the following i");
  EXPECT_EQ(CheckQuestion(mc.question, ClassifyAnswer(mc.answer).ground_truth), "multiple_choice_without_options");
  EXPECT_EQ(Verdict(by.at("How do I convert between").answer), "rejected:answer_not_verifiable");
  const Candidate& pct = by.at("What is 15% of 80?\nGive ");
  EXPECT_EQ(pct.source, "json-ld");
  EXPECT_EQ(Verdict(pct.answer), "integer:12");  // the suggested answer with the most votes
}

TEST(Candidates, WorkedProblemsExercisesAndGsm8k) {
  auto text = ReadWholeFile(testing::TestDataPath("prompts/worked-problems.txt"), 1 << 20);
  ASSERT_TRUE(text.ok());
  auto cs = FindTextCandidates(*text);
  ASSERT_EQ(cs.size(), 6u);
  auto by = ByQuestionStart(cs);
  const Candidate& train = by.at("A train travels 180 km i");
  EXPECT_EQ(train.kind, "math");
  EXPECT_EQ(train.source, "answer-is");
  EXPECT_EQ(Verdict(train.answer), "integer:450");
  const Candidate& frac = by.at("Simplify the fraction 18");
  EXPECT_EQ(frac.source, "boxed");
  EXPECT_EQ(Verdict(frac.answer), "fraction:3/4");
  const Candidate& figure = by.at("Look at the figure above");
  EXPECT_EQ(figure.kind, "exercise");
  EXPECT_EQ(CheckQuestion(figure.question, ClassifyAnswer(figure.answer).ground_truth), "not_self_contained");
  EXPECT_EQ(Verdict(by.at("Explain in your own word").answer), "rejected:answer_not_verifiable");
  const Candidate& prime = by.at("Is 91 a prime number? Th");
  EXPECT_EQ(Verdict(prime.answer), "yes_no:no");
  const Candidate& janet = by.at("Janet has 3 boxes with 1");
  EXPECT_EQ(janet.source, "gsm8k");
  EXPECT_EQ(Verdict(janet.answer), "integer:29");
}

// Bad input: bounded time and memory, never a crash.
TEST(Candidates, HugeAndBrokenMarkupIsBounded) {
  std::string faq = "<script type=\"application/ld+json\">{\"@type\":\"FAQPage\",\"mainEntity\":[";
  for (int i = 0; i < 20000; ++i)
    faq += std::string(i ? "," : "") + "{\"@type\":\"Question\",\"name\":\"What is " + std::to_string(i) +
           " plus one, as a number?\",\"acceptedAnswer\":{\"@type\":\"Answer\",\"text\":\"" + std::to_string(i + 1) +
           "\"}}";
  faq += "]}</script>";
  auto t0 = std::chrono::steady_clock::now();
  auto cs = FindMarkupCandidates(faq);
  EXPECT_EQ(cs.size(), kMaxCandidatesPerDocument);
  std::string huge =
      "<div itemscope itemtype=\"https://schema.org/Question\"><span itemprop=\"name\">Big?</span>"
      "<div itemprop=\"acceptedAnswer\" itemscope itemtype=\"https://schema.org/Answer\">"
      "<div itemprop=\"text\">" +
      std::string(10 << 20, 'x') + "</div></div></div>";
  cs = FindMarkupCandidates(huge);
  ASSERT_EQ(cs.size(), 1u);  // read, cut to its bound: the answer check rejects it with a reason
  EXPECT_LE(cs[0].answer.size(), kMaxFieldBytes);
  EXPECT_EQ(ClassifyAnswer(cs[0].answer).reason, "answer_too_long");
  const std::string json_ld =
      "<script type=\"application/ld+json\">{\"@type\":\"Question\",\"name\":\"Summarise it?\","
      "\"acceptedAnswer\":{\"text\":\"" +
      std::string(10 << 20, 'y') + "\"}}</script>";
  cs = FindMarkupCandidates(json_ld);
  ASSERT_EQ(cs.size(), 1u);
  EXPECT_LE(cs[0].answer.size(), kMaxFieldBytes);
  std::string broken =
      "<div itemscope itemtype=\"https://schema.org/Question\"><span itemprop=\"name\">Q?"
      "<div itemprop=\"acceptedAnswer\" itemscope><div itemprop=\"text\"></span></div><p></i>"
      "<script type=\"application/ld+json\">{\"@type\": \"Question\", \"name\": [1, {}], "
      "\"acceptedAnswer\": \"no object\"}</script><math><mi>x</mi></math>" +
      std::string(5000, '<');
  EXPECT_NO_FATAL_FAILURE(FindMarkupCandidates(broken));
  std::string nested = "<script type=\"application/ld+json\">" + std::string(100000, '[') + "</script>";
  EXPECT_TRUE(FindMarkupCandidates(nested).empty());
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 20.0);
  std::string many_problems;
  for (int i = 0; i < 5000; ++i)
    many_problems += "Problem " + std::to_string(i) + ". What is " + std::to_string(i) +
                     " + 1?\nAnswer: " + std::to_string(i + 1) + "\n";
  EXPECT_EQ(FindTextCandidates(many_problems).size(), kMaxCandidatesPerDocument);
}

PromptSource Source() {
  PromptSource s;
  s.doc_id = "6f1c2a4e-0000-4000-8000-000000000001";
  s.url = "https://math.example/q/12";
  s.crawl = "CC-MAIN-2024-22";
  s.file = "crawl-data/CC-MAIN-2024-22/segments/x/warc/y.warc.gz";
  s.record_id = "<urn:uuid:6f1c2a4e-0000-4000-8000-000000000001>";
  s.verification = "verified";
  s.lang = "en";
  s.offset = 123456;
  s.length = 7890;
  s.ledger_leaf = 41;
  return s;
}

TEST(Prompt, DecisionsIdsAndSplits) {
  auto text = ReadWholeFile(testing::TestDataPath("prompts/worked-problems.txt"), 1 << 20);
  ASSERT_TRUE(text.ok());
  PromptOptions o;
  std::map<std::string, std::string> reasons;
  for (const Candidate& c : FindTextCandidates(*text))
    reasons[c.question.substr(0, 24)] = Decide(c, Source(), o).reason;
  EXPECT_EQ(reasons["A train travels 180 km i"], "");
  EXPECT_EQ(reasons["Simplify the fraction 18"], "");
  EXPECT_EQ(reasons["Look at the figure above"], "prompts:not_self_contained");
  EXPECT_EQ(reasons["Explain in your own word"], "prompts:answer_not_verifiable");
  EXPECT_EQ(reasons["Is 91 a prime number? Th"], "");
  EXPECT_EQ(reasons["Janet has 3 boxes with 1"], "");
  o.languages = {"de"};
  Candidate c = FindTextCandidates(*text).front();
  EXPECT_EQ(Decide(c, Source(), o).reason, "prompts:language");
  // Ids: stable, and different for another document or answer.
  EXPECT_EQ(PromptId("d1", c), PromptId("d1", c));
  EXPECT_NE(PromptId("d1", c), PromptId("d2", c));
  Candidate other = c;
  other.answer = "451 km";
  EXPECT_NE(PromptId("d1", c), PromptId("d1", other));
  EXPECT_EQ(PromptId("d1", c).size(), 33u);
  // The validation split: about the asked share, stable per id.
  o.languages.clear();
  o.validation_fraction = 0.25;
  int validation = 0;
  for (int i = 0; i < 4000; ++i) {
    PromptSource s = Source();
    s.doc_id = "doc-" + std::to_string(i);
    validation += Decide(c, s, o).split == "validation";
  }
  EXPECT_GT(validation, 850);
  EXPECT_LT(validation, 1150);
}

// verl's row: the fields its dataset and reward code read, with their types.
TEST(Prompt, VerlRow) {
  auto html = ReadWholeFile(testing::TestDataPath("prompts/qapage-microdata.html"), 1 << 20);
  ASSERT_TRUE(html.ok());
  Candidate cube = FindMarkupCandidates(*html).front();
  PromptOptions o;
  o.system = "You are a careful mathematician.";
  Prompt p = Decide(cube, Source(), o);
  ASSERT_EQ(p.reason, "");
  std::string row = VerlRow(p, Source(), 7, o);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_FALSE(parser.parse(row).get(e)) << row;
  EXPECT_EQ(std::string_view(e["data_source"].get_string().value()), "lighteval/MATH");
  simdjson::dom::array messages = e["prompt"].get_array().value();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(std::string_view(messages.at(0)["role"].get_string().value()), "system");
  EXPECT_EQ(std::string_view(messages.at(1)["role"].get_string().value()), "user");
  std::string_view user = messages.at(1)["content"].get_string().value();
  EXPECT_EQ(user.rfind("How many edges does a cube have?", 0), 0u);
  EXPECT_NE(user.find("\\boxed{}"), std::string_view::npos);
  EXPECT_EQ(std::string_view(e["reward_model"]["style"].get_string().value()), "rule");
  EXPECT_EQ(std::string_view(e["reward_model"]["ground_truth"].get_string().value()), "12");
  simdjson::dom::element x = e["extra_info"].value();
  EXPECT_EQ(x["index"].get_uint64().value(), 7u);
  EXPECT_EQ(x["offset"].get_uint64().value(), 123456u);
  EXPECT_EQ(x["length"].get_uint64().value(), 7890u);
  EXPECT_EQ(x["ledger_leaf"].get_uint64().value(), 41u);
  EXPECT_EQ(std::string_view(x["record_id"].get_string().value()), "<urn:uuid:6f1c2a4e-0000-4000-8000-000000000001>");
  EXPECT_EQ(std::string_view(x["prompt_id"].get_string().value()), p.id);
  EXPECT_EQ(std::string_view(x["kind"].get_string().value()), "qa");
  EXPECT_EQ(std::string_view(x["answer_type"].get_string().value()), "integer");
  EXPECT_EQ(std::string_view(x["split"].get_string().value()), "train");
}

// Our Parquet writer, read back by pyarrow (and Hugging Face datasets, which
// verl's loader uses) where build/venv has them: rows equal to the JSON lines.
TEST(Parquet, ReadBackByPyarrowEqualToTheJsonRows) {
  const std::string python = testing::BinaryDir() + "/../venv/bin/python";
  if (std::system((python + " -c 'import pyarrow' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "pyarrow not installed in build/venv: the Parquet file is not read back";
  std::vector<PromptRecord> rows;
  for (int i = 0; i < 300; ++i) {
    PromptRecord r;
    r.data_source = "lighteval/MATH";
    if (i % 3 == 0) r.messages.push_back({"system", "You are careful."});
    r.messages.push_back({"user", "Question " + std::to_string(i) + ": what is " + std::to_string(i) +
                                      " + 1? \u00e9t\u00e9 \"quoted\" \\boxed{}\n\u6771\u4eac"});
    r.ability = "math";
    r.ground_truth = std::to_string(i + 1);
    r.index = static_cast<uint64_t>(i);
    r.split = i % 10 ? "train" : "validation";
    r.prompt_id = "p" + std::to_string(1000 + i);
    r.doc_id = "doc-" + std::to_string(i / 4);
    r.url = "https://example.org/q/" + std::to_string(i);
    r.crawl = "CC-MAIN-2024-22";
    r.file = "crawl-data/x.warc.gz";
    r.offset = uint64_t{1} << 40 | static_cast<uint64_t>(i);
    r.length = 1000 + static_cast<uint64_t>(i);
    r.record_id = "<urn:uuid:" + std::to_string(i) + ">";
    if (i % 7) r.ledger_leaf = static_cast<uint64_t>(i * 3);
    r.verification = i % 7 ? "verified" : "unverified";
    r.kind = "math";
    r.answer_type = "integer";
    for (int k = 0; k < i % 5 * 40; ++k) r.prompt_ids.push_back(static_cast<uint32_t>(k * 997 + i));
    rows.push_back(std::move(r));
  }
  const std::string dir = testing::MakeTempDir();
  auto bytes = PromptsParquet(rows);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  std::ofstream(dir + "/p.parquet", std::ios::binary) << *bytes;
  {
    std::ofstream json(dir + "/p.jsonl");
    for (const auto& r : rows) json << RecordJson(r) << "\n";
  }
  EXPECT_EQ(std::system((python + " " + CRAWLPROOF_TEST_SOURCE_DIR + "/tests/prompts/parquet_equals_json.py " + dir +
                         "/p.parquet " + dir + "/p.jsonl")
                            .c_str()),
            0);
  auto empty = PromptsParquet({});
  ASSERT_TRUE(empty.ok());
  std::ofstream(dir + "/e.parquet", std::ios::binary) << *empty;
  std::ofstream(dir + "/e.jsonl").flush();
  EXPECT_EQ(std::system((python + " " + CRAWLPROOF_TEST_SOURCE_DIR + "/tests/prompts/parquet_equals_json.py " + dir +
                         "/e.parquet " + dir + "/e.jsonl")
                            .c_str()),
            0);
}

// Questions are deduplicated as documents are, but their numbers count, and
// so does the answer.
TEST(QuestionDedup, NumbersMakeDifferentProblems) {
  const std::vector<std::string> q = {
      "A train travels 180 km in 2 hours at a constant speed. How far does it travel in 5 hours?",
      "A train travels 240 km in 3 hours at a constant speed. How far does it travel in 7 hours?",
      "a train travels 180 km in 2 hours at a constant speed -- how far does it travel in 5 hours",
      "A train travels 180 km in 2 hours at a constant speed. How far does it travel in 5 hours? Show your work.",
      "Is every square a rectangle? My textbook says a rectangle has four right angles.",
  };
  auto r = DeduplicateQuestions(q, {"450", "560", "450", "450", "yes"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  const auto& o = r->outcomes;
  ASSERT_EQ(o.size(), q.size());
  EXPECT_FALSE(o[0].removed);
  EXPECT_FALSE(o[1].removed);  // other numbers: another problem
  EXPECT_TRUE(o[2].removed);
  EXPECT_TRUE(o[2].exact);  // the same words once normalised
  EXPECT_EQ(o[2].duplicate_of, 0u);
  EXPECT_TRUE(o[3].removed);  // a near duplicate
  EXPECT_FALSE(o[3].exact);
  EXPECT_EQ(o[3].duplicate_of, 0u);
  EXPECT_GE(o[3].jaccard, 0.7);
  EXPECT_FALSE(o[4].removed);
  // With the documents' normalisation (digits to 0) the two trains would be one.
  auto docs =
      dedup::Deduplicate({dedup::NormalizeForDedup(q[0]), dedup::NormalizeForDedup(q[1])}, {}, QuestionDedupOptions());
  ASSERT_TRUE(docs.ok());
  EXPECT_TRUE(docs->outcomes[1].removed);
}

// One word apart, most shingles shared: with different answers they are two
// problems; with one answer, one. Earlier runs' questions through the index.
TEST(QuestionDedup, KeyedByTheAnswer) {
  const std::string body = "\nI need this for my homework on the periodic table of the elements, due tomorrow.";
  const std::vector<std::string> q = {"What is the atomic number of Carbon?" + body,
                                      "What is the atomic number of Cobalt?" + body,
                                      "What is the atomic number of carbon?" + body + " Thanks!"};
  auto r = DeduplicateQuestions(q, {"6", "27", "6"});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->outcomes[1].removed);  // the same words but one, another answer
  EXPECT_TRUE(r->outcomes[2].removed);   // the same question and answer
  EXPECT_EQ(r->outcomes[2].duplicate_of, 0u);
  // Without the key (one answer for all) Cobalt would join Carbon.
  auto unkeyed = DeduplicateQuestions(q, {"x", "x", "x"});
  ASSERT_TRUE(unkeyed.ok());
  EXPECT_TRUE(unkeyed->outcomes[1].removed);
  EXPECT_FALSE(DeduplicateQuestions(q, {"6"}).ok());
}

TEST(PromptOptions, EveryKeyReadAndChecked) {
  std::string dir = testing::MakeTempDir();
  auto write = [&](const std::string& name, const std::string& body) {
    std::ofstream(dir + "/" + name) << body;
    return dir + "/" + name;
  };
  auto none = LoadPromptOptions(write("none.toml", "[run]\nname = \"x\"\n"));
  ASSERT_TRUE(none.ok()) << none.status().message();
  EXPECT_FALSE(none->enabled);
  EXPECT_EQ(none->kinds.size(), 3u);
  EXPECT_EQ(none->max_answer_words, 10);
  auto all = LoadPromptOptions(write("all.toml",
                                     "[prompts]\nenabled = true\nkinds = [\"math\"]\nmax_answer_words = 3\n"
                                     "max_prompt_tokens = 512\ntemplate = \"Q: {prompt}\"\nsystem = \"Be brief.\"\n"
                                     "validation_fraction = 0.1\nmin_question_words = 3\nmax_question_words = 50\n"
                                     "languages = [\"en\", \"de\"]\n"));
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_TRUE(all->enabled);
  EXPECT_EQ(all->kinds, std::vector<std::string>{"math"});
  EXPECT_EQ(all->max_answer_words, 3);
  EXPECT_EQ(all->max_prompt_tokens, 512);
  EXPECT_EQ(ApplyTemplate(*all, "2+2?"), "Q: 2+2?");
  EXPECT_EQ(all->system, "Be brief.");
  EXPECT_DOUBLE_EQ(all->validation_fraction, 0.1);
  EXPECT_EQ(all->question.min_words, 3);
  EXPECT_EQ(all->question.max_words, 50);
  EXPECT_EQ(all->languages, (std::vector<std::string>{"en", "de"}));
  const std::pair<const char*, const char*> bad[] = {
      {"kinds = [\"proofs\"]", "prompts.kinds has \"proofs\""},
      {"template = \"no placeholder\"", "prompts.template must contain {prompt}"},
      {"max_answer_words = 0", "prompts.max_answer_words must be between 1 and 100"},
      {"validation_fraction = 1.5", "prompts.validation_fraction must be between 0 and 1"},
      {"languages = [\"english\"]", "prompts.languages has \"english\""},
      {"min_question_words = 10\nmax_question_words = 5", "prompts.max_question_words is below"},
      {"max_answer_word = 3", "prompts.max_answer_word is not a known option"},
  };
  for (const auto& [body, want] : bad) {
    auto r = LoadPromptOptions(write("bad.toml", std::string("[prompts]\n") + body + "\n"));
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_NE(r.status().message().find(want), std::string::npos) << r.status().message();
    EXPECT_NE(r.status().message().find(dir + "/bad.toml"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace crawlproof::prompts

#include "tokenize/tokenizer.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ingest/line_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::tokenize {
namespace {

struct Vector {
  std::string source, text;
  std::vector<uint32_t> ids;
};

std::vector<Vector> ReadVectors(const std::string& path) {
  std::vector<Vector> out;
  std::ifstream in(path);
  simdjson::dom::parser parser;
  for (std::string line; std::getline(in, line);) {
    simdjson::padded_string p(line);
    simdjson::dom::element e = parser.parse(p);
    Vector v;
    v.source = std::string(e["source"].get_string().value());
    v.text = std::string(e["text"].get_string().value());
    for (simdjson::dom::element id : e["ids"].get_array()) v.ids.push_back(static_cast<uint32_t>(id.get_int64()));
    out.push_back(std::move(v));
  }
  return out;
}

std::unique_ptr<Tokenizer> LoadOrDie(const std::string& path) {
  auto t = Tokenizer::Load(path);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? std::move(t).value() : nullptr;
}

// Every line of a fixture's vectors, ids exactly; every text decodes back.
void ExpectVectors(const Tokenizer& t, const std::string& vectors) {
  auto rows = ReadVectors(vectors);
  ASSERT_GE(rows.size(), 100u) << vectors;
  size_t equal = 0;
  for (const Vector& v : rows) {
    std::vector<uint32_t> ids = t.Encode(v.text);
    EXPECT_EQ(ids, v.ids) << v.source << ": " << v.text.substr(0, 80);
    equal += ids == v.ids;
    EXPECT_EQ(t.Decode(ids), v.text) << v.source;
  }
  EXPECT_EQ(equal, rows.size());
}

TEST(Tokenizer, DeepSeekV3MatchesTheReferenceIds) {
  auto t = LoadOrDie(testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocab_size(), 128815u);  // 128,000 model tokens and added ones up to id 128,814
  ExpectVectors(*t, testing::FixturePath("tokenizers/deepseek-v3/vectors.jsonl"));
  // tokenizer_config.json: add_bos_token true, BOS id 0, EOS id 1.
  EXPECT_EQ(t->default_bos(), std::optional<uint32_t>(0));
  EXPECT_EQ(t->default_eos(), std::optional<uint32_t>(1));
}

TEST(Tokenizer, TiktokenCl100kMatchesTheReferenceIds) {
  auto t = LoadOrDie(testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken"));
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocab_size(), 100277u);
  ExpectVectors(*t, testing::FixturePath("tokenizers/tiktoken/cl100k_base_vectors.jsonl"));
  EXPECT_EQ(t->default_eos(), std::optional<uint32_t>(100257));
  EXPECT_EQ(t->default_bos(), std::nullopt);
}

TEST(Tokenizer, TiktokenO200kMatchesTheReferenceIds) {
  auto t = LoadOrDie(testing::FixturePath("tokenizers/tiktoken/o200k_base.tiktoken"));
  ASSERT_TRUE(t);
  ExpectVectors(*t, testing::FixturePath("tokenizers/tiktoken/o200k_base_vectors.jsonl"));
}

// A second byte-level BPE tokenizer.json, from a package (Anthropic's Python
// SDK 0.30.0: NFKC normaliser, GPT-2's ByteLevel split, 65,000 tokens): ids
// from Hugging Face tokenizers on the same 122 texts.
TEST(Tokenizer, SecondTokenizerJsonMatchesHuggingFace) {
  auto t = LoadOrDie(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/claude-v1-tokenizer.json");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->vocab_size(), 65000u);
  auto texts = ReadVectors(testing::FixturePath("tokenizers/deepseek-v3/vectors.jsonl"));
  std::ifstream in(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/claude-v1-vectors.jsonl");
  simdjson::dom::parser parser;
  size_t n = 0, equal = 0;
  for (std::string line; std::getline(in, line); ++n) {
    ASSERT_LT(n, texts.size());
    simdjson::padded_string p(line);
    simdjson::dom::element e = parser.parse(p);
    ASSERT_EQ(std::string(e["source"].get_string().value()), texts[n].source);
    std::vector<uint32_t> want;
    for (simdjson::dom::element id : e["ids"].get_array()) want.push_back(static_cast<uint32_t>(id.get_int64()));
    std::vector<uint32_t> got = t->Encode(texts[n].text);
    EXPECT_EQ(got, want) << texts[n].source;
    equal += got == want;
  }
  EXPECT_EQ(n, texts.size());
  EXPECT_EQ(equal, n);
}

// Characters where regex engines disagree (U+0085 and U+180E against \s,
// U+2028/9, Kelvin sign and long s under (?i), dotted I, final sigma, BOM,
// Arabic-Indic digits, combining marks, emoji): ids from the four reference
// runs (Hugging Face tokenizers, tiktoken), tests/data/tokenizer-edge-cases.jsonl.
TEST(Tokenizer, EdgeCasesMatchEveryReference) {
  const std::pair<const char*, std::string> tokenizers[] = {
      {"deepseek-v3", testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json")},
      {"claude-v1", std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/claude-v1-tokenizer.json"},
      {"cl100k_base", testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken")},
      {"o200k_base", testing::FixturePath("tokenizers/tiktoken/o200k_base.tiktoken")}};
  for (const auto& [key, path] : tokenizers) {
    auto t = LoadOrDie(path);
    ASSERT_TRUE(t);
    std::ifstream in(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/tokenizer-edge-cases.jsonl");
    simdjson::dom::parser parser;
    size_t n = 0;
    for (std::string line; std::getline(in, line); ++n) {
      simdjson::padded_string p(line);
      simdjson::dom::element e = parser.parse(p);
      std::string_view text = e["text"].get_string().value();
      std::vector<uint32_t> want;
      for (simdjson::dom::element id : e[key].get_array()) want.push_back(static_cast<uint32_t>(id.get_int64()));
      EXPECT_EQ(t->Encode(text), want) << key << ", line " << n + 1;
      // claude-v1 normalises to NFKC first: it decodes to the normalised text.
      if (std::string_view(key) != "claude-v1") {
        EXPECT_EQ(t->Decode(want), text) << key << ", line " << n + 1;
      }
    }
    EXPECT_EQ(n, 12u);
  }
}

// Web text that spells a special token gets the ids of its characters.
TEST(Tokenizer, SpecialTokenStringsAreOrdinaryText) {
  auto ds = LoadOrDie(testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json"));
  ASSERT_TRUE(ds);
  std::vector<uint32_t> ids = ds->Encode("a <｜end▁of▁sentence｜> b");
  // Hugging Face tokenizers with encode_special_tokens = True: the same ids
  // (without it, the special token's id 1 in the middle).
  EXPECT_EQ(ids, (std::vector<uint32_t>{67, 818, 28217, 523, 5487, 226, 2154, 5487, 226, 85, 51015, 28217, 32, 291}));
  EXPECT_EQ(ds->Decode(ids), "a <｜end▁of▁sentence｜> b");
  // Non-special added tokens too (Hugging Face matches those even then).
  ids = ds->Encode("<｜User｜>");
  for (uint32_t id : ids) EXPECT_LT(id, 128000u);
  EXPECT_GT(ids.size(), 1u);
  EXPECT_EQ(ds->Decode(ids), "<｜User｜>");
  auto cl = LoadOrDie(testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken"));
  ASSERT_TRUE(cl);
  ids = cl->Encode("<|endoftext|>");
  EXPECT_EQ(ids, (std::vector<uint32_t>{27, 91, 8862, 728, 428, 91, 29}));
  EXPECT_EQ(cl->Decode({100257}), "<|endoftext|>");
  EXPECT_EQ(cl->Decode({100257}, /*skip_special=*/true), "");
}

TEST(Tokenizer, BatchEqualsOneByOne) {
  auto t = LoadOrDie(testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json"));
  ASSERT_TRUE(t);
  auto rows = ReadVectors(testing::FixturePath("tokenizers/deepseek-v3/vectors.jsonl"));
  std::vector<std::string_view> texts;
  for (const auto& r : rows) texts.push_back(r.text);
  auto batch = t->EncodeBatch(texts, 3);
  ASSERT_EQ(batch.size(), rows.size());
  for (size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(batch[i], rows[i].ids) << rows[i].source;
}

TEST(Tokenizer, ClearErrors) {
  auto missing = Tokenizer::Load("/nonexistent/tokenizer.json");
  EXPECT_FALSE(missing.ok());
  auto bad = Tokenizer::FromHuggingFace(R"({"model": {"type": "WordPiece", "vocab": {}}})", "", "x.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("x.json: model type \"WordPiece\" is not BPE"), std::string::npos)
      << bad.status().message();
  auto no_bytes =
      Tokenizer::FromHuggingFace(R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}})", "", "y.json");
  ASSERT_FALSE(no_bytes.ok());
  EXPECT_NE(no_bytes.status().message().find("has no token"), std::string::npos) << no_bytes.status().message();
  auto no_meta = Tokenizer::Load(testing::WriteTempFile("x.tiktoken", "IQ== 0\n"));
  ASSERT_FALSE(no_meta.ok());
  EXPECT_NE(no_meta.status().message().find("x.json"), std::string::npos) << no_meta.status().message();
}

// The reference implementations themselves (Hugging Face tokenizers, OpenAI
// tiktoken) on 12 MB of real documentation pages in English, German, French,
// Spanish and Japanese (tests/data/multilingual-docs.jsonl.gz), when the
// benchmark environment has them (scripts/test installs them into
// build/venv); skipped with a message otherwise.
class AgainstReference : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(AgainstReference, SameIdsOnTwelveMegabytesOfRealText) {
  const std::string python = testing::BinaryDir() + "/../venv/bin/python";
  if (std::system((python + " -c 'import tokenizers, tiktoken' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << "Hugging Face tokenizers / tiktoken not installed in build/venv: reference comparison not run";
  const auto& [kind, path] = GetParam();
  const std::string docs = std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/multilingual-docs.jsonl.gz";
  const std::string out = testing::MakeTempDir() + "/ids.jsonl";
  ASSERT_EQ(std::system((python + " " + CRAWLPROOF_TEST_SOURCE_DIR + "/tests/tokenize/reference_ids.py " + kind + " " +
                         path + " " + docs + " " + out)
                            .c_str()),
            0);
  auto t = LoadOrDie(path);
  ASSERT_TRUE(t);
  std::vector<std::string> texts;
  Status s = ingest::ForEachLine(docs, {}, [&](std::string_view line) {
    simdjson::dom::parser parser;
    simdjson::padded_string p(line);
    texts.emplace_back(parser.parse(p)["text"].get_string().value());
    return true;
  });
  ASSERT_TRUE(s.ok()) << s.message();
  std::vector<std::string_view> views(texts.begin(), texts.end());
  auto ours = t->EncodeBatch(views);
  std::ifstream in(out);
  simdjson::dom::parser parser;
  size_t n = 0, equal = 0, bytes = 0, tokens = 0;
  for (std::string line; std::getline(in, line); ++n) {
    ASSERT_LT(n, texts.size());
    simdjson::padded_string p(line);
    std::vector<uint32_t> want;
    for (simdjson::dom::element id : parser.parse(p).get_array()) want.push_back(static_cast<uint32_t>(id.get_int64()));
    bytes += texts[n].size();
    tokens += want.size();
    if (ours[n] == want) {
      ++equal;
      continue;
    }
    size_t k = 0;
    while (k < want.size() && k < ours[n].size() && want[k] == ours[n][k]) ++k;
    ADD_FAILURE() << "document " << n << ": first difference at token " << k << ", near \""
                  << t->Decode(ours[n].data() + (k > 5 ? k - 5 : 0),
                               std::min<size_t>(ours[n].size() - std::min(k, ours[n].size()), 10))
                  << "\"";
  }
  EXPECT_EQ(n, texts.size());
  EXPECT_EQ(equal, n);
  EXPECT_GE(bytes, size_t{10} << 20);
  std::printf("%s: %zu documents, %.1f MB, %zu tokens, %zu identical\n", path.c_str(), n, bytes / 1e6, tokens, equal);
}

INSTANTIATE_TEST_SUITE_P(
    Tokenizers, AgainstReference,
    ::testing::Values(
        std::make_pair(std::string("hf"), testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json")),
        std::make_pair(std::string("hf"),
                       std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/tests/data/claude-v1-tokenizer.json"),
        std::make_pair(std::string("tiktoken"), testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken")),
        std::make_pair(std::string("tiktoken"), testing::FixturePath("tokenizers/tiktoken/o200k_base.tiktoken"))));

}  // namespace
}  // namespace crawlproof::tokenize

// `crawlproof tokenize` and `crawlproof shards build|inspect|verify` as a user
// runs them, on documents extracted from real WARC files; the shards are read
// back by an independent numpy reader (tests/tokenize/read_shards.py).
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

const std::string kSource = CRAWLPROOF_TEST_SOURCE_DIR;

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// Real documents: the extract of the sample Common Crawl WARC and of the
// multilingual Debian FAQ WARC.
std::string RealDocs() {
  auto a = testing::RunCrawlproof("extract " + kSource + "/data/sample.warc.gz");
  auto b = testing::RunCrawlproof("extract " + kSource + "/tests/data/debian-faq-multilingual.warc.gz");
  EXPECT_EQ(a.exit_code, 0);
  EXPECT_EQ(b.exit_code, 0);
  return a.out + b.out;
}

std::string Python() {
  return std::filesystem::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

bool HaveNumpy() {
  return std::system((Python() + " -c 'import numpy' 2>/dev/null").c_str()) == 0;
}

TEST(TokenizeCommand, IdsInInputOrderAndBadLinesKeepTheirPlace) {
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/in.jsonl") << "{\"text\":\"Hello, world!\"}\nnot json\n{\"text\":\"naïve café résumé\"}\n";
  const std::string tok = testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json");
  auto r = testing::RunCrawlproof("tokenize --tokenizer " + tok + " --input " + dir + "/in.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  auto lines = SplitLines(r.out);
  ASSERT_EQ(lines.size(), 3u);
  // The fixture's reference ids for these texts (vectors.jsonl, edge#8 and #11).
  EXPECT_EQ(lines[0], "{\"ids\":[19923,14,2058,3]}");
  EXPECT_NE(lines[1].find("\"ids\":null"), std::string::npos) << lines[1];
  EXPECT_NE(lines[1].find("line 2"), std::string::npos) << lines[1];
  EXPECT_EQ(lines[2], "{\"ids\":[2720,91223,57664,21538,90902]}");
  EXPECT_NE(r.err.find("in.jsonl: line 2: not a JSON object"), std::string::npos) << r.err;
  // --add-special: tokenizer_config.json's BOS (0) and EOS (1); --output.
  r = testing::RunCrawlproof("tokenize --tokenizer " + tok + " --input " + dir + "/in.jsonl --add-special --output " +
                             dir + "/ids.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(SplitLines(testing::ReadFileBytes(dir + "/ids.jsonl"))[0], "{\"ids\":[0,19923,14,2058,3,1]}");
}

struct ShardCase {
  std::string tokenizer, format, dtype;
  int megatron_code;
  bool normalises = false;  // NFKC first: decodes to the normalised text
};

class ShardsCommand : public ::testing::TestWithParam<ShardCase> {};

TEST_P(ShardsCommand, ReadBackIndependentlyDeterministicVerified) {
  const ShardCase& c = GetParam();
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/docs.jsonl") << RealDocs();
  const std::string build = "shards build --tokenizer " + c.tokenizer + " --input " + dir +
                            "/docs.jsonl --shard-tokens 3000 --format " + c.format + " --output ";
  auto r = testing::RunCrawlproof(build + dir + "/a");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The same documents and options elsewhere: every file byte for byte.
  ASSERT_EQ(testing::RunCrawlproof(build + dir + "/other-place").exit_code, 0);
  size_t files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/a")) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), dir + "/a").string();
    EXPECT_EQ(testing::ReadFileBytes(e.path()), testing::ReadFileBytes(dir + "/other-place/" + rel)) << rel;
    ++files;
  }
  std::string manifest = testing::ReadFileBytes(dir + "/a/manifest.json");
  EXPECT_EQ(manifest.find(dir), std::string::npos);  // no paths inside
  EXPECT_NE(manifest.find("\"dtype\":\"" + c.dtype + "\""), std::string::npos) << manifest;
  // Several shards, cut between documents.
  EXPECT_NE(manifest.find("shard-00002"), std::string::npos);
  EXPECT_GE(files, 8u);
  // Expected ids: `crawlproof tokenize --add-special`, document by document.
  auto ids =
      testing::RunCrawlproof("tokenize --add-special --tokenizer " + c.tokenizer + " --input " + dir + "/docs.jsonl");
  ASSERT_EQ(ids.exit_code, 0);
  auto want = SplitLines(ids.out);
  auto docs = SplitLines(testing::ReadFileBytes(dir + "/docs.jsonl"));
  if (!HaveNumpy()) GTEST_SKIP() << "numpy missing: the independent reader was not run";
  std::string read_cmd =
      Python() + " " + kSource + "/tests/tokenize/read_shards.py " + dir + "/a > " + dir + "/read.jsonl";
  ASSERT_EQ(std::system(read_cmd.c_str()), 0);
  auto got = SplitLines(testing::ReadFileBytes(dir + "/read.jsonl"));
  ASSERT_EQ(got.size(), docs.size());
  simdjson::dom::parser p1, p2;
  for (size_t i = 0; i < got.size(); ++i) {
    simdjson::padded_string g(got[i]), d(docs[i]);
    simdjson::dom::element ge = p1.parse(g);
    std::string_view doc_id = ge["doc_id"].get_string().value();
    EXPECT_EQ(doc_id, p2.parse(d)["id"].get_string().value()) << i;
    std::string list = simdjson::to_string(ge["ids"]);
    EXPECT_EQ("{\"ids\":" + list + "}", want[i]) << i;
  }
  // shards verify: all good, then one changed byte is named.
  auto v = testing::RunCrawlproof("shards verify " + dir + "/a/manifest.json");
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.out.find("ok: "), std::string::npos) << v.out;
  std::string tokens_file = dir + "/a/shard-00001" + (c.format == "megatron" ? ".bin" : ".ds");
  std::string bytes = testing::ReadFileBytes(tokens_file);
  bytes[3] ^= 1;
  std::ofstream(tokens_file, std::ios::binary) << bytes;
  v = testing::RunCrawlproof("shards verify " + dir + "/a/manifest.json");
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find(std::filesystem::path(tokens_file).filename().string() + ": SHA-256"), std::string::npos)
      << v.out;
  // shards inspect: header, counts and a document decoded with the copied tokenizer.
  auto in = testing::RunCrawlproof("shards inspect " + dir + "/other-place/shard-00000.docs.jsonl --doc 0");
  ASSERT_EQ(in.exit_code, 0) << in.err;
  EXPECT_NE(in.out.find("\"format\":\"" + c.format + "\""), std::string::npos) << in.out;
  if (c.format == "megatron") {
    EXPECT_NE(in.out.find("\"version\":1,\"megatron_dtype_code\":" + std::to_string(c.megatron_code)),
              std::string::npos)
        << in.out;
  }
  simdjson::padded_string d0(docs[0]);
  std::string text(p2.parse(d0)["text"].get_string().value());
  simdjson::padded_string io(in.out);
  std::string_view decoded = p1.parse(io)["document"]["text"].get_string().value();
  if (!c.normalises) {
    EXPECT_NE(decoded.find(text), std::string_view::npos);  // BOS / EOS around it, when the tokenizer has them
  } else {
    EXPECT_GT(decoded.size(), text.size() / 2);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Formats, ShardsCommand,
    ::testing::Values(ShardCase{testing::FixturePath("tokenizers/deepseek-v3/tokenizer.json"), "megatron", "int32", 4},
                      ShardCase{kSource + "/tests/data/claude-v1-tokenizer.json", "megatron", "uint16", 8, true},
                      ShardCase{testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken"), "datatrove", "uint32",
                                0},
                      ShardCase{kSource + "/tests/data/claude-v1-tokenizer.json", "datatrove", "uint16", 0, true}));

// --append continues the numbering and the manifest lists every shard; a
// second build without it is refused.
TEST(ShardsCommandAppend, AddsAfterEarlierShards) {
  std::string dir = testing::MakeTempDir();
  auto docs = SplitLines(RealDocs());
  std::ofstream first(dir + "/first.jsonl"), second(dir + "/second.jsonl");
  for (size_t i = 0; i < docs.size(); ++i) (i < docs.size() / 2 ? first : second) << docs[i] << "\n";
  first.close();
  second.close();
  const std::string tok = testing::FixturePath("tokenizers/tiktoken/o200k_base.tiktoken");
  const std::string build =
      "shards build --tokenizer " + tok + " --shard-tokens 5000 --output " + dir + "/out --input ";
  ASSERT_EQ(testing::RunCrawlproof(build + dir + "/first.jsonl").exit_code, 0);
  auto again = testing::RunCrawlproof(build + dir + "/second.jsonl");
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("already holds shards"), std::string::npos) << again.err;
  std::string before = testing::ReadFileBytes(dir + "/out/manifest.json");
  ASSERT_EQ(testing::RunCrawlproof(build + dir + "/second.jsonl --append").exit_code, 0);
  std::string after = testing::ReadFileBytes(dir + "/out/manifest.json");
  EXPECT_NE(after.find("\"documents\": " + std::to_string(docs.size())), std::string::npos) << after;
  EXPECT_EQ(testing::RunCrawlproof("shards verify " + dir + "/out/manifest.json").exit_code, 0);
  // The first run's shards are listed unchanged, before the new ones.
  size_t first_shards = before.find("\"index\":1,") != std::string::npos ? 2 : 1;
  EXPECT_NE(after.find("\"index\":" + std::to_string(first_shards) + ","), std::string::npos);
  auto other = testing::RunCrawlproof("shards build --tokenizer " +
                                      testing::FixturePath("tokenizers/tiktoken/cl100k_base.tiktoken") + " --output " +
                                      dir + "/out --append --input " + dir + "/second.jsonl");
  EXPECT_EQ(other.exit_code, 2);
  // Another o200k_base.tiktoken file (one rank line missing: same vocabulary
  // size): refused before anything is written, the copy in tokenizer/ intact.
  const std::string copy_before = testing::ReadFileBytes(dir + "/out/tokenizer/o200k_base.tiktoken");
  std::filesystem::create_directories(dir + "/edited");
  std::string ranks = testing::ReadFileBytes(tok);
  const size_t line = ranks.find('\n', ranks.size() / 2);
  ranks.erase(line + 1, ranks.find('\n', line + 1) - line);
  std::ofstream(dir + "/edited/o200k_base.tiktoken") << ranks;
  std::filesystem::copy_file(testing::FixturePath("tokenizers/tiktoken/o200k_base.json"),
                             dir + "/edited/o200k_base.json");
  auto edited = testing::RunCrawlproof("shards build --tokenizer " + dir + "/edited/o200k_base.tiktoken --output " +
                                       dir + "/out --append --input " + dir + "/second.jsonl");
  EXPECT_EQ(edited.exit_code, 2);
  EXPECT_NE(edited.err.find("the tokenizer file differs"), std::string::npos) << edited.err;
  EXPECT_EQ(testing::ReadFileBytes(dir + "/out/tokenizer/o200k_base.tiktoken"), copy_before);
}

}  // namespace
}  // namespace crawlproof

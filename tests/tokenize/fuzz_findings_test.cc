// Inputs the fuzz targets found (docs/security.md), each kept as a unit test:
// the file that once crashed, hung or exhausted memory now gets a clear error.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/test_paths.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::tokenize {
namespace {

// fuzz_tokenizer_json: a vocabulary id of 99,999,998 made the loader size its
// id-indexed tables for 100 million tokens (3.2 GB) before anything failed.
TEST(FuzzFindings, TokenizerJsonWithAHugeIdIsRefusedWithoutAllocating) {
  // The fuzzer's input: a leading byte choosing the format, then the file.
  const std::string input = testing::ReadFileBytes(testing::TestDataPath("fuzz-findings/tokenizer_json-huge-id"));
  const std::string path = testing::MakeTempDir() + "/tokenizer.json";
  std::ofstream(path, std::ios::binary) << input.substr(1);
  auto tok = Tokenizer::Load(path);
  ASSERT_FALSE(tok.ok());
  EXPECT_NE(tok.status().message().find("has no valid id (0 to 16777215)"), std::string::npos)
      << tok.status().message();
  // Special tokens are bounded the same way: a .tiktoken file of the 256
  // byte tokens with a special token at 2^32 + 5 (which once wrapped to 5).
  const std::string dir = testing::MakeTempDir();
  {
    static const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::ofstream ranks(dir + "/t.tiktoken");
    for (int b = 0; b < 256; ++b)
      ranks << b64[b >> 2] << b64[(b & 3) << 4] << "== " << b << "\n";
    std::ofstream(dir + "/t.json") << R"({"pat_str": "\\S+|\\s+", "special_tokens": {"<x>": 4294967301}})";
  }
  auto special = Tokenizer::Load(dir + "/t.tiktoken");
  ASSERT_FALSE(special.ok());
  EXPECT_NE(special.status().message().find("special token without a valid id (0 to 16777215)"), std::string::npos)
      << special.status().message();
}

}  // namespace
}  // namespace crawlproof::tokenize

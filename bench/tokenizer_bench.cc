// tokenizer_bench: crawlproof's tokenizer on the "text" of JSON lines, one
// thread or several; prints MB/s and a checksum of every id (FNV-1a over the
// ids as u32, document by document) that bench/tokenizer_bench.py compares
// with the reference implementations'.
//
// usage: tokenizer_bench TOKENIZER DOCS.jsonl[.gz] [THREADS] [RUNS]
#include <simdjson.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "ingest/line_reader.h"
#include "tokenize/tokenizer.h"

using namespace crawlproof;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tokenizer_bench TOKENIZER DOCS.jsonl[.gz] [THREADS] [RUNS]\n");
    return 2;
  }
  const unsigned threads = argc > 3 ? static_cast<unsigned>(std::atoi(argv[3])) : 1;
  const int runs = argc > 4 ? std::atoi(argv[4]) : 3;
  auto t0 = std::chrono::steady_clock::now();
  auto tok = tokenize::Tokenizer::Load(argv[1]);
  if (!tok.ok()) {
    std::fprintf(stderr, "%s\n", tok.status().message().c_str());
    return 2;
  }
  double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::vector<std::string> texts;
  simdjson::dom::parser parser;
  Status s = ingest::ForEachLine(argv[2], {}, [&](std::string_view line) {
    simdjson::padded_string p(line);
    std::string_view text;
    if (!parser.parse(p)["text"].get(text)) texts.emplace_back(text);
    return true;
  });
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  std::vector<std::string_view> views(texts.begin(), texts.end());
  size_t bytes = 0;
  for (const auto& t : texts) bytes += t.size();
  double best = 1e30;
  uint64_t checksum = 0, tokens = 0;
  for (int r = 0; r < runs; ++r) {
    auto start = std::chrono::steady_clock::now();
    auto ids = (*tok)->EncodeBatch(views, threads);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    checksum = 0xCBF29CE484222325ull;
    tokens = 0;
    for (const auto& doc : ids) {
      for (uint32_t id : doc) {
        for (int k = 0; k < 4; ++k) checksum = (checksum ^ ((id >> (8 * k)) & 0xFF)) * 0x100000001B3ull;
        ++tokens;
      }
      checksum = (checksum ^ 0xFF) * 0x100000001B3ull;  // document boundary
    }
  }
  std::printf(
      "{\"tool\":\"crawlproof\",\"threads\":%u,\"documents\":%zu,\"mb\":%.3f,\"tokens\":%llu,\"seconds\":%.4f,"
      "\"mb_per_s\":%.3f,\"load_seconds\":%.3f,\"checksum\":\"%016llx\"}\n",
      threads, texts.size(), bytes / 1e6, static_cast<unsigned long long>(tokens), best, bytes / 1e6 / best, load_s,
      static_cast<unsigned long long>(checksum));
  return 0;
}

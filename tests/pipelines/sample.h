// The bundled sample (data/sample: four real Common Crawl WARCs, their ledger
// and trust file) copied where a test may change it, and a run's shard
// files read back; shared by the run and Slurm tests.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "tests/support/test_paths.h"

namespace crawlproof {

inline const std::string kSource = CRAWLPROOF_TEST_SOURCE_DIR;
inline const char* const kWarcs[] = {"CC-MAIN-2019-12-jwarc.warc.gz", "CC-MAIN-2020-34-resiliparse.warc.gz",
                                     "CC-MAIN-2022-05-cmoncrawl.warc.gz", "CC-MAIN-2024-22-whirlwind.warc.gz"};

// A copy of data/sample (WARCs, ledger, its leaves, trust) in `dir`/sample.
inline void CopySample(const std::string& dir) {
  namespace fs = std::filesystem;
  fs::create_directories(dir + "/sample");
  for (const char* f : {"ledger.json", "trust.toml", "TEST-ONLY.valset"})
    fs::copy_file(kSource + "/data/sample/" + f, dir + "/sample/" + f);
  fs::copy(kSource + "/data/sample/ledger.json.leaves", dir + "/sample/ledger.json.leaves");
  for (const char* w : kWarcs) fs::copy_file(kSource + "/data/sample/" + w, dir + "/sample/" + w);
  for (const auto& e : fs::recursive_directory_iterator(dir + "/sample"))
    fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

// Every file under output/shards, by relative name.
inline std::map<std::string, std::string> ShardFiles(const std::string& output) {
  namespace fs = std::filesystem;
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(output + "/shards"))
    if (e.is_regular_file())
      files[fs::relative(e.path(), output + "/shards").string()] = testing::ReadFileBytes(e.path().string());
  return files;
}

}  // namespace crawlproof

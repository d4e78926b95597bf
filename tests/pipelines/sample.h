// The bundled sample (data/sample: four real Common Crawl WARCs, their ledger
// and trust file) copied where a test may change it, and a run's shard
// files read back; shared by the run and Slurm tests.
#pragma once

#include <filesystem>
#include <fstream>
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

// A pipeline file over the sample copied into `dir` (CopySample), writing
// `output`; `extra` goes before [filter], `run_extra` into [run].
inline std::string WriteSamplePipeline(const std::string& dir, const std::string& output, const std::string& paths,
                                       const std::string& extra = "", const std::string& run_extra = "") {
  std::string toml = "[run]\noutput = \"" + output + "\"\nworkers = 2\n" + run_extra + "[source]\npaths = [" + paths +
                     "]\n[ledger]\nsnapshot = \"sample/ledger.json\"\ntrust = \"sample/trust.toml\"\nroot = "
                     "\"sample\"\n" +
                     extra +
                     "[filter]\nlanguages = []\nsteps = [\"url\", \"language\", \"gopher_repetition\", \"fineweb\"]\n"
                     "[tokenize]\ntokenizer = \"" +
                     kSource + "/data/tokenizers/deepseek-v3/tokenizer.json\"\nshard_tokens = 1500\n";
  std::string path = dir + "/" + std::filesystem::path(output).filename().string() + ".toml";
  std::ofstream(path) << toml;
  return path;
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

// A run's stats.json without what differs between two runs of the same
// work: its name and its times.
inline std::string StatsWithoutTimes(const std::string& output) {
  std::string s = testing::ReadFileBytes(output + "/stats.json");
  const size_t name = s.find("\"name\":\"");
  if (name != std::string::npos) s.erase(name, s.find("\",", name + 8) + 2 - name);
  const size_t secs = s.find(",\"seconds\":{");
  if (secs != std::string::npos) s.erase(secs, s.find('}', secs) + 1 - secs);
  return s;
}

}  // namespace crawlproof

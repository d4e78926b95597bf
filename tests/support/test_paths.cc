#include "tests/support/test_paths.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <vector>

namespace crawlproof::testing {

namespace {

// The folders MakeTempDir made, removed when the test program ends with
// every test passed (after a failure they stay, to be looked at). Only in
// the process that made them: a forked child that exits runs no cleanup.
struct MadeDirs {
  std::mutex mu;
  std::vector<std::string> dirs;
  const pid_t owner = getpid();
  ~MadeDirs() {
    if (getpid() != owner || !::testing::UnitTest::GetInstance()->Passed()) return;
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};

MadeDirs& Made() {
  static MadeDirs made;
  return made;
}

}  // namespace

std::string FixturePath(const std::string& relative) {
  return std::string(CRAWLPROOF_FIXTURES_DIR) + "/" + relative;
}
std::string TestDataPath(const std::string& relative) {
  return std::string(CRAWLPROOF_SOURCE_DIR) + "/tests/data/" + relative;
}
std::string BinaryDir() {
  return CRAWLPROOF_BINARY_DIR;
}

std::string ReadFileBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string MakeTempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp ? tmp : "/tmp") + "/crawlproof-test-XXXXXX";
  char* d = mkdtemp(templ.data());
  if (!d) return std::string();
  MadeDirs& made = Made();
  std::lock_guard<std::mutex> lock(made.mu);
  made.dirs.emplace_back(d);
  return made.dirs.back();
}

std::string WriteTempFile(const std::string& name, const std::string& bytes) {
  std::string path = MakeTempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace crawlproof::testing

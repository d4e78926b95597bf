#include "tests/support/test_paths.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace crawlproof::testing {

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
  return d ? std::string(d) : std::string();
}

std::string WriteTempFile(const std::string& name, const std::string& bytes) {
  std::string path = MakeTempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

}  // namespace crawlproof::testing

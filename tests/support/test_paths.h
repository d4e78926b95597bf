// Where tests find their data and the built binary.
#pragma once

#include <string>

namespace crawlproof::testing {

// tests/data/fixtures/<relative> (CRAWLPROOF_FIXTURES).
std::string FixturePath(const std::string& relative);
// tests/data/<relative> in the source tree.
std::string TestDataPath(const std::string& relative);
// The build directory (where the `crawlproof` binary is).
std::string BinaryDir();
// Whole file as bytes; empty when unreadable.
std::string ReadFileBytes(const std::string& path);
// A fresh empty directory under $TMPDIR (crawlproof-test-XXXXXX), removed
// when the test program ends with every test passed; kept after a failure.
std::string MakeTempDir();
// Writes `bytes` to a file `name` in a fresh temporary directory; returns its path.
std::string WriteTempFile(const std::string& name, const std::string& bytes);

}  // namespace crawlproof::testing

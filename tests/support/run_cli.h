// Runs the built `crawlproof` binary as a user would (tests of cli/).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "tests/support/test_paths.h"

namespace crawlproof::testing {

struct CliRun {
  int exit_code;
  std::string out;  // stdout; stderr is discarded
};

inline CliRun RunCrawlproof(const std::string& args) {
  std::string cmd = BinaryDir() + "/crawlproof " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  CliRun r{-1, ""};
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

}  // namespace crawlproof::testing

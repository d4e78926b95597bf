// Runs the built `crawlproof` binary as a user would (tests of cli/).
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "tests/support/test_paths.h"

namespace crawlproof::testing {

struct CliRun {
  int exit_code;
  std::string out;  // stdout
  std::string err;  // stderr
};

// `env`: "NAME=value ..." put before the command.
inline CliRun RunCrawlproof(const std::string& args, const std::string& env = "") {
  const std::string err_file = MakeTempDir() + "/stderr";
  std::string cmd = (env.empty() ? "" : env + " ") + BinaryDir() + "/crawlproof " + args + " 2>" + err_file;
  FILE* p = popen(cmd.c_str(), "r");
  CliRun r{-1, "", ""};
  if (!p) return r;
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (FILE* e = std::fopen(err_file.c_str(), "rb")) {
    while ((n = fread(buf, 1, sizeof buf, e)) > 0) r.err.append(buf, n);
    std::fclose(e);
  }
  std::remove(err_file.c_str());
  return r;
}

}  // namespace crawlproof::testing

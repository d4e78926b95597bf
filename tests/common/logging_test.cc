#include "common/logging.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "common/progress.h"

namespace crawlproof {
namespace {

// Runs `fn` with stderr redirected to a temporary file; returns what it wrote.
template <typename Fn>
std::string CaptureStderr(Fn fn) {
  std::fflush(stderr);
  FILE* tmp = std::tmpfile();
  int saved = dup(STDERR_FILENO);
  dup2(fileno(tmp), STDERR_FILENO);
  fn();
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  std::rewind(tmp);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) out.append(buf, n);
  std::fclose(tmp);
  return out;
}

TEST(Logging, JsonLinesWhenAsked) {
  SetLogOptions({LogLevel::kInfo, LogFormat::kJson});
  std::string out = CaptureStderr([] {
    LogError("a.warc.gz: offset 12: bad \"thing\"");
    LogDebug("dropped below the level");
  });
  EXPECT_EQ(out.find("dropped"), std::string::npos);
  EXPECT_NE(out.find(R"("level":"error","msg":"a.warc.gz: offset 12: bad \"thing\"")"), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
}

TEST(Logging, TextWhenAsked) {
  SetLogOptions({LogLevel::kDebug, LogFormat::kText});
  std::string out = CaptureStderr([] { LogDebug("hello"); });
  EXPECT_EQ(out, "crawlproof: debug: hello\n");
  SetLogOptions({});
}

TEST(Progress, JsonModeReportsTotals) {
  SetLogOptions({LogLevel::kInfo, LogFormat::kJson});
  std::string out = CaptureStderr([] {
    ProgressOptions o;
    o.mode = ProgressMode::kJson;
    o.json_interval_s = 1e-9;
    Progress p(o, 1000);
    p.Add(3, 500);
    p.Add(2, 500);
    p.Finish();
  });
  EXPECT_NE(out.find(R"("level":"info","progress":"done","records":5,"bytes":1000,)"), std::string::npos) << out;
  SetLogOptions({});
}

TEST(Progress, OffIsSilent) {
  std::string out = CaptureStderr([] {
    ProgressOptions o;
    o.mode = ProgressMode::kOff;
    Progress p(o, 0);
    p.Add(1, 1);
  });
  EXPECT_TRUE(out.empty());
}

}  // namespace
}  // namespace crawlproof

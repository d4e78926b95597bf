// Shared by the commands that stream JSON lines: a buffered stdout writer and
// the --progress option.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include "common/progress.h"

namespace crawlproof::cli {

// Buffered stdout for JSON lines (flushed every MiB and at the end).
class Output {
 public:
  ~Output() { Flush(); }
  void Line(std::string_view s) {
    buf_ += s;
    buf_ += '\n';
    if (buf_.size() > (1 << 20)) Flush();
  }
  void Write(std::string_view s) {
    buf_ += s;
    if (buf_.size() > (1 << 20)) Flush();
  }
  void Flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), stdout);
    std::fflush(stdout);
    buf_.clear();
  }

 private:
  std::string buf_;
};

// --progress auto|json|off; auto is off when stderr is not a terminal.
inline ProgressOptions ParseProgressOption(const std::string& value) {
  ProgressOptions po;
  po.mode = value == "off" ? ProgressMode::kOff : value == "json" ? ProgressMode::kJson : ProgressMode::kAuto;
  if (po.mode == ProgressMode::kAuto && !isatty(STDERR_FILENO)) po.mode = ProgressMode::kOff;
  return po;
}

}  // namespace crawlproof::cli

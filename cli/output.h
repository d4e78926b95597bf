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

// A buffered output file of lines; Close() says whether every write succeeded.
class LineFile {
 public:
  bool Open(const std::string& path) {
    f_ = std::fopen(path.c_str(), "wb");
    return f_ != nullptr;
  }
  ~LineFile() { Close(); }
  void Line(std::string_view s) {
    buf_.append(s);
    buf_.push_back('\n');
    if (buf_.size() > (1 << 20)) Flush();
  }
  bool Close() {
    if (!f_) return true;
    Flush();
    bool ok = std::fclose(f_) == 0 && !failed_;
    f_ = nullptr;
    return ok;
  }

 private:
  void Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_) != buf_.size()) failed_ = true;
    buf_.clear();
  }
  std::FILE* f_ = nullptr;
  std::string buf_;
  bool failed_ = false;
};

// --progress auto|json|off; auto is off when stderr is not a terminal.
inline ProgressOptions ParseProgressOption(const std::string& value) {
  ProgressOptions po;
  po.mode = value == "off" ? ProgressMode::kOff : value == "json" ? ProgressMode::kJson : ProgressMode::kAuto;
  if (po.mode == ProgressMode::kAuto && !isatty(STDERR_FILENO)) po.mode = ProgressMode::kOff;
  return po;
}

}  // namespace crawlproof::cli

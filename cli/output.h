// Shared by the commands that stream JSON lines: a buffered stdout writer and
// the --progress option.
#pragma once

#include <unistd.h>

#include <cctype>
#include <cstdint>
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

// "1073741824", "512M", "4G", "1.5GiB" (K, M, G, T: powers of 1024) -> bytes;
// false when it is none of these.
inline bool ParseByteSize(const std::string& text, uint64_t* bytes) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    return false;
  }
  std::string unit = text.substr(used);
  if (!unit.empty() && (unit.back() == 'B' || unit.back() == 'b')) unit.pop_back();
  if (unit.size() == 2 && (unit[1] == 'i' || unit[1] == 'I')) unit.pop_back();
  double scale = 1;
  if (unit.size() == 1) {
    const std::string units = "KMGT";
    size_t u = units.find(static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0]))));
    if (u == std::string::npos) return false;
    for (size_t i = 0; i <= u; ++i) scale *= 1024;
  } else if (!unit.empty()) {
    return false;
  }
  if (!(value >= 0) || value * scale > 1.8e19) return false;
  *bytes = static_cast<uint64_t>(value * scale);
  return true;
}

}  // namespace crawlproof::cli

// The binary files between the stages of a run (stages.h): a little-endian
// record codec, zstd-compressed whole files written atomically. Internal to
// pipelines/.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof::pipelines {

class Encoder {
 public:
  void U64(uint64_t v) {
    for (int b = 0; b < 8; ++b) out_.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  void U32(uint32_t v) {
    for (int b = 0; b < 4; ++b) out_.push_back(static_cast<char>((v >> (8 * b)) & 0xff));
  }
  void U8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void F64(double v) {
    uint64_t u;
    std::memcpy(&u, &v, 8);
    U64(u);
  }
  void Str(std::string_view s) {
    U64(s.size());
    out_.append(s);
  }
  void Raw(const void* p, size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads what Encoder wrote; a read past the end sets failed() and returns 0/"".
class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  uint64_t U64() {
    if (!Need(8)) return 0;
    uint64_t v = 0;
    for (int b = 7; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(in_[pos_ + static_cast<size_t>(b)]);
    pos_ += 8;
    return v;
  }
  uint32_t U32() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int b = 3; b >= 0; --b) v = v << 8 | static_cast<unsigned char>(in_[pos_ + static_cast<size_t>(b)]);
    pos_ += 4;
    return v;
  }
  uint8_t U8() { return Need(1) ? static_cast<uint8_t>(in_[pos_++]) : 0; }
  // A count of elements that follow, each at least one byte: more than the
  // bytes left fails the decoder (and gives 0), so no count sizes a
  // container beyond the file.
  uint64_t Count() {
    const uint64_t n = U64();
    if (failed_ || n > in_.size() - pos_) {
      failed_ = true;
      return 0;
    }
    return n;
  }
  int64_t I64() { return static_cast<int64_t>(U64()); }
  double F64() {
    uint64_t u = U64();
    double v;
    std::memcpy(&v, &u, 8);
    return v;
  }
  std::string Str() {
    const uint64_t n = U64();
    if (!Need(n)) return "";
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  bool RawTo(void* p, size_t n) {
    if (!Need(n)) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool failed() const { return failed_; }
  bool done() const { return pos_ == in_.size(); }

 private:
  bool Need(uint64_t n) {
    if (failed_ || n > in_.size() - pos_) {
      failed_ = true;
      return false;
    }
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Writes `data` to `path` atomically, zstd-compressed (at `level`) when `zstd`.
Status WriteStageFile(const std::string& path, const std::string& data, bool zstd, int level = 1);
// Reads what WriteStageFile wrote. Errors: IoError, Corruption naming the file.
Result<std::string> ReadStageFile(const std::string& path, bool zstd);

}  // namespace crawlproof::pipelines

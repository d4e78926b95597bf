// Streaming gzip inflate, for what cannot be inflated whole: a WARC compressed
// as one gzip stream, members too large for one step, damaged members. Two
// implementations behind one interface, chosen once at start-up:
//   ISA-L (igzip)  the default: about twice zlib's speed (docs/performance.md);
//   zlib           the portable one; forced with CRAWLPROOF_INFLATER=zlib.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace crawlproof::ingest {

enum class InflaterKind { kAuto, kZlib, kIsal };

// "zlib" or "isal".
std::string_view InflaterName(InflaterKind kind);

// The implementation kAuto stands for: ISA-L, unless $CRAWLPROOF_INFLATER is
// "zlib". Decided once per process.
InflaterKind DefaultInflater();

class StreamInflater {
 public:
  virtual ~StreamInflater() = default;
  // Prepares for a new gzip member (header included).
  virtual void Reset() = 0;

  struct Step {
    size_t consumed = 0;      // input bytes used
    size_t produced = 0;      // output bytes written
    bool member_end = false;  // the member's trailer was read and its CRC matched
    bool error = false;       // invalid data; `message` says what
    std::string message;
  };
  // Inflates from `in` into `out` until one of them is exhausted, the member
  // ends, or the data is invalid. Never reads past the end of the member.
  virtual Step Inflate(const char* in, size_t in_len, char* out, size_t out_len) = 0;
};

// REQUIRES: kind != kAuto resolved by the caller or passed through DefaultInflater().
std::unique_ptr<StreamInflater> MakeStreamInflater(InflaterKind kind);

}  // namespace crawlproof::ingest

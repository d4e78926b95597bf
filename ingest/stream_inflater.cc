#include "ingest/stream_inflater.h"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

namespace crawlproof::ingest {
namespace {

class ZlibInflater final : public StreamInflater {
 public:
  ZlibInflater() {
    z_ = {};
    inflateInit2(&z_, 16 + MAX_WBITS);
  }
  ~ZlibInflater() override { inflateEnd(&z_); }
  void Reset() override { inflateReset2(&z_, 16 + MAX_WBITS); }

  Step Inflate(const char* in, size_t in_len, char* out, size_t out_len) override {
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
    z_.avail_in = static_cast<uInt>(std::min<size_t>(in_len, UINT_MAX));
    z_.next_out = reinterpret_cast<Bytef*>(out);
    z_.avail_out = static_cast<uInt>(std::min<size_t>(out_len, UINT_MAX));
    uInt in_before = z_.avail_in, out_before = z_.avail_out;
    int ret = inflate(&z_, Z_NO_FLUSH);
    Step s;
    s.consumed = in_before - z_.avail_in;
    s.produced = out_before - z_.avail_out;
    s.member_end = ret == Z_STREAM_END;
    if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_MEM_ERROR || ret == Z_STREAM_ERROR) {
      s.error = true;
      s.message = z_.msg ? z_.msg : "invalid deflate data";
    }
    return s;
  }

 private:
  z_stream z_;
};

class IsalInflater final : public StreamInflater {
 public:
  IsalInflater() : state_(std::make_unique<inflate_state>()) { Reset(); }
  void Reset() override {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
  }

  Step Inflate(const char* in, size_t in_len, char* out, size_t out_len) override {
    inflate_state& st = *state_;
    st.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(in));
    st.avail_in = static_cast<uint32_t>(std::min<size_t>(in_len, UINT32_MAX));
    st.next_out = reinterpret_cast<uint8_t*>(out);
    st.avail_out = static_cast<uint32_t>(std::min<size_t>(out_len, UINT32_MAX));
    uint32_t in_before = st.avail_in, out_before = st.avail_out;
    int ret = isal_inflate(&st);
    Step s;
    s.produced = out_before - st.avail_out;
    if (st.avail_in > in_before) {
      // ISA-L gave back more input than this call handed it (it rewinds the
      // bits it buffered; on some malformed members, bits it never read —
      // a fuzzer's find): as "consumed" that wrapped around and the caller
      // dropped 4 GB of a 64 KiB buffer. Damage, not a position.
      s.error = true;
      s.message = "invalid deflate data (the inflater gave back more input than it read)";
      return s;
    }
    s.consumed = in_before - st.avail_in;
    s.member_end = st.block_state == ISAL_BLOCK_FINISH;
    if (ret < 0 || ret == ISAL_NEED_DICT) {
      s.error = true;
      switch (ret) {
        case ISAL_INVALID_BLOCK: s.message = "invalid deflate block"; break;
        case ISAL_INVALID_SYMBOL: s.message = "invalid deflate symbol"; break;
        case ISAL_INVALID_LOOKBACK: s.message = "invalid distance too far back"; break;
        case ISAL_INVALID_WRAPPER: s.message = "invalid gzip header"; break;
        case ISAL_UNSUPPORTED_METHOD: s.message = "unsupported compression method"; break;
        case ISAL_INCORRECT_CHECKSUM: s.message = "incorrect CRC-32 or length in the gzip trailer"; break;
        default: s.message = "invalid deflate data (ISA-L error " + std::to_string(ret) + ")"; break;
      }
    }
    return s;
  }

 private:
  std::unique_ptr<inflate_state> state_;  // ~10 KB of tables: on the heap
};

}  // namespace

std::string_view InflaterName(InflaterKind kind) {
  return kind == InflaterKind::kZlib ? "zlib" : "isal";
}

InflaterKind DefaultInflater() {
  static const InflaterKind kChosen = [] {
    const char* v = std::getenv("CRAWLPROOF_INFLATER");
    return v && std::strcmp(v, "zlib") == 0 ? InflaterKind::kZlib : InflaterKind::kIsal;
  }();
  return kChosen;
}

std::unique_ptr<StreamInflater> MakeStreamInflater(InflaterKind kind) {
  if (kind == InflaterKind::kAuto) kind = DefaultInflater();
  if (kind == InflaterKind::kZlib) return std::make_unique<ZlibInflater>();
  return std::make_unique<IsalInflater>();
}

}  // namespace crawlproof::ingest

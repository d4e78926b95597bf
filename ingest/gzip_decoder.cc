// gzip: libdeflate for whole members (Common Crawl's one member per record),
// zlib streaming for members that are too large or damaged (whole-file gzip,
// truncated files), so that what precedes damage is still decoded and the error
// names the exact member.
#include <libdeflate.h>
#include <zlib.h>

#include <algorithm>

#include "ingest/decoder_impl.h"

namespace crawlproof::ingest {
namespace {

constexpr std::string_view kGzipMagic("\x1f\x8b\x08", 3);

class GzipDecoder final : public Decoder {
 public:
  GzipDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options)
      : in_(std::move(in)), options_(options), inflater_(libdeflate_alloc_decompressor()) {
    name_ = in_->source().name();
  }
  ~GzipDecoder() override {
    libdeflate_free_decompressor(inflater_);
    if (z_initialised_) inflateEnd(&z_);
  }
  Compression compression() const override { return Compression::kGzip; }

  Result<bool> Fill(Window& w) override {
    if (streaming_) return StreamStep(w);
    RETURN_IF_ERROR(in_->Ensure(18));
    if (in_->size() == 0) return false;
    if (in_->size() < kGzipMagic.size() || std::string_view(in_->data(), 3) != kGzipMagic) return SkipGarbage();
    return FastMember(w);
  }

 private:
  std::string Where(uint64_t offset) const { return name_ + ": offset " + std::to_string(offset); }

  // Skips bytes up to the next gzip magic (or the end) and reports them.
  Status SkipGarbage() {
    uint64_t start = in_->offset();
    uint64_t skipped = 0;
    while (true) {
      size_t pos = FindMagic(in_->data(), in_->size(), skipped == 0 ? 1 : 0, kGzipMagic);
      if (pos != std::string_view::npos) {
        in_->Consume(pos);
        skipped += pos;
        break;
      }
      size_t keep = std::min<size_t>(in_->size(), kGzipMagic.size() - 1);
      if (in_->eof()) keep = 0;
      skipped += in_->size() - keep;
      in_->Consume(in_->size() - keep);
      if (in_->eof()) break;
      RETURN_IF_ERROR(in_->Ensure(in_->size() + 1));
    }
    skipped_bytes_ += skipped;
    return Status::Corruption(Where(start) + ": " + std::to_string(skipped) +
                              " bytes that are not a gzip member skipped" +
                              (in_->size() ? "; resuming at offset " + std::to_string(in_->offset()) : ""));
  }

  Result<bool> FastMember(Window& w) {
    size_t out_cap = std::clamp<size_t>(in_->size() * 8, 256 << 10, options_.max_fast_output_bytes);
    while (true) {
      char* out = w.PrepareAppend(out_cap);
      size_t in_used = 0, out_used = 0;
      auto r = libdeflate_gzip_decompress_ex(inflater_, in_->data(), in_->size(), out, out_cap, &in_used, &out_used);
      if (r == LIBDEFLATE_SUCCESS) {
        uint64_t data_begin = w.end_position();
        w.CommitAppend(out_used);
        AddMember({data_begin, data_begin + out_used, in_->offset(), in_->offset() + in_used});
        in_->Consume(in_used);
        return true;
      }
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE && out_cap < options_.max_fast_output_bytes) {
        out_cap = std::min(out_cap * 4, options_.max_fast_output_bytes);
        continue;
      }
      if (r == LIBDEFLATE_BAD_DATA && !in_->eof() && in_->size() < options_.max_fast_member_bytes) {
        // Most likely the member continues past what is buffered.
        RETURN_IF_ERROR(in_->Ensure(std::min(in_->size() * 2, options_.max_fast_member_bytes)));
        continue;
      }
      // Too large for one step, or damaged: stream it (zlib reports the damage precisely).
      return BeginStreaming(w);
    }
  }

  Result<bool> BeginStreaming(Window& w) {
    if (!z_initialised_) {
      z_ = {};
      if (inflateInit2(&z_, 16 + MAX_WBITS) != Z_OK) return Status::Internal("inflateInit2 failed");
      z_initialised_ = true;
    } else {
      inflateReset2(&z_, 16 + MAX_WBITS);
    }
    streaming_ = true;
    member_ = {w.end_position(), w.end_position(), in_->offset(), in_->offset()};
    member_out_ = member_in_ = 0;
    return StreamStep(w);
  }

  Result<bool> StreamStep(Window& w) {
    while (true) {
      RETURN_IF_ERROR(in_->Ensure(1 << 16));
      size_t chunk = options_.stream_chunk_bytes;
      char* out = w.PrepareAppend(chunk);
      z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in_->data()));
      z_.avail_in = static_cast<uInt>(std::min<size_t>(in_->size(), UINT32_MAX));
      z_.next_out = reinterpret_cast<Bytef*>(out);
      z_.avail_out = static_cast<uInt>(chunk);
      uInt avail_in_before = z_.avail_in;
      int ret = inflate(&z_, Z_NO_FLUSH);
      size_t consumed = avail_in_before - z_.avail_in;
      size_t produced = chunk - z_.avail_out;
      in_->Consume(consumed);
      w.CommitAppend(produced);
      member_in_ += consumed;
      member_out_ += produced;
      if (ret == Z_STREAM_END) {
        streaming_ = false;
        member_.data_end = member_.data_begin + member_out_;
        member_.comp_end = member_.comp_begin + member_in_;
        AddMember(member_);
        return true;
      }
      if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_MEM_ERROR) {
        streaming_ = false;
        std::string msg = Where(member_.comp_begin) + ": corrupt gzip member (" +
                          (z_.msg ? z_.msg : "invalid deflate data") + " at offset " + std::to_string(in_->offset()) +
                          ", after " + std::to_string(member_out_) + " decompressed bytes)";
        Status resync = SkipToNextMember();
        (void)resync;  // its own message would only repeat this one
        return Status::Corruption(msg);
      }
      if (consumed == 0 && produced == 0 && in_->eof()) {
        streaming_ = false;
        return Status::Corruption(Where(member_.comp_begin) + ": gzip member truncated at end of file (" +
                                  std::to_string(member_in_) + " compressed bytes, " + std::to_string(member_out_) +
                                  " decompressed bytes)");
      }
      if (member_out_ > options_.inflation_check_bytes &&
          static_cast<double>(member_out_) > options_.max_inflation_ratio * static_cast<double>(member_in_)) {
        streaming_ = false;
        std::string msg = Where(member_.comp_begin) + ": gzip member inflates more than " +
                          std::to_string(static_cast<int>(options_.max_inflation_ratio)) + "x (" +
                          std::to_string(member_out_) + " bytes from " + std::to_string(member_in_) +
                          "); abandoned as a decompression bomb";
        Status resync = SkipToNextMember();
        (void)resync;
        return Status::ResourceExhausted(msg);
      }
      if (produced > 0) return true;
    }
  }

  // After damage: drop input up to the next gzip magic, counting it.
  Status SkipToNextMember() {
    while (true) {
      size_t pos = FindMagic(in_->data(), in_->size(), 0, kGzipMagic);
      if (pos != std::string_view::npos) {
        skipped_bytes_ += pos;
        in_->Consume(pos);
        return Status::Ok();
      }
      size_t keep = in_->eof() ? 0 : std::min<size_t>(in_->size(), 2);
      skipped_bytes_ += in_->size() - keep;
      in_->Consume(in_->size() - keep);
      if (in_->eof()) return Status::Ok();
      RETURN_IF_ERROR(in_->Ensure(in_->size() + 1));
    }
  }

  std::unique_ptr<InputBuffer> in_;
  DecoderOptions options_;
  libdeflate_decompressor* inflater_;
  z_stream z_{};
  bool z_initialised_ = false;
  bool streaming_ = false;
  MemberSpan member_;
  uint64_t member_in_ = 0;
  uint64_t member_out_ = 0;
};

}  // namespace

std::unique_ptr<Decoder> MakeGzipDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options) {
  return std::make_unique<GzipDecoder>(std::move(in), options);
}

}  // namespace crawlproof::ingest

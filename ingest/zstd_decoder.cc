// zstd: one frame per record; a dictionary may precede them in a skippable frame
// with magic 0x184D2A5D (the WARC zstd convention), either raw or itself
// zstd-compressed. Other skippable frames are skipped.
#include <zstd.h>

#include <algorithm>
#include <cstring>

#include "common/digest.h"
#include "ingest/decoder_impl.h"
#include "ingest/hash_worker.h"

namespace crawlproof::ingest {
namespace {

constexpr std::string_view kZstdMagic("\x28\xb5\x2f\xfd", 4);
constexpr uint32_t kDictionaryFrameMagic = 0x184D2A5D;

uint32_t ReadLe32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return u[0] | u[1] << 8 | u[2] << 16 | static_cast<uint32_t>(u[3]) << 24;
}

class ZstdDecoder final : public Decoder {
 public:
  ZstdDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options)
      : Decoder(std::move(in)), options_(options), dctx_(ZSTD_createDCtx()) {
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, 31);
    if (!options_.zstd_dictionary.empty())
      ZSTD_DCtx_loadDictionary(dctx_, options_.zstd_dictionary.data(), options_.zstd_dictionary.size());
  }
  ~ZstdDecoder() override { ZSTD_freeDCtx(dctx_); }
  Compression compression() const override { return Compression::kZstd; }

  Result<bool> Fill(Window& w) override {
    while (true) {
      if (in_frame_) return StreamStep(w);
      RETURN_IF_ERROR(in_->Ensure(8));
      if (in_->size() == 0) return false;
      if (in_->size() >= 4 && std::string_view(in_->data(), 4) == kZstdMagic) {
        ZSTD_DCtx_reset(dctx_, ZSTD_reset_session_only);
        in_frame_ = true;
        frame_ = {w.end_position(), w.end_position(), in_->offset(), in_->offset(), {}};
        if (options_.hash_members) frame_hasher_.Reset();
        frame_in_ = frame_out_ = 0;
        continue;
      }
      uint32_t magic = in_->size() >= 4 ? ReadLe32(in_->data()) : 0;
      if ((magic & 0xFFFFFFF0u) == 0x184D2A50u) {
        RETURN_IF_ERROR(SkippableFrame(magic));
        continue;
      }
      return SkipGarbage();
    }
  }

 private:
  std::string Where(uint64_t offset) const { return name_ + ": offset " + std::to_string(offset); }

  Status SkippableFrame(uint32_t magic) {
    uint64_t at = in_->offset();
    if (in_->size() < 8) {
      skipped_bytes_ += in_->size();
      in_->Consume(in_->size());
      return Status::Corruption(Where(at) + ": truncated zstd skippable frame header");
    }
    uint32_t size = ReadLe32(in_->data() + 4);
    if (size > (256u << 20)) {
      skipped_bytes_ += 8;
      in_->Consume(8);
      return Status::ResourceExhausted(Where(at) + ": skippable frame of " + std::to_string(size) +
                                       " bytes exceeds the 256 MiB limit");
    }
    RETURN_IF_ERROR(in_->Ensure(8 + size_t{size}));
    if (in_->size() < 8 + size_t{size}) {
      skipped_bytes_ += in_->size();
      in_->Consume(in_->size());
      return Status::Corruption(Where(at) + ": zstd skippable frame truncated");
    }
    std::string_view content(in_->data() + 8, size);
    Status st;
    if (magic == kDictionaryFrameMagic) st = LoadDictionary(content, at);
    in_->Consume(8 + size_t{size});
    return st;
  }

  Status LoadDictionary(std::string_view content, uint64_t at) {
    std::string dict;
    if (content.size() >= 4 && content.substr(0, 4) == kZstdMagic) {
      unsigned long long n = ZSTD_getFrameContentSize(content.data(), content.size());
      if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > (256u << 20))
        return Status::Corruption(Where(at) + ": compressed zstd dictionary without a usable content size");
      dict.resize(n);
      size_t r = ZSTD_decompress(dict.data(), dict.size(), content.data(), content.size());
      if (ZSTD_isError(r))
        return Status::Corruption(Where(at) + ": cannot decompress zstd dictionary: " + ZSTD_getErrorName(r));
      dict.resize(r);
    } else {
      dict.assign(content);
    }
    dictionary_ = std::move(dict);
    size_t r = ZSTD_DCtx_loadDictionary(dctx_, dictionary_.data(), dictionary_.size());
    if (ZSTD_isError(r)) return Status::Corruption(Where(at) + ": invalid zstd dictionary: " + ZSTD_getErrorName(r));
    return Status::Ok();
  }

  Result<bool> StreamStep(Window& w) {
    while (true) {
      RETURN_IF_ERROR(in_->Ensure(1 << 16));
      size_t chunk = options_.stream_chunk_bytes;
      char* out = w.PrepareAppend(chunk);
      ZSTD_inBuffer input{in_->data(), in_->size(), 0};
      ZSTD_outBuffer output{out, chunk, 0};
      size_t r = ZSTD_decompressStream(dctx_, &output, &input);
      if (options_.hash_members) frame_hasher_.Update(std::string_view(in_->data(), input.pos));
      in_->Consume(input.pos);
      w.CommitAppend(output.pos);
      frame_in_ += input.pos;
      frame_out_ += output.pos;
      if (ZSTD_isError(r)) {
        in_frame_ = false;
        std::string msg = Where(frame_.comp_begin) + ": corrupt zstd frame (" + ZSTD_getErrorName(r) + ", after " +
                          std::to_string(frame_out_) + " decompressed bytes)";
        RETURN_IF_ERROR(SkipToNextFrame());
        return Status::Corruption(msg);
      }
      if (r == 0) {
        in_frame_ = false;
        frame_.data_end = frame_.data_begin + frame_out_;
        frame_.comp_end = frame_.comp_begin + frame_in_;
        if (options_.hash_members) frame_.sha256 = ReadyHash(frame_hasher_.Finish());
        AddMember(frame_);
        return true;
      }
      if (input.pos == 0 && output.pos == 0 && in_->eof()) {
        in_frame_ = false;
        return Status::Corruption(Where(frame_.comp_begin) + ": zstd frame truncated at end of file (" +
                                  std::to_string(frame_out_) + " decompressed bytes)");
      }
      if (frame_out_ > options_.inflation_check_bytes &&
          static_cast<double>(frame_out_) > options_.max_inflation_ratio * static_cast<double>(frame_in_)) {
        in_frame_ = false;
        std::string msg = Where(frame_.comp_begin) + ": zstd frame inflates more than " +
                          std::to_string(static_cast<int>(options_.max_inflation_ratio)) +
                          "x; abandoned as a decompression bomb";
        RETURN_IF_ERROR(SkipToNextFrame());
        return Status::ResourceExhausted(msg);
      }
      if (output.pos > 0) return true;
    }
  }

  Status SkipGarbage() {
    uint64_t start = in_->offset();
    uint64_t skipped = 0;
    RETURN_IF_ERROR(SkipToMagic(*in_, kZstdMagic, 1, &skipped));
    skipped_bytes_ += skipped;
    return Status::Corruption(Where(start) + ": " + std::to_string(skipped) +
                              " bytes that are not a zstd frame skipped");
  }

  // Drops input up to the next zstd frame magic, counting it.
  // After damage inside frame_: drops input up to the next frame, at least one
  // byte when the damage is at the frame's first byte (always moves forward).
  Status SkipToNextFrame() {
    size_t from = in_->offset() == frame_.comp_begin ? 1 : 0;
    return SkipToMagic(*in_, kZstdMagic, from, &skipped_bytes_);
  }

  DecoderOptions options_;
  ZSTD_DCtx* dctx_;
  std::string dictionary_;
  bool in_frame_ = false;
  Hasher frame_hasher_{DigestAlgorithm::kSha256};
  MemberSpan frame_;
  uint64_t frame_in_ = 0;
  uint64_t frame_out_ = 0;
};

}  // namespace

std::unique_ptr<Decoder> MakeZstdDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options) {
  return std::make_unique<ZstdDecoder>(std::move(in), options);
}

}  // namespace crawlproof::ingest

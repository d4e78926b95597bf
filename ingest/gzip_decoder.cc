// gzip: libdeflate for whole members (Common Crawl's one member per record),
// a streaming inflater (ISA-L, or zlib) for members that are too large or
// damaged (whole-file gzip, truncated files), so that what precedes damage is
// still decoded and the error names the exact member.
#include <libdeflate.h>

#include <algorithm>

#include "common/digest.h"
#include "ingest/decoder_impl.h"
#include "ingest/stream_inflater.h"

namespace crawlproof::ingest {
namespace {

constexpr std::string_view kGzipMagic("\x1f\x8b\x08", 3);

class GzipDecoder final : public Decoder {
 public:
  GzipDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options)
      : Decoder(std::move(in)),
        options_(options),
        inflater_(libdeflate_alloc_decompressor()),
        stream_(MakeStreamInflater(options.stream_inflater)) {
    // Member bytes in a pending batch live in the input buffer: submit the batch
    // before the buffer may move (InputBuffer drains the worker first).
    in_->SetBeforeDrain([this] { FlushBatch(); });
  }
  ~GzipDecoder() override {
    FlushBatch();
    in_->SetBeforeDrain(nullptr);
    libdeflate_free_decompressor(inflater_);
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
    RETURN_IF_ERROR(SkipToMagic(*in_, kGzipMagic, 1, &skipped));
    skipped_bytes_ += skipped;
    return Status::Corruption(Where(start) + ": " + std::to_string(skipped) +
                              " bytes that are not a gzip member skipped" +
                              (in_->size() ? "; resuming at offset " + std::to_string(in_->offset()) : ""));
  }

  Result<bool> FastMember(Window& w) {
    size_t out_cap = std::min<size_t>(std::max<size_t>(in_->size() * 8, 256 << 10), options_.max_fast_output_bytes);
    while (true) {
      char* out = w.PrepareAppend(out_cap);
      size_t in_used = 0, out_used = 0;
      auto r = libdeflate_gzip_decompress_ex(inflater_, in_->data(), in_->size(), out, out_cap, &in_used, &out_used);
      if (r == LIBDEFLATE_SUCCESS) {
        uint64_t data_begin = w.end_position();
        w.CommitAppend(out_used);
        MemberSpan m{data_begin, data_begin + out_used, in_->offset(), in_->offset() + in_used, {}};
        // On this thread: handing each small member to the worker costs more in
        // wake-ups than the hash itself (measured: 3x slower).
        if (options_.hash_members && options_.hash_members_async && in_->worker()) {
          auto promise = std::make_shared<std::promise<std::string>>();
          m.sha256 = promise->get_future().share();
          batch_.push_back({std::string_view(in_->data(), in_used), std::move(promise)});
          if (batch_.size() >= 256) FlushBatch();
        } else if (options_.hash_members) {
          m.sha256 = ReadyHash(Sha256(std::string_view(in_->data(), in_used)));
        }
        AddMember(m);
        in_->Consume(in_used);
        return true;
      }
      if (r == LIBDEFLATE_INSUFFICIENT_SPACE && out_cap < options_.max_fast_output_bytes) {
        out_cap = std::min(out_cap * 4, options_.max_fast_output_bytes);
        continue;
      }
      if (r == LIBDEFLATE_BAD_DATA && !in_->eof() && in_->size() < options_.max_fast_member_bytes) {
        // Most likely the member continues past what is buffered.
        RETURN_IF_ERROR(in_->Ensure(options_.max_fast_member_bytes));
        continue;
      }
      // Too large for one step, or damaged: stream it (zlib reports the damage precisely).
      return BeginStreaming(w);
    }
  }

  Result<bool> BeginStreaming(Window& w) {
    stream_->Reset();
    streaming_ = true;
    member_ = {w.end_position(), w.end_position(), in_->offset(), in_->offset(), {}};
    if (options_.hash_members) member_hasher_.Reset();
    member_out_ = member_in_ = 0;
    return StreamStep(w);
  }

  Result<bool> StreamStep(Window& w) {
    while (true) {
      RETURN_IF_ERROR(in_->Ensure(1 << 16));
      size_t chunk = options_.stream_chunk_bytes;
      char* out = w.PrepareAppend(chunk);
      StreamInflater::Step step = stream_->Inflate(in_->data(), in_->size(), out, chunk);
      if (options_.hash_members) member_hasher_.Update(std::string_view(in_->data(), step.consumed));
      in_->Consume(step.consumed);
      w.CommitAppend(step.produced);
      member_in_ += step.consumed;
      member_out_ += step.produced;
      if (step.member_end) {
        streaming_ = false;
        member_.data_end = member_.data_begin + member_out_;
        member_.comp_end = member_.comp_begin + member_in_;
        if (options_.hash_members) member_.sha256 = ReadyHash(member_hasher_.Finish());
        AddMember(member_);
        return true;
      }
      if (step.error) {
        streaming_ = false;
        std::string msg = Where(member_.comp_begin) + ": corrupt gzip member (" + step.message + " at offset " +
                          std::to_string(in_->offset()) + ", after " + std::to_string(member_out_) +
                          " decompressed bytes)";
        RETURN_IF_ERROR(SkipToNextMember());
        return Status::Corruption(msg);
      }
      if (step.consumed == 0 && step.produced == 0 && in_->eof()) {
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
        RETURN_IF_ERROR(SkipToNextMember());
        return Status::ResourceExhausted(msg);
      }
      if (step.produced > 0) return true;
    }
  }

  // After damage: drop input up to the next gzip magic, counting it.
  // After damage inside member_: drops input up to the next member. Skips at
  // least one byte when the damage is at the member's first byte, so that the
  // decoder always moves forward.
  Status SkipToNextMember() {
    size_t from = in_->offset() == member_.comp_begin ? 1 : 0;
    return SkipToMagic(*in_, kGzipMagic, from, &skipped_bytes_);
  }

  DecoderOptions options_;
  libdeflate_decompressor* inflater_;
  void FlushBatch() {
    if (!batch_.empty() && in_->worker()) in_->worker()->Sha256Batch(std::move(batch_));
    batch_.clear();
  }

  std::unique_ptr<StreamInflater> stream_;
  std::vector<HashWorker::Range> batch_;  // async member hashes not yet submitted
  Hasher member_hasher_{DigestAlgorithm::kSha256};
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

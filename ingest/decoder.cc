#include "ingest/decoder.h"

#include <algorithm>
#include <cstring>

#include "ingest/decoder_impl.h"

namespace crawlproof::ingest {
namespace {

// Uncompressed input: the decoded stream is the file; one member spans it all.
class PlainDecoder final : public Decoder {
 public:
  PlainDecoder(std::unique_ptr<InputBuffer> in, const DecoderOptions& options)
      : Decoder(std::move(in)), chunk_(options.read_bytes) {
    AddMember(MemberSpan{});
  }
  Compression compression() const override { return Compression::kNone; }

  Result<bool> Fill(Window& w) override {
    RETURN_IF_ERROR(in_->Ensure(chunk_));
    if (in_->size() == 0) return false;
    size_t n = in_->size();
    char* dst = w.PrepareAppend(n);
    std::memcpy(dst, in_->data(), n);
    w.CommitAppend(n);
    in_->Consume(n);
    members_.back().data_end = members_.back().comp_end = in_->offset();
    return true;
  }

 private:
  size_t chunk_;
};

}  // namespace

std::string_view CompressionName(Compression c) {
  switch (c) {
    case Compression::kNone: return "none";
    case Compression::kGzip: return "gzip";
    case Compression::kZstd: return "zstd";
  }
  return "none";
}

Status SkipToMagic(InputBuffer& in, std::string_view magic, size_t from, uint64_t* skipped) {
  // The first `from` bytes are known not to start a member: drop them first.
  size_t drop = std::min(from, in.size());
  *skipped += drop;
  in.Consume(drop);
  while (true) {
    size_t pos = std::string_view(in.data(), in.size()).find(magic);
    if (pos != std::string_view::npos) {
      *skipped += pos;
      in.Consume(pos);
      return Status::Ok();
    }
    // Keep a tail that could be the start of a magic split across reads.
    size_t keep = in.eof() ? 0 : std::min(in.size(), magic.size() - 1);
    *skipped += in.size() - keep;
    in.Consume(in.size() - keep);
    if (in.eof()) return Status::Ok();
    RETURN_IF_ERROR(in.Ensure(in.size() + 1));
  }
}

Result<std::unique_ptr<Decoder>> MakeDecoder(std::unique_ptr<ByteSource> source, const DecoderOptions& options) {
  auto in = std::make_unique<InputBuffer>(std::move(source), options.read_bytes);
  if (options.hash_members) in->EnableFileHash();
  RETURN_IF_ERROR(in->Ensure(4));
  const auto* p = reinterpret_cast<const unsigned char*>(in->data());
  size_t n = in->size();
  if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return MakeGzipDecoder(std::move(in), options);
  if (n >= 4 && p[0] == 0x28 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd)
    return MakeZstdDecoder(std::move(in), options);
  if (n >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d && p[3] == 0x18)
    return MakeZstdDecoder(std::move(in), options);  // starts with a skippable frame
  return std::unique_ptr<Decoder>(new PlainDecoder(std::move(in), options));
}

}  // namespace crawlproof::ingest

// Decoders turn the bytes of a WARC file into the uncompressed stream the record
// parser reads, and remember where each compressed member (gzip member, zstd
// frame) starts and ends in both streams, so that records can be addressed by the
// offset and length of their member — what Common Crawl's indexes and range
// requests use.
//
//   gzip   one member per record (Common Crawl), or one member for the whole file;
//          whole members are inflated at once with libdeflate, members too large
//          for that (or damaged) are streamed through zlib.
//   zstd   one frame per record, optionally with a dictionary in a skippable
//          frame (magic 0x184D2A5D, itself plain or zstd-compressed) ahead of them.
//   plain  uncompressed .warc / .arc.
// The format is sniffed from the first bytes, never from the file name.
#pragma once

#include <deque>
#include <future>
#include <memory>
#include <string>

#include "ingest/byte_source.h"
#include "ingest/stream_inflater.h"
#include "ingest/window.h"

namespace crawlproof::ingest {

enum class Compression { kNone, kGzip, kZstd };
std::string_view CompressionName(Compression c);

struct DecoderOptions {
  // Largest compressed member inflated at once by libdeflate; larger ones (and
  // whole-file streams) are streamed. Default: 4 MiB (Common Crawl's members are
  // far smaller; a larger member costs one failed at-once attempt).
  size_t max_fast_member_bytes = 4 << 20;
  // Largest output of one at-once inflate. Default: 64 MiB.
  size_t max_fast_output_bytes = 64 << 20;
  // Bytes appended per step when streaming. Default: 1 MiB.
  size_t stream_chunk_bytes = 1 << 20;
  // A member whose output exceeds `inflation_check_bytes` and is more than
  // `max_inflation_ratio` times its compressed size is abandoned (a
  // decompression bomb): ResourceExhausted, then the next member.
  // Default: 1000 and 64 MiB (deflate's own limit is about 1032:1).
  double max_inflation_ratio = 1000;
  uint64_t inflation_check_bytes = 64 << 20;
  // Size of reads from the source. Default: 4 MiB.
  size_t read_bytes = 4 << 20;
  // Streaming inflater for gzip members that are not inflated whole.
  // Default: kAuto (ISA-L; $CRAWLPROOF_INFLATER=zlib forces zlib).
  InflaterKind stream_inflater = InflaterKind::kAuto;
  // Compute SHA-256 of every compressed member (MemberSpan::sha256) and of the
  // whole input (Decoder::FileSha256). Default: false.
  bool hash_members = false;
  // With hash_members: hash whole gzip members on the input's helper thread, in
  // batches, instead of on the decoding thread. MemberSpan::sha256 is then ready
  // only after the next read or FileSha256() — for consumers that collect
  // records first and resolve hashes later (verify::CommitFile). Default: false.
  bool hash_members_async = false;
  // A zstd dictionary to use when the file carries none (raw bytes). Default: none.
  std::string zstd_dictionary;
};

// One member: [data_begin, data_end) in the decoded stream came from
// [comp_begin, comp_end) in the file.
struct MemberSpan {
  uint64_t data_begin = 0;
  uint64_t data_end = 0;
  uint64_t comp_begin = 0;
  uint64_t comp_end = 0;
  // SHA-256 of the member's compressed bytes, raw, computed on the input's
  // hash worker; not valid() unless DecoderOptions::hash_members (nor for plain input).
  std::shared_future<std::string> sha256;
};

class Decoder {
 public:
  explicit Decoder(std::unique_ptr<InputBuffer> in) : in_(std::move(in)), name_(in_->source().name()) {}
  virtual ~Decoder() = default;
  virtual Compression compression() const = 0;

  // Appends decoded bytes to `w`. Returns true when it appended some, false at
  // the end of the input. A non-OK Status reports damaged input (its message
  // names the file, the compressed offset and the reason); bytes decoded before
  // the damage are already in `w`, the decoder has moved on to the next
  // plausible member, and Fill may be called again.
  virtual Result<bool> Fill(Window& w) = 0;

  // Completed members, oldest first.
  const std::deque<MemberSpan>& members() const { return members_; }
  // Forgets members that end at or before decoded position `pos`.
  void DropMembersBefore(uint64_t pos) {
    while (!members_.empty() && members_.front().data_end <= pos && members_.size() > 1) members_.pop_front();
  }
  // Compressed bytes skipped while resynchronising after damage.
  uint64_t skipped_bytes() const { return skipped_bytes_; }
  // Members (gzip) or frames (zstd) decoded so far.
  uint64_t member_count() const { return member_count_; }
  const std::string& name() const { return name_; }
  // Size of the input in bytes when known, and how far it has been read.
  std::optional<uint64_t> input_size() const { return in_->source().Size(); }
  uint64_t input_position() const { return in_->offset(); }
  // Bytes read from the source so far (the file size once the input has ended).
  uint64_t bytes_read() const { return in_->bytes_read(); }
  // SHA-256 of every byte of the input, raw. REQUIRES: hash_members was set
  // and Fill() has returned false (the end).
  std::string FileSha256() { return in_->FileSha256(); }

 protected:
  void AddMember(const MemberSpan& m) {
    members_.push_back(m);
    ++member_count_;
    if (members_.size() > 4096) members_.pop_front();
  }
  std::unique_ptr<InputBuffer> in_;
  std::deque<MemberSpan> members_;
  uint64_t skipped_bytes_ = 0;
  uint64_t member_count_ = 0;
  std::string name_;
};

// Sniffs the format of `source` and returns its decoder.
Result<std::unique_ptr<Decoder>> MakeDecoder(std::unique_ptr<ByteSource> source, const DecoderOptions& options = {});

}  // namespace crawlproof::ingest

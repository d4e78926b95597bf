// Internal: the state machine behind WarcReader, shared by warc_reader.cc
// (records, blocks, resynchronisation) and warc_record_parse.cc (header and
// ARC parsing). Not part of the public interface.
#pragma once

#include <deque>
#include <optional>
#include <string>

#include "common/ascii.h"
#include "common/digest.h"
#include "ingest/warc_reader.h"

namespace crawlproof::ingest {
namespace detail {

inline bool IsFatal(const Status& s) {
  return s.code() != StatusCode::kCorruption && s.code() != StatusCode::kResourceExhausted;
}

// Length of the header block at the start of `s` (through the blank line), or
// 0 when `s` does not contain a blank line yet.
inline size_t FindHeaderEnd(std::string_view s) {
  size_t pos = 0;
  while (true) {
    auto nl = s.find('\n', pos);
    if (nl == std::string_view::npos) return 0;
    if (nl + 1 < s.size() && s[nl + 1] == '\n') return nl + 2;
    if (nl + 2 < s.size() && s[nl + 1] == '\r' && s[nl + 2] == '\n') return nl + 3;
    if (nl + 2 >= s.size()) return 0;
    pos = nl + 1;
  }
}

// "WARC/" in any letter case (some writers emit "warc/1.0").
inline bool LooksLikeWarcStart(std::string_view s) {
  return s.size() >= 5 && EqualsIgnoreCase(s.substr(0, 5), "WARC/");
}

}  // namespace detail

class WarcReader::Impl {
 public:
  Impl(WarcReader* owner) : r_(owner), sha256_(DigestAlgorithm::kSha256) {}

  Result<bool> Next(WarcRecord* rec);

 private:
  Decoder& decoder() { return *r_->decoder_; }
  const WarcReaderOptions& options() const { return r_->options_; }

  // Appends more decoded data. Returns false at the end of the data or at
  // damage (then pending_ holds the decoder's Status); fatal errors propagate.
  Result<bool> More() {
    if (eof_ || !pending_.ok()) return false;
    auto r = decoder().Fill(w_);
    if (!r.ok()) {
      if (detail::IsFatal(r.status())) {
        r_->failed_ = true;
        return r.status();
      }
      pending_ = r.status();
      discard_until_ = w_.end_position();
      return false;
    }
    if (!*r) eof_ = true;
    return *r;
  }

  // Ensures the window holds at least `n` bytes; false when it cannot.
  Result<bool> Want(size_t n) {
    while (w_.size() < n) {
      ASSIGN_OR_RETURN(bool more, More());
      if (!more) return false;
    }
    return true;
  }

  // Describes decoded position `pos` for messages: the compressed member that
  // holds it, or the plain offset.
  std::string Where(uint64_t pos) const {
    std::string s = r_->decoder_->name() + ": offset ";
    if (r_->decoder_->compression() == Compression::kNone) return s + std::to_string(pos);
    for (const auto& m : r_->decoder_->members()) {
      if (pos >= m.data_begin && pos < m.data_end) {
        s += std::to_string(m.comp_begin);
        if (pos != m.data_begin) s += " (+" + std::to_string(pos - m.data_begin) + " decoded bytes)";
        return s;
      }
    }
    return s + std::to_string(pos) + " (decoded stream)";
  }

  Status Error(const Status& s) {
    ++r_->stats_.errors;
    return s;
  }

  // Reports a pending decoder error and drops the partial data before it.
  Status TakePending(std::string_view context) {
    Status s = pending_;
    pending_ = Status::Ok();
    if (w_.end_position() >= discard_until_) {
      size_t drop =
          static_cast<size_t>(std::min<uint64_t>(discard_until_ - std::min(discard_until_, w_.position()), w_.size()));
      r_->stats_.skipped_bytes += drop;
      w_.Consume(drop);
    }
    if (!context.empty()) s = Status(s.code(), std::string(context) + ": " + s.message());
    return Error(s);
  }

  Status Resync(uint64_t start, std::string_view reason);
  // Addressable-bytes hashing of records that are not a compressed member of
  // their own (plain files, whole-file streams): every byte the record consumes
  // from the window between StartRecordTap() and Locate() is hashed.
  // REQUIRES: nothing of the record consumed yet; `block_end` = where its block ends.
  void StartRecordTap(uint64_t start, uint64_t block_end);
  void ConsumeRecordBytes(size_t n);
  void Locate(WarcRecord* rec, uint64_t start, uint64_t end);
  Status ParseHeaders(WarcRecord* rec, size_t header_len);
  Result<bool> ReadArc(WarcRecord* rec);
  Result<bool> ReadBlock(WarcRecord* rec, uint64_t start, size_t header_len, std::string* error);
  void Terminator(WarcRecord* rec, uint64_t start, uint64_t* end);
  void CheckDigest(WarcRecord* rec, std::string_view block);

  WarcReader* r_;
  Window w_;
  bool eof_ = false;
  Status pending_;
  uint64_t discard_until_ = 0;
  std::string storage_;
  std::deque<std::string> joined_;
  bool first_record_ = true;
  bool arc_ = false;
  int arc_version_ = 1;
  Hasher sha256_;
  Hasher tap_{DigestAlgorithm::kSha256};
  bool tap_active_ = false;
  std::optional<Hasher> digest_hasher_;
};

}  // namespace crawlproof::ingest

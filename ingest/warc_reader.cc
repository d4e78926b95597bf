#include "ingest/warc_reader.h"

#include <algorithm>
#include <cstring>

#include "ingest/warc_digest.h"
#include "ingest/warc_reader_impl.h"

namespace crawlproof::ingest {

using detail::FindHeaderEnd;
using detail::LooksLikeWarcStart;

Status WarcReader::Impl::Resync(uint64_t start, std::string_view reason) {
  // Skip to the next "WARC/" at the start of a line or of a member.
  uint64_t skipped = 0;
  size_t from = 1;
  while (true) {
    std::string_view s(w_.data(), w_.size());
    size_t found = std::string_view::npos;
    for (size_t p = s.find("WARC/", from); p != std::string_view::npos; p = s.find("WARC/", p + 1)) {
      if (s[p - 1] == '\n') {
        found = p;
        break;
      }
      uint64_t abs = w_.position() + p;
      bool member_start = false;
      for (const auto& m : decoder().members()) member_start |= m.data_begin == abs;
      if (member_start) {
        found = p;
        break;
      }
    }
    if (found != std::string_view::npos) {
      skipped += found;
      w_.Consume(found);
      break;
    }
    size_t keep = std::min<size_t>(w_.size(), 5);
    skipped += w_.size() - keep;
    w_.Consume(w_.size() - keep);
    from = keep > 0 ? 1 : 0;
    auto more = More();
    if (!more.ok()) return more.status();
    if (!*more) {
      skipped += w_.size();
      w_.Clear();
      break;
    }
  }
  r_->stats_.skipped_bytes += skipped;
  std::string msg =
      Where(start) + ": " + std::string(reason) + "; skipped " + std::to_string(skipped) + " bytes to the next record";
  if (!pending_.ok()) {
    // The data ended in damage: report both in one message.
    Status damage = pending_;
    pending_ = Status::Ok();
    ++r_->stats_.errors;
    return Status(damage.code(), msg + "; then: " + damage.message());
  }
  return Error(Status::Corruption(msg));
}

void WarcReader::Impl::StartRecordTap(uint64_t start, uint64_t block_end) {
  tap_active_ = false;
  if (!options().addressable_sha256) return;
  if (decoder().compression() != Compression::kNone) {
    for (const auto& m : decoder().members()) {
      // A member that holds exactly this record (and its terminator): its own
      // hash is the record's; no need to hash the decoded bytes.
      if (m.data_begin == start && m.data_end >= block_end && m.data_end <= block_end + 4) return;
    }
  }
  tap_.Reset();
  tap_active_ = true;
}

void WarcReader::Impl::ConsumeRecordBytes(size_t n) {
  if (tap_active_) tap_.Update(std::string_view(w_.data(), n));
  w_.Consume(n);
}

void WarcReader::Impl::Locate(WarcRecord* rec, uint64_t start, uint64_t end) {
  rec->offset = start;
  rec->length = end - start;
  rec->offset_is_decoded = false;
  bool tapped = tap_active_;
  tap_active_ = false;
  if (decoder().compression() == Compression::kNone) {
    if (tapped) rec->addressable_sha256 = tap_.Finish();
    return;
  }
  const MemberSpan* first = nullptr;
  const MemberSpan* last = nullptr;
  for (const auto& m : decoder().members()) {
    if (m.data_begin == start && !first) first = &m;
    if (m.data_end == end && m.data_end > m.data_begin) last = &m;
  }
  if (first && last && last->comp_end >= first->comp_begin) {
    rec->offset = first->comp_begin;
    rec->length = last->comp_end - first->comp_begin;
    if (options().addressable_sha256) {
      if (first == last && first->sha256.valid()) {
        if (options().defer_addressable_sha256) {
          rec->addressable_sha256_pending = first->sha256;  // resolved by the caller, later
        } else {
          rec->addressable_sha256 = first->sha256.get();
        }
      } else {
        rec->warnings.push_back("record spans several compressed members: its addressable SHA-256 is not computed");
      }
    }
  } else {
    rec->offset_is_decoded = true;
    if (tapped) rec->addressable_sha256 = tap_.Finish();
  }
}

void WarcReader::Impl::CheckDigest(WarcRecord* /*rec*/, std::string_view block) {
  if (digest_hasher_) digest_hasher_->Update(block);
  if (options().block_sha256) sha256_.Update(block);
}

// Reads the block of `rec` (whose header of `header_len` bytes starts the
// window). Returns true when the block is complete; false when the data ended
// or was damaged first (then `*error` says so).
Result<bool> WarcReader::Impl::ReadBlock(WarcRecord* rec, uint64_t start, size_t header_len, std::string* error) {
  uint64_t need = rec->content_length;
  digest_hasher_.reset();
  rec->digest_ok.reset();
  if (options().block_sha256) sha256_.Reset();
  std::optional<WarcDigest> expected;
  if (auto d = rec->Header("WARC-Block-Digest"); d && options().check_digests) {
    std::string why;
    expected = ParseWarcDigest(*d, &why);
    if (expected)
      digest_hasher_.emplace(expected->algorithm);
    else
      rec->digest_note = why;
  }
  // A record that starts a compressed member should end in it: a Content-Length
  // that runs past the member into the next record is a lie, not a big record.
  uint64_t limit = UINT64_MAX;
  if (decoder().compression() != Compression::kNone) {
    for (const auto& m : decoder().members()) {
      if (m.data_begin == start) {
        // (A member that ends inside the header is not a cut: the record
        // spans members, and its Content-Length decides.)
        if (m.data_end >= start + header_len && m.data_end < start + header_len + need) limit = m.data_end;
        break;
      }
    }
  }
  if (limit != UINT64_MAX) {
    // Cut only when what follows the member is another record (or nothing).
    size_t member_len = static_cast<size_t>(limit - start);
    ASSIGN_OR_RETURN(bool have_next, Want(member_len + 5));
    std::string_view after(w_.data() + std::min(member_len, w_.size()), w_.size() - std::min(member_len, w_.size()));
    if (have_next && !LooksLikeWarcStart(after)) limit = UINT64_MAX;
  }

  bool in_memory = need <= options().max_block_in_memory && limit == UINT64_MAX;
  if (limit != UINT64_MAX) {
    size_t avail = std::min(static_cast<size_t>(limit - start) - header_len, w_.size() - header_len);
    std::string_view block(w_.data() + header_len, avail);
    // The member's own terminator belongs to the record, not to its block.
    if (block.size() >= 4 && block.substr(block.size() - 4) == "\r\n\r\n")
      block.remove_suffix(4);
    else if (block.size() >= 2 && block.substr(block.size() - 2) == "\n\n")
      block.remove_suffix(2);
    rec->block = block;
    CheckDigest(rec, block);
    *error = "Content-Length " + std::to_string(need) + " exceeds the record's compressed member (" +
             std::to_string(block.size()) + " block bytes); record cut at the member end";
    rec->errors.push_back(*error);
    error->clear();
    ConsumeRecordBytes(static_cast<size_t>(limit - start));
    if (expected) rec->digest_ok = false;
    return true;
  }
  if (in_memory) {
    // The terminator's 4 bytes too, now: the block is a view into the window,
    // and a refill after it is taken (Terminator's) could move the window
    // under it (a fuzzer found the use after free). Past this call, More()
    // is only reached at the end of the data or after damage, where it adds
    // nothing.
    ASSIGN_OR_RETURN(bool with_terminator, Want(header_len + static_cast<size_t>(need) + 4));
    (void)with_terminator;  // fewer bytes at the end of the data are fine
    const bool complete = w_.size() >= header_len + static_cast<size_t>(need);
    if (!complete) {
      *error = "record truncated: Content-Length " + std::to_string(need) + " but only " +
               std::to_string(w_.size() - header_len) + " block bytes follow";
      return false;
    }
    rec->block = std::string_view(w_.data() + header_len, static_cast<size_t>(need));
    rec->block_in_memory = true;
    CheckDigest(rec, rec->block);
    ConsumeRecordBytes(header_len + static_cast<size_t>(need));
  } else {
    // Stream the block through the digests without keeping it.
    rec->block = {};
    rec->block_in_memory = false;
    ConsumeRecordBytes(header_len);
    uint64_t left = need;
    while (left > 0) {
      if (w_.empty()) {
        ASSIGN_OR_RETURN(bool more, More());
        if (!more) {
          *error = "record truncated: Content-Length " + std::to_string(need) + " but only " +
                   std::to_string(need - left) + " block bytes follow";
          return false;
        }
      }
      size_t k = static_cast<size_t>(std::min<uint64_t>(left, w_.size()));
      CheckDigest(rec, std::string_view(w_.data(), k));
      ConsumeRecordBytes(k);
      left -= k;
    }
  }
  if (digest_hasher_) {
    ++r_->stats_.digests_checked;
    rec->digest_ok = digest_hasher_->Finish() == expected->raw;
    if (!*rec->digest_ok) ++r_->stats_.digest_mismatches;
  }
  if (options().block_sha256) rec->block_sha256 = sha256_.Finish();
  return true;
}

// Consumes the record terminator after the block and sets `*end` past it.
void WarcReader::Impl::Terminator(WarcRecord* rec, uint64_t start, uint64_t* end) {
  *end = w_.position();
  auto have = Want(4);
  (void)have;  // at the end of data fewer bytes are fine
  std::string_view s(w_.data(), std::min<size_t>(w_.size(), 4));
  if (s == "\r\n\r\n") {
    ConsumeRecordBytes(4);
  } else if (s.substr(0, 2) == "\n\n") {
    ConsumeRecordBytes(2);
  } else if (s.empty() || LooksLikeWarcStart(std::string_view(w_.data(), std::min<size_t>(w_.size(), 5)))) {
    rec->warnings.push_back("record terminator missing");
  } else {
    size_t n = 0;
    while (n < s.size() && (s[n] == '\r' || s[n] == '\n')) ++n;
    if (n > 0 &&
        (n == s.size() || LooksLikeWarcStart(std::string_view(w_.data() + n, std::min<size_t>(w_.size() - n, 5))))) {
      ConsumeRecordBytes(n);
      rec->warnings.push_back("record terminator incomplete");
    } else {
      // Content-Length too short: find where the next record really starts.
      std::string_view rest(w_.data(), w_.size());
      size_t p = rest.find("\r\n\r\nWARC/");
      size_t term = 4;
      if (p == std::string_view::npos) {
        p = rest.find("\n\nWARC/");
        term = 2;
      }
      std::string msg = Where(start) + ": " + std::to_string(rec->content_length) +
                        "-byte block is not followed by the record terminator (Content-Length wrong?)";
      if (p != std::string_view::npos) {
        ConsumeRecordBytes(p + term);
        r_->stats_.skipped_bytes += p;
        msg += "; " + std::to_string(p) + " stray bytes skipped";
      }
      rec->errors.push_back(msg);
    }
  }
  *end = w_.position();
}

Result<bool> WarcReader::Impl::Next(WarcRecord* rec) {
  rec->Clear();
  if (r_->failed_) return Status::Internal("WarcReader used after a fatal error");
  if (!pending_.ok()) return TakePending("");
  // Whitespace between records is tolerated.
  while (true) {
    ASSIGN_OR_RETURN(bool have, Want(1));
    if (!have) {
      if (!pending_.ok()) return TakePending("");
      return false;
    }
    size_t n = 0;
    while (n < w_.size() && (w_.data()[n] == '\r' || w_.data()[n] == '\n')) ++n;
    w_.Consume(n);
    if (!w_.empty()) break;
  }
  decoder().DropMembersBefore(w_.position());
  uint64_t start = w_.position();
  if (first_record_) {
    ASSIGN_OR_RETURN(bool enough, Want(11));
    (void)enough;
    arc_ = std::string_view(w_.data(), std::min<size_t>(w_.size(), 11)) == "filedesc://";
  }
  if (arc_) return ReadArc(rec);

  // Header: up to the blank line.
  size_t header_len = 0;
  while ((header_len = FindHeaderEnd(std::string_view(w_.data(), w_.size()))) == 0) {
    if (w_.size() > options().max_header_bytes) {
      if (!LooksLikeWarcStart(std::string_view(w_.data(), w_.size())))
        return Resync(start, "expected a WARC header ('WARC/')");
      return Resync(start, "WARC header longer than " + std::to_string(options().max_header_bytes) + " bytes");
    }
    ASSIGN_OR_RETURN(bool more, More());
    if (!more && pending_.ok() && w_.size() > 5 && w_.data()[w_.size() - 1] == '\n' &&
        LooksLikeWarcStart(std::string_view(w_.data(), w_.size()))) {
      // The file ends right after the last header line: take the header as complete.
      header_len = w_.size();
      rec->warnings.push_back("WARC header not terminated by an empty line at the end of the file");
      break;
    }
    if (!more) {
      if (w_.size() >= 5 && !LooksLikeWarcStart(std::string_view(w_.data(), w_.size())))
        return Resync(start, "expected a WARC header ('WARC/')");
      std::string msg =
          Where(start) + ": record truncated inside its WARC header (" + std::to_string(w_.size()) + " bytes)";
      ++r_->stats_.truncated_records;
      r_->stats_.skipped_bytes += w_.size();
      w_.Clear();
      if (!pending_.ok()) return TakePending(msg);
      return Error(Status::Corruption(msg));
    }
  }
  if (!LooksLikeWarcStart(std::string_view(w_.data(), header_len)))
    return Resync(start, "expected a WARC header ('WARC/')");
  first_record_ = false;
  if (Status s = ParseHeaders(rec, header_len); !s.ok()) return Resync(start, s.message());
  if (rec->content_length > options().max_record_bytes) {
    return Resync(start, "Content-Length " + std::to_string(rec->content_length) + " exceeds the limit of " +
                             std::to_string(options().max_record_bytes) + " bytes");
  }
  std::string error;
  StartRecordTap(start, start + header_len + rec->content_length);
  ASSIGN_OR_RETURN(bool complete, ReadBlock(rec, start, header_len, &error));
  if (!complete) {
    ++r_->stats_.truncated_records;
    std::string msg =
        Where(start) + ": " + std::string(rec->record_id.empty() ? "" : std::string(rec->record_id) + ": ") + error;
    r_->stats_.skipped_bytes += w_.size();
    w_.Clear();
    if (!pending_.ok()) return TakePending(msg);
    return Error(Status::Corruption(msg));
  }
  uint64_t end = w_.position();
  if (rec->errors.empty())
    Terminator(rec, start, &end);
  else
    end = w_.position();
  Locate(rec, start, end);
  ++r_->stats_.records;
  r_->stats_.errors += rec->errors.size();
  return true;
}

// REQUIRES: Next() has skipped the blank lines before the record.
WarcReader::WarcReader(std::unique_ptr<Decoder> decoder, const WarcReaderOptions& options)
    : decoder_(std::move(decoder)), options_(options), impl_(std::make_unique<Impl>(this)) {}

WarcReader::~WarcReader() = default;

Result<std::unique_ptr<WarcReader>> WarcReader::Open(std::string_view uri, const SourceOptions& source_options,
                                                     const WarcReaderOptions& options) {
  ASSIGN_OR_RETURN(auto source, OpenByteSource(uri, source_options));
  return Open(std::move(source), options);
}

Result<std::unique_ptr<WarcReader>> WarcReader::Open(std::unique_ptr<ByteSource> source,
                                                     const WarcReaderOptions& options) {
  DecoderOptions decoder_options = options.decoder;
  if (options.addressable_sha256) decoder_options.hash_members = true;
  if (options.addressable_sha256 && options.defer_addressable_sha256) decoder_options.hash_members_async = true;
  ASSIGN_OR_RETURN(auto decoder, MakeDecoder(std::move(source), decoder_options));
  return std::unique_ptr<WarcReader>(new WarcReader(std::move(decoder), options));
}

Result<bool> WarcReader::Next(WarcRecord* record) {
  return impl_->Next(record);
}

}  // namespace crawlproof::ingest

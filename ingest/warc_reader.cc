#include "ingest/warc_reader.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>

#include "common/ascii.h"
#include "common/digest.h"
#include "ingest/arc_header.h"
#include "ingest/warc_digest.h"

namespace crawlproof::ingest {
namespace {

bool IsFatal(const Status& s) {
  return s.code() != StatusCode::kCorruption && s.code() != StatusCode::kResourceExhausted;
}

// Length of the header block at the start of `s` (through the blank line), or
// 0 when `s` does not contain a blank line yet.
size_t FindHeaderEnd(std::string_view s) {
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
bool LooksLikeWarcStart(std::string_view s) {
  return s.size() >= 5 && EqualsIgnoreCase(s.substr(0, 5), "WARC/");
}

}  // namespace

WarcType ParseWarcType(std::string_view name) {
  static constexpr std::pair<std::string_view, WarcType> kTypes[] = {
      {"warcinfo", WarcType::kWarcinfo},     {"response", WarcType::kResponse},
      {"resource", WarcType::kResource},     {"request", WarcType::kRequest},
      {"metadata", WarcType::kMetadata},     {"revisit", WarcType::kRevisit},
      {"conversion", WarcType::kConversion}, {"continuation", WarcType::kContinuation},
  };
  for (const auto& [n, t] : kTypes) {
    if (EqualsIgnoreCase(n, name)) return t;
  }
  return WarcType::kOther;
}

std::optional<std::string_view> WarcRecord::Header(std::string_view name) const {
  for (const auto& f : headers) {
    if (EqualsIgnoreCase(f.name, name)) return f.value;
  }
  return std::nullopt;
}

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
      if (IsFatal(r.status())) {
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
  std::optional<Hasher> digest_hasher_;
};

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

void WarcReader::Impl::Locate(WarcRecord* rec, uint64_t start, uint64_t end) {
  rec->offset = start;
  rec->length = end - start;
  rec->offset_is_decoded = false;
  if (decoder().compression() == Compression::kNone) return;
  const MemberSpan* first = nullptr;
  const MemberSpan* last = nullptr;
  for (const auto& m : decoder().members()) {
    if (m.data_begin == start && !first) first = &m;
    if (m.data_end == end && m.data_end > m.data_begin) last = &m;
  }
  if (first && last && last->comp_end >= first->comp_begin) {
    rec->offset = first->comp_begin;
    rec->length = last->comp_end - first->comp_begin;
  } else {
    rec->offset_is_decoded = true;
  }
}

Status WarcReader::Impl::ParseHeaders(WarcRecord* rec, size_t header_len) {
  // Copy the header: views must outlive the window's next refill. Values joined
  // from continuation lines live in joined_.
  storage_.assign(w_.data(), header_len);
  joined_.clear();
  std::string_view text(storage_.data(), header_len);
  size_t pos = 0;
  bool first_line = true;
  bool lf_only = false;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r')
      line.remove_suffix(1);
    else if (nl < text.size())
      lf_only = true;
    if (first_line) {
      rec->version = TrimWhitespace(line);
      first_line = false;
      continue;
    }
    if (line.empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {
      if (rec->headers.empty()) {
        rec->warnings.push_back("continuation line without a field");
        continue;
      }
      auto& prev = rec->headers.back();
      std::string_view more = TrimWhitespace(line);
      std::string joined(prev.value);
      if (!prev.value.empty() && !more.empty()) joined += ' ';
      joined.append(more);
      joined_.push_back(std::move(joined));  // deque: earlier views stay valid
      prev.value = joined_.back();
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      rec->warnings.push_back("header line without a colon ignored");
      continue;
    }
    if (rec->headers.size() >= options().max_header_fields)
      return Status::ResourceExhausted("more than " + std::to_string(options().max_header_fields) + " header fields");
    rec->headers.push_back({TrimWhitespace(line.substr(0, colon)), TrimWhitespace(line.substr(colon + 1))});
  }
  if (lf_only) rec->warnings.push_back("header lines end in LF only");
  for (const auto& f : rec->headers) {
    if (rec->type_name.empty() && EqualsIgnoreCase(f.name, "WARC-Type"))
      rec->type_name = f.value;
    else if (rec->record_id.empty() && EqualsIgnoreCase(f.name, "WARC-Record-ID"))
      rec->record_id = f.value;
    else if (rec->date.empty() && EqualsIgnoreCase(f.name, "WARC-Date"))
      rec->date = f.value;
    else if (rec->target_uri.empty() && EqualsIgnoreCase(f.name, "WARC-Target-URI")) {
      std::string_view u = f.value;
      if (u.size() >= 2 && u.front() == '<' && u.back() == '>') u = u.substr(1, u.size() - 2);  // wget
      rec->target_uri = u;
    }
  }
  rec->type = ParseWarcType(rec->type_name);
  auto cl = rec->Header("Content-Length");
  if (!cl) return Status::Corruption("WARC header has no Content-Length");
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
  if (ec != std::errc() || p != cl->data() + cl->size())
    return Status::Corruption("Content-Length '" + std::string(*cl) + "' is not a number");
  rec->content_length = n;
  return Status::Ok();
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
        if (m.data_end < start + header_len + need) limit = m.data_end;
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
    size_t avail = static_cast<size_t>(limit - start) - header_len;
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
    w_.Consume(static_cast<size_t>(limit - start));
    if (expected) rec->digest_ok = false;
    return true;
  }
  if (in_memory) {
    ASSIGN_OR_RETURN(bool complete, Want(header_len + static_cast<size_t>(need)));
    if (!complete) {
      *error = "record truncated: Content-Length " + std::to_string(need) + " but only " +
               std::to_string(w_.size() - header_len) + " block bytes follow";
      return false;
    }
    rec->block = std::string_view(w_.data() + header_len, static_cast<size_t>(need));
    rec->block_in_memory = true;
    CheckDigest(rec, rec->block);
    w_.Consume(header_len + static_cast<size_t>(need));
  } else {
    // Stream the block through the digests without keeping it.
    rec->block = {};
    rec->block_in_memory = false;
    w_.Consume(header_len);
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
      w_.Consume(k);
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
    w_.Consume(4);
  } else if (s.substr(0, 2) == "\n\n") {
    w_.Consume(2);
  } else if (s.empty() || LooksLikeWarcStart(std::string_view(w_.data(), std::min<size_t>(w_.size(), 5)))) {
    rec->warnings.push_back("record terminator missing");
  } else {
    size_t n = 0;
    while (n < s.size() && (s[n] == '\r' || s[n] == '\n')) ++n;
    if (n > 0 &&
        (n == s.size() || LooksLikeWarcStart(std::string_view(w_.data() + n, std::min<size_t>(w_.size() - n, 5))))) {
      w_.Consume(n);
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
        w_.Consume(p + term);
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
Result<bool> WarcReader::Impl::ReadArc(WarcRecord* rec) {
  uint64_t start = w_.position();
  size_t nl;
  while ((nl = std::string_view(w_.data(), w_.size()).find('\n')) == std::string_view::npos) {
    if (w_.size() > options().max_header_bytes) return Resync(start, "ARC header line too long");
    ASSIGN_OR_RETURN(bool more, More());
    if (!more) {
      std::string msg = Where(start) + ": ARC record truncated inside its header line";
      w_.Clear();
      if (!pending_.ok()) return TakePending(msg);
      return Error(Status::Corruption(msg));
    }
  }
  std::string_view line(w_.data(), nl);
  ArcHeader h;
  std::string why;
  if (!ParseArcHeaderLine(line, first_record_ ? 0 : arc_version_, &h, &why)) {
    // Skip this line and look for the next one that parses.
    r_->stats_.skipped_bytes += nl + 1;
    w_.Consume(nl + 1);
    return Error(Status::Corruption(Where(start) + ": " + why));
  }
  storage_ = ArcToWarcHeaders(h, first_record_);
  rec->version = "ARC";
  // Synthesised headers: "Name: value\n" lines.
  std::string_view text(storage_);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t e = text.find('\n', pos);
    std::string_view l = text.substr(pos, e - pos);
    pos = e + 1;
    auto c = l.find(": ");
    rec->headers.push_back({l.substr(0, c), l.substr(c + 2)});
  }
  rec->type_name = *rec->Header("WARC-Type");
  rec->type = ParseWarcType(rec->type_name);
  rec->target_uri = *rec->Header("WARC-Target-URI");
  rec->date = *rec->Header("WARC-Date");
  rec->content_length = h.length;
  size_t header_len = nl + 1;
  std::string error;
  if (h.length > options().max_record_bytes) return Resync(start, "ARC record length exceeds the limit");
  ASSIGN_OR_RETURN(bool complete, ReadBlock(rec, start, header_len, &error));
  if (!complete) {
    ++r_->stats_.truncated_records;
    std::string msg = Where(start) + ": ARC " + error;
    w_.Clear();
    if (!pending_.ok()) return TakePending(msg);
    return Error(Status::Corruption(msg));
  }
  if (first_record_) {
    arc_version_ = ArcVersionFromFiledesc(rec->block);
    first_record_ = false;
  }
  // Records are separated by one LF.
  auto have = Want(1);
  (void)have;
  if (!w_.empty() && w_.data()[0] == '\n') w_.Consume(1);
  Locate(rec, start, w_.position());
  ++r_->stats_.records;
  return true;
}

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
  ASSIGN_OR_RETURN(auto decoder, MakeDecoder(std::move(source), options.decoder));
  return std::unique_ptr<WarcReader>(new WarcReader(std::move(decoder), options));
}

Result<bool> WarcReader::Next(WarcRecord* record) {
  return impl_->Next(record);
}

}  // namespace crawlproof::ingest

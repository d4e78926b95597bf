// WARC header fields and ARC header lines → WarcRecord fields.
#include <charconv>

#include "ingest/arc_header.h"
#include "ingest/warc_reader_impl.h"

namespace crawlproof::ingest {

using detail::LooksLikeWarcStart;

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
  StartRecordTap(start, start + header_len + h.length);
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
  // Records are separated by an LF; some writers (warcio's ARC files) put a
  // blank line there as well. All of them belong to the record.
  while (true) {
    auto have = Want(1);
    if (!have.ok() || w_.empty() || w_.data()[0] != '\n') break;
    ConsumeRecordBytes(1);
  }
  Locate(rec, start, w_.position());
  ++r_->stats_.records;
  return true;
}

}  // namespace crawlproof::ingest

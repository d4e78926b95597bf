// Test helper: every record and error of one input.
#pragma once

#include <string>
#include <vector>

#include "ingest/warc_reader.h"

namespace crawlproof::testing {

struct RecordSummary {
  uint64_t offset, length;
  bool offset_is_decoded;
  std::string type, id, uri;
  uint64_t content_length;
  std::optional<bool> digest_ok;
  std::string block;
  size_t errors;
};

struct ReadAllResult {
  std::vector<RecordSummary> records;
  std::vector<std::string> errors;
  bool failed = false;
  ingest::WarcReaderStats stats;
};

inline ReadAllResult ReadAll(std::unique_ptr<ingest::ByteSource> source,
                             const ingest::WarcReaderOptions& options = {}) {
  ReadAllResult out;
  auto reader = ingest::WarcReader::Open(std::move(source), options);
  if (!reader.ok()) {
    out.failed = true;
    out.errors.push_back(reader.status().message());
    return out;
  }
  ingest::WarcRecord rec;
  for (int guard = 0; guard < 1000000; ++guard) {
    auto r = (*reader)->Next(&rec);
    if (!r.ok()) {
      out.errors.push_back(r.status().message());
      if ((*reader)->failed()) {
        out.failed = true;
        break;
      }
      continue;
    }
    if (!*r) break;
    out.records.push_back({rec.offset, rec.length, rec.offset_is_decoded, std::string(rec.type_name),
                           std::string(rec.record_id), std::string(rec.target_uri), rec.content_length, rec.digest_ok,
                           std::string(rec.block), rec.errors.size()});
  }
  out.stats = (*reader)->stats();
  return out;
}

inline ReadAllResult ReadAll(const std::string& uri, const ingest::WarcReaderOptions& options = {},
                             const ingest::SourceOptions& source_options = {}) {
  auto source = ingest::OpenByteSource(uri, source_options);
  if (!source.ok()) {
    ReadAllResult out;
    out.failed = true;
    out.errors.push_back(source.status().message());
    return out;
  }
  return ReadAll(std::move(source).value(), options);
}

}  // namespace crawlproof::testing

#include <zlib.h>

namespace crawlproof::testing {

// Compresses `data` with zlib: window_bits 16+15 gives one gzip member, 15 a
// zlib stream, -15 raw deflate (test helper).
inline std::string Deflate(const std::string& data, int window_bits = 16 + MAX_WBITS) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// Decodes every gzip member of `gz` (test helper; zlib).
inline std::string GunzipAll(const std::string& gz) {
  z_stream z{};
  inflateInit2(&z, 16 + MAX_WBITS);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[65536];
  while (z.avail_in > 0) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    int r = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (r == Z_STREAM_END)
      inflateReset(&z);
    else if (r != Z_OK)
      break;
  }
  inflateEnd(&z);
  return out;
}

}  // namespace crawlproof::testing

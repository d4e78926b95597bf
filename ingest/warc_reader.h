// WarcReader: WARC 1.0/1.1 (and 0.17/0.18, and ARC v1/v2) records from any byte
// source, in any supported compression, one at a time, in bounded memory.
//
//   auto reader = WarcReader::Open("s3://commoncrawl/crawl-data/...warc.gz");
//   WarcRecord rec;
//   while (true) {
//     auto r = (*reader)->Next(&rec);
//     if (!r.ok()) { if ((*reader)->failed()) break; report(r.status()); continue; }
//     if (!*r) break;  // end of input
//     use(rec);
//   }
//
// Damaged input never stops the reader: Next() returns a Status naming the file,
// the byte offset and the reason, skips to the next record it can find, and
// counts what it skipped in stats(). Only a failing source (I/O, network after
// all retries) is fatal; failed() then turns true.
#pragma once

#include <memory>
#include <string>

#include "ingest/byte_source.h"
#include "ingest/decoder.h"
#include "ingest/warc_record.h"

namespace crawlproof::ingest {

struct WarcReaderOptions {
  DecoderOptions decoder;
  // Largest WARC header (up to the blank line). Default: 1 MiB.
  size_t max_header_bytes = 1 << 20;
  // Largest number of header fields. Default: 4096.
  size_t max_header_fields = 4096;
  // Largest Content-Length accepted; larger records are skipped with an error.
  // Default: 4 GiB.
  uint64_t max_record_bytes = uint64_t{4} << 30;
  // Blocks up to this size are returned in memory; larger ones are streamed
  // through the digests and returned without their bytes. Default: 64 MiB.
  size_t max_block_in_memory = 64 << 20;
  // Check WARC-Block-Digest (sha1/sha256, Base32 or Base16). Default: true.
  bool check_digests = true;
  // Compute SHA-256 of every block into WarcRecord::block_sha256. Default: false.
  bool block_sha256 = false;
  // Compute SHA-256 of every record's addressable bytes (its compressed member,
  // or for plain files the record through its terminator) into
  // WarcRecord::addressable_sha256, and of the whole input (FileSha256()).
  // Default: false.
  bool addressable_sha256 = false;
  // With addressable_sha256: hash whole gzip members on the helper thread and
  // deliver them in WarcRecord::addressable_sha256_pending (never waited for by
  // the reader). Default: false.
  bool defer_addressable_sha256 = false;
};

struct WarcReaderStats {
  uint64_t records = 0;        // records returned
  uint64_t errors = 0;         // Statuses returned plus records with errors
  uint64_t skipped_bytes = 0;  // decoded bytes skipped while resynchronising
  uint64_t digests_checked = 0;
  uint64_t digest_mismatches = 0;
  uint64_t truncated_records = 0;  // records cut short by the end of data or damage
};

class WarcReader {
 public:
  static Result<std::unique_ptr<WarcReader>> Open(std::string_view uri, const SourceOptions& source_options = {},
                                                  const WarcReaderOptions& options = {});
  // Takes an already opened source.
  static Result<std::unique_ptr<WarcReader>> Open(std::unique_ptr<ByteSource> source,
                                                  const WarcReaderOptions& options = {});
  ~WarcReader();

  // Reads the next record into `*record`. Returns true for a record, false at
  // the end of the input; a non-OK Status for damaged input (the reader has
  // moved on; call Next again) or, when failed() is true, for a fatal error.
  Result<bool> Next(WarcRecord* record);

  bool failed() const { return failed_; }
  const WarcReaderStats& stats() const { return stats_; }
  Compression compression() const { return decoder_->compression(); }
  const std::string& name() const { return decoder_->name(); }
  // Size of the input (compressed) when known, and how much of it has been read.
  std::optional<uint64_t> input_size() const { return decoder_->input_size(); }
  uint64_t input_position() const { return decoder_->input_position(); }
  // SHA-256 of the whole input and its size, once Next() has returned false.
  // REQUIRES: WarcReaderOptions::addressable_sha256.
  std::string FileSha256() { return decoder_->FileSha256(); }
  uint64_t bytes_read() const { return decoder_->bytes_read(); }
  // Compressed bytes the decoder skipped around damage.
  uint64_t compressed_bytes_skipped() const { return decoder_->skipped_bytes(); }

 private:
  WarcReader(std::unique_ptr<Decoder> decoder, const WarcReaderOptions& options);

  class Impl;
  std::unique_ptr<Decoder> decoder_;
  WarcReaderOptions options_;
  WarcReaderStats stats_;
  bool failed_ = false;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawlproof::ingest

// One WARC (or ARC) record as the reader returns it. Views point into the
// reader's buffers and stay valid until the next WarcReader::Next().
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crawlproof::ingest {

// WARC-Type, with the codes the ledger's record leaf uses (DESIGN.md).
enum class WarcType : uint8_t {
  kWarcinfo = 0,
  kResponse = 1,
  kResource = 2,
  kRequest = 3,
  kMetadata = 4,
  kRevisit = 5,
  kConversion = 6,
  kContinuation = 7,
  kOther = 255,
};
// Case-insensitive; unknown names give kOther.
WarcType ParseWarcType(std::string_view name);

struct WarcHeaderField {
  std::string_view name;
  std::string_view value;  // continuation lines joined with one space
};

struct WarcRecord {
  // Addressable location: the gzip member / zstd frame holding the record, or
  // for plain files the record from its first byte through its terminator.
  uint64_t offset = 0;
  uint64_t length = 0;
  // True when the record does not coincide with compressed members (e.g. a
  // whole-file gzip stream): `offset`/`length` then count decoded bytes.
  bool offset_is_decoded = false;

  std::string_view version;              // "WARC/1.0", "WARC/1.1", "WARC/0.18", "ARC"
  std::vector<WarcHeaderField> headers;  // in file order, repeats kept
  WarcType type = WarcType::kOther;
  std::string_view type_name;   // WARC-Type as written
  std::string_view record_id;   // WARC-Record-ID as written, <> included
  std::string_view target_uri;  // WARC-Target-URI without the <> wget adds
  std::string_view date;        // WARC-Date as written
  uint64_t content_length = 0;

  // The block (Content-Length bytes after the header). Complete when
  // `block_in_memory`; blocks above the reader's memory limit are streamed
  // through the digests and not kept (block is empty then).
  std::string_view block;
  bool block_in_memory = true;

  // Result of checking WARC-Block-Digest: true/false, or nullopt when the
  // record has none or its algorithm is not supported (see digest_note).
  std::optional<bool> digest_ok;
  std::string digest_note;
  // SHA-256 of the block, raw, when WarcReaderOptions::block_sha256 is set.
  std::string block_sha256;
  // SHA-256 of the addressable bytes [offset, offset + length), raw, when
  // WarcReaderOptions::addressable_sha256 is set (empty, with a warning, for a
  // record that spans several compressed members).
  std::string addressable_sha256;
  // With WarcReaderOptions::defer_addressable_sha256, the hash of a whole
  // compressed member arrives here instead, ready after the reader's next read
  // of input (at the latest after WarcReader::FileSha256()).
  std::shared_future<std::string> addressable_sha256_pending;

  // Anomalies tolerated while reading (LF-only lines, missing terminator,
  // header lines without a colon). Not errors.
  std::vector<std::string> warnings;
  // Problems that make the record suspect although it was read (Content-Length
  // that does not match the data). Each is counted as an error by the reader.
  std::vector<std::string> errors;

  // Resets every field, keeping the vectors' capacity.
  void Clear() {
    auto h = std::move(headers);
    auto w = std::move(warnings);
    auto e = std::move(errors);
    auto digest = std::move(block_sha256);
    auto addressable = std::move(addressable_sha256);
    *this = WarcRecord();
    h.clear();
    w.clear();
    e.clear();
    digest.clear();
    addressable.clear();
    headers = std::move(h);
    warnings = std::move(w);
    errors = std::move(e);
    block_sha256 = std::move(digest);
    addressable_sha256_pending = {};
    addressable_sha256 = std::move(addressable);
  }

  // First field named `name` (case-insensitive), if any.
  std::optional<std::string_view> Header(std::string_view name) const;
};

}  // namespace crawlproof::ingest

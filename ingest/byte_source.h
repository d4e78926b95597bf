// Byte sources: where WARC bytes come from. One interface, three implementations
// chosen from the URI:
//   /path, file:///path       local file, large sequential reads
//   http://..., https://...   libcurl, streaming, retries with resume
//   s3://bucket/key           libcurl with AWS SigV4 (or anonymous), then as http
//
// A ByteSource is a forward-only stream of the bytes of one object (or of one
// byte range of it). Retries are invisible to the reader: a source either
// returns the right bytes in order or fails with a clear Status.
//
// Thread safety: a ByteSource is used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace crawlproof::ingest {

// When and how often a network source retries. A failure is a dropped or
// stalled connection, an HTTP 429, or any 5xx (S3's 503 SlowDown included).
struct RetryPolicy {
  // Consecutive failed attempts (without a byte of progress) before giving up.
  // Default: 12 (with the delays below: about a minute and a half of trying).
  int max_attempts = 12;
  // Delay before the first retry; doubles on each consecutive failure, with
  // jitter in [delay/2, delay]. Default: 1.0 s (Common Crawl's advice for
  // throttled requests is to retry about a second later).
  double base_delay_s = 1.0;
  // Upper bound of one delay. Default: 15 s.
  double max_delay_s = 15.0;
  // Use the server's Retry-After (seconds) when present, capped at
  // max_retry_after_s. Default: true, 120 s.
  bool honour_retry_after = true;
  double max_retry_after_s = 120.0;
};

// Options of S3 access; each field falls back to the usual environment variable.
struct S3Options {
  // Endpoint, e.g. "http://127.0.0.1:9000" (path-style requests are used then).
  // Default: $AWS_ENDPOINT_URL_S3, else $AWS_ENDPOINT_URL, else AWS itself
  // (https://<bucket>.s3.<region>.amazonaws.com, virtual-hosted style).
  std::string endpoint;
  // Default: $AWS_REGION, else $AWS_DEFAULT_REGION, else "us-east-1".
  std::string region;
  // Send unsigned (anonymous) requests even when credentials are set.
  // Default: false; also true when $AWS_NO_SIGN_REQUEST is "true"/"1" or when
  // no credentials are in the environment ($AWS_ACCESS_KEY_ID,
  // $AWS_SECRET_ACCESS_KEY, optional $AWS_SESSION_TOKEN).
  bool anonymous = false;
};

struct SourceOptions {
  // First byte to read. Default: 0.
  uint64_t offset = 0;
  // Number of bytes to read from `offset`; nullopt reads to the end.
  // Network sources send an HTTP Range request for it.
  std::optional<uint64_t> length;
  // Size of one read from a local file, and the bound of buffered network data.
  // Default: 4 MiB.
  size_t buffer_bytes = 4 << 20;
  RetryPolicy retry;
  S3Options s3;
  // Seconds to establish a connection. Default: 30.
  double connect_timeout_s = 30;
  // A transfer that moves no byte for this long counts as dropped (and is
  // retried from where it stopped). Default: 60.
  double stall_timeout_s = 60;
  // PEM file of certificate authorities for https. Default: $CRAWLPROOF_CA_FILE,
  // else the system's (/etc/ssl/certs). Certificates are always verified.
  std::string ca_file;
};

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `n` bytes into `dst`. Returns the count; 0 means the end.
  // Errors: IoError, NotFound, Unavailable (retries exhausted), Corruption
  // (the remote object changed while being read).
  virtual Result<size_t> Read(char* dst, size_t n) = 0;
  // Size in bytes of what this source will deliver, when known.
  virtual std::optional<uint64_t> Size() const = 0;
  // The URI or path, for messages. Never contains credentials.
  virtual const std::string& name() const = 0;
  // Retries that were needed so far (0 for local files).
  virtual int retries() const { return 0; }
};

// Opens `uri` per the rules above. Errors: InvalidArgument (unknown scheme),
// NotFound, IoError, Unavailable.
Result<std::unique_ptr<ByteSource>> OpenByteSource(std::string_view uri, const SourceOptions& options = {});

// Reads all of `uri` (within options.offset/length) into memory; refuses
// objects larger than `max_bytes`. Errors: those of OpenByteSource and Read,
// InvalidArgument when the object is too large.
Result<std::string> ReadAllFromUri(std::string_view uri, const SourceOptions& options = {},
                                   uint64_t max_bytes = uint64_t{1} << 32);

// A source over bytes already in memory (tests, audit bundles). `name` is used
// in messages.
std::unique_ptr<ByteSource> MakeMemorySource(std::string bytes, std::string name);

// True when `uri` names a network object (http, https, s3).
bool IsRemoteUri(std::string_view uri);

}  // namespace crawlproof::ingest

// s3://bucket/key through libcurl's AWS SigV4 support (or anonymous requests),
// then read like any http source (retries, resume, ranges).
#pragma once

#include "ingest/byte_source.h"
#include "ingest/http_source.h"

namespace crawlproof::ingest {

// What an s3:// URI turns into: the HTTP URL and the signing details.
struct S3Request {
  std::string url;
  HttpAuth auth;
};

// Resolves `uri` ("s3://bucket/key") with `options` and the environment (see
// S3Options). Errors: InvalidArgument (no bucket or key).
Result<S3Request> ResolveS3Uri(std::string_view uri, const S3Options& options);

Result<std::unique_ptr<ByteSource>> OpenS3Source(std::string_view uri, const SourceOptions& options);

}  // namespace crawlproof::ingest

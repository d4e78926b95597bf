// http:// and https:// byte sources through libcurl (multi interface, pulled by
// Read(): memory is bounded by SourceOptions::buffer_bytes whatever the size of
// the object), with transparent resume: a dropped, stalled or throttled
// transfer (429, 5xx) is retried per the RetryPolicy with a Range request that
// continues at the first byte not yet delivered. When the server ignores Range
// (answers 200) the bytes already delivered are skipped; when its ETag changes
// between attempts the read fails with Corruption instead of mixing versions.
// Connections are kept per thread and reused by the next source on that thread.
#pragma once

#include <string>
#include <vector>

#include "ingest/byte_source.h"

namespace crawlproof::ingest {

// Request details for services that need them (S3).
struct HttpAuth {
  // Extra request headers, "Name: value".
  std::vector<std::string> headers;
  // libcurl's CURLOPT_AWS_SIGV4 provider string, e.g. "aws:amz:us-east-1:s3";
  // empty for unsigned requests.
  std::string aws_sigv4;
  // "access_key:secret_key" for SigV4. Never logged.
  std::string user_password;
};

// `url` is requested; `display_name` names the object in messages (it must not
// contain credentials). Errors: NotFound (404), IoError (other 4xx), Unavailable
// (retries exhausted).
Result<std::unique_ptr<ByteSource>> OpenHttpSource(const std::string& url, const std::string& display_name,
                                                   const SourceOptions& options, HttpAuth auth = {});

}  // namespace crawlproof::ingest

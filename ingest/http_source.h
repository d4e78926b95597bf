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

  bool empty() const { return headers.empty() && aws_sigv4.empty() && user_password.empty(); }
};

// `url` is requested; `display_name` names the object in messages (it must not
// contain credentials). Redirects (at most 5, http and https only) are
// followed; with `auth`, by this code rather than libcurl: a redirect to
// another origin (scheme, host or port) drops every credential — the headers,
// the SigV4 signature and its keys — for it and every later request, so that
// neither a session token nor a signature reaches another host. Errors: NotFound (404), IoError (other 4xx),
// Unavailable (retries exhausted).
Result<std::unique_ptr<ByteSource>> OpenHttpSource(const std::string& url, const std::string& display_name,
                                                   const SourceOptions& options, HttpAuth auth = {});

}  // namespace crawlproof::ingest

#include "ingest/s3_source.h"

#include <cstdlib>

#include "common/encoding.h"

namespace crawlproof::ingest {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// RFC 3986 percent-encoding of an S3 key as SigV4 expects it: unreserved
// characters and '/' stay, everything else becomes %XX.
std::string EncodeKey(std::string_view key) {
  return PercentEncode(key, "-_.~/");
}

}  // namespace

Result<S3Request> ResolveS3Uri(std::string_view uri, const S3Options& options) {
  constexpr std::string_view kScheme = "s3://";
  if (uri.substr(0, kScheme.size()) != kScheme) return Status::InvalidArgument(std::string(uri) + ": not an s3:// URI");
  std::string_view rest = uri.substr(kScheme.size());
  auto slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == rest.size())
    return Status::InvalidArgument(std::string(uri) + ": expected s3://bucket/key");
  std::string bucket(rest.substr(0, slash));
  std::string key(rest.substr(slash + 1));

  std::string region = options.region;
  if (region.empty()) region = Env("AWS_REGION");
  if (region.empty()) region = Env("AWS_DEFAULT_REGION");
  if (region.empty()) region = "us-east-1";
  std::string endpoint = options.endpoint;
  if (endpoint.empty()) endpoint = Env("AWS_ENDPOINT_URL_S3");
  if (endpoint.empty()) endpoint = Env("AWS_ENDPOINT_URL");

  S3Request req;
  if (endpoint.empty()) {
    req.url = "https://" + bucket + ".s3." + region + ".amazonaws.com/" + EncodeKey(key);
  } else {
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    req.url = endpoint + "/" + bucket + "/" + EncodeKey(key);  // path style
  }

  std::string no_sign = Env("AWS_NO_SIGN_REQUEST");
  bool anonymous = options.anonymous || no_sign == "true" || no_sign == "1";
  std::string access_key = Env("AWS_ACCESS_KEY_ID");
  std::string secret_key = Env("AWS_SECRET_ACCESS_KEY");
  if (access_key.empty() || secret_key.empty()) anonymous = true;
  if (!anonymous) {
    req.auth.aws_sigv4 = "aws:amz:" + region + ":s3";
    req.auth.user_password = access_key + ":" + secret_key;
    // S3 requires the payload hash header; a GET has an empty payload.
    req.auth.headers.push_back(
        "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    std::string token = Env("AWS_SESSION_TOKEN");
    if (!token.empty()) req.auth.headers.push_back("x-amz-security-token: " + token);
  }
  return req;
}

Result<std::unique_ptr<ByteSource>> OpenS3Source(std::string_view uri, const SourceOptions& options) {
  ASSIGN_OR_RETURN(S3Request req, ResolveS3Uri(uri, options.s3));
  return OpenHttpSource(req.url, std::string(uri), options, std::move(req.auth));
}

}  // namespace crawlproof::ingest

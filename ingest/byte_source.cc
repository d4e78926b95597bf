#include "ingest/byte_source.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "ingest/file_source.h"
#include "ingest/http_source.h"
#include "ingest/s3_source.h"

namespace crawlproof::ingest {
namespace {

bool HasPrefix(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// Drops "user:password@" from a URL so that it never reaches a message.
std::string RedactUserInfo(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  auto host_start = scheme + 3;
  auto path = url.find('/', host_start);
  auto at = url.rfind('@', path == std::string_view::npos ? url.size() : path);
  if (at == std::string_view::npos || at < host_start) return std::string(url);
  return std::string(url.substr(0, host_start)) + std::string(url.substr(at + 1));
}

class MemorySource final : public ByteSource {
 public:
  MemorySource(std::string bytes, std::string name) : bytes_(std::move(bytes)), name_(std::move(name)) {}
  Result<size_t> Read(char* dst, size_t n) override {
    size_t k = std::min(n, bytes_.size() - pos_);
    std::memcpy(dst, bytes_.data() + pos_, k);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> Size() const override { return bytes_.size(); }
  const std::string& name() const override { return name_; }

 private:
  std::string bytes_;
  std::string name_;
  size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<ByteSource> MakeMemorySource(std::string bytes, std::string name) {
  return std::make_unique<MemorySource>(std::move(bytes), std::move(name));
}

Result<std::string> ReadAllFromUri(std::string_view uri, const SourceOptions& options, uint64_t max_bytes) {
  ASSIGN_OR_RETURN(std::unique_ptr<ByteSource> src, OpenByteSource(uri, options));
  std::string data;
  if (auto size = src->Size(); size && *size > max_bytes)
    return Status::InvalidArgument(src->name() + ": " + std::to_string(*size) + " bytes, larger than the " +
                                   std::to_string(max_bytes) + " it can be");
  else if (size)
    data.reserve(*size);
  std::string buf(1 << 16, '\0');
  while (true) {
    ASSIGN_OR_RETURN(size_t n, src->Read(buf.data(), buf.size()));
    if (n == 0) break;
    if (data.size() + n > max_bytes)
      return Status::InvalidArgument(src->name() + ": larger than " + std::to_string(max_bytes) + " bytes");
    data.append(buf.data(), n);
  }
  return data;
}

bool IsRemoteUri(std::string_view uri) {
  return HasPrefix(uri, "http://") || HasPrefix(uri, "https://") || HasPrefix(uri, "s3://");
}

Result<std::unique_ptr<ByteSource>> OpenByteSource(std::string_view uri, const SourceOptions& given) {
  SourceOptions options = given;
  if (options.ca_file.empty()) {
    if (const char* ca = std::getenv("CRAWLPROOF_CA_FILE")) options.ca_file = ca;
  }
  if (HasPrefix(uri, "http://") || HasPrefix(uri, "https://"))
    return OpenHttpSource(std::string(uri), RedactUserInfo(uri), options);
  if (HasPrefix(uri, "s3://")) return OpenS3Source(uri, options);
  if (HasPrefix(uri, "file://")) return OpenFileSource(std::string(uri.substr(7)), options);
  if (uri.find("://") != std::string_view::npos)
    return Status::InvalidArgument(std::string(uri) +
                                   ": unsupported URI scheme (use a path, file://, http(s):// or s3://)");
  return OpenFileSource(std::string(uri), options);
}

}  // namespace crawlproof::ingest

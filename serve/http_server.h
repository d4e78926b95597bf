// A small HTTP/1.1 server over GNU libmicrohttpd (docs/serve.md says why
// that library): GET and HEAD only, a bounded request (headers and URL in a
// fixed amount of memory per connection), idle connections closed after a
// timeout, a bounded number of connections, a pool of threads. The handler
// sees the request path as sent (still percent-encoded, so that an encoded
// '/' stays inside its segment) and the query decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace crawlproof::serve {

struct HttpRequest {
  std::string method;                                      // "GET" or "HEAD"
  std::string path;                                        // as sent, without the query: "/doc/abc%2Fdef"
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  // The first value of a query parameter, or "" when absent.
  std::string Arg(const std::string& name) const;
  bool Has(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // added to the security headers
  // A body streamed from a file instead of `body`: `file_length` bytes at
  // `file_offset` of the open descriptor `file_fd`, which the server owns
  // from then on (closed when sent, or when the response is dropped). A
  // large record is then never held in memory, however many read it at once.
  int file_fd = -1;
  uint64_t file_offset = 0, file_length = 0;
};

struct HttpOptions {
  std::string host = "127.0.0.1";  // an IPv4 or IPv6 address
  uint16_t port = 8080;            // 0: any free port (see HttpServer::port)
  unsigned threads = 4;
  unsigned max_connections = 256;
  unsigned timeout_s = 30;  // an idle connection is closed after this
  // A request's line and headers must all arrive within this many seconds
  // of its first byte (of the connection, or of the previous response on a
  // kept-alive one): a client trickling bytes cannot hold a connection,
  // since every byte resets the idle timeout but not this one.
  unsigned request_timeout_s = 10;
  size_t max_request_bytes = size_t{1} << 15;  // request line and headers (32 KiB)
  // Host header names (without port) answered; others get 421. Empty: any.
  // On loopback this stops DNS rebinding: a page of another site whose name
  // was made to resolve to 127.0.0.1 cannot read the server.
  std::vector<std::string> allowed_hosts;
};

class HttpServer {
 public:
  using Handler = std::function<HttpResponse(const HttpRequest&)>;
  // Listens and serves until destroyed. Errors: InvalidArgument (a host that
  // is not an address), IoError (the port is taken, say).
  static Result<std::unique_ptr<HttpServer>> Start(const HttpOptions& options, Handler handler);
  ~HttpServer();
  uint16_t port() const { return port_; }

 private:
  HttpServer() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
};

// "%41b%2F" → "Ab/"; false when a '%' is not followed by two hex digits.
// `plus_is_space`: query strings.
bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space = false);
std::string PercentEncode(std::string_view in);  // every byte but unreserved ones

}  // namespace crawlproof::serve

#include "ingest/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/ascii.h"
#include "ingest/content_decoding.h"

namespace crawlproof::ingest {
namespace {

// True when `body` starts with a chunk-size line ("1a2b[;ext]\r\n").
bool LooksChunked(std::string_view body) {
  size_t i = 0;
  while (i < body.size() && i < 16 && std::isxdigit(static_cast<unsigned char>(body[i]))) ++i;
  if (i == 0 || i == body.size()) return false;
  size_t nl = body.find('\n', i);
  if (nl == std::string_view::npos || nl > 1024) return false;
  char c = body[i];
  return c == '\r' || c == '\n' || c == ';' || c == ' ' || c == '\t';
}

std::vector<std::string> SplitCodings(std::string_view v) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= v.size()) {
    size_t c = v.find(',', pos);
    if (c == std::string_view::npos) c = v.size();
    std::string_view t = TrimWhitespace(v.substr(pos, c - pos));
    if (!t.empty()) {
      std::string s(t);
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char ch) { return std::tolower(ch); });
      out.push_back(s);
    }
    pos = c + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string_view> HttpResponse::Header(std::string_view name) const {
  for (const auto& h : headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return std::nullopt;
}

Result<HttpResponse> ParseHttpResponse(std::string_view block, const HttpDecodeOptions& options) {
  HttpResponse r;
  size_t nl = block.find('\n');
  if (block.substr(0, 5) != "HTTP/" || nl == std::string_view::npos)
    return Status::Corruption("block does not start with an HTTP status line");
  std::string_view status_line = TrimWhitespace(block.substr(0, nl));
  size_t sp = status_line.find(' ');
  r.version = status_line.substr(0, sp);
  if (sp != std::string_view::npos) {
    std::string_view rest = TrimWhitespace(status_line.substr(sp + 1));
    auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), r.status);
    if (ec != std::errc()) return Status::Corruption("HTTP status line has no status code");
    r.reason = TrimWhitespace(std::string_view(p, rest.data() + rest.size() - p));
  }
  size_t pos = nl + 1;
  bool ended = false;
  while (pos < block.size()) {
    size_t e = block.find('\n', pos);
    if (e == std::string_view::npos) e = block.size();
    std::string_view line = block.substr(pos, e - pos);
    pos = std::min(e + 1, block.size());
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) {
      ended = true;
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) continue;  // obsolete folding: ignored
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      r.warnings.push_back("HTTP header line without a colon ignored");
      continue;
    }
    r.headers.push_back({TrimWhitespace(line.substr(0, colon)), TrimWhitespace(line.substr(colon + 1))});
  }
  if (!ended) {
    // A header without its blank line: HEAD-like responses stored without body.
    r.warnings.push_back("HTTP header not terminated by an empty line");
  }
  r.raw_body = block.substr(pos);
  r.crawler_decoded = r.Header("X-Crawler-Transfer-Encoding") || r.Header("X-Crawler-Content-Encoding");

  std::string_view body = r.raw_body;
  std::string buffer;
  if (auto te = r.Header("Transfer-Encoding"); te && options.remove_transfer_coding) {
    auto codings = SplitCodings(*te);
    if (!codings.empty() && codings.back() == "chunked" && !body.empty() && !LooksChunked(body)) {
      // Browser-based writers store the body de-chunked but keep the header.
      r.notes.push_back("Transfer-Encoding: chunked, but the stored body is not chunked");
    } else if (!codings.empty() && codings.back() == "chunked" && !body.empty()) {
      auto d = Dechunk(body, options.max_body_bytes);
      if (d.ok()) {
        buffer = std::move(d).value();
        body = buffer;
        r.codings_removed.push_back("chunked");
        r.body_decoded = true;
      } else {
        r.warnings.push_back(d.status().message() + "; body kept as stored");
      }
    }
  }
  if (auto ce = r.Header("Content-Encoding"); ce && options.remove_content_coding) {
    auto codings = SplitCodings(*ce);
    std::string current(body);
    bool ok = true;
    for (auto it = codings.rbegin(); it != codings.rend(); ++it) {
      if (*it == "identity") continue;
      auto d = DecodeContentCoding(*it, current, options.max_body_bytes);
      if (!d.ok()) {
        r.warnings.push_back(d.status().message() + "; body kept with its content coding");
        ok = false;
        break;
      }
      current = std::move(d).value();
      r.codings_removed.push_back(*it);
    }
    if (ok && !codings.empty()) {
      buffer = std::move(current);
      r.body_decoded = true;
    }
  }
  if (r.body_decoded) r.decoded_body = std::move(buffer);
  return r;
}

}  // namespace crawlproof::ingest

#include "ingest/cdxj.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>

#include "common/encoding.h"
#include "ingest/line_reader.h"
#include "ingest/zipnum.h"

namespace crawlproof::ingest {
namespace {

// CDXJ writes numbers as strings ("offset": "1234"); accept both forms.
bool GetNumber(simdjson::dom::element e, uint64_t* out) {
  if (e.is_uint64()) {
    *out = e.get_uint64().value_unsafe();
    return true;
  }
  if (e.is_string()) {
    std::string_view s = e.get_string().value_unsafe();
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
    return ec == std::errc() && p == s.data() + s.size();
  }
  return false;
}

std::string GetString(simdjson::dom::element obj, const char* key) {
  auto v = obj[key];
  if (v.error()) return "";
  if (v.is_string()) return std::string(v.get_string().value_unsafe());
  if (v.is_int64()) return std::to_string(v.get_int64().value_unsafe());
  return "";
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `s` until nothing changes (at most 10 rounds).
std::string UnescapeRepeatedly(std::string s) {
  for (int round = 0; round < 10; ++round) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      int hi, lo;
      if (s[i] == '%' && i + 2 < s.size() && (hi = HexDigit(s[i + 1])) >= 0 && (lo = HexDigit(s[i + 2])) >= 0) {
        out += static_cast<char>(hi << 4 | lo);
        i += 2;
      } else {
        out += s[i];
      }
    }
    if (out == s) break;
    s = std::move(out);
  }
  return s;
}

// Percent-encodes what the web archive canonicaliser encodes: control bytes,
// space, '#', '%' and non-ASCII; printable ASCII punctuation stays literal.
std::string EscapeOnce(std::string_view s) {
  return PercentEncode(s, "!\"$&'()*+,-./:;<=>?@[\\]^_`{|}~");
}

}  // namespace

Result<CdxjEntry> ParseCdxjLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos) return Status::Corruption("CDXJ line has no 'SURT timestamp {json}' form");
  CdxjEntry e;
  e.surt = line.substr(0, sp1);
  e.timestamp = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view json = line.substr(sp2 + 1);
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element obj;
  if (parser.parse(padded).get(obj) || !obj.is_object()) return Status::Corruption("CDXJ line's JSON is malformed");
  e.url = GetString(obj, "url");
  e.filename = GetString(obj, "filename");
  e.mime = GetString(obj, "mime");
  e.status = GetString(obj, "status");
  e.digest = GetString(obj, "digest");
  auto off = obj["offset"];
  auto len = obj["length"];
  if (e.filename.empty() || off.error() || len.error() || !GetNumber(off.value_unsafe(), &e.offset) ||
      !GetNumber(len.value_unsafe(), &e.length))
    return Status::Corruption("CDXJ entry lacks filename, offset or length");
  return e;
}

std::string SurtKey(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  size_t slash = url.find_first_of("/?#");
  std::string_view host = url.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view("/") : url.substr(slash);
  if (auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (auto colon = host.find(':'); colon != std::string_view::npos) {
    std::string_view port = host.substr(colon + 1);
    if (port == "80" || port == "443") host = host.substr(0, colon);
  }
  std::string h(host);
  std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return std::tolower(c); });
  // "www.", "www2." ... are dropped, as the web archive canonicaliser does.
  if (h.rfind("www", 0) == 0) {
    size_t i = 3;
    while (i < h.size() && std::isdigit(static_cast<unsigned char>(h[i]))) ++i;
    if (i < h.size() && h[i] == '.') h.erase(0, i + 1);
  }
  std::vector<std::string_view> labels;
  std::string_view hv(h);
  size_t pos = 0;
  while (pos <= hv.size()) {
    size_t dot = hv.find('.', pos);
    if (dot == std::string_view::npos) dot = hv.size();
    labels.push_back(hv.substr(pos, dot - pos));
    pos = dot + 1;
  }
  std::string out;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!out.empty()) out += ',';
    out += *it;
  }
  out += ')';
  std::string p;
  p.reserve(path.size() + 1);
  if (path.empty() || path[0] != '/') p.push_back('/');
  p.append(path);
  if (auto hash = p.find('#'); hash != std::string::npos) p.erase(hash);
  p = EscapeOnce(UnescapeRepeatedly(std::move(p)));
  std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
  // Query arguments are sorted; an empty query loses its '?'.
  if (auto q = p.find('?'); q != std::string::npos) {
    std::vector<std::string> args;
    std::string_view query = std::string_view(p).substr(q + 1);
    size_t pos = 0;
    while (pos <= query.size()) {
      size_t amp = query.find('&', pos);
      if (amp == std::string_view::npos) amp = query.size();
      if (amp > pos) args.emplace_back(query.substr(pos, amp - pos));
      pos = amp + 1;
    }
    std::sort(args.begin(), args.end());
    p.erase(q);
    for (size_t i = 0; i < args.size(); ++i) {
      p += i == 0 ? '?' : '&';
      p += args[i];
    }
  }
  out += p;
  return out;
}

Result<std::vector<CdxjEntry>> LookupCdxj(std::string_view uri, std::string_view url,
                                          const SourceOptions& source_options) {
  constexpr std::string_view kCluster = "cluster.idx";
  if (uri.size() >= kCluster.size() && uri.substr(uri.size() - kCluster.size()) == kCluster)
    return LookupZipNum(uri, url, source_options);
  std::string key = SurtKey(url);
  std::vector<CdxjEntry> found;
  RETURN_IF_ERROR(ForEachLine(
      uri, source_options,
      [&](std::string_view line) {
        if (line.empty()) return true;
        size_t sp = line.find(' ');
        bool key_match = line.substr(0, sp) == key;
        if (!key_match && line.find(url) == std::string_view::npos) return true;
        auto e = ParseCdxjLine(line);
        if (e.ok() && (key_match || e->url == url)) found.push_back(std::move(e).value());
        return true;
      },
      kMaxIndexLine));
  return found;
}

}  // namespace crawlproof::ingest

#include "ingest/arc_header.h"

#include <charconv>
#include <vector>

namespace crawlproof::ingest {

bool ParseArcHeaderLine(std::string_view line, int version, ArcHeader* out, std::string* why) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> f;
  size_t pos = 0;
  while (pos <= line.size()) {
    size_t sp = line.find(' ', pos);
    if (sp == std::string_view::npos) sp = line.size();
    if (sp > pos) f.push_back(line.substr(pos, sp - pos));
    pos = sp + 1;
  }
  size_t fixed = version == 2 ? 9 : 4;  // fields after the URL
  if (f.size() < fixed + 1) {
    *why = "malformed ARC header line (" + std::to_string(f.size()) + " fields, expected " + std::to_string(fixed + 1) +
           ")";
    return false;
  }
  size_t n = f.size();
  uint64_t len = 0;
  auto [p, ec] = std::from_chars(f[n - 1].data(), f[n - 1].data() + f[n - 1].size(), len);
  if (ec != std::errc() || p != f[n - 1].data() + f[n - 1].size()) {
    *why = "ARC header line ends in '" + std::string(f[n - 1]) + "', not a length";
    return false;
  }
  out->length = len;
  size_t url_fields = n - fixed;
  out->url.clear();
  for (size_t i = 0; i < url_fields; ++i) {
    if (i) out->url += ' ';
    out->url += f[i];
  }
  out->ip = f[url_fields];
  out->date = f[url_fields + 1];
  out->mime = f[url_fields + 2];
  return true;
}

std::string ArcToWarcHeaders(const ArcHeader& h, bool filedesc) {
  std::string date = h.date;
  if (date.size() >= 14) {
    date = h.date.substr(0, 4) + "-" + h.date.substr(4, 2) + "-" + h.date.substr(6, 2) + "T" + h.date.substr(8, 2) +
           ":" + h.date.substr(10, 2) + ":" + h.date.substr(12, 2) + "Z";
  }
  std::string s;
  s += "WARC-Type: ";
  s += filedesc ? "warcinfo" : "response";
  s += "\nWARC-Target-URI: " + h.url;
  s += "\nWARC-Date: " + date;
  s += "\nWARC-IP-Address: " + h.ip;
  s += "\nContent-Type: " + h.mime;
  s += "\nContent-Length: " + std::to_string(h.length) + "\n";
  return s;
}

int ArcVersionFromFiledesc(std::string_view block) {
  return !block.empty() && block[0] == '2' ? 2 : 1;
}

}  // namespace crawlproof::ingest

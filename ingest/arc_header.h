// ARC (Internet Archive's format before WARC) record header lines, versions 1
// and 2, turned into WARC-style fields so that the rest of the pipeline sees one
// kind of record.
//   v1: URL IP-address Archive-date Content-type Archive-length
//   v2: URL IP-address Archive-date Content-type Result-code Checksum Location
//       Offset Filename Archive-length
// URLs with spaces (real ARC writers emit them) are handled by reading the
// fixed fields from the right.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crawlproof::ingest {

struct ArcHeader {
  std::string url;
  std::string ip;
  std::string date;  // 14 digits as written
  std::string mime;
  uint64_t length = 0;
};

// `version` is 2 for v2 lines, anything else for v1 (the filedesc line is v1).
bool ParseArcHeaderLine(std::string_view line, int version, ArcHeader* out, std::string* why);

// "WARC-Type: ...\nWARC-Target-URI: ...\n..." lines (each "Name: value\n").
// The filedesc record becomes "warcinfo", the others "response".
std::string ArcToWarcHeaders(const ArcHeader& h, bool filedesc);

// The major version from the filedesc block ("1 0 InternetArchive..."): 1 or 2.
int ArcVersionFromFiledesc(std::string_view block);

}  // namespace crawlproof::ingest

// crawlproof warc cdx FILE...: CDXJ lines (Common Crawl's index format) for the
// HTTP captures of WARC files, so that `warc cat --cdxj-lookup` and other CDX
// tools can address their records.
#include "cli/warc_cdx.h"

#include <algorithm>
#include <cstdio>

#include "cli/commands.h"
#include "common/json.h"
#include "common/logging.h"
#include "ingest/cdxj.h"
#include "ingest/http_response.h"
#include "ingest/warc_reader.h"

namespace crawlproof::cli {
namespace {

// "2024-07-12T03:04:05Z" -> "20240712030405" (digits only, 14 at most).
std::string CdxTimestamp(std::string_view date) {
  std::string out;
  for (char c : date) {
    if (c >= '0' && c <= '9' && out.size() < 14) out += c;
  }
  return out;
}

}  // namespace

Status RunCdx(const std::vector<std::string>& inputs) {
  uint64_t bad = 0, unreadable = 0;
  std::string out;
  ingest::HttpDecodeOptions http;
  http.remove_content_coding = false;  // only the status and headers are needed
  http.remove_transfer_coding = false;
  for (const auto& input : inputs) {
    auto reader = ingest::WarcReader::Open(input);
    if (!reader.ok()) {
      LogError(reader.status().message());
      ++unreadable;
      continue;
    }
    ingest::WarcRecord rec;
    while (true) {
      auto r = (*reader)->Next(&rec);
      if (!r.ok()) {
        LogError(r.status().message());
        ++bad;
        if ((*reader)->failed()) break;
        continue;
      }
      if (!*r) break;
      if (rec.type != ingest::WarcType::kResponse && rec.type != ingest::WarcType::kRevisit) continue;
      if (rec.target_uri.rfind("http", 0) != 0 || rec.offset_is_decoded) continue;
      JsonObject o;
      o.Add("url", rec.target_uri);
      auto resp = ingest::ParseHttpResponse(rec.block, http);
      if (resp.ok()) {
        if (auto ct = resp->Header("Content-Type")) {
          std::string_view mime = ct->substr(0, ct->find(';'));
          while (!mime.empty() && mime.back() == ' ') mime.remove_suffix(1);
          o.Add("mime", mime);
        }
        o.Add("status", std::to_string(resp->status));
      } else if (rec.type == ingest::WarcType::kRevisit) {
        o.Add("mime", "warc/revisit");
      }
      if (auto d = rec.Header("WARC-Payload-Digest")) {
        std::string_view v = *d;
        if (auto colon = v.find(':'); colon != std::string_view::npos) v = v.substr(colon + 1);
        o.Add("digest", v);
      }
      o.Add("length", std::to_string(rec.length)).Add("offset", std::to_string(rec.offset)).Add("filename", input);
      out += ingest::SurtKey(rec.target_uri);
      out += ' ';
      out += CdxTimestamp(rec.date);
      out += ' ';
      out += o.str();
      out += '\n';
      if (out.size() > (1 << 20)) {
        std::fwrite(out.data(), 1, out.size(), stdout);
        out.clear();
      }
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  return InputsResult("warc cdx", inputs.size(), unreadable, bad, "records");
}

}  // namespace crawlproof::cli

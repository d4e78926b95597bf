// Index files read from outside: CDXJ lines, a ZipNum cluster index with its
// shard, and warc.paths listings (plain or gzip, as sniffed).
#include "fuzz/fuzz_util.h"
#include "ingest/cdxj.h"
#include "ingest/paths_listing.h"
#include "ingest/zipnum.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  size_t start = 0;
  while (start <= in.size()) {
    size_t nl = in.find('\n', start);
    if (nl == std::string_view::npos) nl = in.size();
    auto e = ingest::ParseCdxjLine(in.substr(start, nl - start));
    (void)e;
    start = nl + 1;
  }
  (void)ingest::SurtKey(in.substr(0, std::min<size_t>(in.size(), 4096)));
  const std::string file = fuzz::ScratchFile("index", in);
  (void)ingest::ReadPathsListing(file);
  (void)ingest::LookupCdxj(file, "http://example.com/");
  (void)ingest::LookupZipNum(file, "http://example.com/");
  return 0;
}

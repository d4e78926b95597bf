// The HTTP response decoder on a WARC response block: status line, headers,
// chunked transfer coding and the content codings (gzip, deflate, br, zstd),
// bombs bounded.
#include "fuzz/fuzz_util.h"
#include "ingest/http_response.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto r = ingest::ParseHttpResponse(fuzz::AsView(data, size));
  (void)r;
  return 0;
}

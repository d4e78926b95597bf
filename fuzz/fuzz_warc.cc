// WARC and ARC records through every codec the reader sniffs (plain, gzip
// members, zstd frames with or without a dictionary), with digests checked and
// block hashes computed: no crash, no leak, no hang, and every record within
// the input's bounds.
#include <cstdlib>

#include "fuzz/fuzz_util.h"
#include "ingest/byte_source.h"
#include "ingest/warc_reader.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ingest::WarcReaderOptions o;
  o.block_sha256 = true;
  o.check_digests = true;
  // The record and file hashes of the ledger path (a helper thread) for half
  // the inputs, by the last byte: thread hand-offs cost more than the parsing.
  o.addressable_sha256 = size > 0 && (data[size - 1] & 1);
  o.decoder.read_bytes = 64 << 10;  // small reads: fast runs, and more buffer boundaries crossed
  auto reader = ingest::WarcReader::Open(ingest::MakeMemorySource(std::string(fuzz::AsView(data, size)), "fuzz"), o);
  if (!reader.ok()) return 0;
  ingest::WarcRecord rec;
  for (int i = 0; i < 10000; ++i) {
    auto r = (*reader)->Next(&rec);
    if (r.ok() && !*r) break;
    if (!r.ok() && (*reader)->failed()) break;
    if (r.ok() && !rec.offset_is_decoded && rec.offset + rec.length > size) std::abort();  // outside the input
  }
  return 0;
}

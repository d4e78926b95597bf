// Record-leaf sidecars (what `ledger check` downloads beside a snapshot),
// decoded against an entry whose count the input claims.
#include <cstring>

#include "fuzz/fuzz_util.h"
#include "verify/commitments.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  verify::FileEntry entry;
  entry.record_count = size >= 29 ? (size - 29) / 32 : 0;
  if (size >= 61) std::memcpy(entry.record_root.data(), data + 29, 32);
  auto leaves = verify::DecodeLeafSidecar(fuzz::AsView(data, size), entry);
  if (leaves.ok() && leaves->size() != entry.record_count) __builtin_trap();
  return 0;
}

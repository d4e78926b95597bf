// Ledger snapshot JSON, parsed and verified against the sample's trust file
// (its TEST-ONLY genesis set), so that inputs close to data/sample/ledger.json
// reach the block, quorum, Merkle and pin checks.
#include "fuzz/fuzz_util.h"
#include "verify/ledger.h"
#include "verify/snapshot.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const verify::Trust trust = verify::LoadTrustFile(fuzz::SourcePath("data/sample/trust.toml")).value();
  auto snapshot = verify::ParseSnapshot(fuzz::AsView(data, size));
  if (!snapshot.ok()) return 0;
  auto v = verify::VerifySnapshot(*snapshot, trust);
  if (v.ok() && v->blocks.empty()) __builtin_trap();
  return 0;
}

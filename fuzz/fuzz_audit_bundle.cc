// Audit bundles, parsed and verified offline against the sample's trust file,
// with the input's tail as the record's bytes when it has a NUL.
#include "fuzz/fuzz_util.h"
#include "verify/audit.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const verify::Trust trust = verify::LoadTrustFile(fuzz::SourcePath("data/sample/trust.toml")).value();
  const std::string_view in = fuzz::AsView(data, size);
  const size_t nul = in.find('\0');
  auto bundle = verify::ParseAuditBundle(nul == std::string_view::npos ? in : in.substr(0, nul));
  if (!bundle.ok()) return 0;
  std::optional<std::string> bytes;
  if (nul != std::string_view::npos) bytes = std::string(in.substr(nul + 1));
  (void)verify::VerifyAuditBundle(*bundle, trust, bytes);
  return 0;
}

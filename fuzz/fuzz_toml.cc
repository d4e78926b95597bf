// The TOML files the project reads, through their one strict reader: a
// pipeline file (with its [filter] section) and a trust file.
#include "filter/filters.h"
#include "fuzz/fuzz_util.h"
#include "pipelines/pipeline.h"
#include "verify/ledger.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::ScratchFile("pipeline.toml", fuzz::AsView(data, size));
  (void)pipelines::LoadPipeline(path);
  (void)filter::LoadFilterPipeline(path);
  (void)verify::LoadTrustFile(path);
  return 0;
}

// The quality filters (FineWeb's recipe: URL, language, Gopher, C4, FineWeb,
// PII) on arbitrary text and URLs; a kept or changed text stays UTF-8.
#include "filter/filters.h"
#include "fuzz/fuzz_util.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static filter::FilterPipeline pipeline = [] {
    // Every step, with the defaults.
    const std::string path = fuzz::ScratchFile(
        "filters.toml",
        "[filter]\nlanguages = []\nsteps = [\"url\", \"language\", \"gopher_repetition\", \"gopher_quality\", "
        "\"c4\", \"fineweb\", \"pii\"]\n");
    return filter::LoadFilterPipeline(path).value();
  }();
  const std::string_view in = fuzz::AsView(data, size);
  const size_t nl = in.find('\n');
  filter::FilterDocument doc;
  doc.url = std::string(nl == std::string_view::npos ? std::string_view() : in.substr(0, nl));
  doc.text = std::string(nl == std::string_view::npos ? in : in.substr(nl + 1));
  if (!fuzz::IsValidUtf8(doc.text)) return 0;  // documents reach the filters as UTF-8
  doc.lang = "en";
  doc.lang_score = 0.9;
  (void)pipeline.Run(&doc);
  if (!fuzz::IsValidUtf8(doc.text)) __builtin_trap();
  return 0;
}

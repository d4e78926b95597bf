// The whole extraction path on arbitrary WARC input: records, HTTP decoding,
// charset detection and conversion, HTML to text, language identification;
// and the HTML extractor and charset detector on the raw bytes as a page.
#include "extract/charset.h"
#include "extract/document.h"
#include "extract/html_text.h"
#include "extract/language.h"
#include "fuzz/fuzz_util.h"
#include "ingest/byte_source.h"
#include "ingest/warc_reader.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  ingest::WarcReaderOptions o;
  o.decoder.read_bytes = 64 << 10;  // small reads: fast runs, and more buffer boundaries crossed
  auto reader = ingest::WarcReader::Open(ingest::MakeMemorySource(std::string(in), "fuzz"), o);
  if (reader.ok()) {
    ingest::WarcRecord rec;
    for (int i = 0; i < 1000; ++i) {
      auto r = (*reader)->Next(&rec);
      if (r.ok() && !*r) break;
      if (!r.ok()) {
        if ((*reader)->failed()) break;
        continue;
      }
      auto out = extract::ExtractRecord(rec, "fuzz");
      if (out.ok && !fuzz::IsValidUtf8(out.doc.text)) __builtin_trap();  // documents are UTF-8
    }
  }
  const extract::CharsetGuess cs = extract::DetectCharset("text/html", in);
  size_t replaced = 0;
  const std::string utf8 = extract::ConvertToUtf8(in.substr(std::min(cs.bom_bytes, in.size())), cs.name, &replaced);
  if (!fuzz::IsValidUtf8(utf8)) __builtin_trap();
  const extract::HtmlText text = extract::ExtractHtmlText(utf8);
  (void)extract::IdentifyLanguage(text.text);
  return 0;
}

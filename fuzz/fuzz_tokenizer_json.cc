// tokenizer.json (and .tiktoken) files as Tokenizer::Load reads them; a file
// that loads then encodes and decodes a fixed text.
#include "fuzz/fuzz_util.h"
#include "tokenize/tokenizer.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::AsView(data, size);
  // A leading byte picks the format: odd .tiktoken, even tokenizer.json.
  const bool tiktoken = size > 0 && (data[0] & 1);
  const std::string path = fuzz::ScratchFile(tiktoken ? "t.tiktoken" : "tokenizer.json", in.substr(size ? 1 : 0));
  auto tok = tokenize::Tokenizer::Load(path);
  if (!tok.ok()) return 0;
  auto ids = (*tok)->Encode("Hello, world! Grüße 123 \xe4\xb8\xad\xe6\x96\x87 <|endoftext|>");
  (void)(*tok)->Decode(ids);
  return 0;
}

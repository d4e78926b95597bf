// Encoding arbitrary text with the DeepSeek-V3 tokenizer the project ships:
// no crash, and Decode(Encode(t)) == t for every valid UTF-8 t (the byte-level
// BPE round trip the shards rely on).
#include "fuzz/fuzz_util.h"
#include "tokenize/tokenizer.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tok =
      tokenize::Tokenizer::Load(fuzz::SourcePath("data/tokenizers/deepseek-v3/tokenizer.json")).value();
  const std::string_view text = fuzz::AsView(data, size);
  const std::vector<uint32_t> ids = tok->Encode(text);
  if (fuzz::IsValidUtf8(text) && tok->Decode(ids) != text) __builtin_trap();
  return 0;
}

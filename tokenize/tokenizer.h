// Tokenizers for training shards: Hugging Face `tokenizer.json` files with a
// byte-level BPE model, and tiktoken rank files (docs/tokenize.md).
//
// Encoding runs the normalizers, the pre-tokenizers (regex splits, byte
// level, digits) and the byte-pair model, as the reference implementations
// do, and gives the same ids. Added and special tokens are never matched in
// the input: text that spells `<|endoftext|>` is encoded as ordinary text.
//
// Thread safety: a loaded Tokenizer is immutable; Encode and Decode may run
// on any number of threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "tokenize/bpe.h"

namespace crawlproof {
class Regex;
}

namespace crawlproof::tokenize {

struct AddedToken {
  uint32_t id = 0;
  std::string content;
  bool special = false;
};

// One step of text normalisation or pre-tokenisation (pretokenize.h).
class Normalizer;
class PreTokenizer;

class Tokenizer {
 public:
  // `path`: a tokenizer.json (with an optional tokenizer_config.json beside
  // it for the BOS/EOS defaults) or a .tiktoken rank file (with <stem>.json
  // beside it: {"pat_str", "special_tokens"}). Errors: NotFound, IoError,
  // InvalidArgument naming the file and what it cannot use.
  static Result<std::unique_ptr<Tokenizer>> Load(const std::string& path);
  static Result<std::unique_ptr<Tokenizer>> FromHuggingFace(std::string_view tokenizer_json,
                                                            std::string_view config_json, std::string name);
  static Result<std::unique_ptr<Tokenizer>> FromTiktoken(std::string_view ranks, std::string_view meta_json,
                                                         std::string name);
  ~Tokenizer();

  // Appends the ids of `text`.
  void Encode(std::string_view text, std::vector<uint32_t>* ids) const;
  std::vector<uint32_t> Encode(std::string_view text) const;
  // Every text, `threads` threads (0: all cores); same ids as one by one.
  std::vector<std::vector<uint32_t>> EncodeBatch(const std::vector<std::string_view>& texts,
                                                 unsigned threads = 0) const;
  // The bytes the ids stand for (added tokens as their content, unless
  // `skip_special` and they are special). Encode(Decode(x)) need not be x,
  // Decode(Encode(t)) is t for valid UTF-8.
  std::string Decode(const uint32_t* ids, size_t count, bool skip_special = false) const;
  std::string Decode(const std::vector<uint32_t>& ids, bool skip_special = false) const {
    return Decode(ids.data(), ids.size(), skip_special);
  }

  // One more than the largest id (model and added tokens).
  uint32_t vocab_size() const { return vocab_size_; }
  // The id of an added token with this content, else of the model token with
  // these bytes.
  std::optional<uint32_t> TokenId(std::string_view content) const;
  const std::vector<AddedToken>& added_tokens() const { return added_; }
  const std::string& name() const { return name_; }
  // "huggingface" or "tiktoken".
  const std::string& kind() const { return kind_; }
  // Defaults for separating documents: tokenizer_config.json's bos_token
  // when add_bos_token is true, and its eos_token; tiktoken: no BOS, EOS
  // <|endoftext|> when the encoding has it.
  std::optional<uint32_t> default_bos() const { return bos_; }
  std::optional<uint32_t> default_eos() const { return eos_; }
  // A BOS/EOS option: "auto" (`dflt`, one of the defaults above), "none", or
  // a token's text. Errors: InvalidArgument when it is none of these.
  Result<std::optional<uint32_t>> ResolveMarker(std::string_view value, std::optional<uint32_t> dflt) const;
  const BytePairModel& model() const { return model_; }

 private:
  Tokenizer();
  std::string name_, kind_;
  std::vector<std::unique_ptr<Normalizer>> normalizers_;
  std::vector<std::unique_ptr<PreTokenizer>> pre_tokenizers_;
  BytePairModel model_;
  std::vector<AddedToken> added_;
  std::vector<int64_t> added_index_;  // id -> index in added_, or -1
  uint32_t vocab_size_ = 0;
  std::optional<uint32_t> bos_, eos_;
};

// Hugging Face's byte-level alphabet: the character standing for byte b.
char32_t ByteLevelChar(uint8_t b);

}  // namespace crawlproof::tokenize

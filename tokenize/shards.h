// Training shards: token files a training run reads directly, each with a
// provenance sidecar, and a manifest that commits to every file
// (docs/tokenize.md has the byte layouts).
//
//   Megatron-LM indexed dataset  shard-NNNNN.bin  tokens, little-endian
//                                shard-NNNNN.idx  "MMIDIDX\0\0", u64 1, u8 dtype,
//                                                 u64 N, u64 D, i32 len[N], i64 ptr[N], i64 doc[D]
//   datatrove                    shard-NNNNN.ds   tokens, little-endian
//                                shard-NNNNN.ds.index  u64 end (in tokens) of each document
//   both                         shard-NNNNN.docs.jsonl  {"doc_id","offset","length"} per document
//
// One document is one sequence: [BOS] text tokens [EOS]. A shard closes
// before a document that would take it past `shard_tokens` (never in the
// middle of one; a longer document gets a shard of its own). Files depend
// only on the documents, their order and the options: no names, paths or
// times inside.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::tokenize {

enum class ShardFormat { kMegatron, kDatatrove };
const char* ShardFormatName(ShardFormat f);

struct ShardOptions {
  ShardFormat format = ShardFormat::kMegatron;
  uint64_t shard_tokens = uint64_t{1} << 30;
  std::optional<uint32_t> bos, eos;
};

// Token width: Megatron's rule (uint16 below 65,500 ids, else int32);
// datatrove: 2 bytes up to 65,536 ids, else 4.
struct TokenType {
  uint32_t bytes;
  uint8_t megatron_code;  // 8 = uint16, 4 = int32
  const char* name;       // "uint16", "int32", "uint32"
};
TokenType TokenTypeFor(ShardFormat format, uint32_t vocab_size);

struct ManifestFile {
  std::string name;  // relative to the manifest's folder
  uint64_t size = 0;
  std::string sha256;  // hex
};

struct ManifestShard {
  uint64_t index = 0, documents = 0, tokens = 0;
  std::string split = "train";  // or "validation" (files named valid-NNNNN.*)
  std::vector<ManifestFile> files;
};

struct Manifest {
  std::string tokenizer_name, tokenizer_sha256;
  std::vector<ManifestFile> tokenizer_files;  // copies under tokenizer/
  uint32_t vocab_size = 0;
  ShardOptions options;
  std::string dtype;
  std::vector<ManifestShard> shards;
  uint64_t documents = 0, tokens = 0;
  // Other files that belong to the output (e.g. documents/*.jsonl.zst of
  // `crawlproof run`), checked by `shards verify` like the shards.
  std::vector<ManifestFile> other_files;

  std::string ToJson() const;
  // Whether shards described by `later` may follow these: the same tokenizer
  // file and the options that shape a shard. Errors: InvalidArgument saying
  // what differs.
  Status CheckCanAppend(const Manifest& later) const;
  // Adds the shards (and other files, counts) of `later` after these.
  // Errors: those of CheckCanAppend.
  Status Append(Manifest later);
  // Errors: InvalidArgument naming what is missing.
  static Result<Manifest> Parse(std::string_view json);
};

// Where a document went: shard number, position in the shard, and its
// sequence ([BOS] tokens [EOS]) in tokens from the shard's start.
struct ShardPosition {
  uint64_t shard = 0, index = 0, token_offset = 0, length = 0;
};

class ShardWriter {
 public:
  // Writes into `dir` (created), shards numbered from `first_shard`.
  // `tokenizer_path`: the file `tokenizer` was loaded from; it (and the
  // tokenizer_config.json or <stem>.json beside it) is copied to
  // dir/tokenizer/ so that the output decodes on its own.
  // `split`: "train" (files shard-NNNNN.*) or "validation" (valid-NNNNN.*);
  // numbers are shared by both splits.
  static Result<std::unique_ptr<ShardWriter>> Open(const std::string& dir, const Tokenizer& tokenizer,
                                                   const std::string& tokenizer_path, ShardOptions options,
                                                   uint64_t first_shard = 0, const std::string& split = "train");
  ~ShardWriter();
  // One document: its text's token ids (markers are added here).
  Result<ShardPosition> Add(std::string_view doc_id, const std::vector<uint32_t>& ids);
  // Closes the last shard; the manifest of these shards (the caller writes
  // it, possibly after those of earlier runs).
  Result<Manifest> Finish();

 private:
  ShardWriter() = default;
  Status CloseShard();
  struct State;
  std::unique_ptr<State> s_;
};

// Writes `manifest` to dir/manifest.json atomically.
Status WriteManifest(const std::string& dir, const Manifest& manifest);

// Every file of the manifest at `manifest_path` re-hashed and checked
// against its size, and every shard's structure (header, counts, offsets,
// sidecar) checked. Returns one line per problem (empty: all good).
Result<std::vector<std::string>> VerifyManifest(const std::string& manifest_path);

// A document's tokens checked where an audit bundle says they are: the
// token file `token_file` of the manifest at `manifest_path` must still have
// the SHA-256 `token_file_sha256` (re-hashed) and hold, at token `offset`, a
// sequence of `length` tokens that is [BOS] ids [EOS] (as `bos`/`eos` say),
// the ids hashing (as little-endian u32) to `tokens_sha256`. Returns a
// sentence saying where, or Corruption naming the first check that fails.
// With `doc_id`, the shard's provenance sidecar must also name that
// document for the sequence at `offset` (a bundle cannot claim another
// document's tokens).
Result<std::string> CheckDocumentTokens(const std::string& manifest_path, const std::string& token_file,
                                        const std::string& token_file_sha256, uint64_t offset, uint64_t length,
                                        std::optional<uint32_t> bos, std::optional<uint32_t> eos,
                                        const std::string& tokens_sha256, const std::string& doc_id = "");

// The first half of it: the manifest lists `token_file` with that SHA-256,
// and the file (re-hashed) has it.
Status CheckTokenFile(const std::string& manifest_path, const std::string& token_file,
                      const std::string& token_file_sha256);
// The second half, for a caller that checked the file already:
// the sequence of `length` tokens at `offset` of `token_file` in `dir`, its
// BOS/EOS, and its ids' SHA-256.
Result<std::string> CheckSequenceTokens(const std::string& dir, const std::string& token_file, uint64_t offset,
                                        uint64_t length, std::optional<uint32_t> bos, std::optional<uint32_t> eos,
                                        const std::string& tokens_sha256, const std::string& doc_id = "");
// A document's ids in `token_file` of `dir`: the sequence of `length` tokens
// at `offset`, which must be [BOS] ids [EOS] as `bos`/`eos` say, without
// them. With `sidecar_doc_id`, the doc id the shard's sidecar gives the
// sequence at `offset` ("" when it lists none there).
// Errors: those of ReadShard, Corruption when BOS/EOS are missing.
Result<std::vector<uint32_t>> ReadDocumentTokens(const std::string& dir, const std::string& token_file, uint64_t offset,
                                                 uint64_t length, std::optional<uint32_t> bos,
                                                 std::optional<uint32_t> eos, std::string* sidecar_doc_id = nullptr);

// A shard read back (tests, `shards inspect`).
struct ShardContents {
  ShardFormat format = ShardFormat::kMegatron;
  TokenType type{};
  uint64_t version = 0;                 // Megatron: 1
  std::vector<int32_t> lengths;         // per sequence
  std::vector<int64_t> pointers;        // byte offset of each sequence in the token file
  std::vector<int64_t> document_index;  // Megatron: 0 .. N
  uint64_t token_file_size = 0;
  struct Doc {
    std::string doc_id;
    uint64_t offset = 0, length = 0;
  };
  std::vector<Doc> docs;  // from the sidecar
};

// `path`: any file of a shard (.bin, .idx, .ds, .ds.index, .docs.jsonl).
// Errors: NotFound, Corruption naming the file and what is wrong.
Result<ShardContents> ReadShard(const std::string& path, std::string* stem = nullptr);
// Tokens [offset, offset + length) of the shard's token file.
Result<std::vector<uint32_t>> ReadShardTokens(const std::string& stem, const ShardContents& shard, uint64_t offset,
                                              uint64_t length);

}  // namespace crawlproof::tokenize

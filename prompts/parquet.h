// Prompt rows as Parquet, for verl's default loader (it reads parquet files
// with pandas/pyarrow).
//
// Debian 12 packages no Parquet library (Apache Arrow's C++ library is not in
// it), and the rows have one fixed shape, so we write the small part of the
// format they need ourselves: one row group, one data page (v1) per column,
// PLAIN values, RLE levels, zstd pages, the footer in Thrift's compact
// protocol. The schema, in the rows' JSON order:
//   data_source   string
//   prompt        list<struct<role: string, content: string>>
//   ability       string
//   reward_model  struct<style: string, ground_truth: string>
//   extra_info    struct<index: int64, split, prompt_id, doc_id, url, crawl,
//                        file: string, offset, length: int64, record_id:
//                        string, ledger_leaf: int64 (null when unknown),
//                        verification, kind, answer_type: string>
//   prompt_ids    list<int32>
//   prompt_tokens int64
// tests/prompts read files back with pyarrow and compare them with the JSON
// rows (docs/prompts.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace crawlproof::prompts {

// One row, typed: what VerlRow writes as JSON.
struct PromptRecord {
  std::string data_source;
  std::vector<std::pair<std::string, std::string>> messages;  // role, content
  std::string ability, style = "rule", ground_truth;
  uint64_t index = 0;
  std::string split, prompt_id, doc_id, url, crawl, file;
  uint64_t offset = 0, length = 0;
  std::string record_id;
  std::optional<uint64_t> ledger_leaf;
  std::string verification, kind, answer_type;
  std::vector<uint32_t> prompt_ids;
};

// The row as one JSON line (no newline), fields in the schema's order.
std::string RecordJson(const PromptRecord& r);

// The Parquet file's bytes. Errors: Internal (compression).
Result<std::string> PromptsParquet(const std::vector<PromptRecord>& rows);

}  // namespace crawlproof::prompts

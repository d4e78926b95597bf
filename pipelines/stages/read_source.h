// One source shard's task in `crawlproof run` (executors/local.h): read the shard once,
// computing its ledger file entry while its records become documents and go
// through the filters; then compare the entry with the ledger. Internal to
// pipelines/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "extract/document.h"
#include "pipelines/pipeline.h"
#include "prompts/candidates.h"
#include "tokenize/shards.h"

namespace crawlproof::verify {
struct VerifiedLedger;
}

namespace crawlproof::pipelines {

// A document's status as the store records it; kCandidate while it may
// still reach the shards.
enum class DocStatus : uint8_t { kCandidate, kDropped, kQuarantined, kDuplicate, kInShard, kUnverified };
// "", "dropped", "quarantined", "duplicate", "in-shard", "unverified".
const char* ToString(DocStatus s);

// A source shard against its ledger entry.
enum class Verification : uint8_t { kVerified, kUnverified, kMismatch, kMissing, kUnreadable };
// "verified", "unverified", "mismatch", "missing", "unreadable".
const char* ToString(Verification v);

// One document of a task, with every decision made about it so far.
struct DocOut {
  extract::Document doc;
  DocStatus status = DocStatus::kCandidate;
  std::string reason;
  std::string match;                        // decontaminate: the evaluation n-gram found, or ""
  std::string check;                        // {"value":…,"threshold":…} of the check that dropped it, or ""
  std::string filter_changes;               // JSON object, or ""
  std::string classifiers;                  // the classifier steps' scores (filter/classifier.h), or ""
  std::optional<uint64_t> leaf;             // index of its record among the file's ledger leaves
  std::string record_sha256, block_sha256;  // the record's addressable bytes and its block (hex)
  std::string key_suffix;                   // "@<file>" for a later sighting of a record seen before
  // [prompts] enabled: the candidate question-answer pairs of a document the
  // filters keep, of the kinds asked for (prompts/candidates.h).
  std::vector<prompts::Candidate> candidates;
  // Filled by the group stages: the dedup outcome of a removed duplicate
  // (JSON object, or ""), and for a document in the shards where it went,
  // its split and the SHA-256 of its token ids.
  std::string dedup_json;
  bool in_shards = false, validation = false;
  tokenize::ShardPosition position;
  uint64_t tokens = 0;
  std::string tokens_sha256;
};

struct ShardResult {
  std::string path;
  Verification verification = Verification::kUnreadable;
  std::string detail;
  bool quarantined = false;
  bool failed = false;  // could not be read at all
  uint64_t size = 0, records = 0, input_errors = 0;
  std::string sha256;
  std::vector<DocOut> docs;
  std::map<std::string, uint64_t> skipped;  // records that are not documents, by reason
  double seconds = 0;
};

// The task. An unreadable shard comes back quarantined ("unreadable"),
// with whatever records could be read. Errors: only an out-of-process
// classifier's scorer that failed (classify/scorer_process.h): its
// documents were not decided, and the source is not at fault.
Result<ShardResult> RunTask(const PipelineConfig& config, const std::string& path,
                            const verify::VerifiedLedger* ledger);

// The Common Crawl crawl a path belongs to ("CC-MAIN-2025-33"), or "".
std::string CrawlOf(std::string_view path);

// A document's stored account up to its decisions (the caller appends the
// dedup outcome and the position before the closing brace).
std::string DocJson(const DocOut& d, Verification verification, uint64_t run);

}  // namespace crawlproof::pipelines

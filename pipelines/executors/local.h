// `crawlproof run`: the local executor of a pipeline (docs/pipeline.md): the
// stages of stages.h in-process, one group of sources at a time.
//
// Each source shard not yet done in the store is a task: read it once to
// check it against its ledger entry (file hash, record root), then extract,
// filter and normalise its documents; tasks run on `workers` threads and
// their results are taken in source order. Then the new documents are
// deduplicated (among themselves and against every document kept before,
// through the store's dedup index), tokenized into new shards after the
// existing ones, and everything — every document's decisions and position,
// every shard's state, the run record, the new manifest — is committed to the
// store in one synced write. Output files not in the committed manifest are
// removed at the start of a run, so a run killed at any moment leaves nothing
// that the next one does not redo identically (exactly once).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "common/progress.h"
#include "common/status.h"
#include "pipelines/pipeline.h"

namespace crawlproof::pipelines {

struct RunSummary {
  bool nothing_new = false;
  uint64_t run = 0;  // the run's number in the store (1, 2, ...)
  uint64_t sources = 0, processed = 0, quarantined = 0, unverified = 0;
  uint64_t documents = 0, kept = 0, tokens = 0, shards_written = 0;
  uint64_t input_errors = 0;
  uint64_t remaining = 0;  // new shards left for a later run (max_shards)
  std::string stats_json;  // also written to <output>/stats.json
};

// Errors: those of the config's files, the store (Unavailable when another
// run holds it), FailedPrecondition-like InvalidArgument when a shard
// mismatches its ledger entry and on_mismatch (or on_missing) is "fail" — in
// which case nothing is committed.
struct RunOptions {
  ProgressOptions progress;
  // Stop starting new groups once this many new source shards are done (0:
  // no bound). Groups stay whole, so the outputs do not depend on it.
  uint64_t max_shards = 0;
  // Re-check every quarantined source, not only the unreadable ones and those
  // checked against an older ledger head.
  bool recheck = false;
  // Set (by a signal handler, say) to stop: the group under way completes or
  // is dropped, no new one starts; Unavailable then. Optional.
  const std::atomic<bool>* cancel = nullptr;
  // Called at named points of the run ("tasks-done", "shards-written",
  // "committed", "manifest-written"), for tests that kill a run there.
  std::function<void(const char*)> checkpoint;
};
Result<RunSummary> RunPipeline(const PipelineConfig& config, const RunOptions& options = {});

// Everything RunPipeline checks before it touches the store: the tokenizer
// and BOS/EOS, the filter options, the ledger (verified against its trust
// file). Reads no source shard.
Status CheckPipeline(const PipelineConfig& config);

// The bundled default tokenizer (DeepSeek-V3) of this checkout.
std::string DefaultTokenizerPath();

}  // namespace crawlproof::pipelines

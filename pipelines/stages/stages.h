// The stages of a run (docs/pipeline.md, docs/slurm.md), with files between
// them in the run's work folder, so that the local executor (executors/local.cc: the
// stages in-process, one group of sources at a time) and the Slurm executor
// (executors/slurm.cc: each stage an array job over the whole run) run the same code
// and write the same bytes:
//
//   plan      the sources the store has not done, their commit groups (from
//             [run] commit_every and the source list only), the process
//             tasks and the partitions of the later stages;
//   process   per source: read it once, ledger entry, extract, filter, exact
//             hash and MinHash signature of every candidate, its band keys
//             split by dedup partition;
//   dedup     per partition of the band keys and of the document ids:
//             the run's candidates linked by a shared key, and the records
//             seen before (ids the store or an earlier document has);
//   components  one task: the dedup partitions' links joined once into
//             connected components, and each cluster task's share of them
//             (the linked candidates it decides, those it does not);
//   cluster   per range of the run's sources: the candidates linked to
//             them (its share of the components), deduplicated
//             group by group in order against the store's index of earlier
//             runs and the task's own earlier groups — exactly the answers
//             the store gives a local run after those groups' commits
//             (duplicates.cc says why the split decides as one task would);
//   assemble  per range of groups (one task when prompts are decided): each
//             group's decisions from every cluster task's, the kept
//             documents in their order and split, the prompts decided;
//   tokenize  per range of groups: token ids, shards numbered from 0 within
//             the group, the documents file;
//   entries   per range of groups (the tokenize ranges): every store entry
//             of the group — documents' accounts, URLs, positions (shards
//             numbered after the plan's committed ones and the earlier
//             groups'), sources' states, index entries — as sorted table
//             files ready to ingest, and the group's counts;
//   commit    the only writer of the store, O(files): per group, shards
//             placed under their numbers (hard links), the group's table
//             files, manifest and run part ingested in one atomic step;
//             then the run record, stats.json, report.html.
//
// Work folder (`<output>/work` by default):
//   fingerprint                 what process outputs depend on; another one
//                               clears process/
//   process/<source key>/       docs.bin.zst, meta.bin.zst, sigs.bin,
//                               bands-<p>.bin, ids-<p>.bin.zst (one folder
//                               renamed into place)
//   plan-<id>/plan.json         the plan; <id> = its hash
//   plan-<id>/dedup/w<a>-<b>/   links-, repeats-<p>.bin.zst; share-<t>.bin.zst
//                               (components: cluster task t's share)
//   plan-<id>/cluster/tasks/g<g>-t<t>.bin.zst   a cluster task's duplicates
//   plan-<id>/cluster/group-<g>.bin.zst         a group's decisions
//   plan-<id>/tokenize/group-<g>/  (renamed into place)
//   plan-<id>/entries/group-<g>/   *.sst, group.json (renamed into place)
//   plan-<id>/done/<stage>-<task>  completion markers of jobs
//   plan-<id>/result.json       the finished run's summary
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "pipelines/executors/local.h"
#include "pipelines/pipeline.h"
#include "tokenize/shards.h"
#include "tokenize/tokenizer.h"
#include "verify/ledger.h"

namespace crawlproof::store {
class ProvenanceStore;
}

namespace crawlproof::pipelines {

enum class Stage { kProcess, kDedup, kComponents, kCluster, kAssemble, kTokenize, kEntries, kCommit };
inline constexpr Stage kStages[] = {Stage::kProcess,  Stage::kDedup,    Stage::kComponents, Stage::kCluster,
                                    Stage::kAssemble, Stage::kTokenize, Stage::kEntries,    Stage::kCommit};
const char* ToString(Stage s);
std::optional<Stage> StageFromString(std::string_view name);
// "process, dedup, …, commit": every stage's name, in order.
std::string StageNames();

// What every stage needs of the configuration, checked once.
struct Prepared {
  std::string tok_path;
  std::unique_ptr<tokenize::Tokenizer> tokenizer;
  tokenize::ShardOptions shard_options;
  std::optional<verify::VerifiedLedger> ledger;
  std::string options_sha256;  // the decision options and the tokenizer file
  std::string fingerprint;     // options_sha256, the ledger, the dedup partitions
};
// Errors: those of the tokenizer, the filter options and the ledger. Without
// `load_tokenizer` (tasks of stages other than tokenize), the tokenizer file
// is only hashed, not parsed: `tokenizer` stays null and `shard_options` has
// no BOS/EOS (the submitting command prepared it in full and checked them).
Result<Prepared> Prepare(const PipelineConfig& config, bool load_tokenizer = true);

struct PlanGroup {
  uint64_t first = 0;             // index of the group's first source in the source list
  std::vector<uint64_t> sources;  // its sources not done yet (indices into Plan::sources)
};

struct Plan {
  uint64_t run = 0;  // the run's number in the store
  std::string pipeline;
  std::string id;  // hash of everything below
  std::vector<std::string> sources;
  std::vector<PlanGroup> groups;  // groups with work, in order
  uint64_t remaining = 0;         // new sources left for a later run (max_shards)
  // The store when the run was planned: the number of its first new shard
  // and of its first prompt file set (the groups' entries count on from them).
  uint64_t next_shard = 0, next_prompt_file = 0;
  uint64_t todo_bytes = 0;                           // of the local sources to do
  std::vector<std::vector<uint64_t>> process_tasks;  // source indices per process task
  uint32_t dedup_partitions = 1;
  uint64_t cluster_tasks = 1;                                 // each owns a range of the run's sources
  std::vector<std::pair<uint64_t, uint64_t>> assemble_tasks;  // group ranges [begin, end)
  std::vector<std::pair<uint64_t, uint64_t>> tokenize_tasks;  // group ranges [begin, end)

  uint64_t tasks(Stage s) const;
  std::string ToJson() const;
  static Result<Plan> Parse(std::string_view json, const std::string& where);
};

struct PlanOptions {
  uint64_t max_shards = 0;        // stop after the group that reaches this many new sources
  uint64_t sources_per_task = 1;  // process tasks: this many sources...
  uint64_t bytes_per_task = 0;    // ... or, when > 0, up to this many bytes (at least one source)
  uint32_t dedup_partitions = 1;
  uint32_t tokenize_tasks = 1;
  uint32_t cluster_tasks = 1;
  bool prompts = false;  // [prompts] enabled: one assemble task
  // Quarantined sources are done except: `unreadable` ones (retried by every
  // run), `ledger:missing`/`mismatch` ones when the verified ledger's head
  // (`ledger_head`, hex root; "" without a ledger) differs from the one they
  // were checked against, and all of them with `recheck`.
  bool recheck = false;
  std::string ledger_head;
  const std::vector<std::string>* sources = nullptr;  // the source list, when listed already
};
// Whether a source whose store state is `state` is to be done again by run
// `run` (see PlanOptions); never when that run itself committed it.
bool RetrySource(std::string_view state, uint64_t run, const PlanOptions& options);
// Whether the store state `state` (absent: false) was committed by run `run`.
bool CommittedInRun(const std::optional<std::string>& state, uint64_t run);
// Reads which sources the store has done. Errors: the listing's, the store's.
Result<Plan> MakePlan(const PipelineConfig& config, const store::ProvenanceStore& store, const PlanOptions& options);

// Counters of prompts (prompts.h; stats.json, the report and the card).
struct PromptDecision;
struct PromptTotals {
  uint64_t candidates = 0, kept = 0, files = 0;
  std::map<std::string, uint64_t> kinds_candidates, kinds_kept, reasons, answer_types;
  void Count(const PromptDecision& d);
  std::string Json() const;
  // Adds another's counts (from Json(), or as they are).
  void AddJson(std::string_view json);
  void Add(const PromptTotals& other);
};

// Counters over the groups a commit covers.
struct Totals {
  uint64_t bytes = 0, records = 0;
  std::map<std::string, uint64_t> statuses, dropped, languages, skipped;
  // Each classifier's scores of the documents it scored, in 20 bins over
  // its histogram range: "<name> <bin's lower edge>", "<name> <" and
  // "<name> >" for scores outside (ScoreBin).
  std::map<std::string, uint64_t> scores;
  uint64_t exact = 0, near = 0, earlier = 0;
  double process_seconds = 0, dedup_seconds = 0, tokenize_seconds = 0;
  uint64_t shards_before = 0, shards_after = 0;
  PromptTotals prompts;
};

struct StageContext {
  const PipelineConfig* config = nullptr;
  const Prepared* prepared = nullptr;
  const Plan* plan = nullptr;
  std::string work;                             // the work folder
  store::ProvenanceStore* store = nullptr;      // read-only in jobs, the run's in a local run
  unsigned threads = 1;                         // within one task
  const std::atomic<bool>* cancel = nullptr;    // checked between units of work
  std::function<void(const char*)> checkpoint;  // named points (tests: failpoints)

  std::string plan_dir() const;
  bool cancelled() const { return cancel && cancel->load(); }
  void Point(const char* name) const {
    if (checkpoint) checkpoint(name);
  }
};

// What a run's process outputs depend on (work/fingerprint): the options,
// the ledger, the tokenizer and the number of dedup partitions.
std::string WorkFingerprint(const Prepared& prepared, const Plan& plan);

// Creates the work folder, clears process outputs of another fingerprint
// and plan folders of other plans (only with `clear`: a dry run deletes
// nothing), writes plan.json. Refuses a symbolic link on the way to any
// folder it writes. REQUIRES: CheckWorkFolder passed for ctx.work.
Status PrepareWork(const StageContext& ctx, bool clear = true);

// process: one source (skipped when its outputs exist); a task's sources.
// Returns the source's byte count and documents, for progress.
struct ProcessedSource {
  uint64_t bytes = 0, documents = 0;
  bool skipped = false;
};
Result<ProcessedSource> ProcessSource(const StageContext& ctx, uint64_t source);
Status ProcessTask(const StageContext& ctx, uint64_t task);
// dedup: partition `p` over the groups [begin, end).
Status DedupPartition(const StageContext& ctx, uint32_t p, uint64_t begin, uint64_t end);
// components: the window [begin, end)'s links joined (needs every dedup
// partition of that window), each cluster task's share written.
Status Components(const StageContext& ctx, uint64_t begin, uint64_t end);
// cluster: task `task` of plan.cluster_tasks over the window [begin, end) —
// the duplicates among the candidates it owns (duplicates.cc), the groups
// in order (needs its share from Components).
Status ClusterTask(const StageContext& ctx, uint64_t task, uint64_t begin, uint64_t end);
// assemble: the groups [begin, end) of the window [window_begin,
// window_end) in order — each group's decisions from every cluster task's,
// records seen before, the kept documents' order and split, the prompts.
// Errors: a source that mismatches its ledger entry with on_mismatch =
// "fail" (or missing with on_missing = "fail").
Status Assemble(const StageContext& ctx, uint64_t window_begin, uint64_t window_end, uint64_t begin, uint64_t end);
// A top_fraction classifier's run-wide cut ([filter.classifier.<name>]
// top_fraction, filter/classifier.h): over every candidate of the run (every
// group's sources after the filters, before dedup), the score of the
// ceil(fraction * n)-th best; assemble drops a document dedup kept when its
// score is below it ("classifier:<name>", the cut as the check's threshold).
// Computed once per plan from the process outputs of all its sources — the
// same numbers under either executor — by the components stage (its one
// task; the local executor's first group), kept in plan-<id>/cuts.json.
struct ClassifierCut {
  std::string name;
  double top_fraction = 0;
  double score = 0;  // kept from this score up
  uint64_t candidates = 0;
};
// Errors: a process output that cannot be read. Empty without such classifiers.
Result<std::vector<ClassifierCut>> ClassifierCuts(const StageContext& ctx);
// The histogram key of `score` for classifier `m` (Totals::scores).
std::string ScoreBin(const ModelFile& m, double score);
// The classifier `name`'s score in a document's "classifiers" JSON, if any.
std::optional<double> ClassifierScore(std::string_view classifiers_json, const std::string& name);
// tokenize: the groups [begin, end).
Status Tokenize(const StageContext& ctx, uint64_t begin, uint64_t end);
// entries: the groups [begin, end): every store entry of each group as
// sorted table files (entries.cc), on ctx.threads threads.
Status WriteEntries(const StageContext& ctx, uint64_t begin, uint64_t end);
// commit: one group (nothing when the store has it already); counters of
// the group go to `totals` and `summary` either way.
Status CommitGroup(const StageContext& ctx, uint64_t group, Totals* totals, RunSummary* summary);
// After the groups: the run record, stats.json, report.html, result.json;
// the work folder's intermediate files removed.
Status FinishRun(const StageContext& ctx, const Totals& totals, double seconds, RunSummary* summary);

// One task of a stage as a Slurm job runs it (every group of the plan), then
// its completion marker.
Status RunStageTask(const StageContext& ctx, Stage stage, uint64_t task, RunSummary* summary);
std::string DoneMarker(const std::string& plan_dir, Stage stage, uint64_t task);

// Removes what a killed run left in <output>/shards: files the committed
// manifest does not list, and a manifest.json that is not the committed one.
Status Reconcile(const std::string& shards_dir, const std::optional<std::string>& committed);

// The summary of a run in the form `crawlproof run` prints it.
std::string SummaryJson(const RunSummary& s);
Result<RunSummary> ParseSummaryJson(std::string_view json);

}  // namespace crawlproof::pipelines

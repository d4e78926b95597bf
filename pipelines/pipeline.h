// A pipeline file (pipelines/*.toml; every key and default in
// docs/pipeline.md). Relative paths are relative to the file's folder.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "prompts/prompt.h"

namespace crawlproof::pipelines {

// [slurm] of a pipeline file (docs/slurm.md): how the Slurm executor spreads
// the stages. Nothing here changes an output byte.
struct SlurmStageOptions {
  std::string time, mem;       // "" : the section's
  unsigned cpus_per_task = 0;  // 0: the section's
};
struct SlurmOptions {
  std::string partition, account, qos;
  std::string time = "01:00:00";  // per job, "HH:MM:SS" (or "D-HH:MM:SS")
  std::string mem = "2G";
  unsigned cpus_per_task = 1;
  uint64_t sources_per_task = 1;  // sources per `process` task (or, when bytes_per_task > 0, at most this many bytes)
  uint64_t bytes_per_task = 0;
  uint32_t dedup_tasks = 4, tokenize_tasks = 2, cluster_tasks = 4;
  uint64_t max_array_size = 0;  // 0: MaxArraySize of `scontrol show config`
  std::vector<std::string> sbatch_args;
  uint32_t retries = 1;                            // further attempts of a failed task within its job
  std::string workdir;                             // default: <output>/work; must be on a filesystem every node sees
  std::map<std::string, SlurmStageOptions> stage;  // [slurm.stage.<name>]
};

// A model file the filter steps read ([filter.classifier.<name>]).
struct ModelFile {
  std::string step, path, sha256, label;
  std::optional<double> top_fraction;            // a run-wide cut (stages.h: ClassifierCuts)
  double histogram_low = 0, histogram_high = 1;  // report.html's score histogram
};

struct PipelineConfig {
  std::string file;               // the TOML file itself
  std::vector<ModelFile> models;  // the classifier steps' models, in step order
  // The options every decision depends on, canonical (TOML of [extract],
  // [filter], [dedup], [tokenize] without the tokenizer's path, and the
  // ledger policies): no paths, names or worker counts, so that the same
  // options give the same text wherever the run's files are.
  std::string decision_options;
  // [run]
  std::string name, output, store;
  unsigned workers = 0;            // 0: all cores
  uint64_t commit_every = 16;      // source shards per group (one commit each)
  std::string executor = "local";  // or "slurm"
  SlurmOptions slurm;
  // [source]
  std::vector<std::string> paths;  // files, globs, http(s):// or s3:// URLs
  std::string paths_file, prefix;  // a warc.paths(.gz) listing and the prefix its lines get
  uint64_t limit = 0;              // first N shards of the listing (0: all)
  // [ledger]
  std::string snapshot, trust, root;
  std::string on_mismatch = "quarantine";  // or "fail"
  std::string on_missing = "quarantine";   // or "fail", "allow"
  // [extract]
  bool all_text = false;
  double min_lang_score = 0.5;  // 0 by default with a language_model (the language step's threshold decides)
  std::string language_model;   // a fastText language identifier instead of CLD2, or ""
  std::string language_model_sha256;
  uint64_t max_html_bytes = uint64_t{1} << 24;
  // [filter]: read from the same file by filter::LoadFilterPipeline.
  // [dedup]
  std::string method = "minhash";
  uint32_t num_perm = 112, ngram = 5, bands = 14, rows = 8;
  uint64_t seed = 42;
  double threshold = 0.7;
  bool exact = true;
  std::string device = "auto";
  // [tokenize]
  std::string tokenizer;  // default: data/tokenizers/deepseek-v3/tokenizer.json of the checkout
  std::string format = "megatron";
  uint64_t shard_tokens = uint64_t{1} << 30;
  std::string bos = "auto", eos = "auto";
  // [output]
  bool documents = false;          // also shards/documents/group-NNNNNN.jsonl.zst
  uint64_t shuffle_seed = 0;       // 0: documents keep source order; else a seeded shuffle before tokenizing
  double validation_fraction = 0;  // share of documents to validation shards (valid-NNNNN.*)
  // [prompts]
  prompts::PromptOptions prompts;
};

// Errors: NotFound, InvalidArgument naming the file and the key.
Result<PipelineConfig> LoadPipeline(const std::string& path);

// The signature and LSH parameters a store's dedup index is for
// ("num_perm=112 ngram=5 seed=42 bands=14 rows=8"; ProvenanceStore::Open).
std::string DedupParams(const PipelineConfig& config);

// Where the source stored as `source` (ListSources' form) is read: the ledger
// root joined to a root-relative path; URLs and absolute paths as they are.
std::string SourceLocation(const PipelineConfig& config, const std::string& source);
// The same from the root alone (what a store's ingest state records).
std::string SourceLocation(const std::string& root, const std::string& source);

// The source shards, in order, each in its stored form (what the store, the
// documents' accounts and the report record): a local path relative to
// [ledger] root when it lies under it, else absolute (lexically normal); a URL
// as given. So a run records the same names from any working directory.
// `paths` with globs expanded (sorted), then the
// listing's lines with `prefix` (the first `limit`). Errors: the listing's.
// A glob matching nothing, or a listing without a line, is InvalidArgument
// naming it. Without `fetch_remote`, a listing that is a URL is not read
// (`run --check`: no network).
// A listing line longer than 64 KiB is refused before more is read; `cancel`
// (SIGTERM) stops a long listing.
Result<std::vector<std::string>> ListSources(const PipelineConfig& config, bool fetch_remote = true,
                                             const std::atomic<bool>* cancel = nullptr);

}  // namespace crawlproof::pipelines

// The prompts stage of a run (docs/prompts.md), in the stages it rides on:
//   process   candidates of each document the filters keep (markup from its
//             HTML, worked problems and exercises from its text), written
//             next to the source's results (prompts.bin.zst);
//   cluster   per group, for the documents dedup keeps: the decision of
//             every candidate (prompt.h), decontamination against the
//             [filter.decontaminate] sets, the token bound, then question
//             dedup against earlier runs' and groups' kept prompts;
//   tokenize  the group's kept prompts as rows (JSON lines and Parquet);
//   commit    the files placed as <output>/prompts/prompts-NNNNN.*, every
//             prompt's account in the store, the prompts manifest.
// Internal to pipelines/.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dedup/index.h"
#include "pipelines/stages/read_source.h"
#include "pipelines/stages/stage_io.h"
#include "pipelines/stages/stages.h"
#include "prompts/prompt.h"
#include "store/provenance_store.h"

namespace crawlproof::pipelines {

// One candidate's fate in a group (the cluster's decision).
struct PromptDecision {
  uint32_t source = 0;  // the document: index of its source in the group, of the document in its results
  uint64_t doc = 0;
  prompts::Prompt prompt;            // reason "" when kept
  prompts::PromptSource origin;      // the document's account fields
  std::string match;                 // decontaminate: the n-gram; dedup: the prompt it repeats
  double jaccard = 0;                // dedup: the estimate
  std::vector<uint32_t> prompt_ids;  // kept prompts: the token ids of the messages
  uint64_t tokens = 0;
};

// The candidates of a source's documents (index in ShardResult::docs ->
// candidates), as the process stage writes them (prompts.bin.zst).
using SourceCandidates = std::map<uint64_t, std::vector<prompts::Candidate>>;
Status WriteCandidates(const std::string& path, const SourceCandidates& c);
Result<SourceCandidates> ReadCandidates(const std::string& path);

// The group decisions' prompt part (appended to the cluster's file).
void EncodePrompts(const std::vector<PromptDecision>& p, const std::vector<dedup::IndexedDocument>& newly_kept,
                   Encoder* e);
void DecodePrompts(Decoder* in, std::vector<PromptDecision>* p, std::vector<dedup::IndexedDocument>* newly_kept);
void EncodeIndexed(const std::vector<dedup::IndexedDocument>& docs, Encoder* e);
void DecodeIndexed(Decoder* in, std::vector<dedup::IndexedDocument>* docs);

// The cluster's part: decides the candidates of a cluster window's groups
// in order, carrying the window's kept questions from group to group (as
// the store will hold them once the earlier groups are committed).
class PromptDecider {
 public:
  // Errors: the decontamination sets'.
  static Result<std::unique_ptr<PromptDecider>> Make(const StageContext& ctx);
  ~PromptDecider();
  // `kept`: the group's kept documents in shard order, `results` its
  // sources' results, `candidates` their candidates.
  Status Decide(const std::vector<ShardResult>& results, const std::vector<SourceCandidates>& candidates,
                const std::vector<std::pair<uint32_t, uint64_t>>& kept, std::vector<PromptDecision>* out,
                std::vector<dedup::IndexedDocument>* newly_kept);

 private:
  struct Impl;
  explicit PromptDecider(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The tokenize stage's part: the group's kept prompts as prompts.jsonl.zst
// and prompts.parquet in `dir` (nothing when none is kept).
Status WritePromptFiles(const PipelineConfig& c, const std::vector<PromptDecision>& p, const std::string& dir);

// The committed prompt files and counts (<output>/prompts/manifest.json; the
// store's copy is the truth).
struct PromptsManifest {
  struct File {
    std::string name, sha256;
    uint64_t bytes = 0, rows = 0, run = 0;
  };
  std::vector<File> files;
  PromptTotals totals;  // over every committed run
  std::string ToJson() const;
  static Result<PromptsManifest> Parse(const std::string& json);
};

// The entries' part for one group (entries.cc): the account of every
// prompt the store lacks and the kept ones' dedup entries into `batch`, the
// kept ones placed in the group's file set numbered `file`. Returns the
// prompt ids per document (for the documents' accounts) and the group's
// counts (files: 1 when it keeps a prompt).
struct PromptEntries {
  std::map<std::pair<uint32_t, uint64_t>, std::vector<std::string>> ids_of_doc;
  PromptTotals totals;
};
Result<PromptEntries> PromptGroupEntries(const StageContext& ctx, const std::vector<PromptDecision>& p,
                                         const std::vector<dedup::IndexedDocument>& newly_kept, uint64_t file,
                                         store::ProvenanceStore::Batch* batch);
// The commit's part: the group's files (when it has any) placed as set
// `file` of <output>/prompts, the committed manifest plus the group's
// counts. Returns the manifest's JSON ("" when prompts are off).
Result<std::string> PlacePrompts(const StageContext& ctx, uint64_t group, const PromptTotals& counts, uint64_t file);

// Removes what a killed run left in <output>/prompts (files the committed
// prompts manifest does not list) and rewrites its manifest.json.
Status ReconcilePrompts(const std::string& prompts_dir, const std::optional<std::string>& committed);

}  // namespace crawlproof::pipelines

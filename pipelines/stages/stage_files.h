// The files between the stages of a run (stages.h) and the helpers every
// stage uses: where a source's, a group's and a window's files live, the
// codecs of a source's result, a group's decisions, a dedup partition's
// findings and a tokenized group's positions. Internal to pipelines/.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "dedup/index.h"
#include "dedup/minhash_dedup.h"
#include "pipelines/stages/prompts.h"
#include "pipelines/stages/read_source.h"
#include "pipelines/stages/stage_io.h"
#include "pipelines/stages/stages.h"
#include "tokenize/shards.h"

namespace crawlproof::pipelines {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t);
// v in decimal, zero-padded to `width` digits.
std::string Num(uint64_t v, int width = 6);

// A source's process outputs (named by its path, so that they stay valid
// when the listing grows under the same fingerprint).
std::string SourceDir(const StageContext& ctx, uint64_t source);
// A dedup window's partitions; a tokenized group.
std::string WindowDir(const StageContext& ctx, uint64_t begin, uint64_t end);
std::string TokenizeDir(const StageContext& ctx, uint64_t group);
Status MakeDirs(const std::string& dir);
// A folder written under a temporary name and renamed into place whole (a
// rename that loses to another attempt of the same task keeps the winner's).
std::string TempDir(const std::string& final_dir);
Status RenameDir(const std::string& tmp, const std::string& final_dir);
// Brings an output folder (shards, prompts) to what the store committed:
// regular files under `dir` (and its `subs`, "documents/") that `is_own`
// names and `keep` lacks are removed — never through a symbolic link — and
// dir/manifest.json is rewritten as `committed` (removed without one).
Status ReconcileFolder(const std::string& dir, const std::vector<std::string>& subs,
                       const std::function<bool(const std::string&)>& is_own, const std::set<std::string>& keep,
                       const std::optional<std::string>& committed);
// `from` as `to`: a hard link (the work folder is on the output's
// filesystem by default), else a copy.
Status Place(const std::string& from, const std::string& to);

// Adds one group's (or source's) counts to the run's (group's).
void MergeCounts(const Totals& g, const RunSummary& gs, Totals* t, RunSummary* s);

// Where a group's entries go (entries/group-<g>/: table files and
// group.json), and the numbers its shards and prompt file set start from:
// the plan's, after the groups before it (their fresh manifests).
std::string EntriesDir(const StageContext& ctx, uint64_t group);
struct EntryBase {
  uint64_t shard = 0, prompt_file = 0;
};
Result<EntryBase> EntryBaseOf(const StageContext& ctx, uint64_t group);
Result<EntryBase> NextEntryBase(const StageContext& ctx, uint64_t group, EntryBase base);
// One group's entries (nothing when they are there already).
Status WriteGroupEntries(const StageContext& ctx, uint64_t group, const EntryBase& base);

// Removes the files of a committed group `group` of the window [begin,
// end): its sources' process outputs, its decisions, shards folder and
// entries, and the window's dedup partitions once the group is its last.
void ReleaseGroup(const StageContext& ctx, uint64_t group, uint64_t begin, uint64_t end);

// Runs fn(0..n-1) on up to `workers` threads (the calling one among them
// when workers is 1); the first error wins, the others stop taking work. A
// thread that cannot be created is a ResourceExhausted error.
Status ParallelFor(uint64_t n, unsigned workers, const std::atomic<bool>* cancel,
                   const std::function<Status(uint64_t)>& fn);

dedup::DedupOptions DedupOptionsOf(const PipelineConfig& c, unsigned threads);

// A source's ShardResult (with or without the documents' texts).
void EncodeResult(const ShardResult& r, bool with_text, Encoder* e);
Result<ShardResult> DecodeResult(const std::string& bytes, const std::string& where);
Result<ShardResult> ReadResult(const StageContext& ctx, uint64_t source, bool with_text);

// A candidate of the run: its source (an index into Plan::sources) and its
// row among that source's candidates after the filters. Ordered as the run
// reads them (the plan's sources are in order).
inline uint64_t NodeOf(uint64_t source, uint64_t row) {
  return source << 32 | row;
}
inline uint64_t SourceOfNode(uint64_t node) {
  return node >> 32;
}
inline uint64_t RowOfNode(uint64_t node) {
  return node & 0xffffffffu;
}

// A document that is not a candidate has no row.
inline constexpr uint32_t kNoRow = 0xffffffffu;

// The dedup partition of a document id (the process stage writes each id to
// one partition; dedup finds the records seen before there).
uint32_t IdPartition(std::string_view id, uint32_t partitions);

// Candidates' digests, signatures and ids (sigs.bin): u64 count, then one
// record of SignedRecordBytes() per candidate — 32 bytes of SHA-256 of its
// normalised text, num_perm u64 of its MinHash signature, its document id
// (u8 length, then kIdSlot - 1 bytes zero-padded) — fixed in size, so that a
// task reads the records it needs and no others.
inline constexpr size_t kIdSlot = 48;
inline size_t SignedRecordBytes(uint32_t np) {
  return 32 + 8 * size_t{np} + kIdSlot;
}
// Errors: InvalidArgument for an id longer than kIdSlot - 1 bytes.
Status AppendSignedRecord(const std::string& digest, const uint64_t* signature, uint32_t np, std::string_view id,
                          Encoder* out);
struct SignedRows {
  std::vector<std::array<uint8_t, 32>> digests;
  std::vector<uint64_t> signatures;  // num_perm per row
  std::vector<std::string> ids;
};
class SignedFile {
 public:
  // Errors: IoError; Corruption when the size disagrees with the count.
  static Result<SignedFile> Open(const std::string& path, uint32_t np);
  SignedFile(SignedFile&& other) noexcept;
  SignedFile& operator=(SignedFile&&) = delete;
  ~SignedFile();
  uint64_t count() const { return count_; }
  // Appends the records of `rows` (ascending, each < count()) to `out`,
  // reading runs of consecutive rows at once.
  Status Read(const std::vector<uint64_t>& rows, SignedRows* out) const;
  // Appends every record.
  Status ReadAll(SignedRows* out) const;

 private:
  SignedFile(std::string path, int fd, uint32_t np, uint64_t count)
      : path_(std::move(path)), fd_(fd), np_(np), count_(count) {}
  Status ReadRun(uint64_t first, uint64_t n, SignedRows* out) const;
  std::string path_;
  int fd_ = -1;
  uint32_t np_ = 0;
  uint64_t count_ = 0;
};

// The cluster's decisions about a group.
struct GroupDecisions {
  struct Doc {
    DocStatus status = DocStatus::kCandidate;
    std::string reason, dedup_json, key_suffix;
    std::string check;  // {"value":…,"threshold":…} of a run-wide cut (top_fraction), or ""
  };
  std::vector<std::vector<Doc>> sources;  // per source of the group, per document
  struct Kept {
    uint32_t source = 0;
    uint64_t doc = 0;
    bool validation = false;
  };
  std::vector<Kept> kept;  // in shard order
  uint64_t exact = 0, near = 0, earlier = 0;
  double seconds = 0;
  std::vector<dedup::IndexedDocument> newly_kept;
  // [prompts] enabled: every candidate of the kept documents, decided
  // (prompts.h), and the kept questions for the prompt dedup index.
  std::vector<PromptDecision> prompts;
  std::vector<dedup::IndexedDocument> prompts_newly_kept;
};
std::string EncodeDecisions(const GroupDecisions& g);
Result<GroupDecisions> ReadDecisions(const StageContext& ctx, uint64_t group);

// Where a kept document went in its group's shards.
struct TokenizedDoc {
  tokenize::ShardPosition position;  // shard numbered from 0 within the group
  uint64_t tokens = 0;
  std::string tokens_sha256, text_sha256;
};
Status WritePositions(const std::string& path, const std::vector<TokenizedDoc>& placed, double seconds);
Result<std::vector<TokenizedDoc>> ReadPositions(const std::string& path, double* seconds);

}  // namespace crawlproof::pipelines

// The provenance store of `crawlproof run` (RocksDB, one directory, column
// families; docs/pipeline.md):
//   ingest      source shard path  -> JSON state (done / quarantined, verification, counts)
//   provenance  doc id             -> JSON record (source, verification, decisions, position)
//   by_url      url ‖ 0 ‖ doc id   -> ""
//   by_position u64 shard ‖ u64 index (big-endian) -> doc id
//   dedup       the dedup index of kept documents (band keys, signatures)
//   runs        "run" ‖ u64 run number (big-endian) -> JSON run record; "manifest" -> the committed manifest;
//               "prompts_manifest" -> the committed prompt files (docs/prompts.md)
//   prompts     prompt id          -> JSON account (candidate, decision, source document, file and row)
//   prompt_dedup the question dedup index of kept prompts (as dedup)
// A store made before the prompt families opens for reading without them
// (they read as empty); a run creates them.
// Every change of a run is one synced write batch (Commit), so a killed run
// leaves the store as it was before it. RocksDB's lock makes a second process
// on the same store fail (Unavailable) with a clear message.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dedup/index.h"

namespace crawlproof::store {

class ProvenanceStore {
 public:
  // Opens (creating when absent) the store at `dir`; `dedup_params` names the
  // signature and LSH parameters its dedup index is for (a store refuses
  // others). Errors: Unavailable (another process holds it), InvalidArgument,
  // IoError.
  static Result<std::unique_ptr<ProvenanceStore>> Open(const std::string& dir, const std::string& dedup_params,
                                                       uint32_t num_perm);
  // Opens an existing store for reading while no run holds it.
  static Result<std::unique_ptr<ProvenanceStore>> OpenForReading(const std::string& dir);
  // Opens an existing store read-only without its lock, so that many
  // processes (the stages of a distributed run) read it at once; they see
  // what was committed when they opened it. `num_perm`: the signatures'
  // length, for DedupReader(). Nothing may be committed through it.
  static Result<std::unique_ptr<ProvenanceStore>> OpenReadOnly(const std::string& dir, uint32_t num_perm);
  // Opens an existing store as a follower (a RocksDB secondary instance,
  // its own small files in `scratch`), without the lock: a run may hold the
  // store and commit while it reads; CatchUp() makes what runs committed
  // since visible (a commit is seen whole or not at all). For `crawlproof
  // serve`. Nothing may be committed through it.
  static Result<std::unique_ptr<ProvenanceStore>> OpenFollower(const std::string& dir, const std::string& scratch);
  Status CatchUp();
  ~ProvenanceStore();

  // Changes of one run, applied together by Commit().
  class Batch {
   public:
    Batch();
    ~Batch();
    void PutIngest(const std::string& path, const std::string& json);
    // `key`: the doc id, or for a later sighting of a record already seen
    // (same WARC-Record-ID in another file) doc id ‖ "@" ‖ that file.
    void PutDocument(const std::string& key, const std::string& json, const std::string& url);
    void PutPosition(uint64_t shard, uint64_t index, const std::string& doc_id);
    void PutRun(uint64_t run, const std::string& json);
    // What one commit group of run `run` added to the run's counts (the
    // group named by its first source), committed with the group so that a
    // run resumed after a kill still describes all its groups (RunParts).
    void PutRunPart(uint64_t run, const std::string& group, const std::string& json);
    void PutManifest(const std::string& json);
    void PutPrompt(const std::string& prompt_id, const std::string& json);
    void PutPromptsManifest(const std::string& json);
    // Entries put so far.
    size_t size() const;
    // Moves `other`'s entries after this batch's (a key in both: other's).
    void Append(Batch* other);
    // Documents and prompts added to the dedup indexes by entry files
    // written apart (WriteEntryFiles), for the indexes' counts.
    void CountIndexed(uint64_t documents, uint64_t prompts);

   private:
    friend class ProvenanceStore;
    struct Impl;
    std::unique_ptr<Impl> impl_;
  };
  // The dedup index: lookups see committed documents; Add() puts the new
  // ones into `batch` (they count once it is committed).
  std::unique_ptr<dedup::DedupIndex> DedupIndexFor(Batch* batch);
  // A table file of the store's entries (WriteEntryFiles): its family, its
  // path, how many entries it holds (0: not counted).
  struct EntryFile {
    std::string family, path;
    uint64_t entries = 0;
  };
  // Applies the batch, all of it or nothing, synced: as one write batch
  // (Commit: small changes, the run record), or written as sorted table
  // files and ingested (CommitByIngestion, a commit group's documents: no
  // write-ahead log, no memtable, no rewrite on flush; WriteEntryFiles,
  // IngestEntryFiles). Either way the store holds the same entries.
  Status Commit(Batch* batch);
  // `files` (written apart by WriteEntryFiles; none may share a key with
  // the batch) are ingested with the batch, in the same atomic step.
  Status CommitByIngestion(Batch* batch, const std::vector<EntryFile>& files = {});

  // A batch as table files ready to ingest: one per family it touches,
  // keys in order (a key put twice holds the last value), named
  // `dir`/`stem`.<family>.sst. Needs no open store (a task of a distributed
  // run writes its groups' files while the store is held by another).
  // Leaves the batch empty. Errors: IoError.
  static Result<std::vector<EntryFile>> WriteEntryFiles(Batch* batch, const std::string& dir, const std::string& stem);
  // Adds entry files to the store in one atomic ingestion (every file or
  // none; a key already there takes the file's value); the files are moved
  // into the store (hard links, or copies across filesystems).
  Status IngestEntryFiles(const std::vector<EntryFile>& files);
  // The entry files in `dir` (named as WriteEntryFiles names them), in name
  // order. Errors: IoError; InvalidArgument (a .sst file of no family).
  static Result<std::vector<EntryFile>> EntryFilesIn(const std::string& dir);
  // The dedup index for lookups only (Add() fails). A reader answers as the
  // store was at its first lookup (one iterator serves them all): make a new
  // one after a commit.
  std::unique_ptr<dedup::DedupIndex> DedupReader();
  // The same for kept prompts' questions (signatures of `num_perm`).
  std::unique_ptr<dedup::DedupIndex> PromptDedupIndexFor(Batch* batch, uint32_t num_perm);
  std::unique_ptr<dedup::DedupIndex> PromptDedupReader(uint32_t num_perm);

  // Rewrites every family's table files in one manual compaction each:
  // level 0 merged down and every file written with the current options
  // (the Bloom filters of stores made before them). Between runs, on a
  // store opened with OpenForReading. Errors: IoError.
  Status Compact();

  Result<std::optional<std::string>> Ingest(const std::string& path) const;
  Result<std::optional<std::string>> Document(const std::string& doc_id) const;
  Result<std::vector<std::string>> DocumentsWithUrl(const std::string& url) const;
  // Documents whose URL starts with `prefix`, in (URL, id) order, after the
  // entry `after` (a `cursor` of an earlier page; empty: from the first);
  // at most `limit`. `more` is set when entries are left.
  struct UrlEntry {
    std::string url, doc_id, cursor;
  };
  Result<std::vector<UrlEntry>> DocumentsWithUrlPrefix(const std::string& prefix, const std::string& after,
                                                       size_t limit, bool* more) const;
  Result<std::optional<std::string>> DocumentAt(uint64_t shard, uint64_t index) const;
  Result<std::optional<std::string>> Manifest() const;
  Result<std::optional<std::string>> Prompt(const std::string& prompt_id) const;
  Result<std::optional<std::string>> PromptsManifest() const;
  Result<uint64_t> RunCount() const;
  // Every run record (in run order) and every source shard's state (in key order).
  Result<std::vector<std::string>> Runs() const;
  // The parts of run `run` (PutRunPart), in key order.
  Result<std::vector<std::string>> RunParts(uint64_t run) const;
  Result<std::vector<std::string>> IngestStates() const;
  uint64_t dedup_documents() const;
  // Every entry of every family except the run records ("family\tkey\tvalue"
  // lines, keys of binary families in hex): what two stores that hold the
  // same data have in common, for comparing them.
  Result<std::string> Dump() const;
  // The families a store has ("ingest", "provenance", "by_url",
  // "by_position", "dedup", "runs", "prompts", "prompt_dedup").
  static std::vector<std::string> FamilyNames();
  // One family as JSON lines in key order, each {"key":…,"value":…}: keys
  // of by_url (url, id), by_position (shard, index) and dedup (hex) are
  // decoded, JSON values embedded as they are, others as strings (dedup
  // values in hex). Calls `line` once per entry. Errors: InvalidArgument
  // (no such family), IoError.
  Status DumpFamily(const std::string& family, const std::function<Status(const std::string&)>& line) const;

 private:
  ProvenanceStore();
  Status Apply(Batch* batch, bool ingest, const std::vector<EntryFile>& files);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawlproof::store

// Near-duplicate (MinHash + LSH) and exact deduplication of a batch of
// documents (docs/dedup.md).
//
//  1. exact: documents whose normalised text is identical (SHA-256) are
//     duplicates of the first of them;
//  2. signatures of the normalised texts (kernels/minhash.h) on the CPU or
//     the GPU — identical either way;
//  3. LSH: the signature is cut into `bands` bands of `rows` values; a band's
//     key is a 64-bit hash of its index and values; documents sharing a key
//     are candidates;
//  4. each candidate is compared, by the Jaccard similarity estimated from the
//     full signatures, with the representatives already seen under that key
//     (at most 64 per key); it joins the first whose estimate is at least
//     `threshold` (0: no verification, every candidate joins);
//  5. union-find clusters; each cluster keeps one document: the first in input
//     order, or the earliest date (then the first); every other member is
//     removed with duplicate_of = the kept document.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "dedup/index.h"
#include "dedup/spill.h"
#include "kernels/minhash.h"

namespace crawlproof::dedup {

struct DedupOptions {
  kernels::MinHashParams minhash;  // 112 permutations, 5-word shingles, seed 42
  uint32_t bands = 14, rows = 8;
  double threshold = 0.7;
  bool exact = true;
  enum class Keep { kFirst, kEarliestDate } keep = Keep::kFirst;
  enum class Device { kAuto, kCpu, kCuda } device = Device::kAuto;
  // CPU signature threads; 0: all cores. The signatures do not depend on it.
  unsigned threads = 0;
  // Bytes of signatures and LSH band entries to hold in memory (0: no
  // limit); beyond it half each goes to temporary files in `temp_dir` ("":
  // $TMPDIR or /tmp): signatures to a file mapped for the verification, band
  // entries as sorted runs merged at the end. The results do not depend on it.
  uint64_t memory_budget = 0;
  std::string temp_dir;
};

struct DedupOutcome {
  bool removed = false;
  // Set when the cluster matches a document kept by an earlier run (index):
  // that document's id; the whole cluster is then removed.
  std::string previous;
  bool exact = false;       // removed as an exact duplicate
  size_t duplicate_of = 0;  // index of the kept document of its cluster
  size_t cluster = 0;       // index of that kept document (also for kept ones)
  double jaccard = 1.0;     // estimated from the signatures (1 for exact)
};

struct DedupReport {
  std::vector<DedupOutcome> outcomes;  // one per document, input order
  std::string device;                  // "cpu" or "cuda"
  size_t candidate_pairs = 0, verified_pairs = 0, exact_duplicates = 0, near_duplicates = 0;
  size_t previous_duplicates = 0;                                // removed as duplicates of earlier runs' documents
  uint64_t spilled_signature_bytes = 0, spilled_band_bytes = 0;  // written to temporary files
  size_t sorted_runs = 0;                                        // band-entry runs merged
  // The documents this run keeps, to record in the index once the outputs
  // are written (empty without an index).
  std::vector<IndexedDocument> newly_kept;
};

// Signatures of packed texts (kernels/minhash.h), num_perm values each.
// On the CPU, `threads` threads (0: all cores) take contiguous ranges of
// texts; the values do not depend on it.
Result<std::vector<uint64_t>> Signatures(const kernels::PackedTexts& texts, const kernels::MinHashParams& params,
                                         DedupOptions::Device device, std::string* device_used, unsigned threads = 0);
// Signatures of `texts` (already normalised), num_perm values each.
// Errors: Unavailable when kCuda is asked for and no GPU can run it.
Result<std::vector<uint64_t>> Signatures(const std::vector<std::string>& texts, const kernels::MinHashParams& params,
                                         DedupOptions::Device device, std::string* device_used, unsigned threads = 0);

// The same in batches, so that a large input never has to be in memory as
// text: Add() computes the batch's exact hashes and signatures and keeps only
// those (and the dates and ids); Finish() does the LSH and the clusters.
class Deduplicator {
 public:
  explicit Deduplicator(DedupOptions options, DedupIndex* index = nullptr);
  ~Deduplicator();
  // `texts` normalised; `dates` and `ids` empty or one per text, the same way
  // in every batch. Errors: as Deduplicate.
  Status Add(const std::vector<std::string>& texts, const std::vector<std::string>& dates,
             const std::vector<std::string>& ids);
  // The same with what Add() would compute given: each document's SHA-256
  // of its normalised text (`digests`, 32 bytes each; ignored unless
  // `exact`) and its signature (`signatures`, num_perm values per document,
  // those of exact duplicates included). The outcome equals Add() of the texts.
  Status AddPrecomputed(const std::vector<std::array<uint8_t, 32>>& digests, const std::vector<uint64_t>& signatures,
                        const std::vector<std::string>& ids);
  Result<DedupReport> Finish();

 private:
  Status CheckShape() const;
  // Band keys and stored signatures of `count` new rows.
  Status AddRows(const uint64_t* sig, size_t count, size_t rows_before);
  DedupOptions o_;
  DedupIndex* index_;
  struct DigestHash {
    size_t operator()(const std::array<uint8_t, 32>& d) const;
  };
  std::unordered_map<std::array<uint8_t, 32>, size_t, DigestHash> exact_first_;  // SHA-256 -> first document
  std::vector<size_t> original_;    // per document: the first with its text
  std::vector<size_t> doc_of_row_;  // signature row -> document
  std::unique_ptr<SignatureStore> sig_;
  std::unique_ptr<BandEntrySorter> bands_;
  std::vector<std::string> dates_, ids_;
  std::string device_;
};

// `texts` normalised (normalize.h); `dates` empty or one per text; `ids`
// (for newly_kept) empty or one per text; `index` optional: candidates are
// also looked up there and verified against the stored signatures.
// Errors: InvalidArgument (bands × rows > num_perm, rows == 0), those of
// Signatures and of the index.
Result<DedupReport> Deduplicate(const std::vector<std::string>& texts, const std::vector<std::string>& dates,
                                const DedupOptions& options, DedupIndex* index = nullptr,
                                const std::vector<std::string>& ids = {});

// Fraction of equal positions.
double EstimatedJaccard(const uint64_t* a, const uint64_t* b, uint32_t n);

}  // namespace crawlproof::dedup

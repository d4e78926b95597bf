// Near-duplicate questions, found as documents are (dedup/minhash_dedup.h:
// MinHash + LSH, exact duplicates by SHA-256, union-find clusters keeping the
// first), over the question normalised with its digits kept
// (NormalizeForDedup(…, keep_digits)): "A train travels 180 km in 2 hours…"
// and "A train travels 240 km in 3 hours…" are two problems. Shingles of 3
// words, as questions are short; 112 permutations in 14 bands of 8 rows, a
// Jaccard estimate of at least 0.7 to join.
//
// Keyed by the answer: two questions are duplicates only when their ground
// truths are equal too. Each signature value is XORed with a key derived from
// the ground truth (the same key keeps equal minima equal, so the estimate
// between questions with one answer is unchanged; different keys make
// agreement a 2^-64 chance), and the exact-duplicate hash covers the ground
// truth. So "What is the atomic number of Carbon?" and "…of Cobalt?" — one
// word apart, most shingles shared — stay two prompts, as do problems whose
// numbers (and so answers) differ. `index` (optional) holds the kept
// questions of earlier runs, as the store's dedup index holds documents.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dedup/minhash_dedup.h"

namespace crawlproof::prompts {

dedup::DedupOptions QuestionDedupOptions();

// `ground_truths` parallel to `questions`; `ids` too (empty: "0", "1", …).
Result<dedup::DedupReport> DeduplicateQuestions(const std::vector<std::string>& questions,
                                                const std::vector<std::string>& ground_truths,
                                                dedup::DedupIndex* index = nullptr,
                                                const std::vector<std::string>& ids = {});

}  // namespace crawlproof::prompts

// Near-duplicate questions, found as documents are (dedup/minhash_dedup.h:
// MinHash + LSH, exact duplicates by SHA-256, union-find clusters keeping the
// first), over the question normalised with its digits kept
// (NormalizeForDedup(…, keep_digits)): "A train travels 180 km in 2 hours…"
// and "A train travels 240 km in 3 hours…" are two problems. Shingles of 3
// words, as questions are short; 112 permutations in 14 bands of 8 rows, a
// Jaccard estimate of at least 0.7 to join. `index` (optional) holds the
// questions of earlier runs, as the store's dedup index holds documents.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "dedup/minhash_dedup.h"

namespace crawlproof::prompts {

dedup::DedupOptions QuestionDedupOptions();

Result<dedup::DedupReport> DeduplicateQuestions(const std::vector<std::string>& questions,
                                                dedup::DedupIndex* index = nullptr,
                                                const std::vector<std::string>& ids = {});

}  // namespace crawlproof::prompts

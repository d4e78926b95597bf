#include "prompts/question_dedup.h"

#include "dedup/normalize.h"

namespace crawlproof::prompts {

dedup::DedupOptions QuestionDedupOptions() {
  dedup::DedupOptions o;
  o.minhash.ngram = 3;
  o.device = dedup::DedupOptions::Device::kCpu;  // a few thousand short texts per group
  o.threads = 1;
  return o;
}

Result<dedup::DedupReport> DeduplicateQuestions(const std::vector<std::string>& questions, dedup::DedupIndex* index,
                                                const std::vector<std::string>& ids) {
  std::vector<std::string> normalised;
  normalised.reserve(questions.size());
  for (const auto& q : questions) normalised.push_back(dedup::NormalizeForDedup(q, /*keep_digits=*/true));
  return dedup::Deduplicate(normalised, {}, QuestionDedupOptions(), index, ids);
}

}  // namespace crawlproof::prompts

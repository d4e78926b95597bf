#include "prompts/question_dedup.h"

#include <array>
#include <cstring>

#include "common/digest.h"
#include "dedup/normalize.h"

namespace crawlproof::prompts {

dedup::DedupOptions QuestionDedupOptions() {
  dedup::DedupOptions o;
  o.minhash.ngram = 3;
  o.device = dedup::DedupOptions::Device::kCpu;  // a few thousand short texts per group
  o.threads = 1;
  return o;
}

Result<dedup::DedupReport> DeduplicateQuestions(const std::vector<std::string>& questions,
                                                const std::vector<std::string>& ground_truths, dedup::DedupIndex* index,
                                                const std::vector<std::string>& ids) {
  if (ground_truths.size() != questions.size() || (!ids.empty() && ids.size() != questions.size()))
    return Status::InvalidArgument("question dedup: questions, ground truths and ids differ in number");
  const dedup::DedupOptions o = QuestionDedupOptions();
  std::vector<std::string> normalised;
  normalised.reserve(questions.size());
  for (const auto& q : questions) normalised.push_back(dedup::NormalizeForDedup(q, /*keep_digits=*/true));
  std::string device;
  ASSIGN_OR_RETURN(std::vector<uint64_t> sigs, dedup::Signatures(normalised, o.minhash, o.device, &device, 1));
  const uint32_t np = o.minhash.num_perm;
  std::vector<std::array<uint8_t, 32>> digests(questions.size());
  for (size_t k = 0; k < questions.size(); ++k) {
    const std::string key = Sha256("question-dedup answer key\n" + ground_truths[k]);
    uint64_t x = 0;
    std::memcpy(&x, key.data(), sizeof x);
    for (uint32_t j = 0; j < np; ++j) sigs[k * np + j] ^= x;
    const std::string exact = Sha256(ground_truths[k] + '\0' + normalised[k]);
    std::memcpy(digests[k].data(), exact.data(), 32);
  }
  std::vector<std::string> names = ids;
  if (names.empty())
    for (size_t k = 0; k < questions.size(); ++k) names.push_back(std::to_string(k));
  dedup::Deduplicator d(o, index);
  RETURN_IF_ERROR(d.AddPrecomputed(digests, sigs, names));
  return d.Finish();
}

}  // namespace crawlproof::prompts

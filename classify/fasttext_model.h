// Supervised fastText models, read and applied in process.
//
// Reads the model files fastText 0.9 writes: `.bin` (dense matrices) and the
// quantized `.ftz` (product-quantized matrices, optionally a quantized output
// and a pruned dictionary), with any of the supervised losses (softmax,
// hierarchical softmax, one-vs-all, negative sampling), word n-grams and
// character n-grams. The probabilities are those fastText 0.9.2's
// `predict-prob` prints (the reference, within 1e-5):
//
//   tokens   the text split at ' ', \t, \v, \f, \r, \0 and \n; every \n is the
//            end-of-sentence token "</s>", and one ends the text if it does not
//            end with \n (the CLI reads a line, the Python binding appends it);
//   input    for a word in the dictionary its id (and, with char n-grams, the
//            ids of "<word>"'s n-grams of minn..maxn code points), for a word
//            outside it only the n-grams; then one id per word n-gram
//            (FNV-1a hashes combined as h * 116049371 + h', mod bucket);
//   hidden   the mean of the input rows;
//   softmax  p = exp(o - max) / sum;   one-vs-all / ns: p = fastText's
//            512-entry sigmoid table at o;   hierarchical softmax: the product
//            along the label's Huffman path (rebuilt from the label counts) of
//            (sigmoid(o) + 1e-5) or (1 - sigmoid(o) + 1e-5);
//   printed  exp(log(p + 1e-5)) for softmax, one-vs-all and ns — fastText
//            prints a certain label as 1.00001.
// Unlike the CLI, a \n inside the text does not end the input: the whole
// text is one example.
//
// The file is memory-mapped and its matrices are read where they lie: a
// model is opened once per process (Open() hands every caller naming the
// same file the same object) and shared by every thread. Thread safety: all
// const members may be called from any number of threads, each with its own
// Scratch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace crawlproof::classify {

enum class FastTextLoss { kHierarchicalSoftmax = 1, kNegativeSampling = 2, kSoftmax = 3, kOneVsAll = 4 };

// "hs", "ns", "softmax" or "ova", as fastText's -loss names them.
std::string_view FastTextLossName(FastTextLoss loss);

struct FastTextInfo {
  int dim = 0, word_ngrams = 1, minn = 0, maxn = 0, bucket = 0;
  FastTextLoss loss = FastTextLoss::kSoftmax;
  int32_t words = 0, labels = 0;
  bool quantized_input = false, quantized_output = false;
  bool pruned = false;  // a quantized model whose n-gram rows were cut
  uint64_t file_bytes = 0;
  std::string sha256;  // of the file, lower-case hex
};

class FastTextModel {
 public:
  // The model in `path`. Every Open() of the same file (same device, inode,
  // size and modification time) returns the same object, kept until the
  // process ends (of the 16 files opened last). Errors: NotFound, IoError; InvalidArgument naming the file,
  // the byte offset and what was expected (not a fastText model, a version
  // after 12, not supervised, sizes that disagree, a truncated file).
  static Result<std::shared_ptr<const FastTextModel>> Open(const std::string& path);

  ~FastTextModel();
  FastTextModel(const FastTextModel&) = delete;
  FastTextModel& operator=(const FastTextModel&) = delete;

  const std::string& path() const { return path_; }
  const FastTextInfo& info() const { return info_; }
  // The labels as the model names them ("__label__hq"), in fastText's order.
  const std::vector<std::string>& labels() const { return labels_; }
  // The index of `label`; a label given without fastText's "__label__"
  // prefix is found too. nullopt when the model has no such label.
  std::optional<int> FindLabel(std::string_view label) const;

  // Working memory for one thread; reuse it between calls.
  struct Scratch {
    std::vector<int32_t> input;
    std::vector<uint32_t> word_hashes;
    std::vector<float> hidden, output;
    std::string word;
  };

  // Every label's probability for `text`, indexed as labels(). Returns false
  // (and leaves `probs` empty) when the text gives no input ids: fastText
  // predicts nothing for such a line.
  bool Predict(std::string_view text, Scratch* scratch, std::vector<float>* probs) const;
  // One label's probability (cheaper than Predict with hierarchical
  // softmax: one path). nullopt when the text gives no input ids.
  std::optional<float> Probability(std::string_view text, int label, Scratch* scratch) const;

  struct Impl;

 private:
  explicit FastTextModel(std::string path);
  // The input ids of `text` into scratch->input (tokens, module comment).
  void InputIds(std::string_view text, Scratch* s) const;
  // The mean of the input rows into scratch->hidden.
  void Hidden(Scratch* s) const;
  // Appends the ids of "<word>"'s char n-grams (Dictionary::computeSubwords).
  void CharNgrams(std::string_view word, Scratch* s) const;
  float Sigmoid(float x) const;

  std::string path_;
  FastTextInfo info_;
  std::vector<std::string> labels_;
  std::unique_ptr<Impl> impl_;
};

// The float's shortest decimal form, as a double: what a record shows of a
// probability is the number that was compared.
double ShortestDouble(float f);

// A page's text as DCLM scores it: Python's " ".join(text.strip().splitlines())
// (line breaks \n, \r, \r\n, \v, \f, \x1c-\x1e, U+0085, U+2028 and U+2029 become
// one space each; white space at either end removed).
std::string JoinLines(std::string_view text);

// A page's text as FineWeb-2 feeds GlotLID: every \n replaced by a space.
std::string NewlinesToSpaces(std::string_view text);

}  // namespace crawlproof::classify

// fastText model files (classify/fasttext_model.h): a model from outside is
// read, checked and, when it opens, applied to a text with every kind of
// token (words, a label-shaped word, "</s>", UTF-8, newlines).
#include "classify/fasttext_model.h"
#include "fuzz/fuzz_util.h"

using namespace crawlproof;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = fuzz::ScratchFile("model.bin", fuzz::AsView(data, size));
  auto model = classify::FastTextModel::Open(path);
  if (!model.ok()) return 0;
  classify::FastTextModel::Scratch s;
  std::vector<float> probs;
  const std::string text = "the quick __label__x </s> Häuser über 東京\nzweite Zeile \t end";
  (void)(*model)->Predict(text, &s, &probs);
  (void)(*model)->Probability(classify::JoinLines(text), 0, &s);
  return 0;
}

#include "extract/language_model.h"

#include <algorithm>
#include <map>

namespace crawlproof::embedded {
extern const std::string_view kFineWeb2Recipe;  // data/fineweb2/recipe.toml (cmake/embed_file.cmake)
}

namespace crawlproof::extract {
namespace {

// GlotLID label -> CLD2 code, from the `[code]` tables' `source = "label"`
// lines of FineWeb-2's settings.
const std::map<std::string, std::string, std::less<>>& GlotLidCodes() {
  static const auto* codes = [] {
    auto* m = new std::map<std::string, std::string, std::less<>>();
    std::string_view data = embedded::kFineWeb2Recipe, code;
    while (!data.empty()) {
      const size_t nl = data.find('\n');
      std::string_view line = data.substr(0, nl);
      data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
      if (line.size() > 2 && line.front() == '[' && line.back() == ']') {
        code = line.substr(1, line.size() - 2);
      } else if (line.rfind("source = \"", 0) == 0 && line.back() == '"' && !code.empty()) {
        m->emplace(std::string(line.substr(10, line.size() - 11)), std::string(code));  // zh before zh-Hant
      }
    }
    return m;
  }();
  return *codes;
}

// ISO 639-3 -> CLD2's two-letter code.
const std::map<std::string_view, std::string_view>& Iso639Codes() {
  static const std::map<std::string_view, std::string_view> codes = {
#include "extract/iso639.inc"
  };
  return codes;
}

}  // namespace

std::string LanguageCodeOfLabel(std::string_view label) {
  if (label.rfind("__label__", 0) == 0) label.remove_prefix(9);
  if (auto it = GlotLidCodes().find(label); it != GlotLidCodes().end()) return it->second;
  // Another GlotLID label ("eng_Latn": FineWeb-2 has no English table): its
  // ISO 639-3 code, when CLD2 has the language.
  if (const size_t us = label.find('_'); us == 3) {
    if (auto it = Iso639Codes().find(label.substr(0, 3)); it != Iso639Codes().end()) return std::string(it->second);
  }
  if (label == "he") return "iw";  // CLD2 keeps the older ISO 639-1 codes
  if (label == "jv") return "jw";
  return std::string(label);
}

LanguageGuess IdentifyLanguageByModel(std::string_view text, const classify::FastTextModel& model, double min_score) {
  thread_local classify::FastTextModel::Scratch scratch;
  thread_local std::vector<float> probs;
  LanguageGuess g;
  if (!model.Predict(classify::NewlinesToSpaces(text), &scratch, &probs)) return g;
  const size_t top = std::max_element(probs.begin(), probs.end()) - probs.begin();
  std::string_view label = model.labels()[top];
  if (label.rfind("__label__", 0) == 0) label.remove_prefix(9);
  g.label = std::string(label);
  g.detected = LanguageCodeOfLabel(label);
  g.score = classify::ShortestDouble(probs[top]);
  g.reliable = true;
  g.sample_bytes = text.size();
  if (g.score >= min_score) g.code = g.detected;
  return g;
}

}  // namespace crawlproof::extract

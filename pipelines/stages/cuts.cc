// ClassifierCuts (stages.h): the score from which each top_fraction
// classifier keeps a run's documents.
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"

namespace crawlproof::pipelines {

std::string ScoreBin(const ModelFile& m, double score) {
  const std::string name = m.step.substr(m.step.find(':') + 1);
  if (score < m.histogram_low) return name + " <";
  if (score > m.histogram_high) return name + " >";
  const double width = (m.histogram_high - m.histogram_low) / 20;
  const int bin = std::min(19, static_cast<int>((score - m.histogram_low) / width));
  char edge[32];
  std::snprintf(edge, sizeof edge, "%.6g", m.histogram_low + bin * width);
  return name + " " + edge;
}

std::optional<double> ClassifierScore(std::string_view classifiers_json, const std::string& name) {
  if (classifiers_json.empty()) return std::nullopt;
  thread_local simdjson::dom::parser parser;  // per document of a run: no allocation each time
  simdjson::dom::element e;
  double score = 0;
  if (parser.parse(classifiers_json.data(), classifiers_json.size()).get(e) || e[name]["score"].get(score))
    return std::nullopt;
  return score;
}

Result<std::vector<ClassifierCut>> ClassifierCuts(const StageContext& ctx) {
  std::vector<ClassifierCut> cuts;
  for (const ModelFile& m : ctx.config->models)
    if (m.top_fraction) cuts.push_back({m.step.substr(m.step.find(':') + 1), *m.top_fraction, 0, 0});
  if (cuts.empty()) return cuts;
  const std::string path = ctx.plan_dir() + "/cuts.json";
  if (std::filesystem::exists(path)) {
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(path));
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    if (parser.parse(bytes).get(e)) return Status::Corruption(path + ": not JSON");
    for (ClassifierCut& c : cuts) {
      simdjson::dom::element one;
      uint64_t n = 0;
      if (e[c.name].get(one) || one["score"].get(c.score) || one["candidates"].get(n))
        return Status::Corruption(path + ": no cut for classifier " + c.name);
      c.candidates = n;
    }
    return cuts;
  }
  // Every candidate of the run (after the filters, before dedup), every
  // group's sources: their scores.
  std::vector<std::vector<double>> scores(cuts.size());
  for (const PlanGroup& g : ctx.plan->groups)
    for (uint64_t source : g.sources) {
      ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, source, false));
      for (const DocOut& d : r.docs) {
        if (d.status != DocStatus::kCandidate) continue;
        for (size_t i = 0; i < cuts.size(); ++i)
          if (auto s = ClassifierScore(d.classifiers, cuts[i].name)) scores[i].push_back(*s);
      }
    }
  JsonObject out;
  for (size_t i = 0; i < cuts.size(); ++i) {
    ClassifierCut& c = cuts[i];
    std::vector<double>& s = scores[i];
    c.candidates = s.size();
    // The k best, k = ceil(fraction * n): kept from the k-th score up (a tie
    // at the cut keeps every document with that score).
    const size_t k = s.empty() ? 0 : std::max<size_t>(1, static_cast<size_t>(std::ceil(c.top_fraction * s.size())));
    if (k > 0) {
      std::nth_element(s.begin(), s.begin() + static_cast<ptrdiff_t>(k - 1), s.end(), std::greater<double>());
      c.score = s[k - 1];
    } else {
      c.score = -INFINITY;  // no candidate: nothing to cut
    }
    JsonObject one;
    one.Add("top_fraction", c.top_fraction).Add("candidates", c.candidates).Add("score", s.empty() ? 0.0 : c.score);
    out.AddRaw(c.name, one.str());
    char line[256];
    std::snprintf(line, sizeof line, "classifier %s: the top %.6g%% of %llu candidates of the run score %.9g or more",
                  c.name.c_str(), c.top_fraction * 100, static_cast<unsigned long long>(c.candidates), c.score);
    LogInfo(line);
  }
  RETURN_IF_ERROR(WriteFileAtomically(path, out.str() + "\n"));
  return cuts;
}

}  // namespace crawlproof::pipelines

// The `classifier:<name>` steps: a model scores every document that reaches
// the step, and a document whose score is below the step's `keep` is dropped
// ("classifier:<name>", the score and the threshold in its account). Every
// score is kept in the decision (Decision::scores), for kept documents too.
//
//   [filter.classifier.<name>]
//   model = "models/dclm.bin"    # a supervised fastText model (.bin or .ftz),
//                                # relative to the config file
//   label = "__label__hq"        # the label whose probability is the score
//   keep = 0.018112              # kept when score >= keep, or
//   top_fraction = 0.1           # the run's top 10% of candidates by score (after
//                                # dedup, over the whole run, local and Slurm alike)
//   text = "joined"              # "joined" (default): Python's
//                                # " ".join(text.strip().splitlines()), as DCLM
//                                # scores a page; "as-is": the text unchanged
//                                # (each newline fastText's "</s>")
// or, for any other model, a scorer process (classify/scorer_process.h):
//   command = ["python3", "-m", "crawlproof.scorers.hf", "--model", "edu"]
//   keep = 3                     # any number: the scorer says what a score is
//   batch_size = 64              # documents per batch (default 64)
//   max_in_flight = 2            # batches sent before their answers (default 2)
//   timeout_s = 600              # seconds without an answer before it is killed
//   histogram = [0, 5]           # report.html's score histogram range (default [0, 1])
//
// A fastText model is opened once per process and shared by every task and
// thread (classify/fasttext_model.h); its SHA-256 goes with every score. A
// scorer is started per worker thread, on the first document that reaches the
// step, and serves every task that thread runs; its hello's model_sha256 goes
// with every score. A document the scorer
// answers with an error is dropped ("classifier:<name>:error", the scorer's
// words in the account); a scorer that crashes, hangs or breaks the protocol
// ends the task with an error naming the classifier and the document.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "filter/filters.h"

namespace crawlproof::filter {

enum class ClassifierText { kJoined, kAsIs };

struct ClassifierOptions {
  std::string name;   // the <name> of [filter.classifier.<name>]
  std::string model;  // the fastText model file's path, or "" with `command`
  std::string label;  // the model's label, with or without "__label__"; optional with `command`
  // Kept when score >= keep. Default: unset (every document kept, scores
  // recorded).
  std::optional<double> keep;
  // Kept: the run's top fraction of candidates by score, decided over the
  // whole run after dedup (pipelines/stages: ClassifierCuts). The step only
  // scores. Default: unset. Excludes `keep`.
  std::optional<double> top_fraction;
  ClassifierText text = ClassifierText::kJoined;
  // The range of the score histogram in report.html (20 bins). Default:
  // [0, 1] (probabilities).
  std::pair<double, double> histogram{0, 1};
  // A scorer process instead of a fastText model.
  std::vector<std::string> command;
  size_t batch_size = 64, max_in_flight = 2;
  double timeout_s = 600;
};

// {"<name>":{"score":…,"label":…,"keep":…,"model_sha256":…},…}: the
// document account's "classifiers" (one serialiser for the store and
// `crawlproof filter`); "" when there are none.
std::string ClassifierScoresJson(const std::vector<ClassifierScore>& scores);

// Errors: those of FastTextModel::Open; InvalidArgument when the model has
// no such label (the message lists its labels). `use`, when given, receives
// the model's path, SHA-256 and label (with `command`: the command, no digest).
Result<std::unique_ptr<Filter>> MakeClassifierFilter(const ClassifierOptions& o, ModelUse* use = nullptr);

}  // namespace crawlproof::filter

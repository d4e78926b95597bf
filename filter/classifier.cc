#include "filter/classifier.h"

#include <map>
#include <unordered_set>

#include "classify/fasttext_model.h"
#include "classify/scorer_process.h"
#include "common/json.h"

namespace crawlproof::filter {
namespace {

std::string StepText(const ClassifierOptions& o, const std::string& text) {
  return o.text == ClassifierText::kJoined ? classify::JoinLines(text) : text;
}

// Records `score` (or the scorer's error) and drops below `keep`.
void Decide(const ClassifierOptions& o, const std::string& step, const std::string& label, const std::string& sha256,
            std::optional<double> score, const std::string& error, Decision* d) {
  ClassifierScore s;
  s.name = o.name;
  s.label = label;
  s.model_sha256 = sha256;
  s.keep = o.keep;
  if (!score) {
    s.error = error;
    d->scores.push_back(s);
    d->keep = false;
    d->reason = step + ":error";
    d->error = error;
    return;
  }
  s.score = *score;
  d->scores.push_back(s);
  if (o.keep && s.score < *o.keep) {
    d->keep = false;
    d->reason = step;
    d->value = s.score;
    d->threshold = *o.keep;
  }
}

class FastTextClassifier : public Filter {
 public:
  FastTextClassifier(ClassifierOptions o, std::shared_ptr<const classify::FastTextModel> model, int label)
      : o_(std::move(o)), step_("classifier:" + o_.name), model_(std::move(model)), label_(label) {}

  std::string_view name() const override { return step_; }

  void Apply(FilterDocument* doc, Decision* d) override {
    // fastText predicts nothing for a text without input ids (no word in a
    // model without "</s>"): no evidence for the label, score 0.
    const std::optional<float> p = o_.text == ClassifierText::kJoined
                                       ? model_->Probability(classify::JoinLines(doc->text), label_, &scratch_)
                                       : model_->Probability(doc->text, label_, &scratch_);
    Decide(o_, step_, model_->labels()[label_], model_->info().sha256, classify::ShortestDouble(p.value_or(0.0f)), "",
           d);
  }

 private:
  ClassifierOptions o_;
  std::string step_;
  std::shared_ptr<const classify::FastTextModel> model_;
  int label_;
  classify::FastTextModel::Scratch scratch_;  // a pipeline runs on one thread at a time
};

// The scorer of `o` for the calling thread: started once per thread and
// kept for the thread's life, so that the tasks a thread runs one after
// another (a source each) share one scorer and its loaded model.
classify::ScorerProcess& ThreadScorer(const ClassifierOptions& o) {
  thread_local std::map<std::string, std::unique_ptr<classify::ScorerProcess>> scorers;
  std::string key = o.name + "\n" + std::to_string(o.batch_size) + "\n" + std::to_string(o.max_in_flight) + "\n" +
                    std::to_string(o.timeout_s);
  for (const auto& a : o.command) key += "\n" + a;
  auto& p = scorers[key];
  if (!p)
    p = std::make_unique<classify::ScorerProcess>(
        classify::ScorerOptions{o.name, o.command, o.batch_size, o.max_in_flight, o.timeout_s});
  return *p;
}

class ScorerClassifier : public Filter, public BatchStep {
 public:
  explicit ScorerClassifier(ClassifierOptions o) : o_(std::move(o)), step_("classifier:" + o_.name) {}

  std::string_view name() const override { return step_; }
  BatchStep* batch() override { return this; }
  // Only through Decide (FilterPipeline::Run and BatchedFilterRun do).
  void Apply(FilterDocument*, Decision*) override {}

  Status Decide(const std::vector<std::pair<FilterDocument*, Decision*>>& docs) override {
    std::vector<std::string> texts;
    texts.reserve(docs.size());
    for (const auto& [doc, d] : docs) texts.push_back(StepText(o_, doc->text));
    // The protocol's ids: the documents' own, made unique within the batch
    // (`crawlproof filter` reads lines that may have no id, or the same one).
    std::vector<std::string> ids;
    std::unordered_set<std::string> seen;
    for (size_t i = 0; i < docs.size(); ++i) {
      std::string id = docs[i].first->id;
      if (id.empty() || !seen.insert(id).second) {
        id.append(1, '#').append(std::to_string(i));
        seen.insert(id);
      }
      ids.push_back(std::move(id));
    }
    std::vector<std::pair<std::string_view, std::string_view>> request;
    for (size_t i = 0; i < docs.size(); ++i) request.emplace_back(ids[i], texts[i]);
    classify::ScorerProcess& scorer = ThreadScorer(o_);
    ASSIGN_OR_RETURN(std::vector<classify::ScorerResult> results, scorer.Score(request));
    const std::string label = o_.label.empty() ? scorer.model() : o_.label;
    for (size_t i = 0; i < docs.size(); ++i)
      filter::Decide(o_, step_, label, scorer.model_sha256(), results[i].score, results[i].error, docs[i].second);
    return Status::Ok();
  }

 private:
  ClassifierOptions o_;
  std::string step_;
};

}  // namespace

std::string ClassifierScoresJson(const std::vector<ClassifierScore>& scores) {
  if (scores.empty()) return "";
  JsonObject all;
  for (const ClassifierScore& s : scores) {
    JsonObject one;
    if (s.error.empty()) {
      one.Add("score", s.score);
    } else {
      one.Add("error", s.error);
    }
    one.Add("label", s.label);
    if (s.keep) one.Add("keep", *s.keep);
    one.Add("model_sha256", s.model_sha256);
    all.AddRaw(s.name, one.str());
  }
  return all.str();
}

Result<std::unique_ptr<Filter>> MakeClassifierFilter(const ClassifierOptions& o, ModelUse* use) {
  if (!o.command.empty()) {
    if (use) {
      *use = {"classifier:" + o.name, "", "", o.label, o.top_fraction, o.histogram};
      for (const auto& a : o.command) use->path += (use->path.empty() ? "" : " ") + a;
    }
    return std::unique_ptr<Filter>(std::make_unique<ScorerClassifier>(o));
  }
  ASSIGN_OR_RETURN(auto model, classify::FastTextModel::Open(o.model));
  const std::optional<int> label = model->FindLabel(o.label);
  if (!label) {
    std::string list;
    for (const auto& l : model->labels()) {
      if (list.size() > 400) {
        list += ", …";
        break;
      }
      list += (list.empty() ? "" : ", ") + l;
    }
    return Status::InvalidArgument(o.model + ": the model has no label \"" + o.label + "\"; its labels are " + list);
  }
  if (use)
    *use = {"classifier:" + o.name,  o.model,        model->info().sha256,
            model->labels()[*label], o.top_fraction, o.histogram};
  return std::unique_ptr<Filter>(std::make_unique<FastTextClassifier>(o, std::move(model), *label));
}

}  // namespace crawlproof::filter

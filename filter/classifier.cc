#include "filter/classifier.h"

#include "classify/fasttext_model.h"
#include "common/json.h"

namespace crawlproof::filter {
namespace {

class ClassifierFilter : public Filter {
 public:
  ClassifierFilter(ClassifierOptions o, std::shared_ptr<const classify::FastTextModel> model, int label)
      : o_(std::move(o)), step_("classifier:" + o_.name), model_(std::move(model)), label_(label) {}

  std::string_view name() const override { return step_; }

  void Apply(FilterDocument* doc, Decision* d) override {
    std::optional<float> p;
    if (o_.text == ClassifierText::kJoined) {
      p = model_->Probability(classify::JoinLines(doc->text), label_, &scratch_);
    } else {
      p = model_->Probability(doc->text, label_, &scratch_);
    }
    // fastText predicts nothing for a text without input ids (no word in a
    // model without "</s>"): no evidence for the label, score 0.
    ClassifierScore s;
    s.name = o_.name;
    s.label = model_->labels()[label_];
    s.model_sha256 = model_->info().sha256;
    s.score = classify::ShortestDouble(p.value_or(0.0f));
    s.keep = o_.keep;
    d->scores.push_back(s);
    if (o_.keep && s.score < *o_.keep) {
      d->keep = false;
      d->reason = step_;
      d->value = s.score;
      d->threshold = *o_.keep;
    }
  }

 private:
  ClassifierOptions o_;
  std::string step_;
  std::shared_ptr<const classify::FastTextModel> model_;
  int label_;
  classify::FastTextModel::Scratch scratch_;  // a pipeline runs on one thread at a time
};

}  // namespace

std::string ClassifierScoresJson(const std::vector<ClassifierScore>& scores) {
  if (scores.empty()) return "";
  JsonObject all;
  for (const ClassifierScore& s : scores) {
    JsonObject one;
    one.Add("score", s.score).Add("label", s.label);
    if (s.keep) one.Add("keep", *s.keep);
    one.Add("model_sha256", s.model_sha256);
    all.AddRaw(s.name, one.str());
  }
  return all.str();
}

Result<std::unique_ptr<Filter>> MakeClassifierFilter(const ClassifierOptions& o, ModelUse* use) {
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
  if (use) *use = {"classifier:" + o.name, o.model, model->info().sha256, model->labels()[*label]};
  return std::unique_ptr<Filter>(std::make_unique<ClassifierFilter>(o, std::move(model), *label));
}

}  // namespace crawlproof::filter

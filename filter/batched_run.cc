#include "filter/batched_run.h"

#include <algorithm>
#include <vector>

namespace crawlproof::filter {

BatchedFilterRun::BatchedFilterRun(FilterPipeline* pipeline, size_t hold)
    : pipeline_(pipeline), hold_(std::max<size_t>(1, hold)) {}

Status BatchedFilterRun::Add(FilterDocument doc, Done done) {
  Entry e{std::move(doc), Decision{}, 0, std::move(done)};
  e.next = pipeline_->RunFrom(&e.doc, &e.decision, 0);
  if (Decided(e) && queue_.empty()) {
    e.done(e.doc, e.decision);
    return Status::Ok();
  }
  waiting_ += !Decided(e);
  queue_.push_back(std::move(e));
  if (waiting_ >= hold_) return Flush();
  return Status::Ok();
}

Status BatchedFilterRun::Flush() {
  const size_t steps = pipeline_->filters().size();
  while (waiting_ > 0) {
    // The earliest batch step anyone waits at: after it, documents may go on
    // to later steps (and later batch steps) in the next round.
    size_t step = steps;
    for (const Entry& e : queue_)
      if (!Decided(e)) step = std::min(step, e.next);
    std::vector<std::pair<FilterDocument*, Decision*>> batch;
    std::vector<Entry*> entries;
    for (Entry& e : queue_)
      if (!Decided(e) && e.next == step) {
        batch.emplace_back(&e.doc, &e.decision);
        entries.push_back(&e);
      }
    RETURN_IF_ERROR(pipeline_->filters()[step]->batch()->Decide(batch));
    for (Entry* e : entries) {
      e->next = e->decision.keep ? pipeline_->RunFrom(&e->doc, &e->decision, step + 1) : steps;
      waiting_ -= Decided(*e);
    }
  }
  HandBack();
  return Status::Ok();
}

void BatchedFilterRun::HandBack() {
  while (!queue_.empty() && Decided(queue_.front())) {
    Entry& e = queue_.front();
    e.done(e.doc, e.decision);
    queue_.pop_front();
  }
}

}  // namespace crawlproof::filter

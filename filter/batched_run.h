// Runs a FilterPipeline over a stream of documents, holding those that reach
// a batch step (an out-of-process classifier, filter/classifier.h) until
// enough wait to fill its batches. Every document's decision is handed back
// in the order the documents were added.
//
// Thread safety: one thread at a time.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>

#include "common/status.h"
#include "filter/filters.h"

namespace crawlproof::filter {

class BatchedFilterRun {
 public:
  // Called once per document, in the order of Add, with its final decision.
  using Done = std::function<void(FilterDocument& doc, Decision& decision)>;

  // Holds up to `hold` documents at a batch step before deciding them.
  // Default: 1024.
  explicit BatchedFilterRun(FilterPipeline* pipeline, size_t hold = 1024);

  // Runs the steps up to the first batch step; `done` is called now when
  // nothing is held before it and the document needs no batch step, else by
  // a later Add or Flush. Errors: a batch step's (Flush).
  Status Add(FilterDocument doc, Done done);
  // Decides every held document and hands all back. Errors: a batch step's;
  // the held documents are then not handed back.
  Status Flush();

 private:
  struct Entry {
    FilterDocument doc;
    Decision decision;
    size_t next = 0;  // the batch step it waits at; pipeline size when decided
    Done done;
  };
  bool Decided(const Entry& e) const { return !e.decision.keep || e.next >= pipeline_->filters().size(); }
  void HandBack();

  FilterPipeline* pipeline_;
  size_t hold_;
  std::deque<Entry> queue_;
  size_t waiting_ = 0;
};

}  // namespace crawlproof::filter

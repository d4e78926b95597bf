// Out-of-process scorers: any model, run where its users run it (Python, a
// GPU), spoken to over its standard input and output (docs/classify.md).
//
// The protocol, "crawlproof-scorer/1": JSON lines (every message one line;
// JSON escapes newlines inside texts), UTF-8.
//   scorer -> crawlproof, once, first:
//     {"scorer":"crawlproof-scorer/1","model":"<name>","model_sha256":"<hex>"}
//     (model_sha256: a digest of the model's files, recorded with every score)
//   crawlproof -> scorer, a batch:
//     {"batch":<n>,"docs":[{"id":"<doc id>","text":"<text>"},…]}
//   scorer -> crawlproof, one answer per batch, in any order:
//     {"batch":<n>,"results":[{"id":"<doc id>","score":<number>} or
//                             {"id":"<doc id>","error":"<why>"},…]}
//     (the results in any order; every id of the batch exactly once)
//   crawlproof closes the scorer's input when done; the scorer exits 0.
// At most `max_in_flight` batches are sent before their answers (the
// back-pressure); the scorer's standard error is the run's log.
//
// A scorer that cannot start, exits, stops answering for `timeout_s`
// (killed, with its process group), or answers outside the protocol (not
// JSON, an unknown batch, a missing, unknown or repeated id, a score that is
// not a finite number, a line longer than 64 MiB) is an error naming the
// classifier, the batch and its first document: never a silent keep.
//
// Thread safety: one thread at a time per ScorerProcess.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace crawlproof::classify {

inline constexpr std::string_view kScorerProtocol = "crawlproof-scorer/1";

struct ScorerOptions {
  std::string name;                  // the classifier's name, for messages
  std::vector<std::string> command;  // argv; argv[0] is looked up in PATH
  // Documents per batch. Default: 64.
  size_t batch_size = 64;
  // Batches sent before their answers. Default: 2.
  size_t max_in_flight = 2;
  // Seconds without any answer (or the hello) before the scorer is killed.
  // Default: 600.
  double timeout_s = 600;
};

// A document's score, or the scorer's reason for giving none.
struct ScorerResult {
  std::optional<double> score;
  std::string error;
};

class ScorerProcess {
 public:
  explicit ScorerProcess(ScorerOptions o);
  // Closes the scorer's input and waits for it (killed after 10 s).
  ~ScorerProcess();
  ScorerProcess(const ScorerProcess&) = delete;
  ScorerProcess& operator=(const ScorerProcess&) = delete;

  // Scores `docs` (id, text), starting the scorer on first use; results in
  // the order of `docs`. Errors: as the module comment says (Unavailable; the
  // scorer is stopped and the next call starts a new one).
  Result<std::vector<ScorerResult>> Score(const std::vector<std::pair<std::string_view, std::string_view>>& docs);

  // The hello's model and model_sha256 (empty before the first Score).
  const std::string& model() const { return model_; }
  const std::string& model_sha256() const { return model_sha256_; }

 private:
  Status Start();
  void Stop(bool kill);
  Status Fail(const std::string& what, uint64_t batch, std::string_view first_id);
  // One line from the scorer into *line, waiting until `deadline`. Errors:
  // Unavailable (the deadline passed), ResourceExhausted (a line over the
  // limit), IoError (the output ended).
  Status ReadLine(std::string* line, double deadline);

  ScorerOptions o_;
  pid_t pid_ = -1;
  int to_ = -1, from_ = -1;  // our ends of the scorer's stdin and stdout
  std::string in_buf_;       // bytes read and not yet a whole line
  uint64_t next_batch_ = 0;
  std::string model_, model_sha256_;
};

}  // namespace crawlproof::classify

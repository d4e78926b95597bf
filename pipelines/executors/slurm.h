// The Slurm executor of `crawlproof run` (docs/slurm.md): the plan is made in
// the submitting command; every stage of stages.h becomes `sbatch` array
// jobs (split at the cluster's MaxArraySize) chained with afterok, whose
// tasks run `crawlproof stage` with the same binary and environment. The
// submission is recorded in <output>/submission.json, for `crawlproof
// status` and `crawlproof cancel`.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "pipelines/executors/local.h"
#include "pipelines/executors/slurm_commands.h"
#include "pipelines/pipeline.h"

namespace crawlproof::pipelines {

struct SlurmRunOptions {
  uint64_t max_shards = 0;
  bool recheck = false;  // as RunOptions::recheck
  bool wait = false;     // wait for the last stage, then return its summary
  bool dry_run = false;  // write the plan and the job scripts, submit nothing
  double poll_seconds = 2;
  const std::atomic<bool>* cancel = nullptr;  // stops waiting (the jobs go on)
};

struct SlurmSubmission {
  bool nothing_new = false;
  bool waited = false;  // `summary` is the finished run's
  RunSummary summary;
  std::string plan_dir;
  std::vector<SlurmJob> jobs;
  std::vector<std::string> scripts;  // the job scripts written
};

// Errors: those of the configuration and the store; Unavailable when a
// submission for the same output is still live; IoError naming the sbatch
// command that failed; with `wait`, Internal naming the stage, the task and
// its log when a stage failed beyond its retries (what could no longer run
// is cancelled first).
Result<SlurmSubmission> RunOnSlurm(const PipelineConfig& config, const SlurmRunOptions& options);

// Whether a submission for `output` still has jobs in the queue (their ids).
Result<std::vector<std::string>> LiveJobs(const std::string& output);

// `crawlproof status OUTPUT`: per stage, tasks done / running / pending /
// failed, failures' logs, and what resumes the run.
Result<std::string> SubmissionStatus(const std::string& output);

// `crawlproof cancel OUTPUT`: scancel every job of the submission still in
// the queue. Returns the ids cancelled.
Result<std::vector<std::string>> CancelSubmission(const std::string& output);

}  // namespace crawlproof::pipelines

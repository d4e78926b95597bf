// Slurm's own commands, as the executor (slurm.h) uses them: squeue for what
// is queued, sacct for what ended (where accounting exists), scancel, and
// scontrol for MaxArraySize. Programs run without a shell.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pipelines/pipeline.h"

namespace crawlproof::pipelines {

// One sbatch array of a submission.
struct SlurmJob {
  std::string stage, job_id;
  uint64_t offset = 0, count = 0;  // tasks offset .. offset+count-1 of the stage
};

// Runs a program (no shell) and returns its exit status and standard output.
struct CommandResult {
  int exit_code = -1;
  std::string out;
};
CommandResult RunProgram(const std::vector<std::string>& argv);

// Lines of `|`-separated fields (squeue -o "%a|%b", sacct -P); empty lines skipped.
std::vector<std::vector<std::string>> PipeRows(const std::string& out);

// Array job id -> the states of its tasks still in the queue (squeue; jobs
// that ended are gone from it).
struct QueueState {
  bool ok = false;
  std::string error;
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> by_job;  // state, reason
};
QueueState Queue(const std::vector<SlurmJob>& jobs);

// Slurm's account of array tasks ("JOB_TASK" -> "STATE exit X:Y on NODE"),
// from sacct where the cluster keeps accounting; empty where it does not
// (sacct then fails: accounting_storage/none).
std::map<std::string, std::string> Accounting(const std::vector<SlurmJob>& jobs);

// scancel of every job given (none: nothing to do).
Status CancelJobs(const std::vector<SlurmJob>& jobs);

// `[slurm] max_array_size`, else the cluster's MaxArraySize (scontrol show
// config), else Slurm's default 1001.
uint64_t MaxArraySize(const SlurmOptions& o);

}  // namespace crawlproof::pipelines

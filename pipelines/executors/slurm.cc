#include "pipelines/executors/slurm.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "common/ascii.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "pipelines/executors/slurm_commands.h"
#include "pipelines/outputs/output_dir.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

namespace {

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string SubmissionPath(const std::string& output) {
  return output + "/submission.json";
}

struct Submission {
  std::string plan_dir, pipeline;
  std::vector<SlurmJob> jobs;
  std::map<std::string, uint64_t> tasks;  // per stage
};

std::string SubmissionJson(const Submission& s) {
  JsonObject o;
  std::string jobs = "[", tasks;
  for (size_t i = 0; i < s.jobs.size(); ++i) {
    JsonObject j;
    j.Add("stage", s.jobs[i].stage)
        .Add("job_id", s.jobs[i].job_id)
        .Add("offset", s.jobs[i].offset)
        .Add("count", s.jobs[i].count);
    jobs += i ? "," : "";
    jobs += j.str();
  }
  JsonObject t;
  for (const auto& [k, v] : s.tasks) t.Add(k, v);
  o.Add("plan_dir", s.plan_dir).Add("pipeline", s.pipeline).AddRaw("tasks", t.str()).AddRaw("jobs", jobs + "]");
  return o.str() + "\n";
}

Result<std::optional<Submission>> ReadSubmission(const std::string& output) {
  const std::string path = SubmissionPath(output);
  if (!fs::exists(path)) return std::optional<Submission>();
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element e;
  Submission s;
  std::string_view v;
  if (parser.parse(padded).get(e) || e["plan_dir"].get(v))
    return Status::Corruption(path + ": not a submission record");
  s.plan_dir = std::string(v);
  if (!e["pipeline"].get(v)) s.pipeline = std::string(v);
  simdjson::dom::object tasks;
  if (!e["tasks"].get(tasks))
    for (auto [k, x] : tasks) {
      uint64_t n = 0;
      if (!x.get(n)) s.tasks[std::string(k)] = n;
    }
  simdjson::dom::array jobs;
  if (e["jobs"].get(jobs)) return Status::Corruption(path + ": no jobs");
  for (simdjson::dom::element j : jobs) {
    SlurmJob job;
    std::string_view stage, id;
    if (j["stage"].get(stage) || j["job_id"].get(id) || j["offset"].get(job.offset) || j["count"].get(job.count))
      return Status::Corruption(path + ": a job without stage, id, offset and count");
    job.stage = std::string(stage);
    job.job_id = std::string(id);
    s.jobs.push_back(std::move(job));
  }
  return std::optional<Submission>(std::move(s));
}

std::string SelfPath() {
  std::error_code ec;
  fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "crawlproof" : p.string();
}

std::string StageScript(const PipelineConfig& c, const Plan& plan, const std::string& plan_dir, Stage stage) {
  const std::string name = ToString(stage);
  std::error_code ec;
  const std::string cwd = fs::current_path(ec).string();
  std::string s = "#!/bin/bash\n# crawlproof " + name + " tasks of plan " + plan.id +
                  " (written by `crawlproof run --executor slurm`; docs/slurm.md)\n"
                  "# usage: sbatch --array=0-N " +
                  name +
                  ".sh OFFSET  (task = OFFSET + SLURM_ARRAY_TASK_ID)\n"
                  "set -u\n"
                  "offset=${1:-0}\n"
                  "task=$(( offset + ${SLURM_ARRAY_TASK_ID:-0} ))\n"
                  "log=" +
                  Quote(plan_dir + "/logs/" + name + "-") +
                  "$(printf %06d \"$task\").log\n"
                  "cd " +
                  Quote(cwd) +
                  " || exit 1\n"
                  "attempt=0\n"
                  "while :; do\n"
                  "  echo \"== $(date -u +%FT%TZ) node ${SLURMD_NODENAME:-$(hostname)} job ${SLURM_JOB_ID:-none} task "
                  "$task attempt "
                  "$attempt\" "
                  ">> \"$log\"\n"
                  "  " +
                  Quote(SelfPath()) + " --log-format text stage " + name + " --plan " + Quote(plan_dir + "/plan.json") +
                  " --task \"$task\" >> \"$log\" 2>&1 && exit 0\n"
                  "  rc=$?\n"
                  "  attempt=$(( attempt + 1 ))\n"
                  "  if [ \"$attempt\" -gt " +
                  std::to_string(c.slurm.retries) +
                  " ]; then echo \"== failed after $attempt attempts (exit $rc)\" >> \"$log\"; exit \"$rc\"; fi\n"
                  "done\n";
  return s;
}

std::vector<std::string> SbatchArgs(const PipelineConfig& c, Stage stage, const std::string& plan_dir) {
  const SlurmOptions& o = c.slurm;
  const std::string name = ToString(stage);
  SlurmStageOptions so;
  if (auto it = o.stage.find(name); it != o.stage.end()) so = it->second;
  std::vector<std::string> a = {
      "sbatch",
      "--parsable",
      "--job-name=crawlproof-" + name,
      "--time=" + (so.time.empty() ? o.time : so.time),
      "--mem=" + (so.mem.empty() ? o.mem : so.mem),
      "--cpus-per-task=" + std::to_string(so.cpus_per_task ? so.cpus_per_task : o.cpus_per_task),
      "--output=" + plan_dir + "/logs/" + name + "-%A_%a.slurm.log",
      "--export=ALL"};
  if (!o.partition.empty()) a.push_back("--partition=" + o.partition);
  if (!o.account.empty()) a.push_back("--account=" + o.account);
  if (!o.qos.empty()) a.push_back("--qos=" + o.qos);
  for (const auto& x : o.sbatch_args) a.push_back(x);
  return a;
}

uint64_t DoneCount(const std::string& plan_dir, Stage stage, uint64_t tasks, uint64_t* first_missing) {
  uint64_t done = 0;
  *first_missing = UINT64_MAX;
  for (uint64_t t = 0; t < tasks; ++t) {
    if (fs::exists(DoneMarker(plan_dir, stage, t))) {
      ++done;
    } else if (*first_missing == UINT64_MAX) {
      *first_missing = t;
    }
  }
  return done;
}

std::string LogPath(const std::string& plan_dir, Stage stage, uint64_t task) {
  char n[32];
  std::snprintf(n, sizeof n, "%06llu", static_cast<unsigned long long>(task));
  return plan_dir + "/logs/" + ToString(stage) + "-" + n + ".log";
}

std::string LogTail(const std::string& path) {
  auto text = ReadWholeFile(path);
  if (!text.ok()) return "";
  std::string t(TrimWhitespace(*text));
  size_t at = t.size(), lines = 0;
  while (at > 0 && lines < 3) {
    at = t.rfind('\n', at - 1);
    if (at == std::string::npos) {
      at = 0;
      break;
    }
    ++lines;
  }
  return t.substr(at == 0 ? 0 : at + 1);
}

// The array task ("JOB_INDEX") that ran task `t` of `stage`.
std::string ArrayTask(const Submission& sub, Stage stage, uint64_t t) {
  for (const auto& j : sub.jobs)
    if (j.stage == ToString(stage) && t >= j.offset && t < j.offset + j.count)
      return j.job_id + "_" + std::to_string(t - j.offset);
  return "";
}

// Waits for the submission; the finished run's summary, or the failure.
Result<RunSummary> Wait(const Submission& sub, const Plan& plan, const SlurmRunOptions& options) {
  int queue_failures = 0;
  for (;;) {
    if (options.cancel && options.cancel->load())
      return Status::Unavailable("stopped waiting; the jobs go on (crawlproof status / crawlproof cancel)");
    const std::string result = sub.plan_dir + "/result.json";
    uint64_t missing = 0;
    if (DoneCount(sub.plan_dir, Stage::kCommit, 1, &missing) == 1 && fs::exists(result)) {
      ASSIGN_OR_RETURN(std::string text, ReadWholeFile(result));
      return ParseSummaryJson(text);
    }
    QueueState q = Queue(sub.jobs);
    if (!q.ok) {
      if (++queue_failures > 30) return Status::Unavailable(q.error);
    } else {
      queue_failures = 0;
      // A stage whose jobs have all left the queue with tasks not done failed.
      for (Stage stage : kStages) {
        bool live = false;
        for (const auto& j : sub.jobs)
          if (j.stage == ToString(stage) && q.by_job.count(j.job_id)) live = true;
        if (live) break;
        const uint64_t n = plan.tasks(stage);
        if (n == 0) continue;
        if (DoneCount(sub.plan_dir, stage, n, &missing) == n) continue;
        // Jobs can leave the queue a moment before their marker is seen.
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        if (DoneCount(sub.plan_dir, stage, n, &missing) == n) continue;
        QueueState again = Queue(sub.jobs);
        std::vector<SlurmJob> rest;
        for (const auto& j : sub.jobs)
          if (again.by_job.count(j.job_id)) rest.push_back(j);
        Status cancelled = CancelJobs(rest);
        const std::string log = LogPath(sub.plan_dir, stage, missing);
        const std::string tail = LogTail(log);
        const std::string job = ArrayTask(sub, stage, missing);
        const std::map<std::string, std::string> acct = Accounting(sub.jobs);
        auto a = acct.find(job);
        return Status::Internal(std::string("stage ") + ToString(stage) + " failed: task " + std::to_string(missing) +
                                " (job " + job + (a == acct.end() ? "" : ": " + a->second) +
                                ") did not complete (log: " + log + ")" + (tail.empty() ? "" : ":\n" + tail) + "\n" +
                                std::to_string(rest.size()) + " later job(s) cancelled" +
                                (cancelled.ok() ? "" : " (" + cancelled.message() + ")") +
                                "; re-issue the same crawlproof run to resume (done tasks are kept)");
      }
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(options.poll_seconds));
  }
}

}  // namespace

namespace {

// Jobs of a submission still in the queue, less those that can never run
// (pending on a dependency that failed), which go to `stranded`.
Status QueueOf(const Submission& sub, std::vector<SlurmJob>* live, std::vector<SlurmJob>* stranded) {
  QueueState q = Queue(sub.jobs);
  if (!q.ok) return Status::Unavailable("cannot tell whether the submission is live: " + q.error);
  for (const auto& j : sub.jobs) {
    auto it = q.by_job.find(j.job_id);
    if (it == q.by_job.end()) continue;
    bool never = true;
    for (const auto& [state, reason] : it->second)
      never = never && state == "PENDING" && reason.find("DependencyNeverSatisfied") != std::string::npos;
    (never ? stranded : live)->push_back(j);
  }
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> LiveJobs(const std::string& output) {
  ASSIGN_OR_RETURN(std::optional<Submission> sub, ReadSubmission(output));
  std::vector<std::string> ids;
  if (!sub) return ids;
  std::vector<SlurmJob> live, stranded;
  RETURN_IF_ERROR(QueueOf(*sub, &live, &stranded).WithPrefix(output));
  for (const auto& j : live) ids.push_back(j.job_id);
  return ids;
}

Result<SlurmSubmission> RunOnSlurm(const PipelineConfig& c, const SlurmRunOptions& options) {
  ASSIGN_OR_RETURN(Prepared prepared, Prepare(c));
  if (!options.dry_run) {
    // What an earlier submission left that can never run is cancelled.
    ASSIGN_OR_RETURN(std::optional<Submission> before, ReadSubmission(c.output));
    if (before) {
      std::vector<SlurmJob> live_jobs, stranded;
      if (QueueOf(*before, &live_jobs, &stranded).ok() && !stranded.empty()) CancelJobs(stranded).ok();
    }
    auto live = LiveJobs(c.output);
    if (!live.ok()) return live.status();
    if (!live->empty()) {
      std::string ids;
      for (const auto& id : *live) {
        if (!ids.empty()) ids += ",";
        ids += id;
      }
      return Status::Unavailable("a submission for " + c.output + " is still live (jobs " + ids +
                                 "); wait for it (crawlproof status " + c.output +
                                 ") or cancel it (crawlproof cancel " + c.output + ")");
    }
  }
  // The output folder: crawlproof's own (created and marked now; the
  // commit task locks it while it writes).
  ASSIGN_OR_RETURN(const std::vector<std::string> sources,
                   ListSources(c, true, options.cancel));  // before anything is created
  RETURN_IF_ERROR(CheckOutputFolder(c, /*claim=*/true));
  // The plan, from the store (created when absent; held only while planning).
  const std::string params = DedupParams(c);
  std::error_code ec;
  fs::create_directories(c.store, ec);
  Plan plan;
  {
    ASSIGN_OR_RETURN(std::unique_ptr<store::ProvenanceStore> st,
                     store::ProvenanceStore::Open(c.store, params, c.num_perm));
    PlanOptions po;
    po.max_shards = options.max_shards;
    po.recheck = options.recheck;
    po.sources = &sources;
    if (prepared.ledger) po.ledger_head = verify::ToHex(prepared.ledger->root());
    po.sources_per_task = c.slurm.sources_per_task;
    po.bytes_per_task = c.slurm.bytes_per_task;
    po.dedup_partitions = c.slurm.dedup_tasks;
    po.tokenize_tasks = c.slurm.tokenize_tasks;
    po.cluster_tasks = c.slurm.cluster_tasks;
    po.prompts = c.prompts.enabled;
    ASSIGN_OR_RETURN(plan, MakePlan(c, *st, po));
    // A run whose commit was killed after its last group and re-issued
    // rather than requeued: every group is in the store, its record is not.
    // Its end (run record, stats, report) is written here, from its parts.
    ASSIGN_OR_RETURN(const std::vector<std::string> unrecorded, st->RunParts(plan.run));
    if (plan.groups.empty() && !unrecorded.empty() && !options.dry_run) {
      StageContext ctx;
      ctx.config = &c;
      ctx.prepared = &prepared;
      ctx.plan = &plan;
      ctx.store = st.get();
      ctx.work = fs::absolute(c.slurm.workdir, ec).lexically_normal().string();
      RETURN_IF_ERROR(CheckWorkFolder(c, ctx.work, /*claim=*/true));
      RETURN_IF_ERROR(PrepareWork(ctx));
      SlurmSubmission done;
      done.summary.run = plan.run;
      done.summary.sources = plan.sources.size();
      Totals totals;
      ASSIGN_OR_RETURN(std::optional<std::string> committed, st->Manifest());
      if (committed) {
        ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
        totals.shards_after = m.shards.size();
      }
      RETURN_IF_ERROR(FinishRun(ctx, totals, 0, &done.summary));
      done.waited = true;  // nothing to submit: the run is complete now
      return done;
    }
  }
  SlurmSubmission out;
  out.summary.run = plan.run;
  out.summary.sources = plan.sources.size();
  if (plan.groups.empty()) {
    out.nothing_new = true;
    out.summary.nothing_new = true;
    return out;
  }
  StageContext ctx;
  ctx.config = &c;
  ctx.prepared = &prepared;
  ctx.plan = &plan;
  ctx.work = fs::absolute(c.slurm.workdir, ec).lexically_normal().string();
  RETURN_IF_ERROR(CheckWorkFolder(c, ctx.work, /*claim=*/true));
  RETURN_IF_ERROR(PrepareWork(ctx, /*clear=*/!options.dry_run));
  const std::string plan_dir = ctx.plan_dir();
  out.plan_dir = plan_dir;
  fs::create_directories(plan_dir + "/logs", ec);
  fs::create_directories(plan_dir + "/jobs", ec);
  // A resumed plan: a commit that was done stays done; other markers too.
  const uint64_t max_array = MaxArraySize(c.slurm);
  Submission sub;
  sub.plan_dir = plan_dir;
  sub.pipeline = plan.pipeline;
  std::vector<std::string> previous;  // the job ids of the previous stage
  for (Stage stage : kStages) {
    const std::string name = ToString(stage);
    const uint64_t n = plan.tasks(stage);
    sub.tasks[name] = n;
    const std::string script = plan_dir + "/jobs/" + name + ".sh";
    RETURN_IF_ERROR(WriteFileAtomically(script, StageScript(c, plan, plan_dir, stage)));
    fs::permissions(script, fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add, ec);
    out.scripts.push_back(script);
    std::vector<std::string> ids;
    for (uint64_t offset = 0; offset < n; offset += max_array) {
      const uint64_t count = std::min(max_array, n - offset);
      std::vector<std::string> argv = SbatchArgs(c, stage, plan_dir);
      argv.push_back("--array=0-" + std::to_string(count - 1));
      if (!previous.empty()) {
        std::string dep = "--dependency=afterok";
        for (const auto& id : previous) dep += ":" + id;
        argv.push_back(dep);
      }
      argv.push_back(script);
      argv.push_back(std::to_string(offset));
      if (options.dry_run) {
        std::string line;
        for (const auto& a : argv) {
          if (!line.empty()) line += " ";
          line += Quote(a);
        }
        // Placeholders for the ids sbatch would print, so that the
        // dependencies show.
        const std::string id = "${" + name + "_" + std::to_string(offset / max_array) + "}";
        ids.push_back(id);
        sub.jobs.push_back({name, id, offset, count});
        out.scripts.push_back("# " + line);
        continue;
      }
      CommandResult r = RunProgram(argv);
      std::string id = std::string(TrimWhitespace(r.out));
      if (const size_t semi = id.find(';'); semi != std::string::npos) id.resize(semi);  // "id;cluster"
      if (r.exit_code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        // What was submitted cannot run without this stage.
        CancelJobs(sub.jobs).ok();
        return Status::IoError("sbatch of the " + name + " stage failed (exit " + std::to_string(r.exit_code) +
                               "): " + std::string(TrimWhitespace(r.out)));
      }
      ids.push_back(id);
      sub.jobs.push_back({name, id, offset, count});
    }
    previous = ids;
  }
  out.jobs = sub.jobs;
  if (options.dry_run) {
    std::string lines;
    for (const auto& s : out.scripts)
      if (s.rfind("# ", 0) == 0) lines += s.substr(2) + "\n";
    RETURN_IF_ERROR(
        WriteFileAtomically(plan_dir + "/jobs/submit.sh", "#!/bin/bash\n# what would be submitted\n" + lines));
    return out;
  }
  RETURN_IF_ERROR(WriteFileAtomically(SubmissionPath(c.output), SubmissionJson(sub)));
  if (!options.wait) return out;
  ASSIGN_OR_RETURN(out.summary, Wait(sub, plan, options));
  out.waited = true;
  return out;
}

Result<std::string> SubmissionStatus(const std::string& output) {
  ASSIGN_OR_RETURN(std::optional<Submission> sub, ReadSubmission(output));
  if (!sub) return Status::NotFound(output + ": no Slurm submission (no " + SubmissionPath(output) + ")");
  ASSIGN_OR_RETURN(std::string plan_text, ReadWholeFile(sub->plan_dir + "/plan.json"));
  ASSIGN_OR_RETURN(Plan plan, Plan::Parse(plan_text, sub->plan_dir + "/plan.json"));
  QueueState q = Queue(sub->jobs);
  std::string out = "run #" + std::to_string(plan.run) + " of " + plan.pipeline + " (plan " + plan.id + ", " +
                    std::to_string(plan.groups.size()) + " groups)\n";
  if (!q.ok) out += "  (the queue cannot be read: " + q.error + ")\n";
  bool failed_any = false, live_any = false;
  out += "  stage      tasks   done  running  pending  failed\n";
  for (Stage stage : kStages) {
    const uint64_t n = plan.tasks(stage);
    uint64_t missing = 0;
    const uint64_t done = DoneCount(sub->plan_dir, stage, n, &missing);
    uint64_t running = 0, pending = 0;
    bool live = false;
    for (const auto& j : sub->jobs) {
      if (j.stage != ToString(stage)) continue;
      auto it = q.by_job.find(j.job_id);
      if (it == q.by_job.end()) continue;
      live = true;
      for (const auto& [state, reason] : it->second) {
        if (state == "RUNNING" || state == "COMPLETING") {
          ++running;
        } else {
          ++pending;
        }
      }
    }
    live_any = live_any || live;
    const uint64_t failed = (!live && q.ok && done < n && !live_any) ? n - done : 0;
    char line[160];
    std::snprintf(line, sizeof line, "  %-9s %6llu %6llu %8llu %8llu %7llu\n", ToString(stage),
                  static_cast<unsigned long long>(n), static_cast<unsigned long long>(done),
                  static_cast<unsigned long long>(running), static_cast<unsigned long long>(pending),
                  static_cast<unsigned long long>(failed));
    out += line;
    if (failed) {
      failed_any = true;
      const std::map<std::string, std::string> acct = Accounting(sub->jobs);
      for (uint64_t t = 0, shown = 0; t < n && shown < 5; ++t) {
        if (fs::exists(DoneMarker(sub->plan_dir, stage, t))) continue;
        const std::string log = LogPath(sub->plan_dir, stage, t);
        const std::string job = ArrayTask(*sub, stage, t);
        auto a = acct.find(job);
        out += "    task " + std::to_string(t) + " (job " + job + (a == acct.end() ? "" : ": " + a->second) +
               "): " + log + "\n";
        const std::string tail = LogTail(log);
        if (!tail.empty())
          out += "      " + tail.substr(tail.rfind('\n') == std::string::npos ? 0 : tail.rfind('\n') + 1) + "\n";
        ++shown;
      }
      break;  // later stages never started
    }
  }
  if (fs::exists(sub->plan_dir + "/result.json")) {
    out += "finished: " + output + "/stats.json\n";
  } else if (failed_any || (!live_any && q.ok)) {
    out += "not running; resume with: crawlproof run " + plan.pipeline + " --executor slurm\n";
  } else {
    out += "running; cancel with: crawlproof cancel " + output + "\n";
  }
  return out;
}

Result<std::vector<std::string>> CancelSubmission(const std::string& output) {
  ASSIGN_OR_RETURN(std::optional<Submission> sub, ReadSubmission(output));
  if (!sub) return Status::NotFound(output + ": no Slurm submission (no " + SubmissionPath(output) + ")");
  std::vector<SlurmJob> live, stranded;
  RETURN_IF_ERROR(QueueOf(*sub, &live, &stranded).WithPrefix(output));
  live.insert(live.end(), stranded.begin(), stranded.end());
  RETURN_IF_ERROR(CancelJobs(live));
  std::vector<std::string> ids;
  for (const auto& j : live) ids.push_back(j.job_id);
  return ids;
}

}  // namespace crawlproof::pipelines

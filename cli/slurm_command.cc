// crawlproof stage NAME --plan FILE --task N (what Slurm jobs run);
// crawlproof status OUTPUT; crawlproof cancel OUTPUT; crawlproof store dump STORE.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "common/file_util.h"
#include "common/logging.h"
#include "pipelines/executors/slurm.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"

namespace crawlproof::cli {
namespace {

struct StageArgs {
  std::string stage, plan;
  uint64_t task = 0;
  unsigned threads = 0;
};

// Test hook: CRAWLPROOF_STAGE_SLEEP=<stage>:<task>:<seconds> makes that task
// wait before it starts (so that a test can kill it mid-task).
void StageSleep(const std::string& stage, uint64_t task) {
  const char* v = std::getenv("CRAWLPROOF_STAGE_SLEEP");
  if (!v) return;
  const std::string want = stage + ":" + std::to_string(task) + ":";
  if (std::string(v).rfind(want, 0) != 0) return;
  std::this_thread::sleep_for(std::chrono::duration<double>(std::atof(v + want.size())));
}

Status RunStage(const StageArgs& a) {
  auto stage = pipelines::StageFromString(a.stage);
  if (!stage) {
    return Status::InvalidArgument("stage: no stage " + a.stage + " (" + pipelines::StageNames() + ")");
  }
  auto fail = [&](const Status& s) { return s.WithPrefix(a.stage + " task " + std::to_string(a.task)); };
  auto text = ReadWholeFile(a.plan);
  if (!text.ok()) return fail(text.status());
  auto plan = pipelines::Plan::Parse(*text, a.plan);
  if (!plan.ok()) return fail(plan.status());
  auto config = pipelines::LoadPipeline(plan->pipeline);
  if (!config.ok()) return fail(config.status());
  // Only tokenize tasks (and assemble tasks deciding prompts: their token
  // bound) use the tokenizer; the others skip parsing it.
  auto prepared = pipelines::Prepare(*config, *stage == pipelines::Stage::kTokenize ||
                                                  (*stage == pipelines::Stage::kAssemble && config->prompts.enabled));
  if (!prepared.ok()) return fail(prepared.status());
  pipelines::StageContext ctx;
  ctx.config = &*config;
  ctx.prepared = &*prepared;
  ctx.plan = &*plan;
  const std::string plan_dir = std::filesystem::path(a.plan).parent_path().string();
  ctx.work = std::filesystem::path(plan_dir).parent_path().string();
  if (ctx.plan_dir() != plan_dir)
    return fail(Status::InvalidArgument(a.plan + " is not in its plan folder (plan-" + plan->id + ")"));
  // The options the plan's process outputs were made with must still hold.
  auto fp = ReadWholeFile(ctx.work + "/fingerprint");
  const std::string want = pipelines::WorkFingerprint(*prepared, *plan);
  if (!fp.ok() || *fp != want)
    return fail(Status::InvalidArgument("the pipeline " + plan->pipeline +
                                        " (its options, tokenizer or ledger) changed since this plan was made; "
                                        "re-issue crawlproof run --executor slurm"));
  ctx.threads = a.threads ? a.threads : 1;
  std::unique_ptr<store::ProvenanceStore> st;
  if (*stage == pipelines::Stage::kCommit) {
    const std::string params = pipelines::DedupParams(*config);
    auto opened = store::ProvenanceStore::Open(config->store, params, config->num_perm);
    if (!opened.ok()) return fail(opened.status());
    st = std::move(*opened);
  } else if (*stage != pipelines::Stage::kProcess && *stage != pipelines::Stage::kTokenize) {
    auto opened = store::ProvenanceStore::OpenReadOnly(config->store, config->num_perm);
    if (!opened.ok()) return fail(opened.status());
    st = std::move(*opened);
  }
  ctx.store = st.get();
  ctx.checkpoint = Failpoint;
  StageSleep(a.stage, a.task);
  pipelines::RunSummary summary;
  const auto t0 = std::chrono::steady_clock::now();
  Status s = pipelines::RunStageTask(ctx, *stage, a.task, &summary);
  if (!s.ok()) return fail(s);
  char took[64];
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  std::snprintf(took, sizeof took, "%.3f s, peak RSS %.1f MB",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                static_cast<double>(usage.ru_maxrss) / 1024.0);
  LogInfo(a.stage + " task " + std::to_string(a.task) + " of plan " + plan->id + ": done in " + took);
  if (*stage == pipelines::Stage::kCommit) std::printf("%s\n", summary.stats_json.c_str());
  return Status::Ok();
}

Status RunStatus(const std::string& output) {
  ASSIGN_OR_RETURN(auto text, pipelines::SubmissionStatus(output));
  std::printf("%s", text.c_str());
  return Status::Ok();
}

Status RunCancel(const std::string& output) {
  ASSIGN_OR_RETURN(auto ids, pipelines::CancelSubmission(output));
  std::string list;
  for (const auto& id : ids) {
    if (!list.empty()) list += " ";
    list += id;
  }
  LogInfo(ids.empty() ? "nothing live to cancel for " + output : "cancelled jobs " + list);
  return Status::Ok();
}

struct DumpArgs {
  std::string store, family = "provenance";
};

Status RunDump(const DumpArgs& a) {
  ASSIGN_OR_RETURN(auto st, store::ProvenanceStore::OpenReadOnly(a.store, 0));
  std::vector<std::string> families = {a.family};
  if (a.family == "all") families = store::ProvenanceStore::FamilyNames();
  for (const auto& f : families) {
    Status s = st->DumpFamily(f, [&](const std::string& line) {
      if (a.family == "all") {
        std::string l = "{\"family\":\"" + f + "\"," + line.substr(1) + "\n";
        std::fwrite(l.data(), 1, l.size(), stdout);
      } else {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputc('\n', stdout);
      }
      return ferror(stdout) ? Status::IoError("stdout: write failed") : Status::Ok();
    });
    RETURN_IF_ERROR(s.WithPrefix(a.store));
  }
  return Status::Ok();
}

// Sizes of a store's table files, in bytes.
uint64_t TableBytes(const std::string& dir) {
  uint64_t bytes = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".sst") bytes += e.file_size(ec);
  return bytes;
}

Status RunCompact(const std::string& dir) {
  ASSIGN_OR_RETURN(auto st, store::ProvenanceStore::OpenForReading(dir));
  const uint64_t before = TableBytes(dir);
  const auto start = std::chrono::steady_clock::now();
  RETURN_IF_ERROR(st->Compact());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  char line[160];
  std::snprintf(line, sizeof line, "compacted %s: %.2f GB of table files before, %.2f GB after, in %.1f s", dir.c_str(),
                static_cast<double>(before) / 1e9, static_cast<double>(TableBytes(dir)) / 1e9, seconds);
  LogInfo(line);
  return Status::Ok();
}

}  // namespace

void RegisterSlurmCommands(CLI::App& app, Status* result) {
  auto sa = std::make_shared<StageArgs>();
  auto* stage = app.add_subcommand(
      "stage", "Run one task of a stage of a planned run (what the Slurm executor's jobs run; docs/slurm.md)");
  stage->add_option("stage", sa->stage, "process, dedup, components, cluster, assemble, tokenize, entries or commit")
      ->required();
  stage->add_option("--plan", sa->plan, "The run's plan.json (in its work folder)")->required();
  stage->add_option("--task", sa->task, "The task's number within the stage")->capture_default_str();
  stage->add_option("--threads", sa->threads, "Threads within the task (default 1; SLURM_CPUS_PER_TASK)")
      ->envname("SLURM_CPUS_PER_TASK");
  stage->callback([sa, result] { *result = RunStage(*sa); });

  auto output = std::make_shared<std::string>();
  auto* status = app.add_subcommand("status", "Where a Slurm submission of `crawlproof run` stands, per stage");
  status->add_option("output", *output, "The run's output folder")->required();
  status->callback([output, result] { *result = RunStatus(*output); });
  auto cancel_output = std::make_shared<std::string>();
  auto* cancel = app.add_subcommand("cancel", "Cancel the live jobs of a Slurm submission of `crawlproof run`");
  cancel->add_option("output", *cancel_output, "The run's output folder")->required();
  cancel->callback([cancel_output, result] { *result = RunCancel(*cancel_output); });

  auto da = std::make_shared<DumpArgs>();
  auto* store_cmd = app.add_subcommand("store", "Read a provenance store, or compact it between runs");
  store_cmd->require_subcommand(1);
  auto* dump = store_cmd->add_subcommand(
      "dump", "A store's entries as JSON lines in key order: the documents' accounts, or any family by name");
  dump->add_option("store", da->store, "The store folder")->required();
  dump->add_option("--family", da->family,
                   "provenance (default), ingest, by_url, by_position, dedup, runs, or all (each line then names "
                   "its family)")
      ->capture_default_str();
  dump->callback([da, result] { *result = RunDump(*da); });
  auto compact_dir = std::make_shared<std::string>();
  auto* compact = store_cmd->add_subcommand(
      "compact",
      "Rewrite a store's table files between runs: level 0 merged down, every file with the current Bloom "
      "filters (docs/operations.md)");
  compact->add_option("store", *compact_dir, "The store folder")->required();
  compact->callback([compact_dir, result] { *result = RunCompact(*compact_dir); });
}

}  // namespace crawlproof::cli

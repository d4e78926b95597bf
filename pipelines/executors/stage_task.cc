// One task of a stage as a Slurm job runs it (stages.h: RunStageTask).

#include <algorithm>
#include <filesystem>

#include "common/file_util.h"
#include "common/logging.h"
#include "pipelines/outputs/output_dir.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shard_files.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

// ---- one task of a job ------------------------------------------------------------------

Status RunStageTask(const StageContext& ctx, Stage stage, uint64_t task, RunSummary* summary) {
  const Plan& plan = *ctx.plan;
  if (task >= plan.tasks(stage))
    return Status::InvalidArgument(std::string(ToString(stage)) + " task " + std::to_string(task) +
                                   " is not in the plan (" + std::to_string(plan.tasks(stage)) + " tasks)");
  // A task writes under its plan folder and process/: never through a link.
  RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, ctx.plan_dir() + "/done"));
  RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, ctx.work + "/process/x"));
  const std::string marker = DoneMarker(ctx.plan_dir(), stage, task);
  if (fs::exists(marker) && stage != Stage::kCommit) return Status::Ok();
  const uint64_t groups = plan.groups.size();
  switch (stage) {
    case Stage::kProcess: RETURN_IF_ERROR(ProcessTask(ctx, task)); break;
    case Stage::kDedup: RETURN_IF_ERROR(DedupPartition(ctx, static_cast<uint32_t>(task), 0, groups)); break;
    case Stage::kComponents: RETURN_IF_ERROR(Components(ctx, 0, groups)); break;
    case Stage::kCluster: RETURN_IF_ERROR(ClusterTask(ctx, task, 0, groups)); break;
    case Stage::kAssemble:
      RETURN_IF_ERROR(Assemble(ctx, 0, groups, plan.assemble_tasks[task].first, plan.assemble_tasks[task].second));
      break;
    case Stage::kTokenize:
      RETURN_IF_ERROR(Tokenize(ctx, plan.tokenize_tasks[task].first, plan.tokenize_tasks[task].second));
      break;
    case Stage::kEntries:
      RETURN_IF_ERROR(WriteEntries(ctx, plan.tokenize_tasks[task].first, plan.tokenize_tasks[task].second));
      break;
    case Stage::kCommit: {
      const auto t0 = Clock::now();
      std::unique_ptr<OutputLock> output_lock;
      RETURN_IF_ERROR(CheckOutputFolder(*ctx.config, /*claim=*/true, &output_lock));
      const std::string shards_dir = ctx.config->output + "/shards";
      ASSIGN_OR_RETURN(std::optional<std::string> committed, ctx.store->Manifest());
      Totals totals;
      if (committed) {
        ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
        totals.shards_before = m.shards.size();
      }
      RETURN_IF_ERROR(Reconcile(shards_dir, committed));
      if (ctx.config->prompts.enabled) {
        ASSIGN_OR_RETURN(std::optional<std::string> prompts_committed, ctx.store->PromptsManifest());
        RETURN_IF_ERROR(ReconcilePrompts(ctx.config->output + "/prompts", prompts_committed));
      }
      summary->run = plan.run;
      summary->sources = plan.sources.size();
      bool any_new = false;
      for (uint64_t g = 0; g < groups; ++g) {
        ASSIGN_OR_RETURN(std::optional<std::string> front,
                         ctx.store->Ingest(plan.sources[plan.groups[g].sources.front()]));
        const bool already = CommittedInRun(front, plan.run);
        // Shards committed by an earlier attempt of this plan count as
        // written by this run.
        if (already && !any_new) {
          ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(TokenizeDir(ctx, g) + "/fresh-manifest.json"));
          ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
          totals.shards_before -= std::min<uint64_t>(totals.shards_before, fresh.shards.size());
        }
        any_new = any_new || !already;
        RETURN_IF_ERROR(CommitGroup(ctx, g, &totals, summary));
      }
      // The run's wall time: since the plan was written (the submission),
      // as a local run counts from its start; the commit's own if unknown.
      double seconds = Since(t0);
      std::error_code ec;
      const auto planned = fs::last_write_time(ctx.plan_dir() + "/plan.json", ec);
      if (!ec)
        seconds = std::max(seconds, std::chrono::duration<double>(fs::file_time_type::clock::now() - planned).count());
      RETURN_IF_ERROR(FinishRun(ctx, totals, seconds, summary));
      break;
    }
  }
  return WriteFileAtomically(marker, "");
}

}  // namespace crawlproof::pipelines

#include "pipelines/executors/local.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>

#include "common/file_util.h"
#include "pipelines/outputs/output_dir.h"
#include "pipelines/stages/prompts.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"

namespace crawlproof::pipelines {

std::string DefaultTokenizerPath() {
  return std::string(CRAWLPROOF_DATA_DIR) + "/tokenizers/deepseek-v3/tokenizer.json";
}

Status CheckPipeline(const PipelineConfig& c) {
  // Every refusal a run would make, not only the first: the tokenizer, the
  // filters and the ledger; the sources; the output folder.
  std::string refusals;
  Status first = Status::Ok();
  const std::string work = c.executor == "slurm" ? c.slurm.workdir : c.output + "/work";
  Status output = CheckOutputFolder(c, /*claim=*/false);
  // A local source named literally (no glob) that is not there: a typo the
  // run would only report as an unreadable shard.
  Status literal = Status::Ok();
  for (const auto& p : c.paths) {
    if (p.find("://") != std::string::npos || p.find_first_of("*?[") != std::string::npos) continue;
    std::error_code ec;
    if (!std::filesystem::exists(p, ec) && literal.ok())
      literal = Status::InvalidArgument(c.file + ": source.paths: \"" + p + "\" does not exist");
  }
  for (const Status& s : {Prepare(c).status(), ListSources(c, /*fetch_remote=*/false).status(), literal, output,
                          output.ok() ? CheckWorkFolder(c, work, /*claim=*/false) : Status::Ok()}) {
    if (s.ok()) continue;
    if (first.ok()) first = s;
    refusals += (refusals.empty() ? "" : "\n") + s.message();
  }
  return first.ok() ? first : Status(first.code(), refusals);
}

Result<RunSummary> RunPipeline(const PipelineConfig& c, const RunOptions& options) {
  const auto t_start = Clock::now();
  RunSummary summary;
  ASSIGN_OR_RETURN(Prepared prepared, Prepare(c));
  ASSIGN_OR_RETURN(const std::vector<std::string> sources,
                   ListSources(c, true, options.cancel));  // before anything is created
  // The output folder (crawlproof's own, one run at a time), the store (one
  // run at a time) and the outputs it has committed.
  std::unique_ptr<OutputLock> output_lock;
  RETURN_IF_ERROR(CheckOutputFolder(c, /*claim=*/true, &output_lock));
  const std::string params = DedupParams(c);
  std::error_code ec;
  std::filesystem::create_directories(c.store, ec);
  ASSIGN_OR_RETURN(std::unique_ptr<store::ProvenanceStore> st,
                   store::ProvenanceStore::Open(c.store, params, c.num_perm));
  const std::string shards_dir = c.output + "/shards";
  ASSIGN_OR_RETURN(std::optional<std::string> committed, st->Manifest());
  RETURN_IF_ERROR(Reconcile(shards_dir, committed));
  if (c.prompts.enabled) {
    ASSIGN_OR_RETURN(std::optional<std::string> prompts_committed, st->PromptsManifest());
    RETURN_IF_ERROR(ReconcilePrompts(c.output + "/prompts", prompts_committed));
  }

  const unsigned workers = c.workers ? c.workers : std::max(1u, std::thread::hardware_concurrency());
  PlanOptions po;
  po.max_shards = options.max_shards;
  po.dedup_partitions = workers;
  po.cluster_tasks = workers;
  po.recheck = options.recheck;
  po.sources = &sources;
  if (prepared.ledger) po.ledger_head = verify::ToHex(prepared.ledger->root());
  ASSIGN_OR_RETURN(Plan plan, MakePlan(c, *st, po));
  summary.run = plan.run;
  summary.sources = plan.sources.size();
  // A run killed after its last group's commit and before its end has every
  // group in the store but no run record: it is finished now, from its parts.
  ASSIGN_OR_RETURN(const std::vector<std::string> unrecorded, st->RunParts(plan.run));
  if (plan.groups.empty() && unrecorded.empty()) {
    summary.nothing_new = true;
    return summary;
  }
  StageContext ctx;
  ctx.config = &c;
  ctx.prepared = &prepared;
  ctx.plan = &plan;
  ctx.work = c.output + "/work";
  RETURN_IF_ERROR(CheckWorkFolder(c, ctx.work, /*claim=*/true));
  ctx.store = st.get();
  ctx.threads = c.workers;
  ctx.checkpoint = options.checkpoint;
  RETURN_IF_ERROR(PrepareWork(ctx));
  StageContext one_source = ctx;  // a process unit: one thread each
  one_source.threads = 1;
  one_source.cancel = options.cancel;

  uint64_t todo = 0;
  for (const auto& g : plan.groups) todo += g.sources.size();
  ProgressOptions popt = options.progress;
  popt.unit = "shards";
  popt.total_items = todo;
  popt.secondary_unit = "documents";
  Progress progress(popt, plan.todo_bytes);
  Totals totals;
  totals.shards_before = committed ? tokenize::Manifest::Parse(*committed)->shards.size() : 0;
  totals.shards_after = totals.shards_before;
  auto cancelled = [&] { return options.cancel && options.cancel->load(); };
  StageContext entries_ctx = ctx;  // a group's sources on the workers
  entries_ctx.threads = workers;
  EntryBase base{plan.next_shard, plan.next_prompt_file};
  Status status = Status::Ok();
  auto process = [&](const std::vector<uint64_t>& sources) {
    return ParallelFor(sources.size(), workers, options.cancel, [&](uint64_t i) -> Status {
      ASSIGN_OR_RETURN(ProcessedSource p, ProcessSource(one_source, sources[i]));
      progress.AddSecondary(p.documents);
      progress.Add(1, p.bytes);
      return Status::Ok();
    });
  };
  // A top_fraction classifier cuts over the whole run (ClassifierCuts): every
  // group's sources are processed before the first group's dedup, as the
  // Slurm executor's process array does.
  const bool run_wide_cut =
      std::any_of(c.models.begin(), c.models.end(), [](const ModelFile& m) { return m.top_fraction.has_value(); });
  if (run_wide_cut) {
    std::vector<uint64_t> all;
    for (const PlanGroup& group : plan.groups) all.insert(all.end(), group.sources.begin(), group.sources.end());
    status = process(all);
  }
  for (uint64_t g = 0; g < plan.groups.size() && status.ok(); ++g) {
    if (cancelled()) {
      status = Status::Unavailable("interrupted");
      break;
    }
    const PlanGroup& group = plan.groups[g];
    // process: the group's sources on the workers.
    if (!run_wide_cut) status = process(group.sources);
    if (!status.ok()) break;
    if (cancelled()) {
      status = Status::Unavailable("interrupted");
      break;
    }
    ctx.Point("tasks-done");
    // dedup, components, cluster, assemble, tokenize and commit of the
    // group: once its sources are read, a group completes.
    status = ParallelFor(plan.dedup_partitions, workers, nullptr,
                         [&](uint64_t p) { return DedupPartition(ctx, static_cast<uint32_t>(p), g, g + 1); });
    if (status.ok()) status = Components(ctx, g, g + 1);
    if (status.ok())
      status =
          ParallelFor(plan.cluster_tasks, workers, nullptr, [&](uint64_t t) { return ClusterTask(ctx, t, g, g + 1); });
    if (status.ok()) status = Assemble(ctx, g, g + 1, g, g + 1);
    if (status.ok()) status = Tokenize(ctx, g, g + 1);
    if (!status.ok()) break;
    ctx.Point("shards-written");
    status = WriteGroupEntries(entries_ctx, g, base);
    if (status.ok()) {
      auto next = NextEntryBase(ctx, g, base);
      if (next.ok()) base = *next;
      status = next.status();
    }
    if (!status.ok()) break;
    status = CommitGroup(ctx, g, &totals, &summary);
    // What the committed group needed is spent: the work folder holds one
    // group's files at a time, not the run's.
    if (status.ok()) ReleaseGroup(ctx, g, g, g + 1);
  }
  progress.Finish();
  if (!status.ok()) {
    if (cancelled())
      return Status::Unavailable("interrupted after " + std::to_string(summary.processed) + " of " +
                                 std::to_string(todo) + " shards; the next run resumes from there");
    return status;
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - t_start).count();
  RETURN_IF_ERROR(FinishRun(ctx, totals, seconds, &summary));
  // The run is complete: its work folder is emptied (its marker stays, so
  // that the next run knows the folder for crawlproof's own).
  RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, ctx.plan_dir() + "/done"));
  for (const std::string& p : {ctx.plan_dir(), ctx.work + "/process", ctx.work + "/fingerprint"})
    std::filesystem::remove_all(p, ec);
  return summary;
}

}  // namespace crawlproof::pipelines

// The commit stage (stages.h): the only writer of the store, and the run's end.
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "pipelines/outputs/json_counts.h"
#include "pipelines/outputs/output_dir.h"
#include "pipelines/outputs/report.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shard_files.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

// ---- commit -----------------------------------------------------------------------------

namespace {}  // namespace

void MergeCounts(const Totals& g, const RunSummary& gs, Totals* t, RunSummary* s) {
  t->bytes += g.bytes;
  t->records += g.records;
  for (const auto& [k, v] : g.statuses) t->statuses[k] += v;
  for (const auto& [k, v] : g.dropped) t->dropped[k] += v;
  for (const auto& [k, v] : g.scores) t->scores[k] += v;
  for (const auto& [k, v] : g.languages) t->languages[k] += v;
  for (const auto& [k, v] : g.skipped) t->skipped[k] += v;
  t->exact += g.exact;
  t->near += g.near;
  t->earlier += g.earlier;
  t->process_seconds += g.process_seconds;
  t->dedup_seconds += g.dedup_seconds;
  t->tokenize_seconds += g.tokenize_seconds;
  t->prompts.Add(g.prompts);
  t->shards_after = g.shards_after;
  s->processed += gs.processed;
  s->quarantined += gs.quarantined;
  s->unverified += gs.unverified;
  s->kept += gs.kept;
  s->tokens += gs.tokens;
  s->input_errors += gs.input_errors;
}

namespace {

// Adds a part (entries.cc's PartJson) to the sums. Errors: Corruption (not a
// part record).
Status AddPart(const std::string& json, Totals* t, RunSummary* s, std::set<std::string>* sources,
               uint64_t* shards_added) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(json);
  simdjson::dom::element e;
  simdjson::dom::array list;
  if (parser.parse(p).get(e) || e["sources"].get(list)) return Status::Corruption("a run part that is not one");
  for (simdjson::dom::element x : list) {
    std::string_view v;
    if (!x.get(v)) sources->insert(std::string(v));
  }
  auto u = [&](const char* key) {
    uint64_t v = 0;
    if (e[key].get(v)) v = 0;
    return v;
  };
  *shards_added += u("shards_added");
  Totals g;
  RunSummary gs;
  g.bytes = u("bytes");
  g.records = u("records");
  AddCounts(e["statuses"], &g.statuses);
  AddCounts(e["dropped"], &g.dropped);
  AddCounts(e["scores"], &g.scores);
  AddCounts(e["languages"], &g.languages);
  AddCounts(e["skipped"], &g.skipped);
  g.exact = u("exact");
  g.near = u("near");
  g.earlier = u("earlier");
  simdjson::dom::element prompts;
  if (!e["prompts"].get(prompts)) g.prompts.AddJson(simdjson::minify(prompts));
  gs.processed = u("processed");
  gs.quarantined = u("quarantined");
  gs.unverified = u("unverified");
  gs.kept = u("kept");
  gs.tokens = u("tokens");
  gs.input_errors = u("input_errors");
  g.shards_after = t->shards_after;  // not a part's to say
  MergeCounts(g, gs, t, s);
  return Status::Ok();
}

}  // namespace

Status CommitGroup(const StageContext& ctx, uint64_t g, Totals* totals, RunSummary* summary) {
  const PipelineConfig& c = *ctx.config;
  const PlanGroup& group = ctx.plan->groups[g];
  const auto t0 = Clock::now();
  const std::string shards_dir = c.output + "/shards", tdir = TokenizeDir(ctx, g), edir = EntriesDir(ctx, g);
  // The group's counts and what its entries were numbered from.
  ASSIGN_OR_RETURN(std::string group_json, ReadWholeFile(edir + "/group.json"));
  simdjson::dom::parser parser;
  simdjson::padded_string padded(group_json);
  simdjson::dom::element e, part;
  uint64_t shard_base = 0, prompt_file = 0, index_added = 0, prompt_index_added = 0;
  if (parser.parse(padded).get(e) || e["part"].get(part) || e["shard_base"].get(shard_base) ||
      e["prompt_file"].get(prompt_file) || e["index_added"].get(index_added) ||
      e["prompt_index_added"].get(prompt_index_added))
    return Status::Corruption(edir + "/group.json: not a group's entries");
  const std::string part_json = simdjson::minify(part);
  // The group's counts (its prompts' among them, for the prompts manifest).
  Totals group_totals;
  {
    RunSummary s;
    std::set<std::string> sources;
    uint64_t shards_added = 0;
    RETURN_IF_ERROR(AddPart(part_json, &group_totals, &s, &sources, &shards_added));
    simdjson::dom::element secs = e["seconds"];
    double v = 0;
    if (!secs["process"].get(v)) group_totals.process_seconds = v;
    if (!secs["dedup"].get(v)) group_totals.dedup_seconds = v;
    if (!secs["tokenize"].get(v)) group_totals.tokenize_seconds = v;
    group_totals.shards_after = totals->shards_after;
    MergeCounts(group_totals, s, totals, summary);
  }
  const PromptTotals& prompt_counts = group_totals.prompts;
  ASSIGN_OR_RETURN(std::optional<std::string> front, ctx.store->Ingest(ctx.plan->sources[group.sources.front()]));
  const bool already = CommittedInRun(front, ctx.plan->run);

  ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(tdir + "/fresh-manifest.json"));
  ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
  ASSIGN_OR_RETURN(std::optional<std::string> committed, ctx.store->Manifest());
  tokenize::Manifest manifest;
  if (committed) {
    ASSIGN_OR_RETURN(manifest, tokenize::Manifest::Parse(*committed));
  }
  if (already) {
    totals->shards_after = manifest.shards.size();
    return Status::Ok();  // committed by an earlier attempt of this plan
  }
  RETURN_IF_ERROR(Reconcile(shards_dir, committed));
  const uint64_t base = manifest.shards.empty() ? 0 : manifest.shards.back().index + 1;
  if (base != shard_base)
    return Status::Corruption(c.output + ": the committed shards moved on since this run was planned (shard " +
                              std::to_string(base) + ", the plan's entries count from " + std::to_string(shard_base) +
                              "); re-issue the run");
  // Shards renumbered after the committed ones, files placed under their names.
  for (auto& sh : fresh.shards) {
    const std::string old_stem = tokenize::ShardStem(sh.index, sh.split);
    sh.index += base;
    const std::string new_stem = tokenize::ShardStem(sh.index, sh.split);
    for (auto& f : sh.files) {
      if (f.name.rfind(old_stem, 0) != 0) return Status::Corruption(tdir + ": unexpected shard file " + f.name);
      const std::string from = tdir + "/" + f.name;
      f.name = new_stem + f.name.substr(old_stem.size());
      RETURN_IF_ERROR(Place(from, shards_dir + "/" + f.name));
    }
  }
  for (const auto& f : fresh.other_files) RETURN_IF_ERROR(Place(tdir + "/" + f.name, shards_dir + "/" + f.name));
  for (const auto& f : fresh.tokenizer_files)
    if (!fs::exists(shards_dir + "/" + f.name)) RETURN_IF_ERROR(Place(tdir + "/" + f.name, shards_dir + "/" + f.name));
  if (!committed) {
    manifest = std::move(fresh);
  } else if (Status s = manifest.Append(std::move(fresh)); !s.ok()) {
    return Status::InvalidArgument(c.output + ": " + s.message() + "; a new output folder (and store) is needed");
  }
  totals->shards_after = manifest.shards.size();
  const std::string manifest_json = manifest.ToJson();
  ASSIGN_OR_RETURN(std::string prompts_manifest, PlacePrompts(ctx, g, prompt_counts, prompt_file));
  // The group's entries, the manifests and the run part: one ingestion.
  store::ProvenanceStore::Batch batch;
  batch.PutManifest(manifest_json);
  if (!prompts_manifest.empty()) batch.PutPromptsManifest(prompts_manifest);
  batch.PutRunPart(ctx.plan->run, ctx.plan->sources[group.sources.front()], part_json);
  batch.CountIndexed(index_added, prompt_index_added);
  ASSIGN_OR_RETURN(std::vector<store::ProvenanceStore::EntryFile> files, store::ProvenanceStore::EntryFilesIn(edir));
  simdjson::dom::array messages;
  if (!e["messages"].get(messages))
    for (simdjson::dom::element m : messages)
      if (std::string_view text; !m.get(text)) LogError(std::string(text));
  RETURN_IF_ERROR(ctx.store->CommitByIngestion(&batch, files));
  ctx.Point("committed");
  // After the commit: the manifest file (Reconcile rewrites it if this is lost).
  RETURN_IF_ERROR(WriteFileAtomically(shards_dir + "/manifest.json", manifest_json));
  if (!prompts_manifest.empty())
    RETURN_IF_ERROR(WriteFileAtomically(c.output + "/prompts/manifest.json", prompts_manifest));
  ctx.Point("manifest-written");
  LogDebug("commit: group " + std::to_string(g) + " (" + std::to_string(files.size()) + " table files) in " +
           std::to_string(Since(t0)) + " s");
  return Status::Ok();
}

std::string SummaryJson(const RunSummary& s) {
  JsonObject o;
  o.Add("nothing_new", s.nothing_new)
      .Add("run", s.run)
      .Add("sources", s.sources)
      .Add("processed", s.processed)
      .Add("quarantined", s.quarantined)
      .Add("unverified", s.unverified)
      .Add("documents", s.documents)
      .Add("kept", s.kept)
      .Add("tokens", s.tokens)
      .Add("shards_written", s.shards_written)
      .Add("input_errors", s.input_errors)
      .Add("remaining", s.remaining)
      .AddRaw("stats", s.stats_json.empty() ? "null" : s.stats_json);
  return o.str();
}

Result<RunSummary> ParseSummaryJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element e;
  if (parser.parse(padded).get(e)) return Status::Corruption("a run summary that is not JSON");
  RunSummary s;
  bool nothing_new = false;
  if (e["nothing_new"].get(nothing_new) || e["run"].get(s.run) || e["sources"].get(s.sources) ||
      e["processed"].get(s.processed) || e["quarantined"].get(s.quarantined) || e["unverified"].get(s.unverified) ||
      e["documents"].get(s.documents) || e["kept"].get(s.kept) || e["tokens"].get(s.tokens) ||
      e["shards_written"].get(s.shards_written) || e["input_errors"].get(s.input_errors) ||
      e["remaining"].get(s.remaining))
    return Status::Corruption("a run summary without its counts");
  s.nothing_new = nothing_new;
  simdjson::dom::element stats;
  if (!e["stats"].get(stats) && stats.is_object()) s.stats_json = simdjson::minify(stats);
  return s;
}

Status FinishRun(const StageContext& ctx, const Totals& this_attempt, double seconds, RunSummary* summary) {
  const PipelineConfig& c = *ctx.config;
  // The run's counts are the sum of its groups' parts in the store: a run
  // resumed after a kill (or re-issued with only the sources left) still
  // describes every group it committed. Stores of an earlier version have
  // no parts: then this attempt's counts are all there is.
  Totals t = this_attempt;
  ASSIGN_OR_RETURN(std::vector<std::string> parts, ctx.store->RunParts(summary->run));
  if (!parts.empty()) {
    Totals sum;
    RunSummary counts;
    std::set<std::string> sources(ctx.plan->sources.begin(), ctx.plan->sources.end());
    uint64_t shards_added = 0;
    for (const auto& part : parts) RETURN_IF_ERROR(AddPart(part, &sum, &counts, &sources, &shards_added));
    sum.shards_after = this_attempt.shards_after;
    // Times are this attempt's (a part holds none).
    sum.process_seconds = this_attempt.process_seconds;
    sum.dedup_seconds = this_attempt.dedup_seconds;
    sum.tokenize_seconds = this_attempt.tokenize_seconds;
    sum.shards_before = sum.shards_after - std::min(sum.shards_after, shards_added);
    t = std::move(sum);
    summary->sources = sources.size();
    summary->processed = counts.processed;
    summary->quarantined = counts.quarantined;
    summary->unverified = counts.unverified;
    summary->kept = counts.kept;
    summary->tokens = counts.tokens;
    summary->input_errors = counts.input_errors;
  }
  JsonObject drop_obj, status_obj, secs, lang_obj, skip_obj;
  for (const auto& [k, v] : t.skipped) skip_obj.Add(k, v);
  for (const auto& [k, v] : t.dropped) drop_obj.Add(k, v);
  for (const auto& [k, v] : t.languages) lang_obj.Add(k, v);
  summary->documents = 0;
  for (const auto& [k, v] : t.statuses) {
    status_obj.Add(k, v);
    summary->documents += v;
  }
  secs.Add("verify_extract_filter", t.process_seconds)
      .Add("dedup", t.dedup_seconds)
      .Add("tokenize", t.tokenize_seconds)
      .Add("total", seconds);
  summary->shards_written = t.shards_after - t.shards_before;
  summary->remaining = ctx.plan->remaining;
  JsonObject stats;
  stats.Add("run", summary->run)
      .Add("name", c.name)
      .Add("sources", summary->sources)
      .Add("processed", summary->processed)
      .Add("quarantined", summary->quarantined)
      .Add("unverified", summary->unverified)
      .Add("bytes", t.bytes)
      .Add("records", t.records)
      .Add("input_errors", summary->input_errors)
      .AddRaw("skipped_records", skip_obj.str())
      .AddRaw("documents", status_obj.str())
      .AddRaw("dropped", drop_obj.str())
      .AddRaw("classifier_scores", CountsJson(t.scores))
      .AddRaw("languages", lang_obj.str())
      .Add("exact_duplicates", t.exact)
      .Add("near_duplicates", t.near)
      .Add("earlier_run_duplicates", t.earlier)
      .Add("kept", summary->kept)
      .Add("tokens", summary->tokens)
      .Add("remaining", summary->remaining)
      .Add("shards_written", summary->shards_written)
      .Add("shards_total", t.shards_after);
  if (c.prompts.enabled) stats.AddRaw("prompts", t.prompts.Json());
  stats.AddRaw("seconds", secs.str());
  summary->stats_json = stats.str();
  ASSIGN_OR_RETURN(std::vector<std::string> runs, ctx.store->Runs());
  if (runs.size() < summary->run) {
    store::ProvenanceStore::Batch batch;
    batch.PutRun(summary->run, summary->stats_json);
    RETURN_IF_ERROR(ctx.store->Commit(&batch));
  }
  RETURN_IF_ERROR(WriteFileAtomically(c.output + "/stats.json", summary->stats_json + "\n"));
  RETURN_IF_ERROR(WriteReport(c, *ctx.store));
  RETURN_IF_ERROR(WriteFileAtomically(ctx.plan_dir() + "/result.json", SummaryJson(*summary) + "\n"));
  // The intermediate files are spent.
  std::error_code ec;
  RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, ctx.plan_dir() + "/done"));
  RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, ctx.work + "/process/x"));
  for (const char* sub : {"/dedup", "/cluster", "/tokenize", "/entries"}) fs::remove_all(ctx.plan_dir() + sub, ec);
  for (const auto& g : ctx.plan->groups)
    for (uint64_t source : g.sources) fs::remove_all(SourceDir(ctx, source), ec);
  return Status::Ok();
}

}  // namespace crawlproof::pipelines

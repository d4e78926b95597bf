// The commit stage (stages.h): the only writer of the store, the run's end,
// and one task of a job.
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
#include "pipelines/json_counts.h"
#include "pipelines/output_dir.h"
#include "pipelines/report.h"
#include "pipelines/stage_files.h"
#include "pipelines/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shard_files.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

// ---- commit -----------------------------------------------------------------------------

namespace {

// A source's history after its state `previous`: the earlier entries, then
// the previous verdict (run, state, verification, detail, ledger head).
std::string HistoryAfter(const std::string& previous) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(previous);
  simdjson::dom::element e;
  if (parser.parse(p).get(e)) return "[]";
  std::vector<std::string> entries;
  simdjson::dom::array earlier;
  if (!e["history"].get(earlier))
    for (simdjson::dom::element h : earlier) entries.push_back(simdjson::minify(h));
  JsonObject v;
  for (const char* key : {"run", "state", "verification", "detail", "ledger_head"}) {
    simdjson::dom::element f;
    if (!e[key].get(f)) v.AddRaw(key, simdjson::minify(f));
  }
  entries.push_back(v.str());
  std::string out = "[";
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i) out.push_back(',');
    out.append(entries[i]);
  }
  out.push_back(']');
  return out;
}

// One group's counts as committed with it (store "part" records): what the
// group adds to its run's Totals and RunSummary, its sources and the shards
// it added. No times: a part is the same whichever executor committed it.
std::string PartJson(const Totals& t, const RunSummary& s, const std::vector<std::string>& sources,
                     uint64_t shards_added) {
  JsonObject o;
  o.AddRaw("sources", JsonStringArray(sources))
      .Add("shards_added", shards_added)
      .Add("bytes", t.bytes)
      .Add("records", t.records)
      .AddRaw("statuses", CountsJson(t.statuses))
      .AddRaw("dropped", CountsJson(t.dropped))
      .AddRaw("languages", CountsJson(t.languages))
      .AddRaw("skipped", CountsJson(t.skipped))
      .Add("exact", t.exact)
      .Add("near", t.near)
      .Add("earlier", t.earlier)
      .AddRaw("prompts", t.prompts.Json())
      .Add("processed", s.processed)
      .Add("quarantined", s.quarantined)
      .Add("unverified", s.unverified)
      .Add("kept", s.kept)
      .Add("tokens", s.tokens)
      .Add("input_errors", s.input_errors);
  return o.str();
}

// Adds one group's counts to the run's.
void Merge(const Totals& g, const RunSummary& gs, Totals* t, RunSummary* s) {
  t->bytes += g.bytes;
  t->records += g.records;
  for (const auto& [k, v] : g.statuses) t->statuses[k] += v;
  for (const auto& [k, v] : g.dropped) t->dropped[k] += v;
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

// Adds a part (PartJson) to the sums. Errors: Corruption (not a part record).
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
  Merge(g, gs, t, s);
  return Status::Ok();
}

}  // namespace

Status CommitGroup(const StageContext& ctx, uint64_t g, Totals* run_totals, RunSummary* run_summary) {
  // The group's own counts, added to the run's at the end (and committed
  // with the group as its part of the run record).
  Totals group_totals;
  RunSummary group_summary;
  Totals* totals = &group_totals;
  RunSummary* summary = &group_summary;
  struct MergeAtEnd {
    const Totals& t;
    const RunSummary& s;
    Totals* into_t;
    RunSummary* into_s;
    ~MergeAtEnd() { Merge(t, s, into_t, into_s); }
  };
  const PipelineConfig& c = *ctx.config;
  const std::string ledger_head = ctx.prepared->ledger ? verify::ToHex(ctx.prepared->ledger->root()) : "";
  const PlanGroup& group = ctx.plan->groups[g];
  const std::string shards_dir = c.output + "/shards";
  ASSIGN_OR_RETURN(GroupDecisions dec, ReadDecisions(ctx, g));
  const std::string tdir = TokenizeDir(ctx, g);
  double tokenize_seconds = 0;
  ASSIGN_OR_RETURN(std::vector<TokenizedDoc> placed, ReadPositions(tdir + "/positions.bin", &tokenize_seconds));
  if (placed.size() != dec.kept.size()) return Status::Corruption(tdir + ": positions do not match the decisions");
  ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(tdir + "/fresh-manifest.json"));
  ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
  std::vector<ShardResult> results;
  for (uint64_t source : group.sources) {
    ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, source, false));  // no texts: tokenize hashed the kept ones
    results.push_back(std::move(r));
  }
  if (results.size() != dec.sources.size()) return Status::Corruption("cluster decisions do not match the group");
  // Counters, whether or not the store has the group already.
  totals->dedup_seconds += dec.seconds;
  totals->tokenize_seconds += tokenize_seconds;
  totals->exact += dec.exact;
  totals->near += dec.near;
  totals->earlier += dec.earlier;
  summary->tokens += fresh.tokens;  // as the manifest counts them: BOS and EOS included
  ASSIGN_OR_RETURN(std::optional<std::string> front, ctx.store->Ingest(ctx.plan->sources[group.sources.front()]));
  const bool already = CommittedInRun(front, ctx.plan->run);

  // The documents' final accounts.
  std::vector<std::vector<const TokenizedDoc*>> position_of(results.size());
  for (size_t k = 0; k < results.size(); ++k) position_of[k].assign(results[k].docs.size(), nullptr);
  for (size_t i = 0; i < dec.kept.size(); ++i) position_of[dec.kept[i].source][dec.kept[i].doc] = &placed[i];

  ASSIGN_OR_RETURN(std::optional<std::string> committed, ctx.store->Manifest());
  tokenize::Manifest manifest;
  if (committed) {
    ASSIGN_OR_RETURN(manifest, tokenize::Manifest::Parse(*committed));
  }
  if (!already) RETURN_IF_ERROR(Reconcile(shards_dir, committed));
  const uint64_t base = manifest.shards.empty() ? 0 : manifest.shards.back().index + 1;
  // Shards renumbered after the committed ones, files placed under their names.
  for (auto& sh : fresh.shards) {
    const std::string old_stem = tokenize::ShardStem(sh.index, sh.split);
    sh.index += base;
    const std::string new_stem = tokenize::ShardStem(sh.index, sh.split);
    for (auto& f : sh.files) {
      if (f.name.rfind(old_stem, 0) != 0) return Status::Corruption(tdir + ": unexpected shard file " + f.name);
      const std::string from = tdir + "/" + f.name;
      f.name = new_stem + f.name.substr(old_stem.size());
      if (!already) RETURN_IF_ERROR(Place(from, shards_dir + "/" + f.name));
    }
  }
  if (!already) {
    for (const auto& f : fresh.other_files) RETURN_IF_ERROR(Place(tdir + "/" + f.name, shards_dir + "/" + f.name));
    for (const auto& f : fresh.tokenizer_files)
      if (!fs::exists(shards_dir + "/" + f.name))
        RETURN_IF_ERROR(Place(tdir + "/" + f.name, shards_dir + "/" + f.name));
  }
  const uint64_t shards_added = fresh.shards.size();
  if (!committed) {
    manifest = std::move(fresh);
  } else if (Status s = manifest.Append(std::move(fresh)); !s.ok()) {
    return Status::InvalidArgument(c.output + ": " + s.message() + "; a new output folder (and store) is needed");
  }
  const std::string manifest_json = manifest.ToJson();
  store::ProvenanceStore::Batch batch;
  // Prompts: counted either way; files, accounts and index entries when new.
  for (const auto& p : dec.prompts) totals->prompts.Count(p);
  bool prompt_rows = false;
  for (const auto& p : dec.prompts) prompt_rows = prompt_rows || p.prompt.reason.empty();
  totals->prompts.files += prompt_rows;
  ASSIGN_OR_RETURN(PromptCommit prompts, CommitPrompts(ctx, g, dec.prompts, dec.prompts_newly_kept, already, &batch));
  for (size_t k = 0; k < results.size(); ++k) {
    ShardResult& r = results[k];
    totals->records += r.records;
    totals->bytes += r.size;
    totals->process_seconds += r.seconds;
    for (const auto& [key, v] : r.skipped) totals->skipped[key] += v;
    summary->input_errors += r.input_errors;
    const bool unverified = r.verification == Verification::kUnverified;
    for (size_t j = 0; j < r.docs.size(); ++j) {
      DocOut& d = r.docs[j];
      const GroupDecisions::Doc& o = dec.sources[k][j];
      d.status = o.status;
      d.reason = o.reason;
      d.key_suffix = o.key_suffix;
      d.dedup_json = o.dedup_json;
      if (d.status == DocStatus::kCandidate) d.status = unverified ? DocStatus::kUnverified : DocStatus::kInShard;
      std::string json = DocJson(d, r.verification, ctx.plan->run);
      json.pop_back();  // '}': decisions and the position follow
      if (!d.dedup_json.empty()) json += ",\"dedup\":" + d.dedup_json;
      if (auto it = prompts.ids_of_doc.find({static_cast<uint32_t>(k), j}); it != prompts.ids_of_doc.end())
        json += ",\"prompts\":" + JsonStringArray(it->second);
      if (const TokenizedDoc* t = position_of[k][j]) {
        tokenize::ShardPosition p = t->position;
        p.shard += base;
        json += ",\"shard\":" + std::to_string(p.shard) + ",\"index\":" + std::to_string(p.index) +
                ",\"token_offset\":" + std::to_string(p.token_offset) +
                ",\"sequence_length\":" + std::to_string(p.length) + ",\"tokens\":" + std::to_string(t->tokens) +
                ",\"text_sha256\":\"" + t->text_sha256 + "\",\"tokens_sha256\":\"" + t->tokens_sha256 + "\"";
        batch.PutPosition(p.shard, p.index, d.doc.id);
      }
      json += "}";
      batch.PutDocument(d.doc.id + d.key_suffix, json, d.doc.url);
      const char* status = ToString(d.status);
      ++totals->statuses[status];
      if (d.status == DocStatus::kDropped) ++totals->dropped[d.reason];
      if (d.status == DocStatus::kInShard || d.status == DocStatus::kUnverified) {
        ++summary->kept;
        ++totals->languages[d.doc.lang];
      }
    }
    // The store keeps the history: a source done again (a retried or
    // re-checked quarantine) carries its earlier verdicts.
    std::string history = "[]";
    if (!already) {
      ASSIGN_OR_RETURN(std::optional<std::string> previous, ctx.store->Ingest(r.path));
      if (previous) history = HistoryAfter(*previous);
      if (r.verification == Verification::kUnreadable)
        LogError(r.path + ": unreadable, quarantined (retried by the next run): " + r.detail);
      else if (r.quarantined)
        LogError(r.path + ": quarantined, ledger " + ToString(r.verification) +
                 " (re-checked when the ledger moves on, " + "or by run --recheck): " + r.detail);
    }
    JsonObject in;
    in.Add("path", r.path)
        .Add("state", r.quarantined ? "quarantined" : "done")
        .Add("verification", ToString(r.verification))
        .Add("detail", r.detail)
        .Add("size", r.size)
        .Add("sha256", r.sha256)
        .Add("records", r.records)
        .Add("documents", static_cast<uint64_t>(r.docs.size()))
        .Add("input_errors", r.input_errors)
        .Add("options_sha256", ctx.prepared->options_sha256)
        .Add("run", ctx.plan->run)
        .Add("ledger_head", ledger_head)
        .AddRaw("history", history);
    if (r.verification == Verification::kVerified) {
      std::string state = in.str();
      state.pop_back();
      JsonObject ledger;
      // Absolute: `audit --store`, bundles and `serve` read them from any
      // folder (a pipeline's paths are relative to where it was run).
      auto absolute = [](const std::string& p) {
        std::error_code ec;
        return p.empty() || p.find("://") != std::string::npos ? p : fs::absolute(p, ec).lexically_normal().string();
      };
      ledger.Add("snapshot", absolute(c.snapshot)).Add("root", absolute(c.root)).Add("trust", absolute(c.trust));
      batch.PutIngest(r.path, state + ",\"ledger\":" + ledger.str() + "}");
    } else {
      batch.PutIngest(r.path, in.str());
    }
    ++summary->processed;
    summary->quarantined += r.quarantined;
    summary->unverified += r.verification == Verification::kUnverified;
  }
  totals->shards_after = manifest.shards.size();
  const MergeAtEnd merge{group_totals, group_summary, run_totals, run_summary};
  if (already) return Status::Ok();  // committed by an earlier attempt of this plan
  std::unique_ptr<dedup::DedupIndex> index = ctx.store->DedupIndexFor(&batch);
  RETURN_IF_ERROR(index->Add(dec.newly_kept));
  batch.PutManifest(manifest_json);
  {
    std::vector<std::string> sources;
    for (uint64_t source : group.sources) sources.push_back(ctx.plan->sources[source]);
    batch.PutRunPart(ctx.plan->run, sources.front(), PartJson(group_totals, group_summary, sources, shards_added));
  }
  RETURN_IF_ERROR(ctx.store->CommitByIngestion(&batch));
  ctx.Point("committed");
  // After the commit: the manifest file (Reconcile rewrites it if this is lost).
  RETURN_IF_ERROR(WriteFileAtomically(shards_dir + "/manifest.json", manifest_json));
  if (!prompts.manifest_json.empty())
    RETURN_IF_ERROR(WriteFileAtomically(c.output + "/prompts/manifest.json", prompts.manifest_json));
  ctx.Point("manifest-written");
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
  for (const char* sub : {"/dedup", "/cluster", "/tokenize"}) fs::remove_all(ctx.plan_dir() + sub, ec);
  for (const auto& g : ctx.plan->groups)
    for (uint64_t source : g.sources) fs::remove_all(SourceDir(ctx, source), ec);
  return Status::Ok();
}

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
    case Stage::kCluster: RETURN_IF_ERROR(Cluster(ctx, 0, groups)); break;
    case Stage::kTokenize:
      RETURN_IF_ERROR(Tokenize(ctx, plan.tokenize_tasks[task].first, plan.tokenize_tasks[task].second));
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

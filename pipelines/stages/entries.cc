// The entries stage (stages.h): every store entry of a group — its
// documents' accounts, URLs and positions, its sources' states, the index
// entries of its kept documents and prompts — written as sorted table files
// ready to ingest, by many tasks at once, so that the commit is O(files).
#include <simdjson.h>

#include <filesystem>
#include <mutex>

#include "common/file_util.h"
#include "common/json.h"
#include "pipelines/outputs/json_counts.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

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
      .AddRaw("scores", CountsJson(t.scores))
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

// What one source adds to its group's counts, and what the commit says of it.
struct SourceCounts {
  Totals totals;
  RunSummary summary;
  std::string message;  // a quarantine, logged by the commit
};

}  // namespace

std::string EntriesDir(const StageContext& ctx, uint64_t group) {
  return ctx.plan_dir() + "/entries/group-" + Num(group);
}

Result<EntryBase> NextEntryBase(const StageContext& ctx, uint64_t group, EntryBase base) {
  const std::string tdir = TokenizeDir(ctx, group);
  ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(tdir + "/fresh-manifest.json"));
  ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
  base.shard += fresh.shards.size();
  std::error_code ec;
  base.prompt_file += fs::exists(tdir + "/prompts.parquet", ec);
  return base;
}

Result<EntryBase> EntryBaseOf(const StageContext& ctx, uint64_t group) {
  EntryBase base{ctx.plan->next_shard, ctx.plan->next_prompt_file};
  for (uint64_t h = 0; h < group; ++h) {
    ASSIGN_OR_RETURN(base, NextEntryBase(ctx, h, base));
  }
  return base;
}

Status WriteGroupEntries(const StageContext& ctx, uint64_t g, const EntryBase& base) {
  const std::string dir = EntriesDir(ctx, g);
  if (fs::exists(dir + "/group.json")) return Status::Ok();
  const PipelineConfig& c = *ctx.config;
  const std::string ledger_head = ctx.prepared->ledger ? verify::ToHex(ctx.prepared->ledger->root()) : "";
  const PlanGroup& group = ctx.plan->groups[g];
  ASSIGN_OR_RETURN(GroupDecisions dec, ReadDecisions(ctx, g));
  const std::string tdir = TokenizeDir(ctx, g);
  double tokenize_seconds = 0;
  ASSIGN_OR_RETURN(std::vector<TokenizedDoc> placed, ReadPositions(tdir + "/positions.bin", &tokenize_seconds));
  if (placed.size() != dec.kept.size()) return Status::Corruption(tdir + ": positions do not match the decisions");
  ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(tdir + "/fresh-manifest.json"));
  ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
  if (dec.sources.size() != group.sources.size()) return Status::Corruption("cluster decisions do not match the group");
  std::vector<std::vector<const TokenizedDoc*>> position_of(group.sources.size());
  for (size_t i = 0; i < dec.kept.size(); ++i) {
    const auto& k = dec.kept[i];
    if (k.source >= dec.sources.size() || k.doc >= dec.sources[k.source].size())
      return Status::Corruption(tdir + ": a kept document that is not in the group");
    if (position_of[k.source].empty()) position_of[k.source].assign(dec.sources[k.source].size(), nullptr);
    position_of[k.source][k.doc] = &placed[i];
  }
  const std::string tmp = TempDir(dir);
  RETURN_IF_ERROR(MakeDirs(tmp));

  // Prompts: their accounts and index entries, and the ids per document.
  store::ProvenanceStore::Batch prompt_batch;
  ASSIGN_OR_RETURN(PromptEntries prompts,
                   PromptGroupEntries(ctx, dec.prompts, dec.prompts_newly_kept, base.prompt_file, &prompt_batch));
  // The kept documents' index entries.
  store::ProvenanceStore::Batch index_batch;
  RETURN_IF_ERROR(ctx.store->DedupIndexFor(&index_batch)->Add(dec.newly_kept));

  std::vector<SourceCounts> counts(group.sources.size());
  std::vector<store::ProvenanceStore::Batch> batches(group.sources.size());
  // Each source's documents and state, on the task's threads. Never
  // cancelled half way: a group's entries are all there or none.
  RETURN_IF_ERROR(ParallelFor(group.sources.size(), std::max(1u, ctx.threads), nullptr, [&](uint64_t k) -> Status {
    ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, group.sources[k], false));  // no texts: tokenize hashed them
    if (r.docs.size() != dec.sources[k].size())
      return Status::Corruption(SourceDir(ctx, group.sources[k]) + ": the cluster's decisions do not match");
    Totals& totals = counts[k].totals;
    RunSummary& summary = counts[k].summary;
    store::ProvenanceStore::Batch& batch = batches[k];
    totals.records += r.records;
    totals.bytes += r.size;
    totals.process_seconds += r.seconds;
    for (const auto& [key, v] : r.skipped) totals.skipped[key] += v;
    summary.input_errors += r.input_errors;
    const bool unverified = r.verification == Verification::kUnverified;
    for (size_t j = 0; j < r.docs.size(); ++j) {
      DocOut& d = r.docs[j];
      const GroupDecisions::Doc& o = dec.sources[k][j];
      d.status = o.status;
      d.reason = o.reason;
      d.key_suffix = o.key_suffix;
      d.dedup_json = o.dedup_json;
      if (!o.check.empty()) d.check = o.check;
      if (d.status == DocStatus::kCandidate) d.status = unverified ? DocStatus::kUnverified : DocStatus::kInShard;
      std::string json = DocJson(d, r.verification, ctx.plan->run);
      json.pop_back();  // '}': decisions and the position follow
      if (!d.dedup_json.empty()) json += ",\"dedup\":" + d.dedup_json;
      if (auto it = prompts.ids_of_doc.find({static_cast<uint32_t>(k), j}); it != prompts.ids_of_doc.end())
        json += ",\"prompts\":" + JsonStringArray(it->second);
      if (const TokenizedDoc* t = position_of[k].empty() ? nullptr : position_of[k][j]) {
        tokenize::ShardPosition p = t->position;
        p.shard += base.shard;
        json += ",\"shard\":" + std::to_string(p.shard) + ",\"index\":" + std::to_string(p.index) +
                ",\"token_offset\":" + std::to_string(p.token_offset) +
                ",\"sequence_length\":" + std::to_string(p.length) + ",\"tokens\":" + std::to_string(t->tokens) +
                ",\"text_sha256\":\"" + t->text_sha256 + "\",\"tokens_sha256\":\"" + t->tokens_sha256 + "\"";
        batch.PutPosition(p.shard, p.index, d.doc.id);
      }
      json += "}";
      batch.PutDocument(d.doc.id + d.key_suffix, json, d.doc.url);
      const char* status = ToString(d.status);
      ++totals.statuses[status];
      if (d.status == DocStatus::kDropped) ++totals.dropped[d.reason];
      if (!d.classifiers.empty())
        for (const ModelFile& m : ctx.config->models)
          if (auto score = ClassifierScore(d.classifiers, m.step.substr(m.step.find(':') + 1)))
            ++totals.scores[ScoreBin(m, *score)];
      if (d.status == DocStatus::kInShard || d.status == DocStatus::kUnverified) {
        ++summary.kept;
        ++totals.languages[d.doc.lang];
      }
    }
    // The store keeps the history: a source done again (a retried or
    // re-checked quarantine) carries its earlier verdicts.
    std::string history = "[]";
    ASSIGN_OR_RETURN(std::optional<std::string> previous, ctx.store->Ingest(r.path));
    if (previous) history = HistoryAfter(*previous);
    if (r.verification == Verification::kUnreadable)
      counts[k].message = r.path + ": unreadable, quarantined (retried by the next run): " + r.detail;
    else if (r.quarantined)
      counts[k].message = r.path + ": quarantined, ledger " + ToString(r.verification) +
                          " (re-checked when the ledger moves on, or by run --recheck): " + r.detail;
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
    ++summary.processed;
    summary.quarantined += r.quarantined;
    summary.unverified += r.verification == Verification::kUnverified;
    return Status::Ok();
  }));
  // One file per family for the whole group (the fewer files the store
  // ingests, the less it compacts), in source order, then the index entries
  // and the prompts'.
  store::ProvenanceStore::Batch all;
  for (auto& b : batches) all.Append(&b);
  all.Append(&index_batch);
  all.Append(&prompt_batch);
  RETURN_IF_ERROR(store::ProvenanceStore::WriteEntryFiles(&all, tmp, "group").status());

  // The group's counts, in source order.
  Totals totals;
  RunSummary summary;
  std::vector<std::string> sources, messages;
  for (size_t k = 0; k < counts.size(); ++k) {
    MergeCounts(counts[k].totals, counts[k].summary, &totals, &summary);
    if (!counts[k].message.empty()) messages.push_back(counts[k].message);
    sources.push_back(ctx.plan->sources[group.sources[k]]);
  }
  totals.exact = dec.exact;
  totals.near = dec.near;
  totals.earlier = dec.earlier;
  totals.prompts = prompts.totals;
  summary.tokens = fresh.tokens;  // as the manifest counts them: BOS and EOS included
  JsonObject seconds, o;
  seconds.Add("process", totals.process_seconds).Add("dedup", dec.seconds).Add("tokenize", tokenize_seconds);
  o.AddRaw("part", PartJson(totals, summary, sources, fresh.shards.size()))
      .Add("shard_base", base.shard)
      .Add("prompt_file", base.prompt_file)
      .Add("index_added", static_cast<uint64_t>(dec.newly_kept.size()))
      .Add("prompt_index_added", static_cast<uint64_t>(dec.prompts_newly_kept.size()))
      .AddRaw("seconds", seconds.str())
      .AddRaw("messages", JsonStringArray(messages));
  RETURN_IF_ERROR(WriteFileAtomically(tmp + "/group.json", o.str() + "\n"));
  return RenameDir(tmp, dir);
}

Status WriteEntries(const StageContext& ctx, uint64_t begin, uint64_t end) {
  RETURN_IF_ERROR(MakeDirs(ctx.plan_dir() + "/entries"));
  ASSIGN_OR_RETURN(EntryBase base, EntryBaseOf(ctx, begin));
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    RETURN_IF_ERROR(WriteGroupEntries(ctx, g, base));
    ASSIGN_OR_RETURN(base, NextEntryBase(ctx, g, base));
  }
  return Status::Ok();
}

}  // namespace crawlproof::pipelines

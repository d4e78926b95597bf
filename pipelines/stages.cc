// The process, dedup, cluster and tokenize stages (stages.h).
#include "pipelines/stages.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <unordered_set>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "kernels/minhash.h"
#include "kernels/minhash_math.h"
#include "pipelines/stage_files.h"
#include "store/provenance_store.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

// ---- process --------------------------------------------------------------------------

Result<ProcessedSource> ProcessSource(const StageContext& ctx, uint64_t source) {
  const PipelineConfig& c = *ctx.config;
  const std::string dir = SourceDir(ctx, source);
  ProcessedSource out;
  if (fs::exists(dir + "/DONE")) {
    out.skipped = true;
    return out;
  }
  const std::string& path = ctx.plan->sources[source];
  ShardResult r = RunTask(c, path, ctx.prepared->ledger ? &*ctx.prepared->ledger : nullptr);
  const auto t0 = Clock::now();
  const std::string tmp = TempDir(dir);
  std::error_code ec;
  fs::remove_all(tmp, ec);
  RETURN_IF_ERROR(MakeDirs(tmp));
  // Exact hashes and signatures of the candidates, their band keys by partition.
  std::vector<std::string> texts;
  for (const DocOut& d : r.docs)
    if (d.status == DocStatus::kCandidate) texts.push_back(dedup::NormalizeForDedup(d.doc.text));
  const dedup::DedupOptions dopt = DedupOptionsOf(c, ctx.threads);
  std::string device;
  ASSIGN_OR_RETURN(std::vector<uint64_t> sigs,
                   dedup::Signatures(texts, dopt.minhash, dopt.device, &device, ctx.threads));
  const uint32_t np = c.num_perm, parts = ctx.plan->dedup_partitions;
  Encoder signed_file;
  signed_file.U64(texts.size());
  std::vector<Encoder> bands(parts);
  for (size_t k = 0; k < texts.size(); ++k) {
    signed_file.Raw(Sha256(texts[k]).data(), 32);
    for (uint32_t j = 0; j < np; ++j) signed_file.U64(sigs[k * np + j]);
    if (c.bands == 0 || c.rows == 0 || uint64_t{c.bands} * c.rows > np) continue;  // refused by the cluster stage
    for (uint32_t b = 0; b < c.bands; ++b) {
      const uint64_t key = kernels::detail::BandKey(sigs.data() + k * np, b, c.rows);
      bands[key % parts].U64(key);
    }
  }
  r.seconds += Since(t0);
  RETURN_IF_ERROR(WriteStageFile(tmp + "/sigs.bin", signed_file.bytes(), false));
  for (uint32_t p = 0; p < parts; ++p)
    RETURN_IF_ERROR(WriteStageFile(tmp + "/bands-" + Num(p, 5) + ".bin", bands[p].bytes(), false));
  Encoder meta, docs;
  EncodeResult(r, false, &meta);
  EncodeResult(r, true, &docs);
  RETURN_IF_ERROR(WriteStageFile(tmp + "/meta.bin.zst", meta.bytes(), true));
  RETURN_IF_ERROR(WriteStageFile(tmp + "/docs.bin.zst", docs.bytes(), true));
  if (c.prompts.enabled) {
    SourceCandidates candidates;
    for (size_t j = 0; j < r.docs.size(); ++j)
      if (!r.docs[j].candidates.empty()) candidates[j] = std::move(r.docs[j].candidates);
    RETURN_IF_ERROR(WriteCandidates(tmp + "/prompts.bin.zst", candidates));
  }
  RETURN_IF_ERROR(WriteFileAtomically(tmp + "/DONE", path + "\n"));
  RETURN_IF_ERROR(RenameDir(tmp, dir));
  out.bytes = r.size;
  out.documents = r.docs.size();
  return out;
}

Status ProcessTask(const StageContext& ctx, uint64_t task) {
  if (task >= ctx.plan->process_tasks.size())
    return Status::InvalidArgument("process task " + std::to_string(task) + " is not in the plan (" +
                                   std::to_string(ctx.plan->process_tasks.size()) + " tasks)");
  for (uint64_t source : ctx.plan->process_tasks[task]) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    RETURN_IF_ERROR(ProcessSource(ctx, source).status());
  }
  return Status::Ok();
}

// ---- dedup ------------------------------------------------------------------------------

Status DedupPartition(const StageContext& ctx, uint32_t p, uint64_t begin, uint64_t end) {
  const std::string path = WindowDir(ctx, begin, end) + "/part-" + Num(p, 5) + ".bin.zst";
  if (fs::exists(path)) return Status::Ok();
  // Every band key of the window's candidates in this partition, and the
  // groups that have it.
  std::unordered_map<uint64_t, std::pair<uint64_t, bool>> keys;  // key -> first group, in another group too
  for (uint64_t g = begin; g < end; ++g) {
    for (uint64_t source : ctx.plan->groups[g].sources) {
      const std::string file = SourceDir(ctx, source) + "/bands-" + Num(p, 5) + ".bin";
      ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(file, false));
      if (bytes.size() % 8) return Status::Corruption(file + ": truncated");
      Decoder in(bytes);
      for (size_t k = 0; k < bytes.size() / 8; ++k) {
        auto [it, fresh] = keys.emplace(in.U64(), std::make_pair(g, false));
        if (!fresh && it->second.first != g) it->second.second = true;
      }
    }
  }
  std::vector<uint64_t> sorted;
  sorted.reserve(keys.size());
  for (const auto& [k, v] : keys) sorted.push_back(k);
  std::sort(sorted.begin(), sorted.end());
  // Earlier runs' documents under each key, and their signatures.
  Encoder out;
  std::unique_ptr<dedup::DedupIndex> index = ctx.store->DedupReader();
  std::vector<std::pair<uint64_t, std::vector<std::string>>> hits;
  std::set<std::string> ids;
  for (uint64_t key : sorted) {
    ASSIGN_OR_RETURN(std::vector<std::string> found, index->Lookup(key));
    if (found.empty()) continue;
    ids.insert(found.begin(), found.end());
    hits.emplace_back(key, std::move(found));
  }
  out.U64(hits.size());
  for (const auto& [key, found] : hits) {
    out.U64(key);
    out.U64(found.size());
    for (const auto& id : found) out.Str(id);
  }
  out.U64(ids.size());
  for (const auto& id : ids) {
    ASSIGN_OR_RETURN(std::vector<uint64_t> sig, index->Signature(id));
    if (sig.size() != ctx.config->num_perm) return Status::Corruption("dedup index: bad signature for " + id);
    out.Str(id);
    for (uint64_t v : sig) out.U64(v);
  }
  uint64_t cross = 0;
  for (uint64_t key : sorted) cross += keys[key].second;
  out.U64(cross);
  for (uint64_t key : sorted)
    if (keys[key].second) out.U64(key);
  RETURN_IF_ERROR(MakeDirs(WindowDir(ctx, begin, end)));
  return WriteStageFile(path, out.bytes(), true);
}

// ---- cluster ----------------------------------------------------------------------------

namespace {

class ReplayIndex : public dedup::DedupIndex {
 public:
  explicit ReplayIndex(PartitionFindings* f) : f_(f) {}
  Result<std::vector<std::string>> Lookup(uint64_t key) override {
    std::vector<std::string> ids;
    if (auto it = f_->earlier.find(key); it != f_->earlier.end()) ids = it->second;
    if (auto it = overlay_.find(key); it != overlay_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    return ids;
  }
  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    if (auto it = f_->earlier_sigs.find(id); it != f_->earlier_sigs.end()) return it->second;
    if (auto it = overlay_sigs_.find(id); it != overlay_sigs_.end()) return it->second;
    return Status::NotFound("dedup: no signature for " + id + " in the dedup partitions");
  }
  // Only keys that a later group of the window shares can be looked up again.
  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    for (const auto& d : docs) {
      bool any = false;
      for (uint64_t key : d.band_keys)
        if (f_->cross.count(key)) {
          overlay_[key].push_back(d.id);
          any = true;
        }
      if (any) overlay_sigs_[d.id] = d.signature;
    }
    return Status::Ok();
  }
  uint64_t size() const override { return f_->earlier_sigs.size() + overlay_sigs_.size(); }

 private:
  PartitionFindings* f_;
  std::unordered_map<uint64_t, std::vector<std::string>> overlay_;
  std::unordered_map<std::string, std::vector<uint64_t>> overlay_sigs_;
};

}  // namespace

Status Cluster(const StageContext& ctx, uint64_t begin, uint64_t end) {
  const PipelineConfig& c = *ctx.config;
  bool all_done = true;
  for (uint64_t g = begin; g < end && all_done; ++g)
    all_done = fs::exists(ctx.plan_dir() + "/cluster/group-" + Num(g) + ".bin.zst");
  if (all_done) return Status::Ok();
  RETURN_IF_ERROR(MakeDirs(ctx.plan_dir() + "/cluster"));
  PartitionFindings findings;
  for (uint32_t p = 0; p < ctx.plan->dedup_partitions; ++p)
    RETURN_IF_ERROR(
        ReadPartition(WindowDir(ctx, begin, end) + "/part-" + Num(p, 5) + ".bin.zst", c.num_perm, &findings));
  ReplayIndex index(&findings);
  std::unique_ptr<PromptDecider> prompt_decider;
  if (c.prompts.enabled) {
    ASSIGN_OR_RETURN(prompt_decider, PromptDecider::Make(ctx));
  }
  std::unordered_set<std::string> seen_ids;
  const uint32_t np = c.num_perm;
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    const auto t0 = Clock::now();
    const PlanGroup& group = ctx.plan->groups[g];
    std::vector<ShardResult> results;
    for (uint64_t source : group.sources) {
      ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, source, false));
      results.push_back(std::move(r));
    }
    for (const auto& r : results) {
      if (r.verification == Verification::kMismatch && c.on_mismatch == "fail")
        return Status::InvalidArgument(r.path + ": " + r.detail +
                                       " (ledger.on_mismatch = \"fail\"; this group is not committed)");
      if (r.verification == Verification::kMissing && c.on_missing == "fail")
        return Status::InvalidArgument(r.path + ": " + r.detail +
                                       " (ledger.on_missing = \"fail\"; this group is not committed)");
    }
    GroupDecisions out;
    out.sources.resize(results.size());
    // A record seen before (the same WARC-Record-ID in an earlier file of
    // this run or of an earlier run) is never a second document: the later
    // sighting is recorded under its own key and goes no further.
    std::vector<std::array<uint8_t, 32>> digests;
    std::vector<uint64_t> signatures;
    std::vector<std::string> ids;
    std::vector<std::pair<uint32_t, uint64_t>> where;  // candidate -> (source, doc)
    for (size_t k = 0; k < results.size(); ++k) {
      const ShardResult& r = results[k];
      ASSIGN_OR_RETURN(Signed sig, ReadSigned(ctx, group.sources[k]));
      out.sources[k].resize(r.docs.size());
      uint64_t row = 0;  // among the source's candidates after the filters
      for (size_t j = 0; j < r.docs.size(); ++j) {
        const DocOut& d = r.docs[j];
        GroupDecisions::Doc& o = out.sources[k][j];
        o.status = d.status;
        o.reason = d.reason;
        const bool filtered_candidate = d.status == DocStatus::kCandidate;
        ASSIGN_OR_RETURN(std::optional<std::string> before, ctx.store->Document(d.doc.id));
        if (before || !seen_ids.insert(d.doc.id).second) {
          o.key_suffix = "@" + r.path;
          if (o.status == DocStatus::kCandidate) {
            o.status = DocStatus::kDuplicate;
            o.reason = "same-record";
          }
        }
        if (filtered_candidate) {
          if (row >= sig.digests.size())
            return Status::Corruption(SourceDir(ctx, group.sources[k]) + ": fewer signatures than candidates");
          if (o.status == DocStatus::kCandidate) {
            digests.push_back(sig.digests[row]);
            signatures.insert(signatures.end(), sig.signatures.begin() + static_cast<ptrdiff_t>(row * np),
                              sig.signatures.begin() + static_cast<ptrdiff_t>((row + 1) * np));
            ids.push_back(d.doc.id);
            where.emplace_back(static_cast<uint32_t>(k), j);
          }
          ++row;
        }
      }
    }
    // Dedup over the candidates, in source order, against the index.
    dedup::Deduplicator deduplicator(DedupOptionsOf(c, ctx.threads), &index);
    RETURN_IF_ERROR(deduplicator.AddPrecomputed(digests, signatures, ids));
    ASSIGN_OR_RETURN(dedup::DedupReport report, deduplicator.Finish());
    std::vector<std::pair<uint32_t, uint64_t>> kept;
    for (size_t k = 0; k < where.size(); ++k) {
      const dedup::DedupOutcome& o = report.outcomes[k];
      if (!o.removed) {
        kept.push_back(where[k]);
        continue;
      }
      const std::string& of = o.previous.empty() ? ids[o.duplicate_of] : o.previous;
      GroupDecisions::Doc& d = out.sources[where[k].first][where[k].second];
      d.status = DocStatus::kDuplicate;
      d.reason = std::string(o.exact && o.previous.empty() ? "dedup:exact" : "dedup:minhash") +
                 (o.previous.empty() ? "" : ":earlier_run");
      JsonObject dj;
      dj.Add("duplicate_of", of).Add("cluster", of).Add("jaccard", o.jaccard);
      d.dedup_json = dj.str();
    }
    RETURN_IF_ERROR(index.Add(report.newly_kept));
    out.newly_kept = std::move(report.newly_kept);
    out.exact = report.exact_duplicates;
    out.near = report.near_duplicates;
    out.earlier = report.previous_duplicates;
    // The shard order: train first, then validation, each in a seeded order
    // when asked.
    auto id_of = [&](const std::pair<uint32_t, uint64_t>& w) -> const std::string& {
      return results[w.first].docs[w.second].doc.id;
    };
    if (c.shuffle_seed) {
      std::vector<std::pair<std::string, std::pair<uint32_t, uint64_t>>> keyed;
      for (const auto& w : kept) keyed.emplace_back(Sha256(std::to_string(c.shuffle_seed) + "\n" + id_of(w)), w);
      std::sort(keyed.begin(), keyed.end());
      for (size_t i = 0; i < kept.size(); ++i) kept[i] = keyed[i].second;
    }
    for (const auto& w : kept) {
      GroupDecisions::Kept k{w.first, w.second, false};
      if (c.validation_fraction > 0) {
        const std::string h = Sha256("validation\n" + std::to_string(c.shuffle_seed) + "\n" + id_of(w));
        uint64_t v = 0;
        for (int b = 0; b < 8; ++b) v = v << 8 | static_cast<uint8_t>(h[static_cast<size_t>(b)]);
        k.validation = static_cast<double>(v >> 11) / static_cast<double>(uint64_t{1} << 53) < c.validation_fraction;
      }
      out.kept.push_back(k);
    }
    std::stable_partition(out.kept.begin(), out.kept.end(),
                          [](const GroupDecisions::Kept& k) { return !k.validation; });
    if (prompt_decider) {
      // The kept documents' candidates, in shard order.
      std::vector<SourceCandidates> candidates;
      for (uint64_t source : group.sources) {
        ASSIGN_OR_RETURN(SourceCandidates sc, ReadCandidates(SourceDir(ctx, source) + "/prompts.bin.zst"));
        candidates.push_back(std::move(sc));
      }
      std::vector<std::pair<uint32_t, uint64_t>> in_order;
      for (const auto& k : out.kept) in_order.emplace_back(k.source, k.doc);
      RETURN_IF_ERROR(prompt_decider->Decide(results, candidates, in_order, &out.prompts, &out.prompts_newly_kept));
    }
    out.seconds = Since(t0);
    RETURN_IF_ERROR(
        WriteStageFile(ctx.plan_dir() + "/cluster/group-" + Num(g) + ".bin.zst", EncodeDecisions(out), true));
  }
  return Status::Ok();
}

// ---- tokenize ---------------------------------------------------------------------------

Status Tokenize(const StageContext& ctx, uint64_t begin, uint64_t end) {
  const PipelineConfig& c = *ctx.config;
  const Prepared& pr = *ctx.prepared;
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    const std::string dir = TokenizeDir(ctx, g);
    if (fs::exists(dir + "/DONE")) continue;
    const auto t0 = Clock::now();
    const PlanGroup& group = ctx.plan->groups[g];
    ASSIGN_OR_RETURN(GroupDecisions dec, ReadDecisions(ctx, g));
    // The kept documents' texts, one source at a time.
    std::vector<extract::Document> kept(dec.kept.size());
    {
      std::vector<std::vector<size_t>> want(group.sources.size());
      for (size_t i = 0; i < dec.kept.size(); ++i) want[dec.kept[i].source].push_back(i);
      for (size_t k = 0; k < group.sources.size(); ++k) {
        if (want[k].empty()) continue;
        ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, group.sources[k], true));
        for (size_t i : want[k]) {
          if (dec.kept[i].doc >= r.docs.size()) return Status::Corruption(dir + ": a kept document out of range");
          kept[i] = std::move(r.docs[dec.kept[i].doc].doc);
        }
      }
    }
    const std::string tmp = TempDir(dir);
    std::error_code ec;
    fs::remove_all(tmp, ec);
    RETURN_IF_ERROR(MakeDirs(tmp));
    std::vector<std::string_view> views;
    for (const auto& d : kept) views.push_back(d.text);
    const auto token_ids = pr.tokenizer->EncodeBatch(views, ctx.threads);
    std::vector<TokenizedDoc> placed(kept.size());
    tokenize::Manifest fresh;
    bool have_fresh = false;  // a writer has been closed into `fresh`
    uint64_t next_shard = 0;
    // At least one writer, so that the manifest names the tokenizer even
    // when no document is left.
    size_t b = 0;
    do {
      const bool validation = b < kept.size() && dec.kept[b].validation;
      ASSIGN_OR_RETURN(std::unique_ptr<tokenize::ShardWriter> writer,
                       tokenize::ShardWriter::Open(tmp, *pr.tokenizer, pr.tok_path, pr.shard_options, next_shard,
                                                   validation ? "validation" : "train"));
      size_t i = b;
      for (; i < kept.size() && dec.kept[i].validation == validation; ++i) {
        ASSIGN_OR_RETURN(placed[i].position, writer->Add(kept[i].id, token_ids[i]));
        placed[i].tokens = token_ids[i].size();
        placed[i].text_sha256 = HexEncode(Sha256(kept[i].text));
        placed[i].tokens_sha256 = HexEncode(Sha256(std::string_view(reinterpret_cast<const char*>(token_ids[i].data()),
                                                                    token_ids[i].size() * sizeof(uint32_t))));
      }
      ASSIGN_OR_RETURN(tokenize::Manifest written, writer->Finish());
      if (!written.shards.empty()) next_shard = written.shards.back().index + 1;
      if (have_fresh) {
        RETURN_IF_ERROR(fresh.Append(std::move(written)));
      } else {
        fresh = std::move(written);
        have_fresh = true;
      }
      b = i;
    } while (b < kept.size());
    // The final documents, for people who read or re-tokenize them.
    if (c.documents && !kept.empty()) {
      std::string lines;
      for (size_t i = 0; i < kept.size(); ++i) {
        const extract::Document& d = kept[i];
        JsonObject src;
        src.Add("file", d.file).Add("offset", d.offset).Add("length", d.length).Add("record_id", d.record_id);
        JsonObject o;
        o.Add("id", d.id)
            .Add("url", d.url)
            .Add("date", d.date)
            .Add("lang", d.lang)
            .AddRaw("source", src.str())
            .Add("split", dec.kept[i].validation ? "validation" : "train")
            .Add("text", d.text)
            .Add("tokens", placed[i].tokens);
        lines += o.str();
        lines += '\n';
      }
      const std::string name = "documents/group-" + Num(group.first) + ".jsonl.zst";
      RETURN_IF_ERROR(MakeDirs(tmp + "/documents"));
      RETURN_IF_ERROR(WriteStageFile(tmp + "/" + name, lines, true, 3));  // users' files: level 3
      ASSIGN_OR_RETURN(std::string written, ReadWholeFile(tmp + "/" + name));
      fresh.other_files.push_back({name, written.size(), HexEncode(Sha256(written))});
    }
    if (c.prompts.enabled) RETURN_IF_ERROR(WritePromptFiles(c, dec.prompts, tmp));
    RETURN_IF_ERROR(WritePositions(tmp + "/positions.bin", placed, Since(t0)));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/fresh-manifest.json", fresh.ToJson()));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/DONE", ""));
    RETURN_IF_ERROR(RenameDir(tmp, dir));
  }
  return Status::Ok();
}

}  // namespace crawlproof::pipelines

// The assemble stage (stages.h): each group's decisions from every cluster
// task's, the records seen before, the run-wide classifier cuts, the kept
// documents' order and split, the prompts decided.
#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <unordered_set>

#include "common/digest.h"
#include "common/json.h"
#include "common/logging.h"
#include "kernels/minhash_math.h"
#include "pipelines/stages/dedup_files.h"
#include "pipelines/stages/prompts.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

Status Assemble(const StageContext& ctx, uint64_t window_begin, uint64_t window_end, uint64_t begin, uint64_t end) {
  const PipelineConfig& c = *ctx.config;
  bool all_done = true;
  for (uint64_t g = begin; g < end && all_done; ++g) all_done = fs::exists(GroupFile(ctx, g));
  if (all_done) return Status::Ok();
  // Records seen before, by (source, document).
  std::unordered_set<uint64_t> repeated;
  for (uint32_t p = 0; p < ctx.plan->dedup_partitions; ++p) {
    std::vector<Repeat> repeats;
    RETURN_IF_ERROR(ReadRepeats(PartFile(ctx, window_begin, window_end, "repeats", p), &repeats));
    for (const Repeat& r : repeats) repeated.insert(NodeOf(r.source, r.doc));
  }
  std::unique_ptr<PromptDecider> prompt_decider;
  if (c.prompts.enabled) {
    ASSIGN_OR_RETURN(prompt_decider, PromptDecider::Make(ctx));
  }
  const uint64_t tasks = std::max<uint64_t>(1, ctx.plan->cluster_tasks);
  ASSIGN_OR_RETURN(const std::vector<ClassifierCut> cuts, ClassifierCuts(ctx));
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    const auto t0 = Clock::now();
    const PlanGroup& group = ctx.plan->groups[g];
    GroupDecisions out;
    // The cluster tasks' duplicates and counts.
    std::unordered_map<uint64_t, std::pair<std::string, std::string>> removed;  // candidate -> reason, dedup
    for (uint64_t t = 0; t < tasks; ++t) {
      const std::string file = TaskFile(ctx, g, t);
      ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(file, true));
      Decoder in(bytes);
      out.exact += in.U64();
      out.near += in.U64();
      out.earlier += in.U64();
      out.seconds += in.F64();
      for (uint64_t n = in.Count(); n > 0 && !in.failed(); --n) {
        const uint64_t node = in.U64();
        std::string reason = in.Str();
        removed.emplace(node, std::make_pair(std::move(reason), in.Str()));
      }
      if (in.failed() || !in.done()) return Status::Corruption(file + ": truncated or malformed");
    }
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
    out.sources.resize(results.size());
    // A record seen before (the same WARC-Record-ID in an earlier file of
    // this run or of an earlier run) is never a second document: the later
    // sighting is recorded under its own key and goes no further.
    std::vector<std::pair<uint32_t, uint64_t>> kept;
    for (size_t k = 0; k < results.size(); ++k) {
      const ShardResult& r = results[k];
      const uint64_t source = group.sources[k];
      ASSIGN_OR_RETURN(SignedFile file, SignedFile::Open(SourceDir(ctx, source) + "/sigs.bin", c.num_perm));
      std::vector<uint64_t> kept_rows;
      out.sources[k].resize(r.docs.size());
      uint64_t row = 0;  // among the source's candidates after the filters
      for (size_t j = 0; j < r.docs.size(); ++j) {
        const DocOut& d = r.docs[j];
        GroupDecisions::Doc& o = out.sources[k][j];
        o.status = d.status;
        o.reason = d.reason;
        if (repeated.count(NodeOf(source, j))) {
          o.key_suffix = "@" + r.path;
          if (o.status == DocStatus::kCandidate) {
            o.status = DocStatus::kDuplicate;
            o.reason = "same-record";
          }
        }
        if (d.status != DocStatus::kCandidate) continue;
        const uint64_t node = NodeOf(source, row++);
        if (o.status != DocStatus::kCandidate) continue;
        if (auto it = removed.find(node); it != removed.end()) {
          o.status = DocStatus::kDuplicate;
          o.reason = std::move(it->second.first);
          o.dedup_json = std::move(it->second.second);
          removed.erase(it);
          continue;
        }
        // A top_fraction classifier's run-wide cut, on what dedup kept.
        bool cut = false;
        for (const ClassifierCut& c : cuts) {
          const std::optional<double> score = ClassifierScore(d.classifiers, c.name);
          if (!score || *score >= c.score) continue;
          o.status = DocStatus::kDropped;
          o.reason = "classifier:" + c.name;
          JsonObject check;
          check.Add("value", *score).Add("threshold", c.score).Add("top_fraction", c.top_fraction);
          o.check = check.str();
          cut = true;
          break;
        }
        if (cut) continue;
        kept.emplace_back(static_cast<uint32_t>(k), j);
        kept_rows.push_back(RowOfNode(node));
      }
      if (row != file.count())
        return Status::Corruption(SourceDir(ctx, source) + ": " + std::to_string(file.count()) + " signatures for " +
                                  std::to_string(row) + " candidates");
      // The kept documents' entries in the dedup index.
      SignedRows signed_rows;
      RETURN_IF_ERROR(file.Read(kept_rows, &signed_rows));
      for (size_t i = 0; i < kept_rows.size(); ++i) {
        dedup::IndexedDocument doc;
        doc.id = std::move(signed_rows.ids[i]);
        doc.signature.assign(signed_rows.signatures.begin() + static_cast<ptrdiff_t>(i * c.num_perm),
                             signed_rows.signatures.begin() + static_cast<ptrdiff_t>((i + 1) * c.num_perm));
        for (uint32_t b = 0; b < c.bands; ++b)
          doc.band_keys.push_back(kernels::detail::BandKey(doc.signature.data(), b, c.rows));
        out.newly_kept.push_back(std::move(doc));
      }
    }
    if (!removed.empty())
      return Status::Corruption(ctx.plan_dir() + "/cluster/tasks: a duplicate that is not a candidate of group " +
                                std::to_string(g));
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
    out.seconds += Since(t0);
    RETURN_IF_ERROR(WriteStageFile(GroupFile(ctx, g), EncodeDecisions(out), true));
    ctx.Point("group-assembled");
  }
  return Status::Ok();
}

}  // namespace crawlproof::pipelines

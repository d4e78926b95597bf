// The dedup, components and cluster stages (stages.h; assemble: assemble.cc): which of the run's
// documents are records seen before and which are duplicates, decided by
// many tasks at once and exactly as one task replaying every group in order.
//
// Why the split is exact. The deduplication of a group (dedup/minhash_dedup.h)
// relates a candidate only to candidates that share one of its band keys —
// under a key: the representatives, the 64-representative cap, the
// union-find; across groups: the index entries of the earlier groups' kept
// documents — and to earlier runs' documents, which every task reads alike.
// So the candidates fall into connected components (edges: shared band keys;
// exact copies share all their keys) that never influence each other, and a
// task that replays the groups in order over a union of whole components
// decides each candidate in it as the replay over all candidates does: same
// representative, same cluster, same Jaccard estimate. The components come
// from the dedup partitions (each links the candidates under its keys); a
// component belongs to the task that owns the source of its first candidate,
// a candidate linked to no other to the task that owns its source (tasks own
// contiguous ranges of the window's sources).
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "common/digest.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "dedup/minhash_dedup.h"
#include "kernels/minhash_math.h"
#include "pipelines/stages/dedup_files.h"
#include "pipelines/stages/stage_files.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

std::string PartFile(const StageContext& ctx, uint64_t begin, uint64_t end, const char* kind, uint32_t p) {
  return WindowDir(ctx, begin, end) + "/" + kind + "-" + Num(p, 5) + ".bin.zst";
}

std::string TaskFile(const StageContext& ctx, uint64_t group, uint64_t task) {
  return ctx.plan_dir() + "/cluster/tasks/g" + Num(group) + "-t" + Num(task, 5) + ".bin.zst";
}

std::string GroupFile(const StageContext& ctx, uint64_t group) {
  return ctx.plan_dir() + "/cluster/group-" + Num(group) + ".bin.zst";
}

Status ReadRepeats(const std::string& path, std::vector<Repeat>* out) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  for (uint64_t n = in.Count(); n > 0 && !in.failed(); --n) {
    Repeat r;
    r.source = in.U64();
    r.doc = in.U32();
    r.row = in.U32();
    out->push_back(r);
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return Status::Ok();
}

namespace {

// Sorts `v` on up to `threads` threads: slices sorted at once, then merged
// pairwise, each round's merges at once.
Status ParallelSort(std::vector<uint64_t>* v, unsigned threads) {
  const uint64_t n = v->size(), slices = std::min<uint64_t>(threads, std::max<uint64_t>(1, n / 65536));
  auto at = [&](uint64_t k) { return v->begin() + static_cast<std::ptrdiff_t>(n * k / slices); };
  RETURN_IF_ERROR(ParallelFor(slices, threads, nullptr, [&](uint64_t k) {
    std::sort(at(k), at(k + 1));
    return Status::Ok();
  }));
  for (uint64_t width = 1; width < slices; width *= 2) {
    RETURN_IF_ERROR(ParallelFor((slices + 2 * width - 1) / (2 * width), threads, nullptr, [&](uint64_t m) {
      const uint64_t lo = m * 2 * width, mid = std::min(slices, lo + width), hi = std::min(slices, lo + 2 * width);
      std::inplace_merge(at(lo), at(mid), at(hi));
      return Status::Ok();
    }));
  }
  return Status::Ok();
}

// The components step's word to one cluster task (Components(), ClusterTask()).
std::string ShareFile(const StageContext& ctx, uint64_t begin, uint64_t end, uint64_t task) {
  return WindowDir(ctx, begin, end) + "/share-" + Num(task, 5) + ".bin.zst";
}

// share-<t>: four lists of nodes (source << 32 | row), each a u64 count and
// the nodes in order.
struct Share {
  std::vector<uint64_t> foreign;    // linked candidates outside its sources that it decides
  std::vector<uint64_t> elsewhere;  // candidates in its sources that other tasks decide
  std::vector<uint64_t> carried;    // candidates it decides whose component goes on in a later group
  std::vector<uint64_t> repeated;   // records seen before, among the candidates it reads
};

Result<Share> ReadShare(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  Share share;
  for (auto* list : {&share.foreign, &share.elsewhere, &share.carried, &share.repeated}) {
    for (uint64_t n = in.Count(); n > 0 && !in.failed(); --n) list->push_back(in.U64());
    if (!std::is_sorted(list->begin(), list->end())) return Status::Corruption(path + ": nodes out of order");
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return share;
}

// Union-find whose roots are the smallest members.
class MinUnion {
 public:
  uint64_t Find(uint64_t x) {
    auto it = parent_.find(x);
    if (it == parent_.end()) return x;
    uint64_t root = x;
    while (true) {
      auto p = parent_.find(root);
      if (p == parent_.end() || p->second == root) break;
      root = p->second;
    }
    while (x != root) {  // path compression
      uint64_t& up = parent_[x];
      x = std::exchange(up, root);
    }
    return root;
  }
  void Union(uint64_t a, uint64_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (b < a) std::swap(a, b);
    parent_[a] = a;
    parent_[b] = a;
  }
  // Every linked member with its root, by member.
  std::vector<std::pair<uint64_t, uint64_t>> Pairs() {
    std::vector<uint64_t> members;
    members.reserve(parent_.size());
    for (const auto& [m, p] : parent_) members.push_back(m);
    std::sort(members.begin(), members.end());
    std::vector<std::pair<uint64_t, uint64_t>> out;
    out.reserve(members.size());
    for (uint64_t m : members) out.emplace_back(m, Find(m));
    return out;
  }

 private:
  std::unordered_map<uint64_t, uint64_t> parent_;
};

// links-<p>: u64 count, then (candidate, root) pairs (repeats-<p>:
// dedup_files.h).

Status ReadForest(const std::string& path, std::vector<std::pair<uint64_t, uint64_t>>* out) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  for (uint64_t n = in.Count(); n > 0 && !in.failed(); --n) {
    const uint64_t a = in.U64();
    out->emplace_back(a, in.U64());
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return Status::Ok();
}

// The window's sources in order, and which cluster task owns each.
struct Owners {
  std::vector<uint64_t> sources;
  uint64_t tasks = 1;
  Owners(const Plan& plan, uint64_t begin, uint64_t end) : tasks(std::max<uint64_t>(1, plan.cluster_tasks)) {
    for (uint64_t g = begin; g < end; ++g)
      sources.insert(sources.end(), plan.groups[g].sources.begin(), plan.groups[g].sources.end());
  }
  uint64_t Of(uint64_t source) const {
    const uint64_t pos =
        static_cast<uint64_t>(std::lower_bound(sources.begin(), sources.end(), source) - sources.begin());
    return pos * tasks / std::max<uint64_t>(1, sources.size());
  }
};

// The index a group's deduplication sees: the store as the run found it
// (earlier runs' documents), plus the documents this task kept in the
// earlier groups of the window — the very answers the store gives a local
// run after those groups' commits (a key two groups share is in one
// component, so in one task).
class ReplayIndex : public dedup::DedupIndex {
 public:
  explicit ReplayIndex(std::unique_ptr<dedup::DedupIndex> store) : store_(std::move(store)) {}
  Result<std::vector<std::string>> Lookup(uint64_t key) override {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, store_->Lookup(key));
    if (auto it = overlay_.find(key); it != overlay_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      std::sort(ids.begin(), ids.end());
      ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    }
    return ids;
  }
  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    if (auto it = overlay_sigs_.find(id); it != overlay_sigs_.end()) return it->second;
    return store_->Signature(id);
  }
  // Only documents whose component goes on in a later group (a key a later
  // group has is in the same component).
  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    for (const auto& d : docs) {
      for (uint64_t key : d.band_keys) overlay_[key].push_back(d.id);
      overlay_sigs_[d.id] = d.signature;
    }
    return Status::Ok();
  }
  uint64_t size() const override { return store_->size() + overlay_sigs_.size(); }

 private:
  std::unique_ptr<dedup::DedupIndex> store_;
  std::unordered_map<uint64_t, std::vector<std::string>> overlay_;
  std::unordered_map<std::string, std::vector<uint64_t>> overlay_sigs_;
};

}  // namespace

void ReleaseGroup(const StageContext& ctx, uint64_t group, uint64_t begin, uint64_t end) {
  // Never through a link planted in the work folder (FinishRun refuses it).
  if (!CheckNoLinkBelow(ctx.work, ctx.plan_dir() + "/done").ok() ||
      !CheckNoLinkBelow(ctx.work, ctx.work + "/process/x").ok())
    return;
  std::error_code ec;
  for (uint64_t source : ctx.plan->groups[group].sources) fs::remove_all(SourceDir(ctx, source), ec);
  fs::remove_all(TokenizeDir(ctx, group), ec);
  fs::remove_all(EntriesDir(ctx, group), ec);
  fs::remove(GroupFile(ctx, group), ec);
  for (uint64_t t = 0; t < std::max<uint64_t>(1, ctx.plan->cluster_tasks); ++t) fs::remove(TaskFile(ctx, group, t), ec);
  if (group + 1 == end) fs::remove_all(WindowDir(ctx, begin, end), ec);
}

// ---- dedup ------------------------------------------------------------------------------

Status DedupPartition(const StageContext& ctx, uint32_t p, uint64_t begin, uint64_t end) {
  const std::string path = PartFile(ctx, begin, end, "links", p);
  if (fs::exists(path)) return Status::Ok();
  // The candidates that share one of the partition's band keys, linked.
  std::unordered_map<uint64_t, uint64_t> first;  // key -> the first candidate under it
  MinUnion links;
  for (uint64_t g = begin; g < end; ++g) {
    for (uint64_t source : ctx.plan->groups[g].sources) {
      const std::string file = SourceDir(ctx, source) + "/bands-" + Num(p, 5) + ".bin";
      ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(file, false));
      if (bytes.size() % 12) return Status::Corruption(file + ": truncated");
      Decoder in(bytes);
      for (size_t k = 0; k < bytes.size() / 12; ++k) {
        const uint64_t node = NodeOf(source, in.U32());
        auto [it, fresh] = first.emplace(in.U64(), node);
        if (!fresh) links.Union(it->second, node);
      }
    }
  }
  first = {};
  Encoder links_out;
  const auto pairs = links.Pairs();
  links_out.U64(pairs.size());
  for (const auto& [m, root] : pairs) {
    links_out.U64(m);
    links_out.U64(root);
  }
  // Records seen before: an id the store has, or one an earlier document of
  // the window had (the first sighting is the document).
  std::vector<Repeat> repeats;
  std::unordered_set<std::string> seen;
  for (uint64_t g = begin; g < end; ++g) {
    for (uint64_t source : ctx.plan->groups[g].sources) {
      const std::string file = SourceDir(ctx, source) + "/ids-" + Num(p, 5) + ".bin.zst";
      ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(file, true));
      Decoder in(bytes);
      while (!in.done() && !in.failed()) {
        Repeat r{source, in.U32(), in.U32()};
        std::string id = in.Str();
        if (in.failed()) break;
        bool before = !seen.insert(id).second;
        if (!before) {
          ASSIGN_OR_RETURN(std::optional<std::string> stored, ctx.store->Document(id));
          before = stored.has_value();
        }
        if (before) repeats.push_back(r);
      }
      if (in.failed()) return Status::Corruption(file + ": truncated or malformed");
    }
  }
  Encoder rep;
  rep.U64(repeats.size());
  for (const Repeat& r : repeats) {
    rep.U64(r.source);
    rep.U32(r.doc);
    rep.U32(r.row);
  }
  RETURN_IF_ERROR(MakeDirs(WindowDir(ctx, begin, end)));
  RETURN_IF_ERROR(WriteStageFile(PartFile(ctx, begin, end, "repeats", p), rep.bytes(), true));
  return WriteStageFile(path, links_out.bytes(), true);  // last: the partition is done
}

// ---- cluster ----------------------------------------------------------------------------

Status Components(const StageContext& ctx, uint64_t begin, uint64_t end) {
  // The run-wide cuts of top_fraction classifiers: made here, by the one
  // components task, so that the assemble tasks after it only read them.
  RETURN_IF_ERROR(ClassifierCuts(ctx).status());
  const Owners owners(*ctx.plan, begin, end);
  bool all_done = true;
  for (uint64_t t = 0; t < owners.tasks && all_done; ++t) all_done = fs::exists(ShareFile(ctx, begin, end, t));
  if (all_done) return Status::Ok();
  const auto t_start = Clock::now();
  const unsigned threads = std::max(1u, ctx.threads);
  const uint32_t partitions = ctx.plan->dedup_partitions;
  // Each partition's forest (member, root), by member; roots are members.
  std::vector<std::vector<std::pair<uint64_t, uint64_t>>> forests(partitions);
  std::vector<std::vector<uint64_t>> repeats_in(partitions);  // records seen before
  RETURN_IF_ERROR(ParallelFor(partitions, threads, ctx.cancel, [&](uint64_t p) {
    const auto part = static_cast<uint32_t>(p);
    RETURN_IF_ERROR(ReadForest(PartFile(ctx, begin, end, "links", part), &forests[p]));
    std::vector<Repeat> repeats;
    RETURN_IF_ERROR(ReadRepeats(PartFile(ctx, begin, end, "repeats", part), &repeats));
    for (const Repeat& r : repeats)
      if (r.row != kNoRow) repeats_in[p].push_back(NodeOf(r.source, r.row));
    return Status::Ok();
  }));
  const double read_seconds = Since(t_start);
  uint64_t link_count = 0;
  for (const auto& f : forests) link_count += f.size();
  std::vector<uint64_t> nodes;
  nodes.reserve(link_count);
  for (const auto& f : forests)
    for (const auto& pair : f) nodes.push_back(pair.first);
  RETURN_IF_ERROR(ParallelSort(&nodes, threads));
  nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
  if (nodes.size() >= (uint64_t{1} << 32))
    return Status::ResourceExhausted("components: " + std::to_string(nodes.size()) +
                                     " linked candidates, more than one task joins (2^32)");
  auto index_of = [&](uint64_t node) {
    return static_cast<uint32_t>(std::lower_bound(nodes.begin(), nodes.end(), node) - nodes.begin());
  };
  // The links as indexes into `nodes`, found on every thread; then joined.
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> edges(partitions);
  RETURN_IF_ERROR(ParallelFor(partitions, threads, ctx.cancel, [&](uint64_t p) {
    edges[p].reserve(forests[p].size());
    for (const auto& [member, root] : forests[p]) {
      const uint32_t r = index_of(root);
      if (r >= nodes.size() || nodes[r] != root)
        return Status::Corruption(PartFile(ctx, begin, end, "links", static_cast<uint32_t>(p)) +
                                  ": a root that is not a member");
      edges[p].emplace_back(index_of(member), r);
    }
    forests[p] = {};
    return Status::Ok();
  }));
  const double index_seconds = Since(t_start) - read_seconds;
  std::vector<uint32_t> up(nodes.size());
  std::iota(up.begin(), up.end(), 0u);
  auto find = [&](uint32_t x) {
    while (up[x] != x) x = up[x] = up[up[x]];
    return x;
  };
  for (const auto& part : edges)
    for (const auto& [a, b] : part) {
      uint32_t x = find(a), y = find(b);
      if (x == y) continue;
      if (y < x) std::swap(x, y);
      up[y] = x;  // the root stays the smallest member
    }
  const double join_seconds = Since(t_start) - read_seconds - index_seconds;
  std::vector<uint64_t> repeated;
  for (auto& r : repeats_in) repeated.insert(repeated.end(), r.begin(), r.end());
  edges = {};
  std::unordered_map<uint64_t, uint64_t> group_of;  // source -> group
  for (uint64_t g = begin; g < end; ++g)
    for (uint64_t source : ctx.plan->groups[g].sources) group_of[source] = g;
  std::vector<uint64_t> last_group(nodes.size(), 0);  // per root
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    uint64_t& last = last_group[find(i)];
    last = std::max(last, group_of.at(SourceOfNode(nodes[i])));
  }
  // Each task's share, in node order: the linked candidates it decides
  // outside its sources, those in its sources that another task decides,
  // those it decides whose component goes on in a later group (kept, they
  // answer that group's index lookups), and the records seen before among
  // the candidates it reads.
  std::vector<Share> shares(owners.tasks);
  for (uint32_t i = 0; i < nodes.size(); ++i) {
    const uint32_t root = find(i);
    const uint64_t owner = owners.Of(SourceOfNode(nodes[root])), home = owners.Of(SourceOfNode(nodes[i]));
    if (owner != home) {
      shares[owner].foreign.push_back(nodes[i]);
      shares[home].elsewhere.push_back(nodes[i]);
    }
    if (last_group[root] > group_of.at(SourceOfNode(nodes[i]))) shares[owner].carried.push_back(nodes[i]);
  }
  std::sort(repeated.begin(), repeated.end());
  repeated.erase(std::unique(repeated.begin(), repeated.end()), repeated.end());
  for (uint64_t r : repeated) {
    const uint64_t home = owners.Of(SourceOfNode(r));
    shares[home].repeated.push_back(r);
    const uint32_t i = index_of(r);
    if (i < nodes.size() && nodes[i] == r) {
      const uint64_t owner = owners.Of(SourceOfNode(nodes[find(i)]));
      if (owner != home) shares[owner].repeated.push_back(r);
    }
  }
  for (uint64_t t = 0; t < owners.tasks; ++t) {
    Share& share = shares[t];
    std::sort(share.repeated.begin(), share.repeated.end());
    Encoder out;
    for (const auto* list : {&share.foreign, &share.elsewhere, &share.carried, &share.repeated}) {
      out.U64(list->size());
      for (uint64_t node : *list) out.U64(node);
    }
    RETURN_IF_ERROR(WriteStageFile(ShareFile(ctx, begin, end, t), out.bytes(), true));
    ctx.Point("share-written");
  }
  // The join reads every partition's links once: it grows with the run's
  // linked candidates, not with the number of cluster tasks. Reading and
  // indexing run on the task's threads; the union and the shares on one.
  char split[200];
  std::snprintf(split, sizeof split,
                " s (read %.3f s, sorted and indexed %.3f s on %u threads, joined %.3f s, shared %.3f s)", read_seconds,
                index_seconds, threads, join_seconds, Since(t_start) - read_seconds - index_seconds - join_seconds);
  (begin == 0 && end == ctx.plan->groups.size() ? LogInfo : LogDebug)(
      "components of groups " + std::to_string(begin) + "-" + std::to_string(end) + ": " + std::to_string(link_count) +
      " links, " + std::to_string(nodes.size()) + " linked candidates joined in " + std::to_string(Since(t_start)) +
      split + ", shared among " + std::to_string(owners.tasks) + " cluster tasks");
  return Status::Ok();
}

Status ClusterTask(const StageContext& ctx, uint64_t task, uint64_t begin, uint64_t end) {
  const PipelineConfig& c = *ctx.config;
  bool all_done = true;
  for (uint64_t g = begin; g < end && all_done; ++g) all_done = fs::exists(TaskFile(ctx, g, task));
  if (all_done) return Status::Ok();
  RETURN_IF_ERROR(MakeDirs(ctx.plan_dir() + "/cluster/tasks"));
  const Owners owners(*ctx.plan, begin, end);
  const auto t_start = Clock::now();
  ASSIGN_OR_RETURN(Share share, ReadShare(ShareFile(ctx, begin, end, task)));
  auto has = [](const std::vector<uint64_t>& sorted, uint64_t node) {
    return std::binary_search(sorted.begin(), sorted.end(), node);
  };
  std::unordered_map<uint64_t, std::vector<uint64_t>> foreign;  // source -> rows, in order
  for (uint64_t node : share.foreign) foreign[SourceOfNode(node)].push_back(RowOfNode(node));
  uint64_t decided = 0;
  ReplayIndex index(ctx.store->DedupReader());
  const uint32_t np = c.num_perm;
  for (uint64_t g = begin; g < end; ++g) {
    if (ctx.cancelled()) return Status::Unavailable("interrupted");
    const auto t0 = Clock::now();
    SignedRows rows;
    std::vector<uint64_t> order;  // the candidates decided, in the run's order
    for (uint64_t source : ctx.plan->groups[g].sources) {
      const bool mine = owners.Of(source) == task;
      auto f = foreign.find(source);
      if (!mine && f == foreign.end()) continue;
      ASSIGN_OR_RETURN(SignedFile file, SignedFile::Open(SourceDir(ctx, source) + "/sigs.bin", np));
      std::vector<uint64_t> want;
      if (mine) {
        for (uint64_t r = 0; r < file.count(); ++r) {
          const uint64_t node = NodeOf(source, r);
          if (!has(share.elsewhere, node) && !has(share.repeated, node)) want.push_back(r);
        }
      } else {
        for (uint64_t r : f->second)
          if (!has(share.repeated, NodeOf(source, r))) want.push_back(r);
      }
      for (uint64_t r : want)
        if (r >= file.count())
          return Status::Corruption(SourceDir(ctx, source) + ": a linked candidate beyond sigs.bin");
      RETURN_IF_ERROR(file.Read(want, &rows));
      for (uint64_t r : want) order.push_back(NodeOf(source, r));
    }
    decided += order.size();
    Encoder out;
    dedup::DedupReport report;
    if (!order.empty()) {
      dedup::Deduplicator deduplicator(DedupOptionsOf(c, ctx.threads), &index);
      RETURN_IF_ERROR(deduplicator.AddPrecomputed(rows.digests, rows.signatures, rows.ids));
      ASSIGN_OR_RETURN(report, deduplicator.Finish());
      std::vector<dedup::IndexedDocument> carry;  // newly_kept is in order, as the kept outcomes
      size_t next = 0;
      for (size_t k = 0; k < order.size(); ++k) {
        if (report.outcomes[k].removed) continue;
        if (has(share.carried, order[k])) carry.push_back(std::move(report.newly_kept[next]));
        ++next;
      }
      RETURN_IF_ERROR(index.Add(carry));
    }
    out.U64(report.exact_duplicates);
    out.U64(report.near_duplicates);
    out.U64(report.previous_duplicates);
    uint64_t removed = 0;
    for (const auto& o : report.outcomes) removed += o.removed;
    Encoder decided;
    for (size_t k = 0; k < order.size(); ++k) {
      const dedup::DedupOutcome& o = report.outcomes[k];
      if (!o.removed) continue;
      const std::string& of = o.previous.empty() ? rows.ids[o.duplicate_of] : o.previous;
      JsonObject dj;
      dj.Add("duplicate_of", of).Add("cluster", of).Add("jaccard", o.jaccard);
      decided.U64(order[k]);
      decided.Str(std::string(o.exact && o.previous.empty() ? "dedup:exact" : "dedup:minhash") +
                  (o.previous.empty() ? "" : ":earlier_run"));
      decided.Str(dj.str());
    }
    out.F64(Since(t0));
    out.U64(removed);
    out.Raw(decided.bytes().data(), decided.bytes().size());
    RETURN_IF_ERROR(WriteStageFile(TaskFile(ctx, g, task), out.bytes(), true));
    ctx.Point("cluster-group-written");
  }
  (begin == 0 && end == ctx.plan->groups.size() ? LogInfo : LogDebug)(
      "cluster task " + std::to_string(task) + " of groups " + std::to_string(begin) + "-" + std::to_string(end) +
      ": " + std::to_string(share.foreign.size()) + " candidates of other tasks' sources, " + std::to_string(decided) +
      " candidates decided in " + std::to_string(Since(t_start)) + " s");
  return Status::Ok();
}

// ---- assemble ---------------------------------------------------------------------------

}  // namespace crawlproof::pipelines

#include "pipelines/stages.h"

#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "filter/filters.h"
#include "kernels/minhash.h"
#include "kernels/minhash_math.h"
#include "pipelines/report.h"
#include "pipelines/stage_io.h"
#include "pipelines/task.h"
#include "store/provenance_store.h"
#include "tokenize/shard_files.h"
#include "verify/commitments.h"
#include "verify/snapshot.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Num(uint64_t v, int width = 6) {
  std::string s = std::to_string(v);
  return std::string(s.size() < static_cast<size_t>(width) ? static_cast<size_t>(width) - s.size() : 0, '0') + s;
}

// A source's outputs are named by its path, so that they stay valid when the
// listing grows (an incremental run) under the same fingerprint.
std::string SourceDir(const StageContext& ctx, uint64_t source) {
  return ctx.work + "/process/" + HexEncode(Sha256(ctx.plan->sources[source])).substr(0, 24);
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

// A folder written under a temporary name and renamed into place whole.
std::string TempDir(const std::string& final_dir) {
  return final_dir + ".tmp." + std::to_string(::getpid()) + "." +
         std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()) % 100000);
}

Status RenameDir(const std::string& tmp, const std::string& final_dir) {
  std::error_code ec;
  fs::rename(tmp, final_dir, ec);
  if (ec) {
    // Another attempt of the same task got there first: its output is the same.
    if (fs::exists(final_dir)) {
      fs::remove_all(tmp, ec);
      return Status::Ok();
    }
    return Status::IoError("cannot rename " + tmp + " to " + final_dir + ": " + ec.message());
  }
  return Status::Ok();
}

dedup::DedupOptions DedupOptionsOf(const PipelineConfig& c, unsigned threads) {
  dedup::DedupOptions dopt;
  dopt.minhash = {c.num_perm, c.ngram, c.seed};
  dopt.bands = c.bands;
  dopt.rows = c.rows;
  dopt.threshold = c.threshold;
  dopt.exact = c.exact;
  dopt.device = c.device == "cpu"    ? dedup::DedupOptions::Device::kCpu
                : c.device == "cuda" ? dedup::DedupOptions::Device::kCuda
                                     : dedup::DedupOptions::Device::kAuto;
  dopt.threads = threads;
  return dopt;
}

// ---- a source's result on disk ---------------------------------------------------

void EncodeResult(const ShardResult& r, bool with_text, Encoder* e) {
  e->Str(r.path);
  e->U8(static_cast<uint8_t>(r.verification));
  e->Str(r.detail);
  e->U8(r.quarantined);
  e->U8(r.failed);
  e->U64(r.size);
  e->U64(r.records);
  e->U64(r.input_errors);
  e->Str(r.sha256);
  e->F64(r.seconds);
  e->U64(r.skipped.size());
  for (const auto& [k, v] : r.skipped) {
    e->Str(k);
    e->U64(v);
  }
  e->U64(r.docs.size());
  for (const DocOut& d : r.docs) {
    const extract::Document& x = d.doc;
    e->Str(x.id);
    e->Str(x.url);
    e->Str(x.date);
    e->Str(with_text ? x.title : "");
    e->Str(with_text ? x.text : "");
    e->Str(x.lang);
    e->F64(x.lang_score);
    e->Str(x.file);
    e->U64(x.offset);
    e->U64(x.length);
    e->Str(x.record_id);
    e->Str(x.charset);
    e->Str(x.charset_source);
    e->U64(x.replaced_sequences);
    e->U8(x.truncated);
    e->U8(static_cast<uint8_t>(d.status));
    e->Str(d.reason);
    e->Str(d.filter_changes);
    e->I64(d.leaf);
    e->Str(d.record_sha256);
    e->Str(d.block_sha256);
  }
}

Result<ShardResult> DecodeResult(const std::string& bytes, const std::string& where) {
  Decoder in(bytes);
  ShardResult r;
  r.path = in.Str();
  r.verification = static_cast<Verification>(in.U8());
  r.detail = in.Str();
  r.quarantined = in.U8();
  r.failed = in.U8();
  r.size = in.U64();
  r.records = in.U64();
  r.input_errors = in.U64();
  r.sha256 = in.Str();
  r.seconds = in.F64();
  for (uint64_t n = in.U64(); n > 0 && !in.failed(); --n) {
    std::string k = in.Str();
    r.skipped[k] = in.U64();
  }
  const uint64_t docs = in.U64();
  if (docs > bytes.size()) return Status::Corruption(where + ": bad document count");
  r.docs.resize(docs);
  for (DocOut& d : r.docs) {
    extract::Document& x = d.doc;
    x.id = in.Str();
    x.url = in.Str();
    x.date = in.Str();
    x.title = in.Str();
    x.text = in.Str();
    x.lang = in.Str();
    x.lang_score = in.F64();
    x.file = in.Str();
    x.offset = in.U64();
    x.length = in.U64();
    x.record_id = in.Str();
    x.charset = in.Str();
    x.charset_source = in.Str();
    x.replaced_sequences = in.U64();
    x.truncated = in.U8();
    d.status = static_cast<DocStatus>(in.U8());
    d.reason = in.Str();
    d.filter_changes = in.Str();
    d.leaf = in.I64();
    d.record_sha256 = in.Str();
    d.block_sha256 = in.Str();
  }
  if (in.failed() || !in.done()) return Status::Corruption(where + ": truncated or malformed stage file");
  return r;
}

Result<ShardResult> ReadResult(const StageContext& ctx, uint64_t source, bool with_text) {
  const std::string path = SourceDir(ctx, source) + (with_text ? "/docs.bin.zst" : "/meta.bin.zst");
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  return DecodeResult(bytes, path);
}

// Candidates' digests and signatures (sigs.bin): u64 count, then per
// candidate 32 bytes of SHA-256 and num_perm u64.
struct Signed {
  std::vector<std::array<uint8_t, 32>> digests;
  std::vector<uint64_t> signatures;
};

Result<Signed> ReadSigned(const StageContext& ctx, uint64_t source) {
  const std::string path = SourceDir(ctx, source) + "/sigs.bin";
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, false));
  Decoder in(bytes);
  const uint64_t n = in.U64();
  const uint32_t np = ctx.config->num_perm;
  if (n > bytes.size() / (32 + 8 * uint64_t{np}) + 1) return Status::Corruption(path + ": bad count");
  Signed s;
  s.digests.resize(n);
  s.signatures.resize(n * np);
  for (uint64_t k = 0; k < n; ++k) {
    in.RawTo(s.digests[k].data(), 32);
    for (uint32_t j = 0; j < np; ++j) s.signatures[k * np + j] = in.U64();
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated");
  return s;
}

// ---- the cluster's decisions about a group ---------------------------------------

struct GroupDecisions {
  struct Doc {
    DocStatus status = DocStatus::kCandidate;
    std::string reason, dedup_json, key_suffix;
  };
  std::vector<std::vector<Doc>> sources;  // per source of the group, per document
  struct Kept {
    uint32_t source = 0;
    uint64_t doc = 0;
    bool validation = false;
  };
  std::vector<Kept> kept;  // in shard order
  uint64_t exact = 0, near = 0, earlier = 0;
  double seconds = 0;
  std::vector<dedup::IndexedDocument> newly_kept;
};

std::string EncodeDecisions(const GroupDecisions& g) {
  Encoder e;
  e.U64(g.sources.size());
  for (const auto& docs : g.sources) {
    e.U64(docs.size());
    for (const auto& d : docs) {
      e.U8(static_cast<uint8_t>(d.status));
      e.Str(d.reason);
      e.Str(d.dedup_json);
      e.Str(d.key_suffix);
    }
  }
  e.U64(g.kept.size());
  for (const auto& k : g.kept) {
    e.U64(k.source);
    e.U64(k.doc);
    e.U8(k.validation);
  }
  e.U64(g.exact);
  e.U64(g.near);
  e.U64(g.earlier);
  e.F64(g.seconds);
  e.U64(g.newly_kept.size());
  for (const auto& d : g.newly_kept) {
    e.Str(d.id);
    e.U64(d.band_keys.size());
    for (uint64_t k : d.band_keys) e.U64(k);
    e.U64(d.signature.size());
    for (uint64_t v : d.signature) e.U64(v);
  }
  return std::move(e.bytes());
}

Result<GroupDecisions> ReadDecisions(const StageContext& ctx, uint64_t group) {
  const std::string path = ctx.plan_dir() + "/cluster/group-" + Num(group) + ".bin.zst";
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  GroupDecisions g;
  const uint64_t limit = bytes.size();
  uint64_t n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  g.sources.resize(n);
  for (auto& docs : g.sources) {
    const uint64_t m = in.U64();
    if (m > limit) return Status::Corruption(path + ": bad count");
    docs.resize(m);
    for (auto& d : docs) {
      d.status = static_cast<DocStatus>(in.U8());
      d.reason = in.Str();
      d.dedup_json = in.Str();
      d.key_suffix = in.Str();
    }
  }
  n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  g.kept.resize(n);
  for (auto& k : g.kept) {
    k.source = static_cast<uint32_t>(in.U64());
    k.doc = in.U64();
    k.validation = in.U8();
  }
  g.exact = in.U64();
  g.near = in.U64();
  g.earlier = in.U64();
  g.seconds = in.F64();
  n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  g.newly_kept.resize(n);
  for (auto& d : g.newly_kept) {
    d.id = in.Str();
    uint64_t m = in.U64();
    if (m > limit) return Status::Corruption(path + ": bad count");
    for (; m > 0; --m) d.band_keys.push_back(in.U64());
    m = in.U64();
    if (m > limit) return Status::Corruption(path + ": bad count");
    for (; m > 0; --m) d.signature.push_back(in.U64());
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  for (const auto& k : g.kept)
    if (k.source >= g.sources.size() || k.doc >= g.sources[k.source].size())
      return Status::Corruption(path + ": a kept document out of range");
  return g;
}

// ---- dedup partitions ------------------------------------------------------------

std::string WindowDir(const StageContext& ctx, uint64_t begin, uint64_t end) {
  return ctx.plan_dir() + "/dedup/w" + Num(begin) + "-" + Num(end);
}

// What a partition found: earlier runs' documents per band key (ids in the
// store's order) and their signatures; the keys this run's documents share
// across groups of the window.
struct PartitionFindings {
  std::unordered_map<uint64_t, std::vector<std::string>> earlier;
  std::unordered_map<std::string, std::vector<uint64_t>> earlier_sigs;
  std::unordered_set<uint64_t> cross;
};

Status ReadPartition(const std::string& path, uint32_t np, PartitionFindings* f) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  const uint64_t limit = bytes.size();
  uint64_t n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  for (; n > 0 && !in.failed(); --n) {
    const uint64_t key = in.U64();
    uint64_t m = in.U64();
    if (m > limit) return Status::Corruption(path + ": bad count");
    auto& ids = f->earlier[key];
    for (; m > 0; --m) ids.push_back(in.Str());
  }
  n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  for (; n > 0 && !in.failed(); --n) {
    std::string id = in.Str();
    std::vector<uint64_t> sig(np);
    for (uint32_t j = 0; j < np; ++j) sig[j] = in.U64();
    f->earlier_sigs.emplace(std::move(id), std::move(sig));
  }
  n = in.U64();
  if (n > limit) return Status::Corruption(path + ": bad count");
  for (; n > 0; --n) f->cross.insert(in.U64());
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return Status::Ok();
}

// The index a group's deduplication sees: what the store held before the
// run, plus the documents kept by the earlier groups of the window — the
// very answers the store gives a local run after those groups' commits.
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

// ---- tokenize outputs ---------------------------------------------------------------

std::string TokenizeDir(const StageContext& ctx, uint64_t group) {
  return ctx.plan_dir() + "/tokenize/group-" + Num(group);
}

struct TokenizedDoc {
  tokenize::ShardPosition position;  // shard numbered from 0 within the group
  uint64_t tokens = 0;
  std::string tokens_sha256;
};

}  // namespace

std::string StageContext::plan_dir() const {
  return work + "/plan-" + plan->id;
}

std::string DoneMarker(const std::string& plan_dir, Stage stage, uint64_t task) {
  return plan_dir + "/done/" + ToString(stage) + "-" + Num(task);
}

Result<Prepared> Prepare(const PipelineConfig& c) {
  Prepared p;
  p.tok_path = c.tokenizer.empty() ? DefaultTokenizerPath() : c.tokenizer;
  ASSIGN_OR_RETURN(p.tokenizer, tokenize::Tokenizer::Load(p.tok_path));
  RETURN_IF_ERROR(filter::LoadFilterPipeline(c.file).status());
  p.shard_options.format =
      c.format == "datatrove" ? tokenize::ShardFormat::kDatatrove : tokenize::ShardFormat::kMegatron;
  p.shard_options.shard_tokens = c.shard_tokens;
  auto bos = p.tokenizer->ResolveMarker(c.bos, p.tokenizer->default_bos());
  if (!bos.ok()) return bos.status().WithPrefix(c.file + ": tokenize.bos");
  auto eos = p.tokenizer->ResolveMarker(c.eos, p.tokenizer->default_eos());
  if (!eos.ok()) return eos.status().WithPrefix(c.file + ": tokenize.eos");
  p.shard_options.bos = *bos;
  p.shard_options.eos = *eos;
  std::string ledger_hash;
  if (!c.snapshot.empty()) {
    ASSIGN_OR_RETURN(verify::Trust trust, verify::LoadTrustFile(c.trust));
    ASSIGN_OR_RETURN(verify::Snapshot snapshot, verify::ReadSnapshotFile(c.snapshot));
    auto v = verify::VerifySnapshot(snapshot, trust);
    if (!v.ok()) return Status::InvalidArgument(c.snapshot + ": the ledger does not verify: " + v.status().message());
    p.ledger = std::move(v).value();
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(c.snapshot));
    ledger_hash = HexEncode(Sha256(bytes));
  }
  ASSIGN_OR_RETURN(std::string tokenizer_bytes, ReadWholeFile(p.tok_path));
  p.options_sha256 =
      HexEncode(Sha256(c.decision_options + "\n# tokenizer sha256 " + HexEncode(Sha256(tokenizer_bytes)) + "\n"));
  p.fingerprint = HexEncode(Sha256("options " + p.options_sha256 + "\nledger " + ledger_hash + "\nroot " + c.root +
                                   "\nfilter file " + c.file + "\n"));
  return p;
}

Status Reconcile(const std::string& shards_dir, const std::optional<std::string>& committed) {
  RETURN_IF_ERROR(MakeDirs(shards_dir));
  std::error_code ec;
  std::set<std::string> keep;
  if (committed) {
    ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
    for (const auto& sh : m.shards)
      for (const auto& f : sh.files) keep.insert(f.name);
    for (const auto& f : m.other_files) keep.insert(f.name);
  }
  for (const auto& e : fs::directory_iterator(shards_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && (name.rfind("shard-", 0) == 0 || name.rfind("valid-", 0) == 0) && !keep.count(name))
      fs::remove(e.path(), ec);
  }
  for (const auto& e : fs::directory_iterator(shards_dir + "/documents", ec)) {
    const std::string name = "documents/" + e.path().filename().string();
    if (e.is_regular_file() && !keep.count(name)) fs::remove(e.path(), ec);
  }
  const std::string manifest = shards_dir + "/manifest.json";
  if (committed) {
    auto on_disk = ReadWholeFile(manifest);
    if (!on_disk.ok() || *on_disk != *committed) RETURN_IF_ERROR(WriteFileAtomically(manifest, *committed));
  } else {
    fs::remove(manifest, ec);
  }
  return Status::Ok();
}

Status PrepareWork(const StageContext& ctx) {
  RETURN_IF_ERROR(MakeDirs(ctx.work));
  std::error_code ec;
  const std::string fp_path = ctx.work + "/fingerprint";
  auto fp = ReadWholeFile(fp_path);
  const std::string want =
      ctx.prepared->fingerprint + " partitions=" + std::to_string(ctx.plan->dedup_partitions) + "\n";
  if (!fp.ok() || *fp != want) {
    fs::remove_all(ctx.work + "/process", ec);
    RETURN_IF_ERROR(WriteFileAtomically(fp_path, want));
  }
  for (const auto& e : fs::directory_iterator(ctx.work, ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("plan-", 0) == 0 && e.path().string() != ctx.plan_dir()) fs::remove_all(e.path(), ec);
  }
  RETURN_IF_ERROR(MakeDirs(ctx.plan_dir() + "/done"));
  RETURN_IF_ERROR(MakeDirs(ctx.work + "/process"));
  const std::string plan_path = ctx.plan_dir() + "/plan.json";
  const std::string plan_json = ctx.plan->ToJson();
  auto on_disk = ReadWholeFile(plan_path);
  if (!on_disk.ok() || *on_disk != plan_json) RETURN_IF_ERROR(WriteFileAtomically(plan_path, plan_json));
  return Status::Ok();
}

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
    Encoder e;
    e.U64(placed.size());
    for (const auto& p : placed) {
      e.U64(p.position.shard);
      e.U64(p.position.index);
      e.U64(p.position.token_offset);
      e.U64(p.position.length);
      e.U64(p.tokens);
      e.Str(p.tokens_sha256);
    }
    e.F64(Since(t0));
    RETURN_IF_ERROR(WriteStageFile(tmp + "/positions.bin", e.bytes(), false));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/fresh-manifest.json", fresh.ToJson()));
    RETURN_IF_ERROR(WriteFileAtomically(tmp + "/DONE", ""));
    RETURN_IF_ERROR(RenameDir(tmp, dir));
  }
  return Status::Ok();
}

// ---- commit -----------------------------------------------------------------------------

namespace {

// `from` as `to`: a hard link (the work folder is on the output's
// filesystem by default), else a copy.
Status Place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove(to, ec);
  fs::create_directories(fs::path(to).parent_path(), ec);
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(from));
  return WriteFileAtomically(to, bytes);
}

}  // namespace

Status CommitGroup(const StageContext& ctx, uint64_t g, Totals* totals, RunSummary* summary) {
  const PipelineConfig& c = *ctx.config;
  const PlanGroup& group = ctx.plan->groups[g];
  const std::string shards_dir = c.output + "/shards";
  ASSIGN_OR_RETURN(GroupDecisions dec, ReadDecisions(ctx, g));
  const std::string tdir = TokenizeDir(ctx, g);
  ASSIGN_OR_RETURN(std::string pos_bytes, ReadStageFile(tdir + "/positions.bin", false));
  Decoder pin(pos_bytes);
  std::vector<TokenizedDoc> placed(pin.U64());
  if (placed.size() != dec.kept.size()) return Status::Corruption(tdir + ": positions do not match the decisions");
  for (auto& p : placed) {
    p.position.shard = pin.U64();
    p.position.index = pin.U64();
    p.position.token_offset = pin.U64();
    p.position.length = pin.U64();
    p.tokens = pin.U64();
    p.tokens_sha256 = pin.Str();
  }
  const double tokenize_seconds = pin.F64();
  if (pin.failed() || !pin.done()) return Status::Corruption(tdir + "/positions.bin: truncated or malformed");
  ASSIGN_OR_RETURN(std::string fresh_json, ReadWholeFile(tdir + "/fresh-manifest.json"));
  ASSIGN_OR_RETURN(tokenize::Manifest fresh, tokenize::Manifest::Parse(fresh_json));
  std::vector<ShardResult> results;
  for (uint64_t source : group.sources) {
    ASSIGN_OR_RETURN(ShardResult r, ReadResult(ctx, source, true));
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
  ASSIGN_OR_RETURN(std::optional<std::string> already, ctx.store->Ingest(ctx.plan->sources[group.sources.front()]));

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
  if (!committed) {
    manifest = std::move(fresh);
  } else if (Status s = manifest.Append(std::move(fresh)); !s.ok()) {
    return Status::InvalidArgument(c.output + ": " + s.message() + "; a new output folder (and store) is needed");
  }
  const std::string manifest_json = manifest.ToJson();
  store::ProvenanceStore::Batch batch;
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
      if (const TokenizedDoc* t = position_of[k][j]) {
        tokenize::ShardPosition p = t->position;
        p.shard += base;
        json += ",\"shard\":" + std::to_string(p.shard) + ",\"index\":" + std::to_string(p.index) +
                ",\"token_offset\":" + std::to_string(p.token_offset) +
                ",\"sequence_length\":" + std::to_string(p.length) + ",\"tokens\":" + std::to_string(t->tokens) +
                ",\"text_sha256\":\"" + HexEncode(Sha256(d.doc.text)) + "\",\"tokens_sha256\":\"" + t->tokens_sha256 +
                "\"";
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
        .Add("run", ctx.plan->run);
    if (r.verification == Verification::kVerified) {
      std::string state = in.str();
      state.pop_back();
      JsonObject ledger;
      ledger.Add("snapshot", c.snapshot).Add("root", c.root);
      batch.PutIngest(r.path, state + ",\"ledger\":" + ledger.str() + "}");
    } else {
      batch.PutIngest(r.path, in.str());
    }
    ++summary->processed;
    summary->quarantined += r.quarantined;
    summary->unverified += r.verification == Verification::kUnverified;
  }
  totals->shards_after = manifest.shards.size();
  if (already) return Status::Ok();  // committed by an earlier attempt of this plan
  std::unique_ptr<dedup::DedupIndex> index = ctx.store->DedupIndexFor(&batch);
  RETURN_IF_ERROR(index->Add(dec.newly_kept));
  batch.PutManifest(manifest_json);
  RETURN_IF_ERROR(ctx.store->Commit(&batch));
  ctx.Point("committed");
  // After the commit: the manifest file (Reconcile rewrites it if this is lost).
  RETURN_IF_ERROR(WriteFileAtomically(shards_dir + "/manifest.json", manifest_json));
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

Status FinishRun(const StageContext& ctx, const Totals& t, double seconds, RunSummary* summary) {
  const PipelineConfig& c = *ctx.config;
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
      .Add("shards_total", t.shards_after)
      .AddRaw("seconds", secs.str());
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
      const std::string shards_dir = ctx.config->output + "/shards";
      ASSIGN_OR_RETURN(std::optional<std::string> committed, ctx.store->Manifest());
      Totals totals;
      if (committed) {
        ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
        totals.shards_before = m.shards.size();
      }
      RETURN_IF_ERROR(Reconcile(shards_dir, committed));
      summary->run = plan.run;
      summary->sources = plan.sources.size();
      bool any_new = false;
      for (uint64_t g = 0; g < groups; ++g) {
        ASSIGN_OR_RETURN(std::optional<std::string> already,
                         ctx.store->Ingest(plan.sources[plan.groups[g].sources.front()]));
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
      RETURN_IF_ERROR(FinishRun(ctx, totals, Since(t0), summary));
      break;
    }
  }
  return WriteFileAtomically(marker, "");
}

}  // namespace crawlproof::pipelines

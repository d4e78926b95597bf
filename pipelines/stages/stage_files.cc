#include "pipelines/stages/stage_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>
#include <utility>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "pipelines/outputs/output_dir.h"
#include "store/provenance_store.h"
#include "verify/commitments.h"
#include "verify/snapshot.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Num(uint64_t v, int width) {
  std::string s = std::to_string(v);
  return std::string(s.size() < static_cast<size_t>(width) ? static_cast<size_t>(width) - s.size() : 0, '0') + s;
}

std::string SourceDir(const StageContext& ctx, uint64_t source) {
  return ctx.work + "/process/" + HexEncode(Sha256(ctx.plan->sources[source])).substr(0, 24);
}

Status MakeDirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  return Status::Ok();
}

std::string TempDir(const std::string& final_dir) {
  // Host, process and thread: two attempts of one task (a requeued job while
  // a lost node's copy still runs) never share a temporary folder.
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return final_dir + ".tmp." + host + "." + std::to_string(::getpid()) + "." +
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

Status Place(const std::string& from, const std::string& to) {
  std::error_code ec;
  fs::remove(to, ec);
  fs::create_directories(fs::path(to).parent_path(), ec);
  fs::create_hard_link(from, to, ec);
  if (!ec) return Status::Ok();
  ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(from));
  return WriteFileAtomically(to, bytes);
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
    e->Str(x.lang2);
    e->F64(x.lang2_share);
    e->Str(x.lang_label);
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
    e->Str(d.match);
    e->Str(d.check);
    e->Str(d.filter_changes);
    e->Str(d.classifiers);
    e->I64(d.leaf ? static_cast<int64_t>(*d.leaf) : -1);  // -1: none (the format's marker)
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
    x.lang2 = in.Str();
    x.lang2_share = in.F64();
    x.lang_label = in.Str();
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
    d.match = in.Str();
    d.check = in.Str();
    d.filter_changes = in.Str();
    d.classifiers = in.Str();
    if (int64_t leaf = in.I64(); leaf >= 0) d.leaf = static_cast<uint64_t>(leaf);
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

uint32_t IdPartition(std::string_view id, uint32_t partitions) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ull;
  return static_cast<uint32_t>(h % std::max<uint32_t>(1, partitions));
}

Status AppendSignedRecord(const std::string& digest, const uint64_t* signature, uint32_t np, std::string_view id,
                          Encoder* out) {
  if (digest.size() != 32) return Status::Internal("a candidate's digest is not 32 bytes");
  if (id.size() >= kIdSlot)
    return Status::InvalidArgument("document id \"" + std::string(id) + "\" is longer than " +
                                   std::to_string(kIdSlot - 1) + " bytes");
  out->Raw(digest.data(), 32);
  for (uint32_t j = 0; j < np; ++j) out->U64(signature[j]);
  out->U8(static_cast<uint8_t>(id.size()));
  out->Raw(id.data(), id.size());
  static const char kZeros[kIdSlot] = {};
  out->Raw(kZeros, kIdSlot - 1 - id.size());
  return Status::Ok();
}

Result<SignedFile> SignedFile::Open(const std::string& path, uint32_t np) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::IoError(path + ": " + std::strerror(errno));
  SignedFile f(path, fd, np, 0);
  unsigned char head[8];
  struct stat st {};
  if (::fstat(fd, &st) != 0 || ::pread(fd, head, 8, 0) != 8) return Status::Corruption(path + ": no header");
  for (int b = 7; b >= 0; --b) f.count_ = f.count_ << 8 | head[b];
  const uint64_t size = static_cast<uint64_t>(st.st_size);
  if ((size - 8) % SignedRecordBytes(np) != 0 || (size - 8) / SignedRecordBytes(np) != f.count_)
    return Status::Corruption(path + ": " + std::to_string(size) + " bytes for " + std::to_string(f.count_) +
                              " candidates (truncated, or written with other options)");
  return f;
}

SignedFile::SignedFile(SignedFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), np_(other.np_), count_(other.count_) {}

SignedFile::~SignedFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status SignedFile::ReadRun(uint64_t first, uint64_t n, SignedRows* out) const {
  const size_t rec = SignedRecordBytes(np_);
  std::string buf(n * rec, '\0');
  size_t done = 0;
  while (done < buf.size()) {
    const ssize_t got = ::pread(fd_, buf.data() + done, buf.size() - done, static_cast<off_t>(8 + first * rec + done));
    if (got <= 0) return Status::IoError(path_ + ": " + (got < 0 ? std::strerror(errno) : "unexpected end of file"));
    done += static_cast<size_t>(got);
  }
  Decoder in(buf);
  for (uint64_t k = 0; k < n; ++k) {
    in.RawTo(out->digests.emplace_back().data(), 32);
    for (uint32_t j = 0; j < np_; ++j) out->signatures.push_back(in.U64());
    const uint8_t len = in.U8();
    std::string id(kIdSlot - 1, '\0');
    in.RawTo(id.data(), id.size());
    if (len >= kIdSlot) return Status::Corruption(path_ + ": candidate " + std::to_string(first + k) + ": bad id");
    id.resize(len);
    out->ids.push_back(std::move(id));
  }
  return Status::Ok();
}

Status SignedFile::Read(const std::vector<uint64_t>& rows, SignedRows* out) const {
  for (size_t i = 0; i < rows.size();) {
    size_t j = i + 1;
    while (j < rows.size() && rows[j] == rows[j - 1] + 1) ++j;
    if (rows[j - 1] >= count_ || (i > 0 && rows[i] <= rows[i - 1]))
      return Status::Internal(path_ + ": rows out of range or order");
    RETURN_IF_ERROR(ReadRun(rows[i], j - i, out));
    i = j;
  }
  return Status::Ok();
}

Status SignedFile::ReadAll(SignedRows* out) const {
  constexpr uint64_t kRun = 4096;  // records per read
  for (uint64_t first = 0; first < count_; first += kRun)
    RETURN_IF_ERROR(ReadRun(first, std::min(kRun, count_ - first), out));
  return Status::Ok();
}

// ---- the cluster's decisions about a group ---------------------------------------

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
      e.Str(d.check);
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
  EncodeIndexed(g.newly_kept, &e);
  EncodePrompts(g.prompts, g.prompts_newly_kept, &e);
  return std::move(e.bytes());
}

Result<GroupDecisions> ReadDecisions(const StageContext& ctx, uint64_t group) {
  const std::string path = ctx.plan_dir() + "/cluster/group-" + Num(group) + ".bin.zst";
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  GroupDecisions g;
  uint64_t n = in.Count();
  g.sources.resize(n);
  for (auto& docs : g.sources) {
    const uint64_t m = in.Count();
    docs.resize(m);
    for (auto& d : docs) {
      d.status = static_cast<DocStatus>(in.U8());
      d.reason = in.Str();
      d.dedup_json = in.Str();
      d.key_suffix = in.Str();
      d.check = in.Str();
    }
  }
  n = in.Count();
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
  DecodeIndexed(&in, &g.newly_kept);
  DecodePrompts(&in, &g.prompts, &g.prompts_newly_kept);
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  for (const auto& k : g.kept)
    if (k.source >= g.sources.size() || k.doc >= g.sources[k.source].size())
      return Status::Corruption(path + ": a kept document out of range");
  for (const auto& p : g.prompts)
    if (p.source >= g.sources.size() || p.doc >= g.sources[p.source].size())
      return Status::Corruption(path + ": a prompt's document out of range");
  return g;
}

// ---- dedup partitions ------------------------------------------------------------

std::string WindowDir(const StageContext& ctx, uint64_t begin, uint64_t end) {
  return ctx.plan_dir() + "/dedup/w" + Num(begin) + "-" + Num(end);
}

// ---- tokenize outputs ---------------------------------------------------------------

std::string TokenizeDir(const StageContext& ctx, uint64_t group) {
  return ctx.plan_dir() + "/tokenize/group-" + Num(group);
}

// positions.bin of a tokenized group: one TokenizedDoc per kept document in
// shard order, then the stage's seconds.
Status WritePositions(const std::string& path, const std::vector<TokenizedDoc>& placed, double seconds) {
  Encoder e;
  e.U64(placed.size());
  for (const auto& p : placed) {
    e.U64(p.position.shard);
    e.U64(p.position.index);
    e.U64(p.position.token_offset);
    e.U64(p.position.length);
    e.U64(p.tokens);
    e.Str(p.tokens_sha256);
    e.Str(p.text_sha256);
  }
  e.F64(seconds);
  return WriteStageFile(path, e.bytes(), false);
}

Result<std::vector<TokenizedDoc>> ReadPositions(const std::string& path, double* seconds) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, false));
  Decoder in(bytes);
  const uint64_t n = in.U64();
  if (n > bytes.size()) return Status::Corruption(path + ": bad count");
  std::vector<TokenizedDoc> placed(n);
  for (auto& p : placed) {
    p.position.shard = in.U64();
    p.position.index = in.U64();
    p.position.token_offset = in.U64();
    p.position.length = in.U64();
    p.tokens = in.U64();
    p.tokens_sha256 = in.Str();
    p.text_sha256 = in.Str();
  }
  *seconds = in.F64();
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return placed;
}

std::string StageContext::plan_dir() const {
  return work + "/plan-" + plan->id;
}

std::string DoneMarker(const std::string& plan_dir, Stage stage, uint64_t task) {
  return plan_dir + "/done/" + ToString(stage) + "-" + Num(task);
}

Result<Prepared> Prepare(const PipelineConfig& c, bool load_tokenizer) {
  Prepared p;
  p.tok_path = c.tokenizer.empty() ? DefaultTokenizerPath() : c.tokenizer;
  p.shard_options.format =
      c.format == "datatrove" ? tokenize::ShardFormat::kDatatrove : tokenize::ShardFormat::kMegatron;
  p.shard_options.shard_tokens = c.shard_tokens;
  // A file the pipeline names that cannot be read is named with its key.
  auto named = [&](const char* key) {
    return [&c, key](const Status& s) { return s.WithPrefix(c.file + ": " + key); };
  };
  if (load_tokenizer) {
    auto tokenizer = tokenize::Tokenizer::Load(p.tok_path);
    if (!tokenizer.ok()) return named("tokenize.tokenizer")(tokenizer.status());
    p.tokenizer = std::move(tokenizer).value();
    auto bos = p.tokenizer->ResolveMarker(c.bos, p.tokenizer->default_bos());
    if (!bos.ok()) return bos.status().WithPrefix(c.file + ": tokenize.bos");
    auto eos = p.tokenizer->ResolveMarker(c.eos, p.tokenizer->default_eos());
    if (!eos.ok()) return eos.status().WithPrefix(c.file + ": tokenize.eos");
    p.shard_options.bos = *bos;
    p.shard_options.eos = *eos;
  }
  std::string ledger_hash;
  if (!c.snapshot.empty()) {
    auto loaded_trust = verify::LoadTrustFile(c.trust);
    if (!loaded_trust.ok()) return named("ledger.trust")(loaded_trust.status());
    verify::Trust trust = std::move(loaded_trust).value();
    auto read_snapshot = verify::ReadSnapshotFile(c.snapshot);
    if (!read_snapshot.ok()) return named("ledger.snapshot")(read_snapshot.status());
    verify::Snapshot snapshot = std::move(read_snapshot).value();
    auto v = verify::VerifySnapshot(snapshot, trust);
    if (!v.ok()) return Status::InvalidArgument(c.snapshot + ": the ledger does not verify: " + v.status().message());
    p.ledger = std::move(v).value();
    ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(c.snapshot));
    ledger_hash = HexEncode(Sha256(bytes));
  }
  auto tokenizer_file = ReadWholeFile(p.tok_path);
  if (!tokenizer_file.ok()) return named("tokenize.tokenizer")(tokenizer_file.status());
  const std::string& tokenizer_bytes = *tokenizer_file;
  p.options_sha256 =
      HexEncode(Sha256(c.decision_options + "\n# tokenizer sha256 " + HexEncode(Sha256(tokenizer_bytes)) + "\n"));
  p.fingerprint = HexEncode(Sha256("options " + p.options_sha256 + "\nledger " + ledger_hash + "\nroot " + c.root +
                                   "\nfilter file " + c.file + "\n"));
  return p;
}

Status Reconcile(const std::string& shards_dir, const std::optional<std::string>& committed) {
  std::set<std::string> keep;
  if (committed) {
    ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
    for (const auto& sh : m.shards)
      for (const auto& f : sh.files) keep.insert(f.name);
    for (const auto& f : m.other_files) keep.insert(f.name);
  }
  return ReconcileFolder(shards_dir, {"", "documents/"}, IsOwnShardsName, keep, committed);
}

Status ReconcileFolder(const std::string& dir, const std::vector<std::string>& subs,
                       const std::function<bool(const std::string&)>& is_own, const std::set<std::string>& keep,
                       const std::optional<std::string>& committed) {
  RETURN_IF_ERROR(MakeDirs(dir));
  std::error_code ec;
  // Only names crawlproof writes, never through a symbolic link (the output
  // folder's own links are refused by CheckOutputFolder before this).
  for (const std::string& sub : subs) {
    const std::string folder = dir + "/" + sub;
    if (fs::is_symlink(dir, ec) || fs::is_symlink(fs::path(folder).parent_path(), ec) || fs::is_symlink(folder, ec))
      continue;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
      const std::string name = sub + e.path().filename().string();
      if (e.symlink_status(ec).type() == fs::file_type::regular && is_own(name) && !keep.count(name))
        fs::remove(e.path(), ec);
    }
  }
  const std::string manifest = dir + "/manifest.json";
  if (committed) {
    auto on_disk = ReadWholeFile(manifest);
    if (!on_disk.ok() || *on_disk != *committed) RETURN_IF_ERROR(WriteFileAtomically(manifest, *committed));
  } else {
    fs::remove(manifest, ec);
  }
  return Status::Ok();
}

std::string WorkFingerprint(const Prepared& prepared, const Plan& plan) {
  // work-format: the layout of process outputs (2: sigs.bin with ids,
  // bands with rows, ids by partition; 3: documents with classifier scores).
  return prepared.fingerprint + " partitions=" + std::to_string(plan.dedup_partitions) + " work-format=3\n";
}

Status PrepareWork(const StageContext& ctx, bool clear) {
  RETURN_IF_ERROR(MakeDirs(ctx.work));
  std::error_code ec;
  // Nothing below the work folder is followed through a link (a planted
  // plan-<id> link would have us delete and write in its target).
  for (const std::string& p :
       {ctx.work + "/fingerprint", ctx.work + "/process", ctx.plan_dir() + "/done", ctx.plan_dir() + "/plan.json"})
    RETURN_IF_ERROR(CheckNoLinkBelow(ctx.work, p));
  const std::string fp_path = ctx.work + "/fingerprint";
  auto fp = ReadWholeFile(fp_path);
  const std::string want = WorkFingerprint(*ctx.prepared, *ctx.plan);
  if (!fp.ok() || *fp != want) {
    if (clear) fs::remove_all(ctx.work + "/process", ec);
    if (clear || !fp.ok()) RETURN_IF_ERROR(WriteFileAtomically(fp_path, want));
  }
  for (const auto& e : fs::directory_iterator(ctx.work, ec)) {
    const std::string name = e.path().filename().string();
    if (clear && name.rfind("plan-", 0) == 0 && e.path().string() != ctx.plan_dir()) fs::remove_all(e.path(), ec);
  }
  RETURN_IF_ERROR(MakeDirs(ctx.plan_dir() + "/done"));
  RETURN_IF_ERROR(MakeDirs(ctx.work + "/process"));
  const std::string plan_path = ctx.plan_dir() + "/plan.json";
  const std::string plan_json = ctx.plan->ToJson();
  auto on_disk = ReadWholeFile(plan_path);
  if (!on_disk.ok() || *on_disk != plan_json) RETURN_IF_ERROR(WriteFileAtomically(plan_path, plan_json));
  return Status::Ok();
}

Status ParallelFor(uint64_t n, unsigned workers, const std::atomic<bool>* cancel,
                   const std::function<Status(uint64_t)>& fn) {
  std::atomic<uint64_t> next{0};
  std::mutex mu;
  Status first = Status::Ok();
  std::vector<std::thread> pool;
  std::atomic<bool> stop{false};
  const unsigned w = static_cast<unsigned>(std::max<uint64_t>(1, std::min<uint64_t>(workers, n)));
  for (unsigned t = 0; t < w; ++t) {
    try {
      pool.emplace_back([&] {
        for (uint64_t i; !stop && !(cancel && *cancel) && (i = next.fetch_add(1)) < n;) {
          Status s = fn(i);
          if (!s.ok()) {
            std::lock_guard<std::mutex> lock(mu);
            if (first.ok()) first = s;
            return;
          }
        }
      });
    } catch (const std::system_error& e) {
      // A process or memory limit: said as an error (the threads started
      // finish their task and stop; the group is not committed).
      stop = true;
      for (auto& started : pool) started.join();
      return Status::ResourceExhausted("cannot start worker thread " + std::to_string(t + 1) + " of " +
                                       std::to_string(w) + ": " + e.code().message() +
                                       " (lower [run] workers or raise the process limit)");
    }
  }
  for (auto& t : pool) t.join();
  return first;
}

}  // namespace crawlproof::pipelines

#include "pipelines/run.h"

#include <signal.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "extract/document.h"
#include "filter/filters.h"
#include "ingest/line_reader.h"
#include "ingest/warc_reader.h"
#include "pipelines/report.h"
#include "pipelines/task.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"
#include "tokenize/tokenizer.h"
#include "verify/commitments.h"
#include "verify/ledger.h"
#include "verify/merkle.h"

namespace crawlproof::pipelines {

std::string DefaultTokenizerPath() {
  return std::string(CRAWLPROOF_DATA_DIR) + "/tokenizers/deepseek-v3/tokenizer.json";
}

namespace {

// Test hook: CRAWLPROOF_FAILPOINT=<name>[:<n>[:INT]] kills the process with
// SIGKILL (or sends it SIGINT, as Ctrl-C does) the n-th time (default: the
// first) a run reaches that point (tests of exactly-once; docs/pipeline.md).
void Failpoint(const char* name) {
  static std::atomic<int> hits{0};
  const char* want = std::getenv("CRAWLPROOF_FAILPOINT");
  if (!want) return;
  std::string w = want;
  int nth = 1, sig = SIGKILL;
  if (size_t colon = w.find(':'); colon != std::string::npos) {
    nth = std::atoi(w.c_str() + colon + 1);
    if (w.find(":INT", colon) != std::string::npos) sig = SIGINT;
    w.resize(colon);
  }
  if (w == name && ++hits == nth) ::kill(::getpid(), sig);
}

using Clock = std::chrono::steady_clock;
double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Writes `data` zstd-compressed to dir/name atomically and describes it.
Result<tokenize::ManifestFile> WriteZstd(const std::string& dir, const std::string& name, const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(dir + "/" + name).parent_path(), ec);
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + name, out));
  return tokenize::ManifestFile{name, out.size(), HexEncode(Sha256(out))};
}

// Removes what a killed run left: shard files the committed manifest does
// not list, and a manifest.json that is not the committed one.
Status Reconcile(const std::string& shards_dir, const std::optional<std::string>& committed) {
  std::error_code ec;
  std::filesystem::create_directories(shards_dir, ec);
  if (ec) return Status::IoError("cannot create " + shards_dir + ": " + ec.message());
  std::set<std::string> keep;
  if (committed) {
    ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*committed));
    for (const auto& sh : m.shards)
      for (const auto& f : sh.files) keep.insert(f.name);
    for (const auto& f : m.other_files) keep.insert(f.name);
  }
  for (const auto& e : std::filesystem::directory_iterator(shards_dir, ec)) {
    const std::string name = e.path().filename().string();
    if (e.is_regular_file() && (name.rfind("shard-", 0) == 0 || name.rfind("valid-", 0) == 0) && !keep.count(name))
      std::filesystem::remove(e.path(), ec);
  }
  for (const auto& e : std::filesystem::directory_iterator(shards_dir + "/documents", ec)) {
    const std::string name = "documents/" + e.path().filename().string();
    if (e.is_regular_file() && !keep.count(name)) std::filesystem::remove(e.path(), ec);
  }
  const std::string manifest = shards_dir + "/manifest.json";
  if (committed) {
    auto on_disk = ReadWholeFile(manifest);
    if (!on_disk.ok() || *on_disk != *committed) RETURN_IF_ERROR(WriteFileAtomically(manifest, *committed));
  } else {
    std::filesystem::remove(manifest, ec);
  }
  return Status::Ok();
}

}  // namespace

namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void OnInterrupt(int) {
  g_interrupted = true;
}

// Counters over the groups of one run.
struct Totals {
  uint64_t bytes = 0, records = 0;
  std::map<std::string, uint64_t> statuses, dropped, languages;  // languages: of the documents in shards
  std::map<std::string, uint64_t> skipped;                       // records that are not documents, by reason
  uint64_t exact = 0, near = 0, earlier = 0;
  double task_seconds = 0, dedup_seconds = 0, tokenize_seconds = 0;
  uint64_t shards_before = 0, shards_after = 0;
};

class Runner {
 public:
  Runner(const PipelineConfig& c, const tokenize::Tokenizer& tokenizer, std::string tok_path,
         tokenize::ShardOptions shard_options, const verify::VerifiedLedger* ledger, store::ProvenanceStore* st,
         Progress* progress, RunSummary* summary)
      : c_(c),
        tokenizer_(tokenizer),
        tok_path_(std::move(tok_path)),
        shard_options_(shard_options),
        ledger_(ledger),
        st_(st),
        progress_(progress),
        summary_(summary) {}

  Totals& totals() { return totals_; }
  void set_options_sha256(std::string h) { options_sha256_ = std::move(h); }

  // One group of source shards: tasks, dedup, tokens, one commit.
  // `group`: the index of the group's first source in the source list.
  Status RunGroup(const std::vector<std::string>& todo, uint64_t group) {
    group_ = group;
    const auto t_tasks = Clock::now();
    unsigned workers = c_.workers ? c_.workers : std::max(1u, std::thread::hardware_concurrency());
    workers = static_cast<unsigned>(std::min<size_t>(workers, todo.size()));
    std::vector<ShardResult> results(todo.size());
    std::atomic<size_t> next{0};
    std::vector<std::thread> pool;
    for (unsigned w = 0; w < workers; ++w)
      pool.emplace_back([&] {
        for (size_t i; !g_interrupted && (i = next.fetch_add(1)) < todo.size();) {
          results[i] = RunTask(c_, todo[i], ledger_);
          progress_->AddSecondary(results[i].docs.size());
          progress_->Add(1, results[i].size);
        }
      });
    for (auto& t : pool) t.join();
    if (g_interrupted) return Status::Unavailable("interrupted");
    totals_.task_seconds += Since(t_tasks);
    Failpoint("tasks-done");
    for (const auto& r : results) {
      if (r.verification == "mismatch" && c_.on_mismatch == "fail")
        return Status::InvalidArgument(r.path + ": " + r.detail +
                                       " (ledger.on_mismatch = \"fail\"; this group is not committed)");
      if (r.verification == "missing" && c_.on_missing == "fail")
        return Status::InvalidArgument(r.path + ": " + r.detail +
                                       " (ledger.on_missing = \"fail\"; this group is not committed)");
    }
    // A record seen before (the same WARC-Record-ID in an earlier file of
    // this run or of an earlier run) is never a second document: the later
    // sighting is recorded under its own key and goes no further.
    for (auto& r : results) {
      for (auto& d : r.docs) {
        ASSIGN_OR_RETURN(std::optional<std::string> before, st_->Document(d.doc.id));
        if (before || !seen_ids_.insert(d.doc.id).second) {
          d.key_suffix = "@" + r.path;
          if (d.status.empty()) {
            d.status = "duplicate";
            d.reason = "same-record";
          }
        }
      }
    }
    // Dedup over the candidates, in source order, against the store's index.
    const auto t_dedup = Clock::now();
    store::ProvenanceStore::Batch batch;
    std::unique_ptr<dedup::DedupIndex> index = st_->DedupIndexFor(&batch);
    dedup::DedupOptions dopt;
    dopt.minhash = {c_.num_perm, c_.ngram, c_.seed};
    dopt.bands = c_.bands;
    dopt.rows = c_.rows;
    dopt.threshold = c_.threshold;
    dopt.exact = c_.exact;
    dopt.device = c_.device == "cpu"    ? dedup::DedupOptions::Device::kCpu
                  : c_.device == "cuda" ? dedup::DedupOptions::Device::kCuda
                                        : dedup::DedupOptions::Device::kAuto;
    dopt.threads = c_.workers;
    std::vector<DocOut*> candidates;
    for (auto& r : results)
      for (auto& d : r.docs)
        if (d.status.empty()) candidates.push_back(&d);
    std::vector<std::string> ids;
    dedup::Deduplicator deduplicator(dopt, index.get());
    {
      std::vector<std::string> texts;
      for (DocOut* d : candidates) {
        texts.push_back(dedup::NormalizeForDedup(d->doc.text));
        ids.push_back(d->doc.id);
      }
      RETURN_IF_ERROR(deduplicator.Add(texts, {}, ids));
    }
    ASSIGN_OR_RETURN(dedup::DedupReport report, deduplicator.Finish());
    std::vector<DocOut*> kept;
    for (size_t k = 0; k < candidates.size(); ++k) {
      const dedup::DedupOutcome& out = report.outcomes[k];
      if (!out.removed) {
        kept.push_back(candidates[k]);
        continue;
      }
      const std::string of = out.previous.empty() ? ids[out.duplicate_of] : out.previous;
      candidates[k]->status = "duplicate";
      candidates[k]->reason = std::string(out.exact && out.previous.empty() ? "dedup:exact" : "dedup:minhash") +
                              (out.previous.empty() ? "" : ":earlier_run");
      JsonObject dj;
      dj.Add("duplicate_of", of).Add("cluster", of).Add("jaccard", out.jaccard);
      candidates[k]->dedup_json = dj.str();
    }
    RETURN_IF_ERROR(index->Add(report.newly_kept));
    totals_.exact += report.exact_duplicates;
    totals_.near += report.near_duplicates;
    totals_.earlier += report.previous_duplicates;
    totals_.dedup_seconds += Since(t_dedup);

    // Tokens, into shards after the committed ones: train first, then
    // validation, each document in a seeded order when asked.
    const auto t_tok = Clock::now();
    const std::string shards_dir = c_.output + "/shards";
    ASSIGN_OR_RETURN(std::optional<std::string> committed, st_->Manifest());
    tokenize::Manifest manifest;
    if (committed) {
      ASSIGN_OR_RETURN(manifest, tokenize::Manifest::Parse(*committed));
    }
    if (c_.shuffle_seed) {
      std::vector<std::pair<std::string, DocOut*>> keyed;
      for (DocOut* d : kept) keyed.emplace_back(Sha256(std::to_string(c_.shuffle_seed) + "\n" + d->doc.id), d);
      std::sort(keyed.begin(), keyed.end());
      for (size_t i = 0; i < kept.size(); ++i) kept[i] = keyed[i].second;
    }
    if (c_.validation_fraction > 0) {
      for (DocOut* d : kept) {
        const std::string h = Sha256("validation\n" + std::to_string(c_.shuffle_seed) + "\n" + d->doc.id);
        uint64_t v = 0;
        for (int k = 0; k < 8; ++k) v = v << 8 | static_cast<uint8_t>(h[static_cast<size_t>(k)]);
        d->validation = static_cast<double>(v >> 11) / static_cast<double>(uint64_t{1} << 53) < c_.validation_fraction;
      }
      std::stable_partition(kept.begin(), kept.end(), [](const DocOut* d) { return !d->validation; });
    }
    std::vector<std::string_view> views;
    for (DocOut* d : kept) views.push_back(d->doc.text);
    const auto token_ids = tokenizer_.EncodeBatch(views, c_.workers);
    tokenize::Manifest fresh;
    bool have_fresh = false;  // a writer has been closed into `fresh`
    uint64_t next_shard = manifest.shards.empty() ? 0 : manifest.shards.back().index + 1;
    // At least one writer, so that the manifest names the tokenizer even
    // when no document is left.
    size_t begin = 0;
    do {
      const bool validation = begin < kept.size() && kept[begin]->validation;
      ASSIGN_OR_RETURN(std::unique_ptr<tokenize::ShardWriter> writer,
                       tokenize::ShardWriter::Open(shards_dir, tokenizer_, tok_path_, shard_options_, next_shard,
                                                   validation ? "validation" : "train"));
      size_t i = begin;
      for (; i < kept.size() && kept[i]->validation == validation; ++i) {
        DocOut& d = *kept[i];
        ASSIGN_OR_RETURN(d.position, writer->Add(d.doc.id, token_ids[i]));
        d.in_shards = true;
        d.tokens = token_ids[i].size();
        d.tokens_sha256 = HexEncode(Sha256(std::string_view(reinterpret_cast<const char*>(token_ids[i].data()),
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
      begin = i;
    } while (begin < kept.size());
    // The final documents, for people who read or re-tokenize them.
    if (c_.documents && !kept.empty()) {
      std::string lines;
      for (size_t i = 0; i < kept.size(); ++i) {
        const DocOut& d = *kept[i];
        JsonObject src;
        src.Add("file", d.doc.file)
            .Add("offset", d.doc.offset)
            .Add("length", d.doc.length)
            .Add("record_id", d.doc.record_id);
        JsonObject o;
        o.Add("id", d.doc.id)
            .Add("url", d.doc.url)
            .Add("date", d.doc.date)
            .Add("lang", d.doc.lang)
            .AddRaw("source", src.str())
            .Add("split", d.validation ? "validation" : "train")
            .Add("text", d.doc.text)
            .Add("tokens", d.tokens);
        lines += o.str();
        lines += '\n';
      }
      char name[64];
      std::snprintf(name, sizeof name, "documents/group-%06llu.jsonl.zst", static_cast<unsigned long long>(group_));
      ASSIGN_OR_RETURN(tokenize::ManifestFile f, WriteZstd(shards_dir, name, lines));
      fresh.other_files.push_back(std::move(f));
    }
    summary_->tokens += fresh.tokens;  // as the manifest counts them: BOS and EOS included
    totals_.tokenize_seconds += Since(t_tok);
    Failpoint("shards-written");
    if (!committed) {
      manifest = std::move(fresh);
    } else {
      if (Status s = manifest.Append(std::move(fresh)); !s.ok())
        return Status::InvalidArgument(c_.output + ": " + s.message() + "; a new output folder (and store) is needed");
    }
    const std::string manifest_json = manifest.ToJson();
    totals_.shards_after = manifest.shards.size();

    // The store: every document, every shard, the manifest; one write.
    for (auto& r : results) {
      totals_.records += r.records;
      totals_.bytes += r.size;
      for (const auto& [k, v] : r.skipped) totals_.skipped[k] += v;
      summary_->input_errors += r.input_errors;
      const bool unverified = r.verification == "unverified";
      for (auto& d : r.docs) {
        if (d.status.empty()) d.status = unverified ? "unverified" : "in-shard";
        std::string json = DocJson(d, r.verification, summary_->run);
        json.pop_back();  // '}': decisions and the position follow
        if (!d.dedup_json.empty()) json += ",\"dedup\":" + d.dedup_json;
        if (d.in_shards) {
          const tokenize::ShardPosition& p = d.position;
          json += ",\"shard\":" + std::to_string(p.shard) + ",\"index\":" + std::to_string(p.index) +
                  ",\"token_offset\":" + std::to_string(p.token_offset) +
                  ",\"sequence_length\":" + std::to_string(p.length) + ",\"tokens\":" + std::to_string(d.tokens) +
                  ",\"text_sha256\":\"" + HexEncode(Sha256(d.doc.text)) + "\",\"tokens_sha256\":\"" + d.tokens_sha256 +
                  "\"";
          batch.PutPosition(p.shard, p.index, d.doc.id);
        }
        json += "}";
        batch.PutDocument(d.doc.id + d.key_suffix, json, d.doc.url);
        ++totals_.statuses[d.status];
        if (d.status == "dropped") ++totals_.dropped[d.reason];
        if (d.status == "in-shard" || d.status == "unverified") {
          ++summary_->kept;
          ++totals_.languages[d.doc.lang];
        }
      }
      JsonObject in;
      in.Add("path", r.path)
          .Add("state", r.quarantined ? "quarantined" : "done")
          .Add("verification", r.verification)
          .Add("detail", r.detail)
          .Add("size", r.size)
          .Add("sha256", r.sha256)
          .Add("records", r.records)
          .Add("documents", static_cast<uint64_t>(r.docs.size()))
          .Add("input_errors", r.input_errors)
          .Add("options_sha256", options_sha256_)
          .Add("run", summary_->run);
      if (r.verification == "verified") {
        std::string state = in.str();
        state.pop_back();
        JsonObject ledger;
        ledger.Add("snapshot", c_.snapshot).Add("root", c_.root);
        batch.PutIngest(r.path, state + ",\"ledger\":" + ledger.str() + "}");
      } else {
        batch.PutIngest(r.path, in.str());
      }
      ++summary_->processed;
      summary_->quarantined += r.quarantined;
      summary_->unverified += r.verification == "unverified";
    }
    batch.PutManifest(manifest_json);
    RETURN_IF_ERROR(st_->Commit(&batch));
    Failpoint("committed");
    // After the commit: the manifest file (Reconcile rewrites it if this is lost).
    RETURN_IF_ERROR(WriteFileAtomically(shards_dir + "/manifest.json", manifest_json));
    Failpoint("manifest-written");
    return Status::Ok();
  }

 private:
  const PipelineConfig& c_;
  const tokenize::Tokenizer& tokenizer_;
  std::string tok_path_;
  tokenize::ShardOptions shard_options_;
  const verify::VerifiedLedger* ledger_;
  store::ProvenanceStore* st_;
  Progress* progress_;
  RunSummary* summary_;
  Totals totals_;
  std::set<std::string> seen_ids_;
  std::string options_sha256_;
  uint64_t group_ = 0;
};

}  // namespace

namespace {

struct Prepared {
  std::string tok_path;
  std::unique_ptr<tokenize::Tokenizer> tokenizer;
  tokenize::ShardOptions shard_options;
  std::optional<verify::VerifiedLedger> ledger;
};

// Everything that can be wrong with the configuration, before the store.
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
  if (!c.snapshot.empty()) {
    ASSIGN_OR_RETURN(verify::Trust trust, verify::LoadTrustFile(c.trust));
    ASSIGN_OR_RETURN(verify::Snapshot snapshot, verify::ReadSnapshotFile(c.snapshot));
    auto v = verify::VerifySnapshot(snapshot, trust);
    if (!v.ok()) return Status::InvalidArgument(c.snapshot + ": the ledger does not verify: " + v.status().message());
    p.ledger = std::move(v).value();
  }
  return p;
}

}  // namespace

Status CheckPipeline(const PipelineConfig& c) {
  return Prepare(c).status();
}

Result<RunSummary> RunPipeline(const PipelineConfig& c, const RunOptions& options) {
  const ProgressOptions& progress_options = options.progress;
  const auto t_start = Clock::now();
  RunSummary summary;
  ASSIGN_OR_RETURN(Prepared prepared, Prepare(c));
  const std::string& tok_path = prepared.tok_path;
  std::unique_ptr<tokenize::Tokenizer>& tokenizer = prepared.tokenizer;
  const tokenize::ShardOptions& shard_options = prepared.shard_options;
  std::optional<verify::VerifiedLedger>& ledger = prepared.ledger;
  // The store (one run at a time) and the outputs it has committed.
  const std::string params = "num_perm=" + std::to_string(c.num_perm) + " ngram=" + std::to_string(c.ngram) +
                             " seed=" + std::to_string(c.seed) + " bands=" + std::to_string(c.bands) +
                             " rows=" + std::to_string(c.rows);
  std::error_code ec;
  std::filesystem::create_directories(c.store, ec);
  ASSIGN_OR_RETURN(std::unique_ptr<store::ProvenanceStore> st,
                   store::ProvenanceStore::Open(c.store, params, c.num_perm));
  const std::string shards_dir = c.output + "/shards";
  ASSIGN_OR_RETURN(std::optional<std::string> committed, st->Manifest());
  RETURN_IF_ERROR(Reconcile(shards_dir, committed));
  ASSIGN_OR_RETURN(uint64_t runs, st->RunCount());
  summary.run = runs + 1;

  ASSIGN_OR_RETURN(std::vector<std::string> sources, ListSources(c));
  summary.sources = sources.size();
  // Groups of commit_every consecutive sources (fixed by the source list,
  // not by what is done, so a resumed run regroups identically).
  std::vector<std::pair<uint64_t, std::vector<std::string>>> groups;  // first source index, new sources
  uint64_t todo_bytes = 0, todo_count = 0;
  for (size_t g = 0; g < sources.size(); g += c.commit_every) {
    std::vector<std::string> todo;
    for (size_t i = g; i < std::min(sources.size(), g + c.commit_every); ++i) {
      ASSIGN_OR_RETURN(std::optional<std::string> state, st->Ingest(sources[i]));
      if (state) continue;
      todo.push_back(sources[i]);
      std::error_code size_ec;
      if (sources[i].find("://") == std::string::npos) todo_bytes += std::filesystem::file_size(sources[i], size_ec);
    }
    todo_count += todo.size();
    if (!todo.empty()) groups.emplace_back(g, std::move(todo));
  }
  if (groups.empty()) {
    summary.nothing_new = true;
    return summary;
  }
  ProgressOptions po = progress_options;
  po.unit = "shards";
  po.total_items = todo_count;
  po.secondary_unit = "documents";
  Progress progress(po, todo_bytes);
  g_interrupted = false;
  auto previous_int = std::signal(SIGINT, OnInterrupt);
  auto previous_term = std::signal(SIGTERM, OnInterrupt);
  Runner runner(c, *tokenizer, tok_path, shard_options, ledger ? &*ledger : nullptr, st.get(), &progress, &summary);
  // The options every decision depended on, and the tokenizer file.
  ASSIGN_OR_RETURN(std::string tokenizer_bytes, ReadWholeFile(tok_path));
  runner.set_options_sha256(
      HexEncode(Sha256(c.decision_options + "\n# tokenizer sha256 " + HexEncode(Sha256(tokenizer_bytes)) + "\n")));
  runner.totals().shards_before = committed ? tokenize::Manifest::Parse(*committed)->shards.size() : 0;
  Status status = Status::Ok();
  for (const auto& [first, group] : groups) {
    if (g_interrupted) {
      status = Status::Unavailable("interrupted");
      break;
    }
    if (options.max_shards && summary.processed >= options.max_shards) {
      summary.remaining += group.size();
      continue;
    }
    status = runner.RunGroup(group, first);
    if (!status.ok()) break;
  }
  std::signal(SIGINT, previous_int);
  std::signal(SIGTERM, previous_term);
  progress.Finish();
  if (!status.ok()) {
    if (g_interrupted)
      return Status::Unavailable("interrupted after " + std::to_string(summary.processed) + " of " +
                                 std::to_string(todo_count) + " shards; the next run resumes from there");
    return status;
  }
  const Totals& t = runner.totals();
  JsonObject drop_obj, status_obj, seconds, lang_obj, skip_obj;
  for (const auto& [k, v] : t.skipped) skip_obj.Add(k, v);
  for (const auto& [k, v] : t.dropped) drop_obj.Add(k, v);
  for (const auto& [k, v] : t.languages) lang_obj.Add(k, v);
  for (const auto& [k, v] : t.statuses) {
    status_obj.Add(k, v);
    summary.documents += v;
  }
  seconds.Add("verify_extract_filter", t.task_seconds)
      .Add("dedup", t.dedup_seconds)
      .Add("tokenize", t.tokenize_seconds)
      .Add("total", Since(t_start));
  summary.shards_written = t.shards_after - t.shards_before;
  JsonObject stats;
  stats.Add("run", summary.run)
      .Add("name", c.name)
      .Add("sources", summary.sources)
      .Add("processed", summary.processed)
      .Add("quarantined", summary.quarantined)
      .Add("unverified", summary.unverified)
      .Add("bytes", t.bytes)
      .Add("records", t.records)
      .Add("input_errors", summary.input_errors)
      .AddRaw("skipped_records", skip_obj.str())
      .AddRaw("documents", status_obj.str())
      .AddRaw("dropped", drop_obj.str())
      .AddRaw("languages", lang_obj.str())
      .Add("exact_duplicates", t.exact)
      .Add("near_duplicates", t.near)
      .Add("earlier_run_duplicates", t.earlier)
      .Add("kept", summary.kept)
      .Add("tokens", summary.tokens)
      .Add("remaining", summary.remaining)
      .Add("shards_written", summary.shards_written)
      .Add("shards_total", t.shards_after)
      .AddRaw("seconds", seconds.str());
  summary.stats_json = stats.str();
  store::ProvenanceStore::Batch batch;
  batch.PutRun(summary.run, summary.stats_json);
  RETURN_IF_ERROR(st->Commit(&batch));
  RETURN_IF_ERROR(WriteFileAtomically(c.output + "/stats.json", summary.stats_json + "\n"));
  RETURN_IF_ERROR(WriteReport(c, *st));
  return summary;
}

}  // namespace crawlproof::pipelines

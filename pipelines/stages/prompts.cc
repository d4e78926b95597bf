// The prompts stage (prompts.h).
#include "pipelines/stages/prompts.h"

#include <simdjson.h>

#include <algorithm>
#include <set>
#include <unordered_map>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "filter/filters.h"
#include "pipelines/outputs/json_counts.h"
#include "pipelines/stages/stage_files.h"
#include "prompts/question_dedup.h"
#include "store/provenance_store.h"

namespace crawlproof::pipelines {

// ---- files between the stages -----------------------------------------------------------

Status WriteCandidates(const std::string& path, const SourceCandidates& c) {
  Encoder e;
  e.U64(c.size());
  for (const auto& [doc, list] : c) {
    e.U64(doc);
    e.U64(list.size());
    for (const auto& x : list) {
      e.Str(x.kind);
      e.Str(x.source);
      e.Str(x.question);
      e.Str(x.answer);
    }
  }
  return WriteStageFile(path, e.bytes(), true);
}

Result<SourceCandidates> ReadCandidates(const std::string& path) {
  ASSIGN_OR_RETURN(std::string bytes, ReadStageFile(path, true));
  Decoder in(bytes);
  SourceCandidates out;
  for (uint64_t n = in.Count(); n > 0 && !in.failed(); --n) {
    auto& list = out[in.U64()];
    for (uint64_t m = in.Count(); m > 0 && !in.failed(); --m) {
      prompts::Candidate x;
      x.kind = in.Str();
      x.source = in.Str();
      x.question = in.Str();
      x.answer = in.Str();
      list.push_back(std::move(x));
    }
  }
  if (in.failed() || !in.done()) return Status::Corruption(path + ": truncated or malformed");
  return out;
}

void EncodeIndexed(const std::vector<dedup::IndexedDocument>& docs, Encoder* e) {
  e->U64(docs.size());
  for (const auto& d : docs) {
    e->Str(d.id);
    e->U64(d.band_keys.size());
    for (uint64_t k : d.band_keys) e->U64(k);
    e->U64(d.signature.size());
    for (uint64_t v : d.signature) e->U64(v);
  }
}

void DecodeIndexed(Decoder* in, std::vector<dedup::IndexedDocument>* docs) {
  docs->resize(in->Count());
  for (auto& d : *docs) {
    d.id = in->Str();
    for (uint64_t m = in->Count(); m > 0; --m) d.band_keys.push_back(in->U64());
    for (uint64_t m = in->Count(); m > 0; --m) d.signature.push_back(in->U64());
  }
}

void EncodePrompts(const std::vector<PromptDecision>& p, const std::vector<dedup::IndexedDocument>& newly_kept,
                   Encoder* e) {
  e->U64(p.size());
  for (const auto& d : p) {
    e->U64(d.source);
    e->U64(d.doc);
    const prompts::Prompt& x = d.prompt;
    for (const std::string* s : {&x.id, &x.kind, &x.found, &x.question, &x.answer_text, &x.answer.type,
                                 &x.answer.ground_truth, &x.answer.reason, &x.reason, &x.split})
      e->Str(*s);
    e->U8(x.answer.ok);
    const prompts::PromptSource& o = d.origin;
    for (const std::string* s : {&o.doc_id, &o.url, &o.crawl, &o.file, &o.record_id, &o.verification, &o.lang})
      e->Str(*s);
    e->U64(o.offset);
    e->U64(o.length);
    e->U8(o.ledger_leaf.has_value());
    e->U64(o.ledger_leaf.value_or(0));
    e->Str(d.match);
    e->F64(d.jaccard);
    e->U64(d.tokens);
    e->U64(d.prompt_ids.size());
    for (uint32_t id : d.prompt_ids) e->U64(id);
  }
  EncodeIndexed(newly_kept, e);
}

void DecodePrompts(Decoder* in, std::vector<PromptDecision>* p, std::vector<dedup::IndexedDocument>* newly_kept) {
  p->resize(in->Count());
  for (auto& d : *p) {
    d.source = static_cast<uint32_t>(in->U64());
    d.doc = in->U64();
    prompts::Prompt& x = d.prompt;
    for (std::string* s : {&x.id, &x.kind, &x.found, &x.question, &x.answer_text, &x.answer.type,
                           &x.answer.ground_truth, &x.answer.reason, &x.reason, &x.split})
      *s = in->Str();
    x.answer.ok = in->U8();
    prompts::PromptSource& o = d.origin;
    for (std::string* s : {&o.doc_id, &o.url, &o.crawl, &o.file, &o.record_id, &o.verification, &o.lang})
      *s = in->Str();
    o.offset = in->U64();
    o.length = in->U64();
    const bool leaf = in->U8();
    const uint64_t leaf_value = in->U64();
    if (leaf) o.ledger_leaf = leaf_value;
    d.match = in->Str();
    d.jaccard = in->F64();
    d.tokens = in->U64();
    d.prompt_ids.resize(in->Count());
    for (auto& id : d.prompt_ids) id = static_cast<uint32_t>(in->U64());
  }
  DecodeIndexed(in, newly_kept);
}

// ---- cluster: the decisions ------------------------------------------------------------

namespace {

// Earlier runs' kept questions (the store) and those of the window's
// earlier groups (in memory), answering as the store does once those groups
// are committed: the same ids, in order.
class PromptIndex : public dedup::DedupIndex {
 public:
  explicit PromptIndex(std::unique_ptr<dedup::DedupIndex> store) : store_(std::move(store)) {}
  Result<std::vector<std::string>> Lookup(uint64_t key) override {
    ASSIGN_OR_RETURN(std::vector<std::string> ids, store_->Lookup(key));
    if (auto it = overlay_.find(key); it != overlay_.end()) ids.insert(ids.end(), it->second.begin(), it->second.end());
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }
  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    if (auto it = sigs_.find(id); it != sigs_.end()) return it->second;
    return store_->Signature(id);
  }
  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    for (const auto& d : docs) {
      for (uint64_t key : d.band_keys) overlay_[key].push_back(d.id);
      sigs_[d.id] = d.signature;
    }
    return Status::Ok();
  }
  uint64_t size() const override { return store_->size() + sigs_.size(); }

 private:
  std::unique_ptr<dedup::DedupIndex> store_;
  std::unordered_map<uint64_t, std::vector<std::string>> overlay_;
  std::unordered_map<std::string, std::vector<uint64_t>> sigs_;
};

prompts::PromptSource SourceOf(const DocOut& d, const ShardResult& r) {
  prompts::PromptSource s;
  s.doc_id = d.doc.id;
  s.url = d.doc.url;
  s.crawl = CrawlOf(d.doc.file);
  s.file = d.doc.file;
  s.record_id = d.doc.record_id;
  s.verification = ToString(r.verification);
  s.lang = d.doc.lang;
  s.offset = d.doc.offset;
  s.length = d.doc.length;
  s.ledger_leaf = d.leaf;
  return s;
}

}  // namespace

struct PromptDecider::Impl {
  const StageContext* ctx = nullptr;
  std::unique_ptr<filter::Filter> decontaminate;
  std::unique_ptr<PromptIndex> index;
};

PromptDecider::PromptDecider(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PromptDecider::~PromptDecider() = default;

Result<std::unique_ptr<PromptDecider>> PromptDecider::Make(const StageContext& ctx) {
  auto impl = std::make_unique<Impl>();
  impl->ctx = &ctx;
  ASSIGN_OR_RETURN(impl->decontaminate, filter::LoadDecontamination(ctx.config->file));
  impl->index =
      std::make_unique<PromptIndex>(ctx.store->PromptDedupReader(prompts::QuestionDedupOptions().minhash.num_perm));
  if (!ctx.prepared->tokenizer) return Status::Internal("the prompts stage needs the tokenizer loaded");
  return std::unique_ptr<PromptDecider>(new PromptDecider(std::move(impl)));
}

Status PromptDecider::Decide(const std::vector<ShardResult>& results, const std::vector<SourceCandidates>& candidates,
                             const std::vector<std::pair<uint32_t, uint64_t>>& kept, std::vector<PromptDecision>* out,
                             std::vector<dedup::IndexedDocument>* newly_kept) {
  const prompts::PromptOptions& o = impl_->ctx->config->prompts;
  const tokenize::Tokenizer& tok = *impl_->ctx->prepared->tokenizer;
  std::set<std::string> seen;
  std::vector<size_t> survivors;
  for (const auto& [s, j] : kept) {
    auto it = candidates[s].find(j);
    if (it == candidates[s].end()) continue;
    const DocOut& d = results[s].docs[j];
    const prompts::PromptSource origin = SourceOf(d, results[s]);
    for (const prompts::Candidate& cand : it->second) {
      PromptDecision pd;
      pd.source = s;
      pd.doc = j;
      pd.origin = origin;
      pd.prompt = prompts::Decide(cand, origin, o);
      if (!seen.insert(pd.prompt.id).second) continue;  // the same pair twice on a page: one candidate
      prompts::Prompt& p = pd.prompt;
      if (p.reason.empty() && impl_->decontaminate) {
        filter::FilterDocument fd;
        fd.id = d.doc.id;
        fd.url = d.doc.url;
        fd.lang = d.doc.lang;
        fd.text = p.question + "\n\n" + p.answer_text;
        filter::Decision dec;
        impl_->decontaminate->Apply(&fd, &dec);
        if (!dec.keep) {
          p.reason = "prompts:" + dec.reason;
          pd.match = dec.match;
        }
      }
      if (p.reason.empty()) {
        std::vector<uint32_t> ids;
        if (!o.system.empty()) tok.Encode(o.system, &ids);
        tok.Encode(prompts::ApplyTemplate(o, p.question), &ids);
        pd.tokens = ids.size();
        if (ids.size() > static_cast<uint64_t>(o.max_prompt_tokens)) {
          p.reason = "prompts:too_many_tokens";
        } else {
          pd.prompt_ids = std::move(ids);
          survivors.push_back(out->size());
        }
      }
      out->push_back(std::move(pd));
    }
  }
  // Question dedup over the survivors, in order, against the index.
  std::vector<std::string> questions, truths, ids;
  for (size_t k : survivors) {
    questions.push_back((*out)[k].prompt.question);
    truths.push_back((*out)[k].prompt.answer.ground_truth);
    ids.push_back((*out)[k].prompt.id);
  }
  ASSIGN_OR_RETURN(dedup::DedupReport report,
                   prompts::DeduplicateQuestions(questions, truths, impl_->index.get(), ids));
  for (size_t k = 0; k < survivors.size(); ++k) {
    const dedup::DedupOutcome& r = report.outcomes[k];
    if (!r.removed) continue;
    PromptDecision& pd = (*out)[survivors[k]];
    pd.prompt.reason = r.previous.empty() ? "prompts:duplicate" : "prompts:duplicate:earlier";
    pd.match = r.previous.empty() ? ids[r.duplicate_of] : r.previous;
    pd.jaccard = r.jaccard;
    pd.prompt_ids.clear();
  }
  RETURN_IF_ERROR(impl_->index->Add(report.newly_kept));
  *newly_kept = std::move(report.newly_kept);
  return Status::Ok();
}

// ---- tokenize: the files ---------------------------------------------------------------

Status WritePromptFiles(const PipelineConfig& c, const std::vector<PromptDecision>& p, const std::string& dir) {
  std::vector<prompts::PromptRecord> rows;
  std::string lines;
  for (const auto& d : p) {
    if (!d.prompt.reason.empty()) continue;
    rows.push_back(prompts::MakeRecord(d.prompt, d.origin, rows.size(), c.prompts, d.prompt_ids));
    lines += prompts::RecordJson(rows.back());
    lines += '\n';
  }
  if (rows.empty()) return Status::Ok();
  RETURN_IF_ERROR(WriteStageFile(dir + "/prompts.jsonl.zst", lines, true, 3));  // users' files: level 3
  ASSIGN_OR_RETURN(std::string parquet, prompts::PromptsParquet(rows));
  return WriteFileAtomically(dir + "/prompts.parquet", parquet);
}

// ---- counts and the manifest -------------------------------------------------------------

void PromptTotals::Count(const PromptDecision& d) {
  ++candidates;
  ++kinds_candidates[d.prompt.kind];
  if (d.prompt.reason.empty()) {
    ++kept;
    ++kinds_kept[d.prompt.kind];
    ++answer_types[d.prompt.answer.type];
  } else {
    ++reasons[d.prompt.reason];
  }
}

void PromptTotals::Add(const PromptTotals& o) {
  candidates += o.candidates;
  kept += o.kept;
  files += o.files;
  for (const auto& [k, v] : o.kinds_candidates) kinds_candidates[k] += v;
  for (const auto& [k, v] : o.kinds_kept) kinds_kept[k] += v;
  for (const auto& [k, v] : o.reasons) reasons[k] += v;
  for (const auto& [k, v] : o.answer_types) answer_types[k] += v;
}

void PromptTotals::AddJson(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(json);
  simdjson::dom::element e;
  if (parser.parse(p).get(e)) return;
  PromptTotals o;
  for (auto [key, field] : {std::pair{"candidates", &o.candidates}, {"kept", &o.kept}, {"files", &o.files}})
    if (e[key].get(*field)) *field = 0;
  simdjson::dom::object kinds;
  if (!e["kinds"].get(kinds))
    for (auto [k, v] : kinds) {
      uint64_t n = 0;
      if (!v["candidates"].get(n)) o.kinds_candidates[std::string(k)] = n;
      if (!v["kept"].get(n) && n) o.kinds_kept[std::string(k)] = n;
    }
  AddCounts(e["reasons"], &o.reasons);
  AddCounts(e["answer_types"], &o.answer_types);
  Add(o);
}

std::string PromptTotals::Json() const {
  JsonObject kinds;
  std::set<std::string> names;
  for (const auto& [k, v] : kinds_candidates) names.insert(k);
  for (const auto& k : names) {
    JsonObject one;
    one.Add("candidates", kinds_candidates.count(k) ? kinds_candidates.at(k) : 0)
        .Add("kept", kinds_kept.count(k) ? kinds_kept.at(k) : 0);
    kinds.AddRaw(k, one.str());
  }
  JsonObject o;
  o.Add("candidates", candidates)
      .Add("kept", kept)
      .Add("rejected", candidates - kept)
      .Add("files", files)
      .AddRaw("kinds", kinds.str())
      .AddRaw("reasons", CountsJson(reasons))
      .AddRaw("answer_types", CountsJson(answer_types));
  return o.str();
}

std::string PromptsManifest::ToJson() const {
  std::string list = "[";
  for (size_t i = 0; i < files.size(); ++i) {
    JsonObject f;
    f.Add("name", files[i].name)
        .Add("bytes", files[i].bytes)
        .Add("sha256", files[i].sha256)
        .Add("rows", files[i].rows)
        .Add("run", files[i].run);
    list += (i ? ",\n  " : "\n  ") + f.str();
  }
  list += files.empty() ? "]" : "\n]";
  JsonObject o;
  o.Add("format", "crawlproof-prompts/1").AddRaw("files", list).AddRaw("counts", totals.Json());
  return o.str() + "\n";
}

Result<PromptsManifest> PromptsManifest::Parse(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element e;
  std::string_view format;
  if (parser.parse(padded).get(e) || e["format"].get(format) || format != "crawlproof-prompts/1")
    return Status::Corruption("not a prompts manifest");
  PromptsManifest m;
  simdjson::dom::array files;
  if (e["files"].get(files)) return Status::Corruption("a prompts manifest without files");
  for (simdjson::dom::element f : files) {
    File x;
    std::string_view name, sha;
    if (f["name"].get(name) || f["sha256"].get(sha) || f["bytes"].get(x.bytes) || f["rows"].get(x.rows) ||
        f["run"].get(x.run))
      return Status::Corruption("a prompts manifest entry without its name, size, hash, rows or run");
    x.name = name;
    x.sha256 = sha;
    m.files.push_back(std::move(x));
  }
  simdjson::dom::element counts;
  if (!e["counts"].get(counts)) {
    PromptTotals& t = m.totals;
    if (counts["candidates"].get(t.candidates) || counts["kept"].get(t.kept) || counts["files"].get(t.files))
      return Status::Corruption("a prompts manifest without its counts");
    simdjson::dom::object kinds;
    if (!counts["kinds"].get(kinds))
      for (auto [k, v] : kinds) {
        uint64_t n = 0;
        if (!v["candidates"].get(n)) t.kinds_candidates[std::string(k)] = n;
        if (!v["kept"].get(n)) t.kinds_kept[std::string(k)] = n;
      }
    AddCounts(counts["reasons"], &t.reasons);
    AddCounts(counts["answer_types"], &t.answer_types);
  }
  return m;
}

// ---- commit -------------------------------------------------------------------------------

namespace {

bool IsOwnPromptsName(const std::string& name) {
  constexpr std::string_view prefix = "prompts-";
  if (name.rfind(prefix, 0) != 0) return false;
  size_t n = prefix.size();
  while (n < name.size() && name[n] >= '0' && name[n] <= '9') ++n;
  if (n == prefix.size()) return false;
  const std::string_view rest = std::string_view(name).substr(n);
  return rest == ".jsonl.zst" || rest == ".parquet";
}

std::string Account(const PromptDecision& d, const std::string& stem, uint64_t row, const StageContext& ctx) {
  const prompts::Prompt& p = d.prompt;
  JsonObject a;
  a.Add("prompt_id", p.id).Add("status", p.reason.empty() ? "kept" : "rejected");
  if (!p.reason.empty()) a.Add("reason", p.reason);
  if (p.reason.rfind("prompts:duplicate", 0) == 0) {
    a.Add("duplicate_of", d.match).Add("jaccard", d.jaccard);
  } else if (!d.match.empty()) {
    a.Add("match", d.match);
  }
  a.Add("kind", p.kind).Add("found", p.found).Add("question", p.question).Add("answer_text", p.answer_text);
  if (p.answer.ok) a.Add("answer_type", p.answer.type).Add("ground_truth", p.answer.ground_truth);
  a.Add("split", p.split).Add("doc_id", d.origin.doc_id);
  JsonObject src;
  src.Add("crawl", d.origin.crawl)
      .Add("file", d.origin.file)
      .Add("offset", d.origin.offset)
      .Add("length", d.origin.length)
      .Add("record_id", d.origin.record_id)
      .Add("url", d.origin.url);
  a.AddRaw("source", src.str()).Add("verification", d.origin.verification);
  if (d.origin.ledger_leaf) a.Add("ledger_leaf", *d.origin.ledger_leaf);
  if (!d.origin.lang.empty()) a.Add("lang", d.origin.lang);
  if (d.tokens) a.Add("prompt_tokens", d.tokens);
  if (p.reason.empty()) {
    a.Add("prompt_file", stem + ".jsonl.zst").Add("parquet_file", stem + ".parquet").Add("row", row);
    a.Add("prompt_ids_sha256", HexEncode(Sha256(std::string_view(reinterpret_cast<const char*>(d.prompt_ids.data()),
                                                                 d.prompt_ids.size() * sizeof(uint32_t)))));
  }
  a.Add("run", ctx.plan->run).Add("options_sha256", ctx.prepared->options_sha256);
  return a.str();
}

}  // namespace

std::string PromptStem(uint64_t file) {
  return "prompts-" + Num(file, 5);  // files come in pairs: one number per set
}

Result<PromptEntries> PromptGroupEntries(const StageContext& ctx, const std::vector<PromptDecision>& p,
                                         const std::vector<dedup::IndexedDocument>& newly_kept, uint64_t file,
                                         store::ProvenanceStore::Batch* batch) {
  PromptEntries out;
  if (!ctx.config->prompts.enabled) return out;
  const std::string stem = PromptStem(file);
  uint64_t row = 0;
  for (const auto& d : p) {
    out.totals.Count(d);
    out.ids_of_doc[{d.source, d.doc}].push_back(d.prompt.id);
    ASSIGN_OR_RETURN(std::optional<std::string> before, ctx.store->Prompt(d.prompt.id));
    if (!before) batch->PutPrompt(d.prompt.id, Account(d, stem, row, ctx));
    row += d.prompt.reason.empty();
  }
  out.totals.files = row > 0;
  RETURN_IF_ERROR(
      ctx.store->PromptDedupIndexFor(batch, prompts::QuestionDedupOptions().minhash.num_perm)->Add(newly_kept));
  return out;
}

Result<std::string> PlacePrompts(const StageContext& ctx, uint64_t group, const PromptTotals& counts, uint64_t file) {
  const PipelineConfig& c = *ctx.config;
  if (!c.prompts.enabled) return std::string();
  const std::string dir = c.output + "/prompts", tdir = TokenizeDir(ctx, group);
  ASSIGN_OR_RETURN(std::optional<std::string> committed, ctx.store->PromptsManifest());
  PromptsManifest m;
  if (committed) {
    ASSIGN_OR_RETURN(m, PromptsManifest::Parse(*committed));
  }
  RETURN_IF_ERROR(ReconcilePrompts(dir, committed));
  if (counts.files > 0) {
    if (m.totals.files != file)
      return Status::Corruption(dir + ": the committed prompt files moved on since this run was planned");
    const std::string stem = PromptStem(file);
    for (const char* ext : {".jsonl.zst", ".parquet"}) {
      const std::string from = tdir + "/prompts" + ext;
      ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(from));
      RETURN_IF_ERROR(Place(from, dir + "/" + stem + ext));
      m.files.push_back({stem + ext, HexEncode(Sha256(bytes)), bytes.size(), counts.kept, ctx.plan->run});
    }
    ctx.Point("prompts-placed");
  }
  m.totals.Add(counts);
  return m.ToJson();
}

Status ReconcilePrompts(const std::string& dir, const std::optional<std::string>& committed) {
  std::set<std::string> keep;
  if (committed) {
    ASSIGN_OR_RETURN(PromptsManifest m, PromptsManifest::Parse(*committed));
    for (const auto& f : m.files) keep.insert(f.name);
  }
  return ReconcileFolder(dir, {""}, IsOwnPromptsName, keep, committed);
}

}  // namespace crawlproof::pipelines

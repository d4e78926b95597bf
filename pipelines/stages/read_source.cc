#include "pipelines/stages/read_source.h"

#include <algorithm>
#include <chrono>
#include <iterator>

#include "classify/fasttext_model.h"
#include "common/json.h"
#include "common/logging.h"
#include "extract/document.h"
#include "filter/batched_run.h"
#include "filter/classifier.h"
#include "filter/filters.h"
#include "ingest/warc_record.h"
#include "prompts/prompt.h"
#include "verify/commitments.h"
#include "verify/ledger.h"
#include "verify/merkle.h"

namespace crawlproof::pipelines {
namespace {

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// A kept document's candidates of the kinds asked for: its markup's, then
// its text's, at most kMaxCandidatesPerDocument.
std::vector<prompts::Candidate> Candidates(const prompts::PromptOptions& o, std::vector<prompts::Candidate> markup,
                                           std::string_view text) {
  std::vector<prompts::Candidate> all = std::move(markup), found = prompts::FindTextCandidates(text);
  all.insert(all.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  std::vector<prompts::Candidate> out;
  for (auto& c : all) {
    if (out.size() >= prompts::kMaxCandidatesPerDocument) break;
    if (std::find(o.kinds.begin(), o.kinds.end(), c.kind) != o.kinds.end()) out.push_back(std::move(c));
  }
  return out;
}

// A document's decision into its DocOut, appended to the task's documents.
void Decided(DocOut d, filter::FilterDocument& fd, const filter::Decision& dec, const prompts::PromptOptions& po,
             std::vector<prompts::Candidate> markup, ShardResult* r) {
  d.doc.text = std::move(fd.text);
  if (!dec.keep) {
    d.status = DocStatus::kDropped;
    d.reason = dec.reason;
    d.match = dec.match;
    if (dec.value && dec.threshold) {
      JsonObject check;
      check.Add("value", *dec.value).Add("threshold", *dec.threshold);
      d.check = check.str();
    }
  }
  d.classifiers = filter::ClassifierScoresJson(dec.scores);
  if (!dec.changes.empty()) {
    JsonObject ch;
    for (const auto& [k, v] : dec.changes) ch.Add(k, v);
    d.filter_changes = ch.str();
  }
  if (po.enabled && d.status == DocStatus::kCandidate) d.candidates = Candidates(po, std::move(markup), d.doc.text);
  r->docs.push_back(std::move(d));
}

}  // namespace

Result<ShardResult> RunTask(const PipelineConfig& c, const std::string& path, const verify::VerifiedLedger* ledger) {
  auto t0 = std::chrono::steady_clock::now();
  ShardResult r;
  r.path = path;
  // The filters or a model that cannot be loaded: the shard is not read.
  auto not_read = [&r](const Status& s) {
    r.failed = r.quarantined = true;
    r.verification = Verification::kUnreadable;
    r.detail = s.message();
    return r;
  };
  auto filters = filter::LoadFilterPipeline(c.file);  // one per task: PII replacements cycle per shard
  if (!filters.ok()) return not_read(filters.status());
  extract::ExtractOptions eo;
  eo.html.main_content = !c.all_text;
  eo.html.max_html_bytes = c.max_html_bytes;
  eo.language.min_score = c.min_lang_score;
  if (!c.language_model.empty()) {
    auto model = classify::FastTextModel::Open(c.language_model);  // once per process
    if (!model.ok()) return not_read(model.status());
    eo.language.model = *model;
  }
  // [prompts]: the page's schema.org Q&A, from its HTML.
  const prompts::PromptOptions& po = c.prompts;
  std::vector<prompts::Candidate> markup;
  if (po.enabled) eo.on_html = [&markup](std::string_view html) { markup = prompts::FindMarkupCandidates(html); };
  // One pass over the shard: its ledger file entry (size, SHA-256, record
  // root) is computed while its records become documents and are filtered.
  std::vector<DocOut> records;  // every record, for the account of a quarantined shard
  filter::BatchedFilterRun batched(&*filters);
  Status scorer_error;  // the first batch step's error: the task fails
  verify::CommitOptions co;
  co.keep_leaves = true;
  co.each_record = [&](const ingest::WarcRecord& rec) {
    ++r.records;
    if (!scorer_error.ok()) return;  // the task fails: nothing more to decide
    DocOut q;
    q.doc.record_id = std::string(rec.record_id);
    q.doc.url = std::string(rec.target_uri);
    q.doc.date = std::string(rec.date);
    q.doc.file = path;
    q.doc.offset = rec.offset;
    q.doc.length = rec.length;
    q.doc.id = extract::DocumentId(q.doc.record_id, q.doc.url, q.doc.date, rec.offset);
    records.push_back(std::move(q));
    markup.clear();
    auto outcome = extract::ExtractRecord(rec, path, eo);
    if (!outcome.ok) {
      ++r.skipped[outcome.skip_reason];
      return;
    }
    auto out = std::make_shared<DocOut>();
    out->doc = std::move(outcome.doc);
    filter::FilterDocument fd;
    fd.id = out->doc.id;
    fd.url = out->doc.url;
    fd.lang = out->doc.lang;
    fd.lang_score = out->doc.lang_score;
    fd.lang2 = out->doc.lang2;
    fd.lang2_share = out->doc.lang2_share;
    fd.text = std::move(out->doc.text);
    // Decided now, or with the next batch of an out-of-process classifier:
    // either way in record order.
    auto decided = [&r, &po, out, markup = std::move(markup)](filter::FilterDocument& fd,
                                                              filter::Decision& dec) mutable {
      Decided(std::move(*out), fd, dec, po, std::move(markup), &r);
    };
    if (Status s = batched.Add(std::move(fd), std::move(decided)); !s.ok() && scorer_error.ok()) scorer_error = s;
  };
  const std::string where = SourceLocation(c, path);  // `path` is the stored form
  auto commit = verify::CommitFile(where, verify::LedgerPath(where, c.root), co);
  if (scorer_error.ok() && commit.ok()) scorer_error = batched.Flush();
  // A classifier's scorer that failed decided nothing: the task fails (the
  // source is not at fault, so it is not quarantined).
  RETURN_IF_ERROR(scorer_error);
  if (!commit.ok()) {
    r.failed = r.quarantined = true;
    r.verification = Verification::kUnreadable;
    r.detail = commit.status().message();
    r.docs.clear();
    for (auto& q : records) {
      q.status = DocStatus::kQuarantined;
      q.reason = "unreadable";
      r.docs.push_back(std::move(q));
    }
    r.seconds = SecondsSince(t0);
    return r;
  }
  r.input_errors = commit->problems.size();
  for (const auto& p : commit->problems) LogError(p);
  r.size = commit->entry.size;
  r.sha256 = verify::ToHex(commit->entry.sha256);
  if (!ledger) {
    r.verification = Verification::kUnverified;
    r.detail = "no ledger configured";
  } else {
    std::optional<size_t> idx = ledger->FindPath(commit->entry.path);
    if (!idx) {
      r.verification = Verification::kMissing;
      r.detail = "no file entry with path " + commit->entry.path + " in the ledger";
    } else {
      const verify::FileEntry& e = ledger->entries[*idx];
      std::vector<std::string> diffs;
      if (e.size != commit->entry.size) diffs.push_back("size");
      if (e.sha256 != commit->entry.sha256) diffs.push_back("file hash");
      if (e.record_count != commit->entry.record_count) diffs.push_back("record count");
      if (e.record_root != commit->entry.record_root) diffs.push_back("record root");
      if (diffs.empty()) {
        r.verification = Verification::kVerified;
      } else {
        r.verification = Verification::kMismatch;
        for (const auto& d : diffs) r.detail += (r.detail.empty() ? "" : ", ") + d;
        r.detail = "differs from its ledger entry: " + r.detail;
      }
    }
  }
  const bool quarantine = r.verification == Verification::kMismatch ||
                          (r.verification == Verification::kMissing && c.on_missing != "allow");
  if (r.verification == Verification::kMissing && c.on_missing == "allow") r.verification = Verification::kUnverified;
  if (quarantine) {
    // Quarantined whole: none of its documents go further; every record is
    // accounted for.
    r.quarantined = true;
    r.docs.clear();
    r.skipped.clear();
    for (auto& q : records) {
      q.status = DocStatus::kQuarantined;
      q.reason = std::string("ledger:") + ToString(r.verification);
      r.docs.push_back(std::move(q));
    }
    r.seconds = SecondsSince(t0);
    return r;
  }
  // Each document's record leaf (its index among the file entry's leaves).
  std::map<uint64_t, uint64_t> leaf_of_offset;
  for (size_t i = 0; i < commit->leaves.size(); ++i) leaf_of_offset[commit->leaves[i].offset] = i;
  for (DocOut& d : r.docs) {
    auto leaf = leaf_of_offset.find(d.doc.offset);
    if (leaf == leaf_of_offset.end()) continue;
    d.leaf = leaf->second;
    const verify::RecordLeaf& l = commit->leaves[static_cast<size_t>(leaf->second)];
    d.record_sha256 = verify::ToHex(l.addressable_sha256);
    d.block_sha256 = verify::ToHex(l.block_sha256);
  }
  r.seconds = SecondsSince(t0);
  return r;
}

// The Common Crawl crawl a path belongs to ("CC-MAIN-2025-33"), or "".
std::string CrawlOf(std::string_view path) {
  for (size_t at = path.find("CC-MAIN-"); at != std::string_view::npos; at = path.find("CC-MAIN-", at + 1)) {
    std::string_view rest = path.substr(at + 8);
    auto digits = [&](size_t from, size_t n) {
      if (rest.size() < from + n) return false;
      for (size_t i = from; i < from + n; ++i)
        if (rest[i] < '0' || rest[i] > '9') return false;
      return true;
    };
    if (digits(0, 4) && rest.size() > 4 && rest[4] == '-' && digits(5, 2)) return std::string(path.substr(at, 15));
  }
  return "";
}

// What made the decisions, recorded with each document (a change to one of
// these components bumps its version).
constexpr const char* kVersions = "{\"crawlproof\":\"" CRAWLPROOF_VERSION
                                  "\",\"extract\":\"html-main-content/1+lang/2\",\"filter\":\"fineweb-recipe/1\","
                                  "\"dedup\":\"minhash-lsh/1\",\"tokenize\":\"byte-level-bpe/1\"}";

const char* ToString(DocStatus s) {
  switch (s) {
    case DocStatus::kCandidate: return "";
    case DocStatus::kDropped: return "dropped";
    case DocStatus::kQuarantined: return "quarantined";
    case DocStatus::kDuplicate: return "duplicate";
    case DocStatus::kInShard: return "in-shard";
    case DocStatus::kUnverified: return "unverified";
  }
  return "";
}

const char* ToString(Verification v) {
  switch (v) {
    case Verification::kVerified: return "verified";
    case Verification::kUnverified: return "unverified";
    case Verification::kMismatch: return "mismatch";
    case Verification::kMissing: return "missing";
    case Verification::kUnreadable: return "unreadable";
  }
  return "";
}

std::string DocJson(const DocOut& d, Verification verification, uint64_t run) {
  JsonObject src;
  src.Add("crawl", CrawlOf(d.doc.file))
      .Add("file", d.doc.file)
      .Add("offset", d.doc.offset)
      .Add("length", d.doc.length)
      .Add("record_id", d.doc.record_id)
      .Add("url", d.doc.url)
      .Add("date", d.doc.date);
  JsonObject o;
  o.Add("doc_id", d.doc.id).Add("status", ToString(d.status));
  if (!d.reason.empty()) o.Add("reason", d.reason);
  if (!d.match.empty()) o.Add("match", d.match);
  if (!d.check.empty()) o.AddRaw("check", d.check);
  o.AddRaw("source", src.str()).Add("verification", ToString(verification));
  if (d.leaf) o.Add("ledger_leaf", *d.leaf);
  if (!d.record_sha256.empty()) {
    JsonObject digests;
    digests.Add("record_sha256", d.record_sha256).Add("block_sha256", d.block_sha256);
    o.AddRaw("digests", digests.str());
  }
  if (!d.doc.lang.empty()) o.Add("lang", d.doc.lang).Add("lang_score", d.doc.lang_score);
  if (!d.doc.lang2.empty()) o.Add("lang2", d.doc.lang2).Add("lang2_share", d.doc.lang2_share);
  if (!d.doc.lang_label.empty()) o.Add("lang_label", d.doc.lang_label);
  if (!d.filter_changes.empty()) o.AddRaw("filter_changes", d.filter_changes);
  if (!d.classifiers.empty()) o.AddRaw("classifiers", d.classifiers);
  o.Add("run", run);
  o.AddRaw("versions", kVersions);
  return o.str();
}

}  // namespace crawlproof::pipelines

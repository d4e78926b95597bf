// GCC 12 reports a false -Wrestrict on "literal" + std::string (GCC bug 105329).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wrestrict"
#endif

#include "pipelines/outputs/report.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "pipelines/outputs/json_counts.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"
#include "verify/ledger.h"

namespace crawlproof::pipelines {
namespace {

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string Num(double v, int decimals = 0) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  // Thousands separators on the integer part.
  size_t dot = s.find('.');
  size_t end = dot == std::string::npos ? s.size() : dot;
  for (long i = static_cast<long>(end) - 3; i > (s[0] == '-' ? 1 : 0); i -= 3) s.insert(static_cast<size_t>(i), ",");
  return s;
}

// Horizontal bars, one per (label, value), scaled to the largest.
std::string Bars(const std::vector<std::pair<std::string, double>>& rows, const char* color, int label_width = 260) {
  const int bar_max = 420, row_h = 24;
  double top = 0;
  for (const auto& [l, v] : rows) top = std::max(top, v);
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(label_width + bar_max + 120) +
                    "\" height=\"" + std::to_string(row_h * std::max<size_t>(rows.size(), 1) + 8) + "\" role=\"img\">";
  int y = 4;
  for (const auto& [label, v] : rows) {
    const int w = top > 0 ? std::max(1, static_cast<int>(bar_max * v / top)) : 1;
    svg += "<text x=\"" + std::to_string(label_width - 8) + "\" y=\"" + std::to_string(y + 16) +
           "\" text-anchor=\"end\" font-size=\"13\">" + Escape(label) + "</text>";
    svg += "<rect x=\"" + std::to_string(label_width) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" +
           std::to_string(w) + "\" height=\"18\" fill=\"" + color + "\"/>";
    svg += "<text x=\"" + std::to_string(label_width + w + 6) + "\" y=\"" + std::to_string(y + 16) +
           "\" font-size=\"13\">" + Num(v) + "</text>";
    y += row_h;
  }
  return svg + "</svg>";
}

// The label column's width for `labels` at 13 px sans-serif (about 7.5 px a
// character, at least 260): no reason label is clipped.
int LabelWidth(const std::vector<std::string>& labels) {
  size_t longest = 0;
  for (const auto& l : labels) {
    size_t chars = 0;
    for (unsigned char ch : l) chars += (ch & 0xC0) != 0x80;
    longest = std::max(longest, chars);
  }
  return std::max(260, static_cast<int>(longest * 15 / 2) + 16);
}

struct Aggregate {
  uint64_t runs = 0, bytes = 0, records = 0, input_errors = 0, kept = 0, tokens = 0;
  uint64_t exact = 0, near = 0, earlier = 0;
  std::map<std::string, uint64_t> statuses, dropped, languages;
  std::map<std::string, uint64_t> scores;  // "<classifier> <bin>" (stages.h: Totals::scores)
  struct RunRow {
    uint64_t run = 0, bytes = 0, records = 0, documents = 0, tokens = 0;
    double extract = 0, dedup = 0, tokenize = 0, total = 0;
  };
  std::vector<RunRow> rows;
};

uint64_t U(simdjson::dom::element e, const char* key) {
  uint64_t v = 0;
  return e[key].get(v) ? 0 : v;
}

double D(simdjson::dom::element e, const char* key) {
  double v = 0;
  return e[key].get(v) ? 0 : v;
}

// The prompts section of the report and the card, from the committed
// prompts manifest (docs/prompts.md).
void PromptSections(const std::string& manifest, std::string* html, std::string* md) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(manifest);
  simdjson::dom::element e, counts;
  if (parser.parse(p).get(e) || e["counts"].get(counts)) return;
  const uint64_t candidates = U(counts, "candidates"), kept = U(counts, "kept");
  std::vector<std::pair<std::string, double>> kinds, reasons, types;
  simdjson::dom::object obj;
  if (!counts["kinds"].get(obj))
    for (auto [k, v] : obj)
      kinds.emplace_back(std::string(k) + ": kept of " + Num(static_cast<double>(U(v, "candidates"))),
                         static_cast<double>(U(v, "kept")));
  std::map<std::string, uint64_t> r, t;
  AddCounts(counts["reasons"], &r);
  AddCounts(counts["answer_types"], &t);
  for (const auto& [k, v] : r) reasons.emplace_back(k, static_cast<double>(v));
  for (const auto& [k, v] : t) types.emplace_back(k, static_cast<double>(v));
  std::sort(reasons.begin(), reasons.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  *html += "<h2>Prompts</h2><p>" + Num(static_cast<double>(kept)) + " verifiable prompts kept of " +
           Num(static_cast<double>(candidates)) +
           " candidates in the kept documents (<code>prompts/</code>, verl's row shape; "
           "<code>crawlproof audit --store DIR --prompt ID</code>).</p>" +
           Bars(kinds, "#2f7d6d") + "<h3>Rejection reasons</h3>" +
           (reasons.empty() ? std::string("<p>none</p>") : Bars(reasons, "#b5533c")) + "<h3>Answer types</h3>" +
           (types.empty() ? std::string("<p>none</p>") : Bars(types, "#4a6fa5"));
  *md += "\n## Prompts\n\n" + Num(static_cast<double>(kept)) + " prompts with answers a rule can check, of " +
         Num(static_cast<double>(candidates)) +
         " candidates found in the kept documents (schema.org Q&A markup, worked problems with a final answer, "
         "exercises with solutions), in `prompts/` as verl rows (`prompts-NNNNN.jsonl.zst` and `.parquet`, listed "
         "with their SHA-256 in `prompts/manifest.json`).";
  auto list = [](const std::map<std::string, uint64_t>& m) {
    std::string s;
    for (const auto& [k, v] : m) s += (s.empty() ? " " : ", ") + k + " (" + Num(static_cast<double>(v)) + ")";
    return s.empty() ? std::string(" none") : s;
  };
  *md += " Answer types:" + list(t) + ". Rejected:" + list(r) +
         ". Each prompt's story: `crawlproof audit --store DIR --prompt ID`.\n";
}

}  // namespace

// One histogram per classifier: its bins in score order, the scores below
// and above the range first and last.
std::string ScoreSections(const std::map<std::string, uint64_t>& scores) {
  std::map<std::string, std::vector<std::pair<double, std::pair<std::string, double>>>> by_classifier;
  for (const auto& [key, n] : scores) {
    const size_t sp = key.rfind(' ');
    if (sp == std::string::npos) continue;
    const std::string name = key.substr(0, sp), bin = key.substr(sp + 1);
    const double order = bin == "<" ? -HUGE_VAL : bin == ">" ? HUGE_VAL : std::strtod(bin.c_str(), nullptr);
    const std::string label = bin == "<" ? "below the range" : bin == ">" ? "above the range" : "from " + bin;
    by_classifier[name].push_back({order, {label, static_cast<double>(n)}});
  }
  std::string h;
  for (auto& [name, bins] : by_classifier) {
    std::sort(bins.begin(), bins.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    std::vector<std::pair<std::string, double>> rows;
    for (auto& b : bins) rows.push_back(std::move(b.second));
    h += "<h2>Scores of classifier <code>" + Escape(name) + "</code></h2>" +
         "<p>The documents it scored (kept or not), by score (20 bins over the step's histogram range).</p>" +
         Bars(rows, "#7a5ba5", 140);
  }
  return h;
}

Status WriteReport(const PipelineConfig& c, const store::ProvenanceStore& st) {
  ASSIGN_OR_RETURN(std::vector<std::string> runs, st.Runs());
  ASSIGN_OR_RETURN(std::vector<std::string> ingest, st.IngestStates());
  ASSIGN_OR_RETURN(std::optional<std::string> manifest_json, st.Manifest());
  tokenize::Manifest manifest;
  if (manifest_json) {
    ASSIGN_OR_RETURN(manifest, tokenize::Manifest::Parse(*manifest_json));
  }
  simdjson::dom::parser parser;
  Aggregate a;
  for (const auto& r : runs) {
    simdjson::padded_string p(r);
    simdjson::dom::element e;
    if (parser.parse(p).get(e)) continue;
    ++a.runs;
    Aggregate::RunRow row;
    row.run = U(e, "run");
    row.bytes = U(e, "bytes");
    row.records = U(e, "records");
    row.tokens = U(e, "tokens");
    a.bytes += row.bytes;
    a.records += row.records;
    a.input_errors += U(e, "input_errors");
    a.kept += U(e, "kept");
    a.tokens += row.tokens;
    a.exact += U(e, "exact_duplicates");
    a.near += U(e, "near_duplicates");
    a.earlier += U(e, "earlier_run_duplicates");
    std::map<std::string, uint64_t> statuses;
    AddCounts(e["documents"], &statuses);
    for (const auto& [k, v] : statuses) {
      a.statuses[k] += v;
      row.documents += v;
    }
    AddCounts(e["dropped"], &a.dropped);
    AddCounts(e["classifier_scores"], &a.scores);
    AddCounts(e["languages"], &a.languages);
    simdjson::dom::element sec = e["seconds"];
    row.extract = D(sec, "verify_extract_filter");
    row.dedup = D(sec, "dedup");
    row.tokenize = D(sec, "tokenize");
    row.total = D(sec, "total");
    a.rows.push_back(row);
  }
  // Source shards.
  struct ShardRow {
    std::string path, state, verification, detail;
    uint64_t size = 0, records = 0, documents = 0;
  };
  std::vector<ShardRow> shards;
  uint64_t verified_shards = 0, unverified_shards = 0, quarantined_shards = 0;
  for (const auto& s : ingest) {
    simdjson::padded_string p(s);
    simdjson::dom::element e;
    if (parser.parse(p).get(e)) continue;
    ShardRow r;
    std::string_view v;
    if (!e["path"].get(v)) r.path = std::string(v);
    if (!e["state"].get(v)) r.state = std::string(v);
    if (!e["verification"].get(v)) r.verification = std::string(v);
    if (!e["detail"].get(v)) r.detail = std::string(v);
    r.size = U(e, "size");
    r.records = U(e, "records");
    r.documents = U(e, "documents");
    verified_shards += r.verification == "verified";
    unverified_shards += r.verification == "unverified";
    quarantined_shards += r.state == "quarantined";
    shards.push_back(std::move(r));
  }
  std::string origin;
  std::string valset_sha256;
  if (!c.trust.empty()) {
    if (auto t = verify::LoadTrustFile(c.trust); t.ok()) {
      origin = t->origin;
      valset_sha256 = verify::ToHex(t->genesis.hash);
    }
  }
  // A quarantined shard is never opened as documents: each of its records
  // has an account ("quarantined"), requests and metadata included, so those
  // count apart from the documents of the shards that were read.
  const uint64_t dropped = a.statuses.count("dropped") ? a.statuses.at("dropped") : 0;
  const uint64_t duplicates = a.statuses.count("duplicate") ? a.statuses.at("duplicate") : 0;
  const uint64_t quarantined = a.statuses.count("quarantined") ? a.statuses.at("quarantined") : 0;
  uint64_t documents = 0;
  for (const auto& [k, v] : a.statuses) documents += v;
  documents -= quarantined;
  const uint64_t in_verified = a.statuses.count("in-shard") ? a.statuses.at("in-shard") : 0;
  const uint64_t in_unverified = a.statuses.count("unverified") ? a.statuses.at("unverified") : 0;

  // ---- report.html ----
  std::string h;
  h += "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>crawlproof report: " + Escape(c.name) +
       "</title><style>body{font-family:sans-serif;margin:2em;max-width:1100px;color:#222}"
       "h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #ccc}"
       "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}"
       "td.l,th.l{text-align:left}.ok{color:#176b2c}.bad{color:#a11}.warn{color:#8a5a00}</style></head><body>";
  h += "<h1>crawlproof report: " + Escape(c.name) + "</h1>";
  auto count = [](uint64_t n, const char* one, const char* many) {
    return Num(static_cast<double>(n)) + " " + (n == 1 ? one : many);
  };
  h += "<p>" + count(a.runs, "run", "runs") + " over " + count(shards.size(), "source shard", "source shards") + " (" +
       Num(static_cast<double>(a.bytes) / 1e6, 1) + " MB); " +
       count(manifest.shards.size(), "training shard", "training shards") + ", " +
       count(manifest.documents, "document", "documents") + ", " + count(manifest.tokens, "token", "tokens") + " (" +
       Escape(manifest.tokenizer_name) + ", " + Escape(ShardFormatName(manifest.options.format)) + ").</p>";
  h += "<p>" + count(a.records - std::min(a.records, documents), "WARC record is", "WARC records are") +
       " not documents (requests, metadata, warcinfo, redirects, error pages, non-HTML or oversized payloads; "
       "<code>stats.json</code>'s <code>skipped_records</code> counts them by reason for the last run).</p>";
  h += "<h2>Funnel: from records to tokens</h2>";
  h += Bars({{"WARC records", static_cast<double>(a.records)},
             {"records of quarantined shards", static_cast<double>(quarantined)},
             {"documents (of shards past the ledger check)", static_cast<double>(documents)},
             {"past the filters", static_cast<double>(documents - std::min(documents, dropped))},
             {"unique (in shards)", static_cast<double>(in_verified + in_unverified)}},
            "#3b6ea5", LabelWidth({"documents (of shards past the ledger check)"}));
  h += "<p>" + Num(static_cast<double>(a.tokens)) +
       " tokens written. Duplicates: " + Num(static_cast<double>(a.exact)) + " exact, " +
       Num(static_cast<double>(a.near)) + " near, " + Num(static_cast<double>(a.earlier)) +
       " of earlier runs' documents; " + Num(static_cast<double>(duplicates)) + " in all (with repeated records).</p>";
  std::vector<std::pair<std::string, double>> drop_rows;
  for (const auto& [k, v] : a.dropped) drop_rows.emplace_back(k, static_cast<double>(v));
  std::sort(drop_rows.begin(), drop_rows.end(), [](auto& x, auto& y) { return x.second > y.second; });
  std::vector<std::string> reason_labels;
  for (const auto& [k, v] : drop_rows) reason_labels.push_back(k);
  h += "<h2>Drop reasons</h2>" +
       (drop_rows.empty() ? std::string("<p>none</p>") : Bars(drop_rows, "#b5533c", LabelWidth(reason_labels)));
  h += ScoreSections(a.scores);
  std::vector<std::pair<std::string, double>> lang_rows;
  for (const auto& [k, v] : a.languages) lang_rows.emplace_back(k, static_cast<double>(v));
  std::sort(lang_rows.begin(), lang_rows.end(), [](auto& x, auto& y) { return x.second > y.second; });
  if (lang_rows.size() > 20) lang_rows.resize(20);
  h += "<h2>Languages of the documents in the shards</h2>" +
       (lang_rows.empty() ? std::string("<p>none</p>") : Bars(lang_rows, "#4c8c4a", 120));
  h += "<h2>Source shards and their verification</h2><p>" + Num(static_cast<double>(verified_shards)) +
       " verified against the ledger" + (origin.empty() ? "" : " <code>" + Escape(origin) + "</code>") + ", " +
       Num(static_cast<double>(unverified_shards)) + " unverified, " + Num(static_cast<double>(quarantined_shards)) +
       " quarantined.</p><table><tr><th class=\"l\">shard</th><th>state</th><th>verification</th><th>MB</th>"
       "<th>records</th><th>documents</th><th class=\"l\">detail</th></tr>";
  for (const auto& r : shards) {
    const char* cls = r.state == "quarantined" ? "bad" : r.verification == "verified" ? "ok" : "warn";
    h += "<tr><td class=\"l\">" + Escape(r.path) + "</td><td class=\"" + cls + "\">" + Escape(r.state) +
         "</td><td class=\"" + cls + "\">" + Escape(r.verification) + "</td><td>" +
         Num(static_cast<double>(r.size) / 1e6, 2) + "</td><td>" + Num(static_cast<double>(r.records)) + "</td><td>" +
         Num(static_cast<double>(r.documents)) + "</td><td class=\"l\">" + Escape(r.detail) + "</td></tr>";
  }
  h += "</table><h2>Throughput per stage</h2><table><tr><th>run</th><th>MB</th><th>records</th><th>documents</th>"
       "<th>verify + extract + filter (MB/s)</th><th>dedup (docs/s)</th><th>tokenize (tokens/s)</th>"
       "<th>total (s)</th></tr>";
  std::vector<std::pair<std::string, double>> mbps;
  for (const auto& r : a.rows) {
    auto rate = [](double n, double s) { return s > 0 ? n / s : 0.0; };
    h += "<tr><td>" + std::to_string(r.run) + "</td><td>" + Num(r.bytes / 1e6, 1) + "</td><td>" +
         Num(static_cast<double>(r.records)) + "</td><td>" + Num(static_cast<double>(r.documents)) + "</td><td>" +
         Num(rate(r.bytes / 1e6, r.extract), 1) + "</td><td>" + Num(rate(static_cast<double>(r.documents), r.dedup)) +
         "</td><td>" + Num(rate(static_cast<double>(r.tokens), r.tokenize)) + "</td><td>" + Num(r.total, 2) +
         "</td></tr>";
    mbps.emplace_back("run " + std::to_string(r.run) + ": verify + extract + filter, MB/s",
                      rate(r.bytes / 1e6, r.extract));
  }
  h += "</table>" + Bars(mbps, "#6d5ba3", 360);
  ASSIGN_OR_RETURN(std::optional<std::string> prompts_manifest, st.PromptsManifest());
  std::string prompts_md;
  if (prompts_manifest) PromptSections(*prompts_manifest, &h, &prompts_md);
  std::error_code rel_ec;
  std::string store_rel = std::filesystem::relative(c.store, c.output, rel_ec).string();
  if (rel_ec || store_rel.empty()) store_rel = c.store;
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  h += "<p>Every document's account: <code>crawlproof audit --store " + Escape(store_rel) +
       " --doc ID</code> (from this folder). Written by crawlproof " CRAWLPROOF_VERSION " on " + std::string(date) +
       ", after run " + std::to_string(a.runs) + ".</p></body></html>\n";
  RETURN_IF_ERROR(WriteFileAtomically(c.output + "/report.html", h));

  // ---- README.md: the dataset card ----
  std::string m;
  m += "# " + c.name + "\n\nTraining shards made by crawlproof from " + Num(static_cast<double>(shards.size())) +
       " WARC shards (" + Num(static_cast<double>(a.bytes) / 1e6, 1) + " MB, " + Num(static_cast<double>(a.records)) +
       " records) in " + Num(static_cast<double>(a.runs)) + (a.runs == 1 ? " run" : " runs") + ".\n\n";
  m += "| | |\n|---|---:|\n";
  std::string languages_md;
  {
    std::vector<std::pair<std::string, uint64_t>> langs(a.languages.begin(), a.languages.end());
    std::sort(langs.begin(), langs.end(), [](auto& x, auto& y) { return x.second > y.second; });
    std::string list;
    for (const auto& [k, v] : langs)
      list += (list.empty() ? "" : ", ") + (k.empty() ? "und" : k) + " " + Num(static_cast<double>(v));
    languages_md = list.empty() ? "none" : list;
  }
  m += "| training shards | " + Num(static_cast<double>(manifest.shards.size())) + " (`shards/`, " +
       ShardFormatName(manifest.options.format) + ", " + manifest.dtype + ") |\n";
  m += "| documents in the shards | " + Num(static_cast<double>(manifest.documents)) + " |\n";
  m += "| tokens | " + Num(static_cast<double>(manifest.tokens)) + " |\n";
  m += "| languages (documents in the shards) | " + languages_md + " |\n";
  m += "| documents seen (in shards past the ledger check) | " + Num(static_cast<double>(documents)) + " |\n";
  m += "| dropped by the filters | " + Num(static_cast<double>(dropped)) + " |\n";
  m += "| duplicates removed | " + Num(static_cast<double>(duplicates)) + " |\n";
  m += "| records of quarantined shards (ledger) | " + Num(static_cast<double>(quarantined)) + " |\n\n";
  m += "## Sources and provenance\n\n";
  const double verified_share =
      in_verified + in_unverified ? 100.0 * static_cast<double>(in_verified) / (in_verified + in_unverified) : 0;
  if (!origin.empty()) {
    m += "Every source shard was checked against the ledger `" + origin + "` (snapshot `" + Basename(c.snapshot) + "`" +
         (valset_sha256.empty() ? "" : ", genesis validator set SHA-256 `" + valset_sha256 + "`") +
         "): " + Num(static_cast<double>(verified_shards)) + " verified, " +
         Num(static_cast<double>(quarantined_shards)) + " quarantined, " + Num(static_cast<double>(unverified_shards)) +
         " unverified. ";
  } else {
    m += "No ledger was configured: every shard is unverified. ";
  }
  m += Num(verified_share, 1) + "% of the documents in the shards come from verified shards.\n\n";
  size_t listed = 0;
  for (const auto& r : shards) {
    if (listed++ == 20) {
      m += "- … and " + std::to_string(shards.size() - 20) + " more (`crawlproof audit --store`, report.html)\n";
      break;
    }
    m += "- `" + r.path + "` — " + r.verification + (r.state == "quarantined" ? ", quarantined" : "") + "\n";
  }
  m += "\n## Processing\n\n";
  m += "- Extraction: main content of HTML responses (status 200), WET conversion records; language by " +
       (c.language_model.empty()
            ? std::string("CLD2")
            : "the fastText model `" + Basename(c.language_model) + "` (SHA-256 `" + c.language_model_sha256 + "`)") +
       " (score below " + Num(c.min_lang_score, 2) + ": `und`).\n";
  m += "- Filters: the `[filter]` section of the pipeline file (`" + Basename(c.file) + "`); drop reasons:";
  for (const auto& [k, v] : drop_rows) m += " " + k + " (" + Num(v) + ")";
  for (const auto& mf : c.models)
    m += "\n- Model `" + mf.step + "`: `" + Basename(mf.path) + "` (SHA-256 `" + mf.sha256 +
         "`), the probability of `" + mf.label +
         "` is each document's score (in its account, `crawlproof audit --store`)";
  m += "\n- Deduplication: exact (normalised text) " + std::string(c.exact ? "on" : "off") + "; MinHash with " +
       std::to_string(c.num_perm) + " permutations over " + std::to_string(c.ngram) + "-word shingles, " +
       std::to_string(c.bands) + " bands × " + std::to_string(c.rows) + " rows, estimated Jaccard ≥ " +
       Num(c.threshold, 2) + "; against every earlier run's kept documents.\n";
  m += "- Tokenizer: " + manifest.tokenizer_name + " (SHA-256 `" + manifest.tokenizer_sha256 + "`, " +
       std::to_string(manifest.vocab_size) + " ids; a copy in `shards/tokenizer/`); BOS " +
       (manifest.options.bos ? std::to_string(*manifest.options.bos) : "none") + ", EOS " +
       (manifest.options.eos ? std::to_string(*manifest.options.eos) : "none") + ".\n";
  m += prompts_md;
  // Paths relative to this folder (the card travels with the shards; the
  // builder's own folders mean nothing to a reader).
  m += "\n## Checking it\n\nFrom this folder:\n\n    crawlproof shards verify shards/manifest.json\n"
       "    crawlproof audit --store " +
       store_rel +
       " --shard N --index I                       # a document's story\n"
       "    crawlproof audit --store " +
       store_rel +
       " --doc ID --bundle doc.bundle              # its proof, for anyone\n"
       "    crawlproof audit verify doc.bundle --trust TRUST.toml --shards shards --fetch --root WARC_FOLDER\n\n"
       "The manifest lists every file with its SHA-256; each shard's `.docs.jsonl` maps a position to a document "
       "id, the store maps the id to its WARC record and ledger leaf. A proof bundle is checked offline against "
       "the ledger's trust file (its origin and genesis validator set" +
       (valset_sha256.empty() ? std::string() : ", SHA-256 `" + valset_sha256 + "`") +
       ": get it from the ledger's operator, not from whoever sent the bundle); `scripts/audit-verify.sh "
       "doc.bundle GENESIS.valset` checks the same with a shell and openssl (docs/audit.md).\n";
  return WriteFileAtomically(c.output + "/README.md", m);
}

}  // namespace crawlproof::pipelines

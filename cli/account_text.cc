#include "cli/account_text.h"
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <simdjson.h>

#include <cstdio>
#include <filesystem>

#include "common/file_util.h"
#include "extract/document.h"
#include "ingest/warc_reader.h"
#include "pipelines/pipeline.h"
#include "tokenize/shards.h"
#include "tokenize/tokenizer.h"
#include "verify/ledger.h"
#include "verify/snapshot.h"

namespace crawlproof::cli {
namespace {

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (!e[key].get(s)) return std::string(s);
  uint64_t u;
  if (!e[key].get(u)) return std::to_string(u);
  int64_t i;
  if (!e[key].get(i)) return std::to_string(i);
  double d;
  if (!e[key].get(d)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", d);  // scores and estimates: two decimals
    return buf;
  }
  return "";
}

// The ledger's story of the source: "block B of <origin>, signed by a, b", or
// why it cannot be told.
std::string LedgerStory(simdjson::dom::element state, const std::string& file, const std::string& leaf) {
  simdjson::dom::element ledger;
  if (state["ledger"].get(ledger)) return "";
  const std::string snapshot_path = Str(ledger, "snapshot"), trust_path = Str(ledger, "trust"),
                    root = Str(ledger, "root");
  auto snapshot = verify::ReadSnapshotFile(snapshot_path);
  if (!snapshot.ok()) return "the snapshot " + snapshot_path + " cannot be read now";
  std::string story = "ledger " + snapshot->origin;
  if (trust_path.empty()) return story;
  auto trust = verify::LoadTrustFile(trust_path);
  if (!trust.ok()) return story + " (its trust file cannot be read now)";
  auto v = verify::VerifySnapshot(*snapshot, *trust);
  if (!v.ok()) return story + " (the snapshot no longer verifies: " + v.status().message() + ")";
  const auto entry = v->FindPath(verify::LedgerPath(pipelines::SourceLocation(root, file), root));
  if (!entry) return story;
  const verify::VerifiedBlock& b = v->blocks[v->BlockOfEntry(*entry)];
  std::string signers;
  for (const auto& s : b.signers) signers += (signers.empty() ? "" : ", ") + s;
  return "record " + leaf + " of its file, committed in block " + std::to_string(b.body.height) + " of " + story +
         ", signed by " + signers;
}

std::string Quote(std::string text, size_t n);

// The first `n` characters of the document's text, re-extracted from its
// source record; or why not.
std::string Snippet(const std::string& where, uint64_t offset, uint64_t length, size_t n) {
  ingest::SourceOptions so;
  so.offset = offset;
  so.length = length;
  auto reader = ingest::WarcReader::Open(where, so);
  if (!reader.ok()) return "(the source cannot be read here: " + reader.status().message() + ")";
  ingest::WarcRecord rec;
  auto r = (*reader)->Next(&rec);
  if (!r.ok() || !*r) return "(no record at that place now)";
  auto out = extract::ExtractRecord(rec, where);
  if (!out.ok) return "(no text: " + out.skip_reason + ")";
  return Quote(out.doc.text, n);
}

// The first `n` characters of `text` on one line, quoted.
std::string Quote(std::string text, size_t n) {
  size_t chars = 0, cut = 0;
  for (; cut < text.size() && chars < n; ++cut)
    if ((static_cast<unsigned char>(text[cut]) & 0xC0) != 0x80) ++chars;
  while (cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) ++cut;
  for (char& c : text)
    if (c == '\n') c = ' ';
  return "\"" + text.substr(0, cut) + (cut < text.size() ? "…" : "") + "\"";
}

// The text the shards hold for the document (its tokens decoded with the
// shards' tokenizer copy), when the run's shards are beside its store
// (<output>/shards next to <output>/store) and their manifest is the store's
// committed one; or why not.
std::string TokenizedText(const store::ProvenanceStore& st, const std::string& store_dir, simdjson::dom::element e) {
  uint64_t shard = 0, offset = 0, length = 0;
  if (e["shard"].get(shard) || e["token_offset"].get(offset) || e["sequence_length"].get(length))
    return "(not in the shards)";
  const std::string shards = std::filesystem::path(store_dir).lexically_normal().parent_path().string() + "/shards";
  auto committed = st.Manifest();
  auto on_disk = ReadWholeFile(shards + "/manifest.json");
  if (!committed.ok() || !*committed || !on_disk.ok() || *on_disk != **committed)
    return "(the run's shards are not beside its store: crawlproof serve --shards DIR shows it)";
  auto m = tokenize::Manifest::Parse(**committed);
  if (!m.ok()) return "(" + m.status().message() + ")";
  std::string token_file, tokenizer_file;
  for (const auto& s : m->shards)
    if (s.index == shard && !s.files.empty()) token_file = s.files[0].name;
  for (const auto& f : m->tokenizer_files)
    if (f.name.ends_with("tokenizer.json") || f.name.ends_with(".tiktoken")) tokenizer_file = f.name;
  if (token_file.empty() || tokenizer_file.empty()) return "(the manifest lacks the shard or its tokenizer)";
  for (const std::string& name : {token_file, tokenizer_file})
    if (Status s = CheckNoLinkBelow(shards, shards + "/" + name); !s.ok()) return "(" + s.message() + ")";
  auto ids = tokenize::ReadDocumentTokens(shards, token_file, offset, length, m->options.bos, m->options.eos);
  if (!ids.ok()) return "(" + ids.status().message() + ")";
  auto tokenizer = tokenize::Tokenizer::Load(shards + "/" + tokenizer_file);
  if (!tokenizer.ok()) return "(" + tokenizer.status().message() + ")";
  return Quote((*tokenizer)->Decode(*ids), 200);
}

}  // namespace

void PrintAccount(const store::ProvenanceStore& st, const std::string& json, const std::string& store_dir) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(json);
  simdjson::dom::element e = parser.parse(p);
  simdjson::dom::element src = e["source"];
  const std::string status = Str(e, "status"), file = Str(src, "file");
  std::string root, ledger_story;
  simdjson::dom::parser state_parser;
  std::optional<simdjson::padded_string> state_text;
  if (auto state = st.Ingest(file); state.ok() && *state) {
    state_text.emplace(**state);
    simdjson::dom::element se;
    if (!state_parser.parse(*state_text).get(se)) {
      simdjson::dom::element ledger;
      if (!se["ledger"].get(ledger)) root = Str(ledger, "root");
      ledger_story = LedgerStory(se, file, Str(e, "ledger_leaf"));
    }
  }
  std::printf("document %s: %s\n", Str(e, "doc_id").c_str(), status.c_str());
  std::printf("  crawled:  %s on %s", Str(src, "url").c_str(), Str(src, "date").c_str());
  if (!Str(src, "crawl").empty()) std::printf(" (%s)", Str(src, "crawl").c_str());
  std::printf("\n  source:   %s, %s bytes at offset %s (record %s)\n", file.c_str(), Str(src, "length").c_str(),
              Str(src, "offset").c_str(), Str(src, "record_id").c_str());
  const std::string verification = Str(e, "verification");
  std::printf("  ledger:   %s%s\n", verification.c_str(), ledger_story.empty() ? "" : (": " + ledger_story).c_str());
  if (!Str(e, "lang").empty()) {
    std::printf("  language: %s (score %s", Str(e, "lang").c_str(), Str(e, "lang_score").c_str());
    if (!Str(e, "lang2").empty())
      std::printf("; also %s, share %s", Str(e, "lang2").c_str(), Str(e, "lang2_share").c_str());
    std::printf(")\n");
  }
  if (status == "dropped") {
    simdjson::dom::element check;
    double value = 0, threshold = 0;
    if (!e["check"].get(check) && !check["value"].get(value) && !check["threshold"].get(threshold))
      std::printf("  filters:  dropped by %s: measured %.3g against the threshold %.3g\n", Str(e, "reason").c_str(),
                  value, threshold);
    else
      std::printf("  filters:  dropped by %s\n", Str(e, "reason").c_str());
    if (!Str(e, "match").empty())
      std::printf("            it shares \"%s\" with that evaluation set\n", Str(e, "match").c_str());
  } else if (status == "quarantined") {
    std::printf("  filters:  not run: its source was quarantined (%s)\n", Str(e, "reason").c_str());
  } else {
    simdjson::dom::object changes;
    std::string list;
    if (!e["filter_changes"].get(changes))
      for (auto [k, v] : changes) {
        uint64_t n = 0;
        if (!v.get(n)) list += (list.empty() ? "" : ", ") + std::string(k) + " ×" + std::to_string(n);
      }
    if (list.empty())
      std::printf("  filters:  kept\n");
    else
      std::printf("  filters:  kept, changed by the filters: %s (the shards hold the changed text)\n", list.c_str());
  }
  simdjson::dom::object classifiers;
  if (!e["classifiers"].get(classifiers))
    for (auto [name, c] : classifiers) {
      double score = 0, keep = 0;
      std::printf("  model:    %s scored %s %.6g", std::string(name).c_str(), Str(c, "label").c_str(),
                  c["score"].get(score) ? 0.0 : score);
      if (!c["keep"].get(keep)) std::printf(" (kept at %.6g or above)", keep);
      std::printf(", model SHA-256 %s\n", Str(c, "model_sha256").c_str());
    }
  simdjson::dom::element d;
  if (!e["dedup"].get(d)) {
    std::printf("  dedup:    a duplicate of %s (estimated Jaccard similarity %s; %s), not in the shards\n",
                Str(d, "duplicate_of").c_str(), Str(d, "jaccard").c_str(), Str(e, "reason").c_str());
  } else if (status == "in-shard" || status == "unverified") {
    std::printf("  dedup:    unique (no near duplicate kept before it)\n");
  }
  if (!Str(e, "shard").empty())
    std::printf("  shards:   document %s of shard %s, %s tokens (SHA-256 of the ids %s)\n", Str(e, "index").c_str(),
                Str(e, "shard").c_str(), Str(e, "tokens").c_str(), Str(e, "tokens_sha256").c_str());
  simdjson::dom::array prompt_ids;
  if (!e["prompts"].get(prompt_ids) && prompt_ids.size() > 0) {
    std::string list;
    for (simdjson::dom::element id : prompt_ids) {
      std::string_view s;
      if (!id.get(s)) list += (list.empty() ? "" : ", ") + std::string(s);
    }
    std::printf("  prompts:  %zu candidates from it (audit --prompt ID): %s\n", prompt_ids.size(), list.c_str());
  }
  simdjson::dom::element changed;
  const bool filtered = !e["filter_changes"].get(changed);
  std::printf("  %s%s\n", filtered ? "source:   " : "text:     ",
              Snippet(pipelines::SourceLocation(root, file), std::stoull("0" + Str(src, "offset")),
                      std::stoull("0" + Str(src, "length")), 200)
                  .c_str());
  if (filtered && !store_dir.empty()) std::printf("  tokenized: %s\n", TokenizedText(st, store_dir, e).c_str());
}

}  // namespace crawlproof::cli

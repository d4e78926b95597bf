// A document's proof bundle from its stored account (bundle.h).
#include "pipelines/bundle.h"

#include <simdjson.h>

#include <optional>

#include "common/json.h"
#include "pipelines/pipeline.h"
#include "tokenize/shards.h"
#include "verify/audit.h"
#include "verify/ledger.h"
#include "verify/snapshot.h"

namespace crawlproof::pipelines {
namespace {

std::string Field(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (!e[key].get(s)) return std::string(s);
  uint64_t u;
  if (!e[key].get(u)) return std::to_string(u);
  double d;
  if (!e[key].get(d)) return std::to_string(d);
  return "";
}

}  // namespace

Result<std::string> DocumentBundle(const store::ProvenanceStore& st, const std::string& account,
                                   const std::string& prompt_account) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(account);
  simdjson::dom::element e = parser.parse(p);
  const std::string doc_id = Field(e, "doc_id"), status = Field(e, "status");
  if (Field(e, "verification") != "verified")
    return Status::InvalidArgument("document " + doc_id + " is " + status + " (" + Field(e, "verification") +
                                   "): there is no ledger proof to bundle");
  simdjson::dom::element src = e["source"];
  const std::string file = Field(src, "file");
  uint64_t offset = 0;
  if (src["offset"].get(offset)) return Status::Corruption("document " + doc_id + ": no source offset in the store");
  ASSIGN_OR_RETURN(std::optional<std::string> state, st.Ingest(file));
  if (!state) return Status::Corruption("the store has no state for " + file);
  simdjson::dom::parser state_parser;
  simdjson::padded_string sp(*state);
  simdjson::dom::element se = state_parser.parse(sp);
  const std::string snapshot_path = Field(se["ledger"], "snapshot"), root = Field(se["ledger"], "root");
  ASSIGN_OR_RETURN(verify::Snapshot snapshot, verify::ReadSnapshotFile(snapshot_path));
  // The run's trust file (stores since the hardening issue name it): the
  // bundle carries the proof of consistency with its pinned block.
  std::optional<uint64_t> pin;
  if (const std::string trust_path = Field(se["ledger"], "trust"); !trust_path.empty()) {
    ASSIGN_OR_RETURN(verify::Trust trust, verify::LoadTrustFile(trust_path));
    pin = trust.pinned_height;
  }
  // The account names the source in its stored form: relative to the
  // ledger root when it lies under it (docs/pipeline.md).
  const std::string where = SourceLocation(root, file);
  // The record's leaf index and length from its account: with the ledger's
  // leaf sidecars, only the record is read, not its whole file.
  verify::RecordHint hint;
  uint64_t leaf = 0, length = 0;
  const bool have_hint = !e["ledger_leaf"].get(leaf) && !src["length"].get(length);
  hint.leaf_index = leaf;
  hint.length = length;
  hint.leaves_dir = snapshot_path + ".leaves";
  ASSIGN_OR_RETURN(verify::AuditBundle bundle,
                   verify::BuildAuditBundle(where, verify::LedgerPath(where, root), offset, snapshot, {}, pin,
                                            have_hint ? &hint : nullptr));
  JsonObject d;
  d.Add("doc_id", doc_id).Add("status", status).AddRaw("account", account);
  d.Add("pipeline_options_sha256", Field(se, "options_sha256"));
  if (!Field(e, "shard").empty()) {
    ASSIGN_OR_RETURN(std::optional<std::string> manifest_json, st.Manifest());
    if (!manifest_json) return Status::Corruption("the store has no manifest");
    ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*manifest_json));
    uint64_t shard = 0, index = 0, token_offset = 0, length = 0;
    if (e["shard"].get(shard) || e["index"].get(index) || e["token_offset"].get(token_offset) ||
        e["sequence_length"].get(length))
      return Status::Corruption("document " + doc_id + ": its position in the shards is incomplete in the store");
    const tokenize::ManifestShard* sh = nullptr;
    size_t position = 0;
    for (size_t i = 0; i < m.shards.size(); ++i)
      if (m.shards[i].index == shard) {
        sh = &m.shards[i];
        position = i;
      }
    if (!sh || sh->files.empty()) return Status::Corruption("the manifest has no shard " + std::to_string(shard));
    JsonObject where;
    where.Add("manifest_position", static_cast<uint64_t>(position))
        .Add("index", index)
        .Add("token_file", sh->files[0].name)
        .Add("token_file_sha256", sh->files[0].sha256)
        .Add("token_offset", token_offset)
        .Add("sequence_length", length)
        .Add("tokenizer", m.tokenizer_name)
        .Add("tokenizer_sha256", m.tokenizer_sha256);
    if (m.options.bos) {
      where.Add("bos", uint64_t{*m.options.bos});
    } else {
      where.AddNull("bos");
    }
    if (m.options.eos) {
      where.Add("eos", uint64_t{*m.options.eos});
    } else {
      where.AddNull("eos");
    }
    d.AddRaw("shard", where.str());
    d.Add("text_sha256", Field(e, "text_sha256")).Add("tokens_sha256", Field(e, "tokens_sha256"));
  }
  std::string text = verify::FormatAuditBundle(bundle);
  const std::string placeholder = "\"decisions\": null\n";
  size_t at = text.find(placeholder);
  if (at == std::string::npos) return Status::Internal("bundle without a decisions field");
  if (!prompt_account.empty()) d.AddRaw("prompt", prompt_account);
  text.replace(at, placeholder.size(), "\"decisions\": " + d.str() + "\n");
  return text;
}

}  // namespace crawlproof::pipelines

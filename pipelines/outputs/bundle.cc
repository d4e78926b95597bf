// A document's proof bundle from its stored account (bundle.h).
#include "pipelines/outputs/bundle.h"

#include <simdjson.h>

#include <optional>

#include "common/encoding.h"
#include "common/json.h"
#include "extract/document.h"
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

// A string field that must be present; Corruption naming `what` otherwise.
Result<std::string_view> Str(simdjson::dom::element e, const char* key, const std::string& what) {
  std::string_view v;
  if (e[key].get(v)) return Status::Corruption(what + " has no \"" + key + "\"");
  return v;
}
Result<uint64_t> U64(simdjson::dom::element e, const char* key, const std::string& what) {
  uint64_t v;
  if (e[key].get(v)) return Status::Corruption(what + " has no \"" + key + "\"");
  return v;
}

// The stored name of a source names the file entry's ledger path: the same
// string, or a path or URL that ends with "/" + that path (a URL's query
// and fragment aside), as verify::LedgerPath derives it.
bool NamesLedgerPath(std::string_view file, std::string_view path) {
  if (file.find("://") != std::string_view::npos)
    if (auto q = file.find_first_of("?#"); q != std::string_view::npos) file = file.substr(0, q);
  if (path.empty()) return false;
  if (file == path) return true;
  return file.size() > path.size() && file.substr(file.size() - path.size()) == path &&
         file[file.size() - path.size() - 1] == '/';
}

// `account` (a document's or a prompt's) names the record the proof proves.
Status CheckAccountNamesRecord(simdjson::dom::element account, const std::string& what,
                               const verify::AuditBundle& bundle, const verify::AuditResult& r, bool digests) {
  simdjson::dom::element src;
  if (account["source"].get(src)) return Status::Corruption(what + " names no source record");
  const std::string in_src = what + "'s source";
  const verify::RecordLeaf& leaf = r.leaf;
  auto differs = [&](const std::string& field, const std::string& account_value, const std::string& proven) {
    return Status::Corruption(what + " names another record than the ledger proof: its " + field + " is '" +
                              account_value + "', the proven record's is '" + proven + "'");
  };
  ASSIGN_OR_RETURN(std::string_view record_id, Str(src, "record_id", in_src));
  if (record_id != leaf.record_id) return differs("record_id", std::string(record_id), leaf.record_id);
  ASSIGN_OR_RETURN(uint64_t offset, U64(src, "offset", in_src));
  if (offset != leaf.offset) return differs("offset", std::to_string(offset), std::to_string(leaf.offset));
  ASSIGN_OR_RETURN(uint64_t length, U64(src, "length", in_src));
  if (length != leaf.length) return differs("length", std::to_string(length), std::to_string(leaf.length));
  ASSIGN_OR_RETURN(std::string_view url, Str(src, "url", in_src));
  if (url != leaf.target_uri) return differs("url", std::string(url), leaf.target_uri);
  std::string_view date;
  if (!src["date"].get(date) && date != leaf.date) return differs("date", std::string(date), leaf.date);
  ASSIGN_OR_RETURN(std::string_view file, Str(src, "file", in_src));
  if (!NamesLedgerPath(file, r.entry.path)) return differs("file", std::string(file), r.entry.path);
  ASSIGN_OR_RETURN(uint64_t leaf_index, U64(account, "ledger_leaf", what));
  if (leaf_index != bundle.record_index)
    return differs("ledger_leaf", std::to_string(leaf_index), std::to_string(bundle.record_index));
  ASSIGN_OR_RETURN(std::string_view doc_id, Str(account, "doc_id", what));
  const std::string derived = extract::DocumentId(leaf.record_id, leaf.target_uri, leaf.date, leaf.offset);
  if (doc_id != derived) return differs("doc_id", std::string(doc_id), derived + " (derived from the record)");
  if (!digests) return Status::Ok();
  simdjson::dom::element dg;
  if (account["digests"].get(dg)) return Status::Corruption(what + " has no \"digests\"");
  const std::string in_dg = what + "'s digests";
  const std::string record_sha = HexEncode(std::string_view(
                        reinterpret_cast<const char*>(leaf.addressable_sha256.data()), leaf.addressable_sha256.size())),
                    block_sha = HexEncode(std::string_view(reinterpret_cast<const char*>(leaf.block_sha256.data()),
                                                           leaf.block_sha256.size()));
  ASSIGN_OR_RETURN(std::string_view rs, Str(dg, "record_sha256", in_dg));
  if (rs != record_sha) return differs("record_sha256", std::string(rs), record_sha);
  ASSIGN_OR_RETURN(std::string_view bs, Str(dg, "block_sha256", in_dg));
  if (bs != block_sha) return differs("block_sha256", std::string(bs), block_sha);
  return Status::Ok();
}

}  // namespace

Result<BoundDocument> CheckBundleDocument(std::string_view bundle_json, const verify::AuditBundle& bundle,
                                          const verify::AuditResult& result) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(bundle_json);
  simdjson::dom::element root, d;
  if (parser.parse(p).get(root)) return Status::Corruption("the bundle is not JSON");
  if (root["decisions"].get(d)) return Status::Corruption("the bundle has no \"decisions\" field");
  BoundDocument out;
  if (d.is_null()) return out;
  if (!d.is_object()) return Status::Corruption("the bundle's decisions are not an object");
  ASSIGN_OR_RETURN(std::string_view doc_id, Str(d, "doc_id", "the bundle's decisions"));
  simdjson::dom::element account;
  if (d["account"].get(account) || !account.is_object())
    return Status::Corruption("the bundle's decisions carry no account of document " + std::string(doc_id) +
                              ": a proof of a record cannot verify a document without it");
  ASSIGN_OR_RETURN(std::string_view account_id, Str(account, "doc_id", "the document's account"));
  if (account_id != doc_id)
    return Status::Corruption("the bundle's decisions are about document " + std::string(doc_id) +
                              " but carry the account of " + std::string(account_id));
  RETURN_IF_ERROR(CheckAccountNamesRecord(account, "the document's account", bundle, result, true));
  out.doc_id = std::string(doc_id);
  simdjson::dom::element prompt;
  if (!d["prompt"].get(prompt) && !prompt.is_null()) {
    std::string_view prompt_doc;
    if (prompt["doc_id"].get(prompt_doc) || prompt_doc != doc_id)
      return Status::Corruption("the bundle's prompt is not from document " + std::string(doc_id));
    RETURN_IF_ERROR(CheckAccountNamesRecord(prompt, "the prompt's account", bundle, result, false));
    std::string_view prompt_id;
    if (!prompt["prompt_id"].get(prompt_id)) out.prompt_id = std::string(prompt_id);
  }
  return out;
}

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

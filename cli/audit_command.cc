// crawlproof audit record | audit verify
#include <simdjson.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>

#include "cli/commands.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "ingest/byte_source.h"
#include "pipelines/outputs/bundle.h"
#include "tokenize/shards.h"
#include "verify/audit.h"

namespace crawlproof::cli {
namespace {

using namespace crawlproof::verify;

struct RecordArgs {
  std::string input, snapshot, out, root, trust;
  uint64_t offset = 0;
  std::optional<uint64_t> pin_height;
  bool force = false;
};

Status RunAuditRecord(const RecordArgs& a) {
  if (Status s = CheckOutputFile({a.out, "proof bundle", JsonFormatIs("crawlproof-audit/v1")},
                                 {a.input, a.snapshot, a.trust}, a.force);
      !s.ok())
    return s.WithPrefix("audit record --out");
  auto snapshot = ReadSnapshotFile(a.snapshot);
  if (!snapshot.ok()) {
    return snapshot.status();
  }
  std::optional<uint64_t> pin = a.pin_height;
  if (!a.trust.empty()) {
    // The bundle is for verifiers of this trust file: check the snapshot
    // against it, and carry the proof of consistency with its pin.
    auto trust = LoadTrustFile(a.trust);
    if (!trust.ok()) {
      return trust.status();
    }
    if (auto v = VerifySnapshot(*snapshot, *trust); !v.ok()) {
      return AsBadInput(v.status().WithPrefix(a.snapshot));
    }
    if (!pin) pin = trust->pinned_height;
  }
  auto bundle = BuildAuditBundle(a.input, LedgerPath(a.input, a.root), a.offset, *snapshot, {}, pin);
  if (!bundle.ok()) {
    const StatusCode code = bundle.status().code();
    return code == StatusCode::kIoError || code == StatusCode::kUnavailable ? bundle.status()
                                                                            : AsBadInput(bundle.status());
  }
  std::string text = FormatAuditBundle(*bundle);
  std::ofstream out(a.out, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    return Status::IoError(a.out + ": cannot write the bundle");
  }
  JsonObject o;
  o.Add("bundle", a.out)
      .Add("path", bundle->path)
      .Add("offset", bundle->offset)
      .Add("length", bundle->length)
      .Add("record_index", bundle->record_index)
      .Add("height", bundle->height);
  std::puts(o.str().c_str());
  return Status::Ok();
}

struct VerifyArgs {
  std::string bundle, trust, record_bytes, shards, prompts;
  bool fetch = false;
  std::string root, prefix, fetch_from;  // where --fetch reads: never the bundle's own `file`
};

// Where --fetch reads the record's file: what the user names (--fetch-from),
// or the verified ledger path under --root / --prefix. The bundle's `file`
// field is not covered by any signature, so it is never opened.
Result<std::string> FetchLocation(const VerifyArgs& a, const std::string& verified_path) {
  if (!a.fetch_from.empty()) return a.fetch_from;
  if (a.root.empty() == a.prefix.empty())
    return Status::InvalidArgument(
        "audit verify --fetch: name where the record's file is, with --root DIR or --prefix URL (the file is read at "
        "its verified ledger path under it), or --fetch-from FILE|URL; the bundle's own \"file\" is not covered by "
        "the signatures and is not opened");
  const std::filesystem::path p(verified_path);
  bool escapes = verified_path.empty() || p.is_absolute() || verified_path.find("://") != std::string::npos;
  for (const auto& part : p) escapes |= part == "..";
  if (escapes)
    return Status::InvalidArgument("audit verify --fetch: the ledger path '" + verified_path +
                                   "' is not a relative path under --root/--prefix; use --fetch-from");
  std::string base = a.root.empty() ? a.prefix : a.root;
  if (!base.empty() && base.back() != '/') base += '/';
  return base + verified_path;
}

// A document bundle's "decisions" (written by `audit --store … --bundle`):
// its tokens checked in the shards folder. Empty when the bundle has none.
std::string CheckDecisions(const std::string& bundle_text, const std::string& shards_dir, JsonObject* o, bool* ok) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(bundle_text);
  simdjson::dom::element root, d, sh;
  if (parser.parse(p).get(root) || root["decisions"].get(d) || d.is_null()) return "";
  std::string_view doc_id, tokens_sha;
  if (!d["doc_id"].get(doc_id)) o->Add("document", doc_id);
  if (d["shard"].get(sh) || d["tokens_sha256"].get(tokens_sha)) {
    o->Add("tokens", "none (the document is not in a shard)");
    return "";
  }
  if (shards_dir.empty()) {
    o->Add("tokens", "not checked (no --shards)");
    return "";
  }
  std::string_view token_file, token_file_sha;
  uint64_t offset = 0, length = 0;
  if (sh["token_file"].get(token_file) || sh["token_file_sha256"].get(token_file_sha) ||
      sh["token_offset"].get(offset) || sh["sequence_length"].get(length)) {
    *ok = false;
    return "the bundle's shard position is incomplete";
  }
  std::optional<uint32_t> bos, eos;
  uint64_t id;
  if (!sh["bos"].get(id)) bos = static_cast<uint32_t>(id);
  if (!sh["eos"].get(id)) eos = static_cast<uint32_t>(id);
  auto r =
      tokenize::CheckDocumentTokens(shards_dir + "/manifest.json", std::string(token_file), std::string(token_file_sha),
                                    offset, length, bos, eos, std::string(tokens_sha), std::string(doc_id));
  if (!r.ok()) {
    *ok = false;
    return r.status().message();
  }
  o->Add("tokens", "verified").Add("tokens_detail", *r);
  return "";
}

// A bundle that does not verify: the JSON line on stdout says so, and why.
Status Failed(JsonObject* o, const std::string& why, const std::string& bundle) {
  o->Add("status", "failed").Add("error", why);
  std::puts(o->str().c_str());
  return Status::BadInput(bundle + ": " + why);
}

Status RunAuditVerify(const VerifyArgs& a) {
  auto trust = LoadTrustFile(a.trust);
  if (!trust.ok()) {
    return trust.status();
  }
  auto text = ReadWholeFile(a.bundle);
  if (!text.ok()) {
    return text.status();
  }
  JsonObject o;
  // The trusted genesis set's fingerprint (what the audit page shows), on
  // every verdict: a verifier compares it with the published one.
  o.Add("bundle", a.bundle).Add("valset_sha256", ToHex(trust->genesis.hash));
  auto bundle = ParseAuditBundle(*text);
  if (!bundle.ok()) {
    return Failed(&o, bundle.status().message(), a.bundle);
  }
  std::optional<std::string> bytes;
  const bool fetch = a.fetch || !a.fetch_from.empty();
  if (!a.record_bytes.empty() || fetch) {
    // The record's bytes: from a file, or fetched at the verified path.
    ingest::SourceOptions so;
    std::string from = a.record_bytes;
    if (from.empty()) {
      auto proofs = VerifyAuditBundle(*bundle, *trust);  // the path and extent to fetch, verified first
      if (!proofs.ok()) {
        return Failed(&o, proofs.status().message(), a.bundle);
      }
      auto where = FetchLocation(a, proofs->entry.path);
      if (!where.ok()) {
        return where.status();
      }
      from = *where;
      so.offset = proofs->leaf.offset;
      so.length = proofs->leaf.length;
      o.Add("fetched_from", from);
    }
    auto data = ingest::ReadAllFromUri(from, so);
    if (!data.ok()) {
      return data.status();
    }
    bytes = std::move(data).value();
  }
  auto r = VerifyAuditBundle(*bundle, *trust, bytes);
  if (!r.ok()) {
    return Failed(&o, r.status().message(), a.bundle);
  }
  // The decisions must be about the record just proven: one record's proof
  // never vouches for another document (pipelines/outputs/bundle.h).
  auto bound = pipelines::CheckBundleDocument(*text, *bundle, *r);
  if (!bound.ok()) {
    return Failed(&o, "document: " + bound.status().message(), a.bundle);
  }
  bool tokens_ok = true;
  JsonObject doc;
  std::string token_error = CheckDecisions(*text, a.shards, &doc, &tokens_ok);
  if (!tokens_ok) {
    return Failed(&o, "tokens: " + token_error, a.bundle);
  }
  if (Status s = CheckBundlePrompt(*text, a.prompts, &doc); !s.ok()) {
    if (s.code() != StatusCode::kBadInput) return s;  // the prompts folder unreadable
    return Failed(&o, "prompt: " + s.message(), a.bundle);
  }
  o.Add("status", "verified")
      .Add("path", r->entry.path)
      .Add("offset", r->leaf.offset)
      .Add("length", r->leaf.length)
      .Add("record_id", r->leaf.record_id)
      .Add("target_uri", r->leaf.target_uri)
      .Add("height", r->height)
      .Add("pinned", r->pin_check)
      .AddRaw("signers", JsonStringArray(r->signers))
      .Add("content", r->content_checked ? "verified" : "not checked");
  std::string line = o.str();
  const std::string extra = doc.str();
  if (extra.size() > 2) line = line.substr(0, line.size() - 1) + "," + extra.substr(1);
  std::puts(line.c_str());
  return Status::Ok();
}

}  // namespace

void RegisterAuditCommands(CLI::App& app, Status* result) {
  auto* audit =
      app.add_subcommand("audit", "Proof bundles for single records, checkable offline; a document's account");
  audit->require_subcommand(0, 1);
  AddStoreAudit(audit, result);

  auto rec = std::make_shared<RecordArgs>();
  auto* record = audit->add_subcommand("record", "Write the proof bundle of one record");
  record->add_option("input", rec->input, "WARC file or URL")->required();
  record->add_option("--offset", rec->offset, "Offset of the record (as `warc index` prints it)")
      ->required()
      ->check(WholeNumber());
  record->add_option("--snapshot", rec->snapshot, "Ledger snapshot")->required();
  record->add_option("--root", rec->root, "Directory local paths are committed relative to");
  record->add_option("--out", rec->out, "Bundle to write")->required();
  record->add_flag("--force", rec->force, "Replace an --out file that is not a proof bundle (never an input or a key)");
  record->add_option("--trust", rec->trust,
                     "Trust file the bundle's verifiers use: the snapshot is verified against it, and the bundle "
                     "carries the proof of consistency with its [pinned] block");
  record
      ->add_option("--pin-height", rec->pin_height,
                   "Carry the proof of consistency with the block at this height (a verifier's pin)")
      ->check(WholeNumber());
  record->callback([rec, result] { *result = RunAuditRecord(*rec); });

  auto ver = std::make_shared<VerifyArgs>();
  auto* verify = audit->add_subcommand("verify", "Verify a proof bundle offline");
  verify->add_option("bundle", ver->bundle, "Bundle")->required();
  verify->add_option("--trust", ver->trust, "Trust file (TOML)")->required();
  verify->add_option("--record-bytes", ver->record_bytes, "The record's bytes (warc cat --offset --length)");
  verify->add_flag("--fetch", ver->fetch,
                   "Read the record's bytes (a Range request) at its verified ledger path under --root or --prefix");
  verify->add_option("--root", ver->root, "--fetch: the folder the ledger's paths are relative to");
  verify->add_option("--prefix", ver->prefix, "--fetch: the URL prefix the ledger's paths are relative to");
  verify->add_option("--fetch-from", ver->fetch_from,
                     "Read the record's bytes from this file or URL (a Range request)");
  verify->add_option("--shards", ver->shards,
                     "For a document bundle: the shards folder (with manifest.json) to check its tokens in");
  verify->add_option("--prompts", ver->prompts,
                     "For a prompt's bundle: the prompts folder (with manifest.json) to find its row in");
  verify->callback([ver, result] { *result = RunAuditVerify(*ver); });
}

}  // namespace crawlproof::cli

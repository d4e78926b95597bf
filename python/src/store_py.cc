// crawlproof._core.StoreReader (a run's provenance store, opened read-only
// without its lock, so that runs may hold it) and verify_bundle.
#include <pybind11/stl.h>
#include <simdjson.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "pipelines/outputs/bundle.h"
#include "python/src/bindings.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"
#include "verify/audit.h"
#include "verify/ledger.h"

namespace crawlproof::python {
namespace {

using store::ProvenanceStore;

class StoreReader {
 public:
  explicit StoreReader(const std::string& dir)
      : dir_(dir), store_(WithoutGil([&] { return ProvenanceStore::OpenReadOnly(dir, 0); })) {}
  std::optional<std::string> Document(const std::string& id) const { return Value(store_->Document(id)); }
  std::optional<std::string> Prompt(const std::string& id) const { return Value(store_->Prompt(id)); }
  std::vector<std::string> WithUrl(const std::string& url) const { return Value(store_->DocumentsWithUrl(url)); }
  std::optional<std::string> Manifest() const { return Value(store_->Manifest()); }
  std::optional<std::string> PromptsManifest() const { return Value(store_->PromptsManifest()); }
  // The document at `index` of the shard at `position` in the manifest (as
  // `audit --shard N --index I`), or None.
  std::optional<std::string> At(uint64_t position, uint64_t index) const {
    std::optional<std::string> m = Manifest();
    if (!m) return std::nullopt;
    tokenize::Manifest manifest = Value(tokenize::Manifest::Parse(*m));
    if (position >= manifest.shards.size()) return std::nullopt;
    return Value(store_->DocumentAt(manifest.shards[position].index, index));
  }
  std::vector<std::string> Runs() const { return Value(store_->Runs()); }
  // Every account of a family (JSON lines as `store dump`), `limit` at most (0: all).
  std::vector<std::string> Dump(const std::string& family, uint64_t limit) const {
    std::vector<std::string> out;
    Status s = store_->DumpFamily(family, [&](const std::string& line) {
      out.push_back(line);
      return limit && out.size() >= limit ? Status::Unavailable("enough") : Status::Ok();
    });
    if (!s.ok() && !(limit && out.size() >= limit)) Raise(s);
    return out;
  }
  // The proof bundle of a document (or of a prompt: its document's, carrying
  // the prompt's account), as `audit --store --bundle` writes it.
  std::string Bundle(const std::optional<std::string>& doc_id, const std::optional<std::string>& prompt_id) const {
    std::string prompt, id = doc_id.value_or("");
    if (prompt_id) {
      std::optional<std::string> p = Prompt(*prompt_id);
      if (!p) Raise(Status::NotFound(dir_ + ": no prompt " + *prompt_id));
      prompt = *p;
      simdjson::dom::parser parser;
      simdjson::padded_string padded(prompt);
      std::string_view d;
      if (parser.parse(padded)["doc_id"].get(d))
        Raise(Status::Corruption(dir_ + ": prompt " + *prompt_id + " names no document"));
      id = std::string(d);
    }
    std::optional<std::string> account = Document(id);
    if (!account) Raise(Status::NotFound(dir_ + ": no document " + id));
    return WithoutGil([&] { return pipelines::DocumentBundle(*store_, *account, prompt); });
  }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
  std::unique_ptr<ProvenanceStore> store_;
};

// What verify_bundle returns: a dict the Python layer turns into a result.
py::dict VerifyBundle(const std::string& bundle_json, const std::string& trust_path,
                      const std::optional<std::string>& record_bytes) {
  py::dict out;
  std::vector<std::string> steps;
  auto fail = [&](const std::string& why) {
    out["ok"] = false;
    out["error"] = why;
    out["steps"] = steps;
    return out;
  };
  verify::Trust trust = Value(verify::LoadTrustFile(trust_path));
  steps.push_back("trust file " + trust_path + " (origin " + trust.origin + ", genesis validator set SHA-256 " +
                  verify::ToHex(trust.genesis.hash) + ")");
  out["valset_sha256"] = verify::ToHex(trust.genesis.hash);
  auto bundle = verify::ParseAuditBundle(bundle_json);
  if (!bundle.ok()) return fail(bundle.status().message());
  steps.push_back("bundle parsed");
  Result<verify::AuditResult> r = Status::Internal("not run");
  {
    py::gil_scoped_release release;
    r = verify::VerifyAuditBundle(*bundle, trust, record_bytes);
  }
  if (!r.ok()) return fail(r.status().message());
  steps.push_back("record leaf: " + r->leaf.record_id + " at offset " + std::to_string(r->leaf.offset) + " of " +
                  r->entry.path);
  steps.push_back("inclusion path to the file's record root");
  steps.push_back("file entry and path to the root of block " + std::to_string(r->height));
  std::string signers;
  for (const auto& s : r->signers) signers += (signers.empty() ? "" : ", ") + s;
  steps.push_back("signatures and quorum: " + signers);
  steps.push_back("pin: " + r->pin_check);
  steps.push_back(std::string("content: ") + (r->content_checked ? "verified" : "not checked (no record bytes)"));
  // The decisions must be about the record just proven (pipelines/outputs/bundle.h).
  auto bound = pipelines::CheckBundleDocument(bundle_json, *bundle, *r);
  if (!bound.ok()) return fail("document: " + bound.status().message());
  if (bound->doc_id.empty()) {
    steps.push_back("document: none (the bundle proves a record, not a document)");
    out["doc_id"] = py::none();
  } else {
    steps.push_back("document: its account names this record (" + bound->doc_id + ")");
    out["doc_id"] = bound->doc_id;
  }
  out["prompt_id"] = bound->prompt_id.empty() ? py::object(py::none()) : py::object(py::str(bound->prompt_id));
  out["ok"] = true;
  out["error"] = py::none();
  out["steps"] = steps;
  out["path"] = r->entry.path;
  out["offset"] = r->leaf.offset;
  out["length"] = r->leaf.length;
  out["record_id"] = r->leaf.record_id;
  out["target_uri"] = r->leaf.target_uri;
  out["height"] = r->height;
  out["signers"] = r->signers;
  out["content_checked"] = r->content_checked;
  return out;
}

}  // namespace

void RegisterStore(py::module_& m) {
  py::class_<StoreReader>(m, "StoreReader")
      .def(py::init<const std::string&>(), py::arg("path"))
      .def("document", &StoreReader::Document)
      .def("prompt", &StoreReader::Prompt)
      .def("documents_with_url", &StoreReader::WithUrl)
      .def("at", &StoreReader::At)
      .def("manifest", &StoreReader::Manifest)
      .def("prompts_manifest", &StoreReader::PromptsManifest)
      .def("runs", &StoreReader::Runs)
      .def("bundle", &StoreReader::Bundle, py::arg("doc_id") = py::none(), py::arg("prompt_id") = py::none())
      .def("dump", &StoreReader::Dump, py::arg("family"), py::arg("limit") = 0)
      .def_property_readonly("path", &StoreReader::dir);
  m.def("_verify_bundle", &VerifyBundle, py::arg("bundle_json"), py::arg("trust"),
        py::arg("record_bytes") = py::none());
}

}  // namespace crawlproof::python

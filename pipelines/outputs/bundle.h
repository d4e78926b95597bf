// A document's proof bundle, from its account in a run's store (`crawlproof
// audit --store DIR --doc ID --bundle FILE`, crawlproof.Store.bundle): the
// record's ledger proof (verify/audit.h) with, in its "decisions" field, the
// document's account, the pipeline options hash, its place in the shards
// (token file, its SHA-256, offset, length, tokenizer, BOS/EOS) and its text
// and token hashes; with `prompt_account`, that prompt's account too.
#pragma once

#include <string>

#include "common/status.h"
#include "store/provenance_store.h"
#include "verify/audit.h"

namespace crawlproof::pipelines {

// Errors: InvalidArgument (the document's source is not verified: there is
// no ledger proof), Corruption (the store lacks what the account names), and
// those of reading the snapshot, the trust file and the source file.
Result<std::string> DocumentBundle(const store::ProvenanceStore& st, const std::string& account,
                                   const std::string& prompt_account = "");

// What a bundle's "decisions" are about, once bound to the record its ledger
// proof proves (CheckBundleDocument).
struct BoundDocument {
  std::string doc_id;     // empty: the bundle is a record's alone (decisions null)
  std::string prompt_id;  // the prompt's, when the bundle carries one
};

// Checks that a bundle's "decisions" describe the record that `result` (the
// bundle's verified ledger proof) proves, so that one record's proof cannot
// vouch for another document. The account (and a prompt's account, when the
// bundle carries one) must name the leaf's WARC-Record-ID, offset, length,
// target URI and date, the record's index among its file's leaves
// (`ledger_leaf`), the leaf's two SHA-256 digests, a file whose ledger path
// is the file entry's (the stored name is that path, or ends with "/" and
// it), and a doc id equal to extract::DocumentId of the leaf; the decisions'
// doc id must be the account's. `bundle_json` is the bundle's text (the
// decisions are not part of AuditBundle). A null "decisions" binds nothing
// and returns an empty doc id: such a bundle proves a record, not a document.
// Every verifier (`audit verify`, Python verify_bundle, the page, and
// scripts/audit-verify.sh) applies the same rule (docs/audit.md).
// Errors: Corruption naming the first field that differs.
Result<BoundDocument> CheckBundleDocument(std::string_view bundle_json, const verify::AuditBundle& bundle,
                                          const verify::AuditResult& result);

}  // namespace crawlproof::pipelines

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

namespace crawlproof::pipelines {

// Errors: InvalidArgument (the document's source is not verified: there is
// no ledger proof), Corruption (the store lacks what the account names), and
// those of reading the snapshot, the trust file and the source file.
Result<std::string> DocumentBundle(const store::ProvenanceStore& st, const std::string& account,
                                   const std::string& prompt_account = "");

}  // namespace crawlproof::pipelines

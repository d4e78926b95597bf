// A document's account from the store (`audit --store` without --json), in
// plain words: where it was crawled, the ledger that vouches for it (origin,
// block, signers), its language, each decision, and its first words.
#pragma once

#include <string>

#include "store/provenance_store.h"

namespace crawlproof::cli {

// Prints the account `json` (as `audit --store --json` prints it) of a
// document of the store `st`. The ledger's origin and signers come from the
// snapshot its source's state names; the text snippet is re-extracted from the
// source record when it can be read (else it says why not). When the
// filters changed the text (`filter_changes`), what they changed, and — with
// `store_dir`, when the run's shards are where a run writes them (beside the
// store, their manifest the store's) — the text the shards hold, decoded.
void PrintAccount(const store::ProvenanceStore& st, const std::string& json, const std::string& store_dir = "");

}  // namespace crawlproof::cli

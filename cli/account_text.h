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
// source record when it can be read (else it says why not).
void PrintAccount(const store::ProvenanceStore& st, const std::string& json);

}  // namespace crawlproof::cli

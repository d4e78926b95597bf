// `crawlproof serve`: a read-only web page and JSON API over a run's
// provenance store (and, optionally, its shards and the ledger's trust
// file), docs/serve.md and docs/audit-api.openapi.yaml.
//
// The store is opened as a follower (ProvenanceStore::OpenFollower): runs may
// hold it and commit while it is served; each API request first catches up
// with their commits (at most every `catch_up_s`). Nothing is served from
// the file system but the shards folder's token files the store's manifest
// names (plain file names, checked), the trust file and its validator set
// named on the command line, and the source record the store's account of
// a document names (at its offset and length). The page's assets are
// compiled into the binary.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "serve/http_server.h"

namespace crawlproof::serve {

struct ServeOptions {
  std::string store;   // a run's store (required)
  std::string shards;  // the run's shards folder (manifest.json): token checks; optional
  std::string trust;   // the ledger's trust file: what the browser checks bundles against; optional
  double catch_up_s = 0.5;
  uint64_t max_record_bytes = uint64_t{64} << 20;  // /api/record: larger records are refused
};

class AuditService {
 public:
  // Errors: NotFound (no store, no trust file), InvalidArgument (a trust
  // file that does not load, a shards folder without manifest.json).
  static Result<std::unique_ptr<AuditService>> Open(const ServeOptions& options);
  ~AuditService();
  HttpResponse Handle(const HttpRequest& request);
  // The fingerprint of the trust file's genesis validator set (SHA-256 of
  // its document, hex), or "" without --trust: printed at start.
  std::string trust_fingerprint() const;

 private:
  AuditService();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crawlproof::serve

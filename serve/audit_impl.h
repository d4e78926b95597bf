// What audit_service.cc (routing, the store, pages) and audit_api.cc (the
// JSON API) share. Internal to serve/.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "serve/audit_service.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"
#include "tokenize/tokenizer.h"

namespace crawlproof::serve {

HttpResponse JsonResponse(int status, std::string body);
// {"error": message}
HttpResponse ErrorResponse(int status, const std::string& message);

struct AuditService::Impl {
  ServeOptions o;
  std::string scratch;   // the follower's own files, removed at the end
  std::shared_mutex mu;  // shared: reads; exclusive: catching up
  std::unique_ptr<store::ProvenanceStore> st;
  std::mutex catch_up_mu;
  std::chrono::steady_clock::time_point last_catch_up;
  // --trust: the files as they are, for the browser to parse and check.
  std::string trust_text, valset_text, fingerprint;
  std::mutex tokenizer_mu;
  std::unique_ptr<tokenize::Tokenizer> tokenizer;  // the shards' copy, loaded when first needed
  std::mutex files_mu;
  // Token files whose SHA-256 was checked against the manifest, by name, size
  // and modification time: "" when it matched, else the error.
  std::map<std::string, std::string> files_checked;

  // Brings the follower up to the runs' commits (at most every catch_up_s).
  void CatchUp();
  HttpResponse Api(const std::vector<std::string>& segments, const HttpRequest& r);

  // ---- audit_api.cc
  HttpResponse Doc(const std::string& id);
  HttpResponse Url(const HttpRequest& r);
  HttpResponse Search(const HttpRequest& r);
  HttpResponse Bundle(const std::string& id);
  HttpResponse Shard(const std::string& n, const std::string& i);
  HttpResponse Runs();
  HttpResponse Prompt(const std::string& id);
  HttpResponse Trust();
  HttpResponse Text(const std::string& id);
  HttpResponse Record(const std::string& id);
  HttpResponse Tokens(const std::string& id);
  HttpResponse StatusPage();

  // The account of `id`, or nullopt with `*missing` the answer saying why
  // (404 with the unknown line, 500).
  std::optional<std::string> Account(const std::string& id, HttpResponse* missing);
  // The store's manifest and its shard numbered `shard` (its token file a
  // plain file name). Errors: NotFound, Corruption.
  Status ShardOf(uint64_t shard, tokenize::Manifest* manifest, const tokenize::ManifestShard** sh);
  // The account of the document at manifest position `n`, index `i`, or
  // nullopt with `why`.
  std::optional<std::string> DocAt(uint64_t n, uint64_t i, std::string* why);
  // The text the shards hold for an account (its tokens decoded with the
  // shards' tokenizer), or an error saying why not.
  Result<std::string> TextFromShards(const std::string& account);
  // A document's account and where its source record is read (location,
  // offset, length); nullopt with `*missing` the answer saying why not.
  struct Source {
    std::string account, where;
    uint64_t offset = 0, length = 0;
  };
  std::optional<Source> SourceOf(const std::string& id, HttpResponse* missing);
  // "" when the token file has the SHA-256 the --shards manifest lists for
  // it (re-hashed once per file version), else why not.
  std::string CheckTokenFile(const std::string& name, const std::string& sha256);
};

}  // namespace crawlproof::serve

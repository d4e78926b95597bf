// The JSON API of `crawlproof serve` (docs/audit-api.openapi.yaml): what
// `crawlproof audit --store --json` prints, bundles, searches, the runs, the
// trust file, a document's text and source record, its tokens checked.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "extract/document.h"
#include "ingest/byte_source.h"
#include "ingest/warc_reader.h"
#include "pipelines/outputs/bundle.h"
#include "pipelines/pipeline.h"
#include "serve/audit_impl.h"
#include "tokenize/shards.h"

namespace crawlproof::serve {
namespace {

constexpr size_t kDefaultPage = 50, kMaxPage = 200;

std::string Str(simdjson::dom::element e, const char* key) {
  std::string_view s;
  if (!e[key].get(s)) return std::string(s);
  uint64_t u;
  if (!e[key].get(u)) return std::to_string(u);
  return "";
}

bool ParseIndex(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return false;
  *out = std::stoull(s);
  return true;
}

size_t PageSize(const HttpRequest& r) {
  uint64_t n = kDefaultPage;
  if (r.Has("limit") && (!ParseIndex(r.Arg("limit"), &n) || n == 0)) n = kDefaultPage;
  return std::min<uint64_t>(n, kMaxPage);
}

// A source read for a request: bounded in time (a network source is given
// two tries and 20 s without progress, not a run's minutes of retries).
ingest::SourceOptions RequestSource(uint64_t offset, uint64_t length) {
  ingest::SourceOptions so;
  so.offset = offset;
  so.length = length;
  so.retry.max_attempts = 2;
  so.connect_timeout_s = 10;
  so.stall_timeout_s = 20;
  return so;
}

std::string Unknown(const std::string& id, const std::string& why) {
  JsonObject o;
  o.Add("doc_id", id).Add("status", "unknown").Add("reason", why);
  return o.str();
}

std::string JoinArray(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + items[i];
  return out + "]";
}

// A domain search: the URLs of that host and of www.<host>, http and https,
// any port. A cursor "k.HEX" says which of these prefixes, and where in it.
std::vector<std::string> DomainPrefixes(std::string host) {
  std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
  std::vector<std::string> hosts = {host};
  if (host.rfind("www.", 0) == 0) {
    hosts.push_back(host.substr(4));
  } else {
    hosts.push_back("www." + host);
  }
  std::vector<std::string> out;
  for (const char* scheme : {"http://", "https://"})
    for (const auto& h : hosts)
      for (const char* end : {"/", ":"}) out.push_back(scheme + h + end);
  return out;
}

bool LooksLikeDomain(const std::string& q) {
  if (q.find('.') == std::string::npos || q.front() == '.' || q.back() == '.') return false;
  return std::all_of(q.begin(), q.end(), [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '-'; });
}

// A token file's name in a manifest: a plain file name in the shards folder.
bool PlainFileName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

// A tokenizer copy's name in a manifest: a path inside the shards folder.
bool InsideFolder(const std::string& name) {
  return !name.empty() && name.front() != '/' && name.find("..") == std::string::npos;
}

bool IsPromptId(const std::string& q) {
  return q.size() == 33 && q[0] == 'p' &&
         std::all_of(q.begin() + 1, q.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::optional<std::string> AuditService::Impl::Account(const std::string& id, HttpResponse* missing) {
  auto doc = st->Document(id);
  if (!doc.ok()) {
    *missing = ErrorResponse(500, doc.status().message());
    return std::nullopt;
  }
  if (!*doc) *missing = JsonResponse(404, Unknown(id, "not in the store"));
  return *doc;
}

Status AuditService::Impl::ShardOf(uint64_t shard, tokenize::Manifest* manifest, const tokenize::ManifestShard** sh) {
  ASSIGN_OR_RETURN(std::optional<std::string> m, st->Manifest());
  if (!m) return Status::NotFound("the store has no manifest");
  ASSIGN_OR_RETURN(*manifest, tokenize::Manifest::Parse(*m));
  *sh = nullptr;
  for (const auto& s : manifest->shards)
    if (s.index == shard) *sh = &s;
  if (!*sh || (*sh)->files.empty())
    return Status::Corruption("the store's manifest has no shard " + std::to_string(shard));
  if (!PlainFileName((*sh)->files[0].name))
    return Status::Corruption("the store's manifest names a token file that is not a plain file name");
  return Status::Ok();
}

HttpResponse AuditService::Impl::Doc(const std::string& id) {
  HttpResponse missing;
  const std::optional<std::string> doc = Account(id, &missing);
  if (!doc) return missing;
  return JsonResponse(200, *doc);
}

// Accounts of documents by URL: exact (every one, as `audit --url`), or a
// page of those under a prefix or a domain.
HttpResponse AuditService::Impl::Url(const HttpRequest& r) {
  const std::string u = r.Arg("u"), match = r.Has("match") ? r.Arg("match") : "exact";
  if (u.empty()) return ErrorResponse(400, "give the URL as ?u=<url> (percent-encoded)");
  std::vector<std::string> accounts;
  std::string next;
  if (match == "exact") {
    auto ids = st->DocumentsWithUrl(u);
    if (!ids.ok()) return ErrorResponse(500, ids.status().message());
    for (const auto& id : *ids)
      if (auto d = st->Document(id); d.ok() && *d) accounts.push_back(**d);
  } else if (match == "prefix" || match == "domain") {
    const std::vector<std::string> prefixes = match == "prefix" ? std::vector<std::string>{u} : DomainPrefixes(u);
    size_t k = 0;
    std::string after;
    if (const std::string c = r.Arg("after"); !c.empty()) {
      const size_t dot = c.find('.');
      auto raw = dot == std::string::npos ? std::nullopt : HexDecode(c.substr(dot + 1));
      uint64_t kk = 0;
      if (!raw || !ParseIndex(c.substr(0, dot), &kk) || kk >= prefixes.size())
        return ErrorResponse(400, "after: not a cursor this API gave");
      k = kk;
      after = *raw;
    }
    const size_t limit = PageSize(r);
    for (; k < prefixes.size() && accounts.size() < limit; ++k, after.clear()) {
      bool more = false;
      auto page = st->DocumentsWithUrlPrefix(prefixes[k], after, limit - accounts.size(), &more);
      if (!page.ok()) return ErrorResponse(500, page.status().message());
      for (const auto& e : *page) {
        if (auto d = st->Document(e.doc_id); d.ok() && *d) accounts.push_back(**d);
        next = std::to_string(k) + "." + HexEncode(e.cursor);
      }
      if (more) break;
      next.clear();
    }
    if (next.empty() && k < prefixes.size()) next = std::to_string(k) + ".";  // the next prefix from its start
  } else {
    return ErrorResponse(400, "match: exact, prefix or domain");
  }
  HttpResponse resp = JsonResponse(200, JoinArray(accounts));
  if (!next.empty()) resp.headers.emplace_back("X-Next-Cursor", next);
  return resp;
}

// The search box: the kind of the query (url, prefix, domain, doc, prompt,
// shard) guessed unless given; a page of accounts and the next cursor.
HttpResponse AuditService::Impl::Search(const HttpRequest& r) {
  std::string q = r.Arg("q"), kind = r.Has("kind") ? r.Arg("kind") : "auto";
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.back()))) q.pop_back();
  while (!q.empty() && std::isspace(static_cast<unsigned char>(q.front()))) q.erase(0, 1);
  if (q.empty()) return ErrorResponse(400, "give a query as ?q=");
  if (q.size() > 8192) return ErrorResponse(400, "the query is longer than 8192 bytes");
  uint64_t n = 0, i = 0;
  const size_t sep = q.find_first_of("/:, ");
  const size_t second = sep == std::string::npos ? sep : q.find_first_not_of("/:, ", sep);
  const bool position =
      second != std::string::npos && ParseIndex(q.substr(0, sep), &n) && ParseIndex(q.substr(second), &i);
  if (kind == "auto") {
    if (q.rfind("<urn:uuid:", 0) == 0 && q.back() == '>') q = q.substr(10, q.size() - 11);
    if (IsPromptId(q)) {
      kind = "prompt";
    } else if (q.find("://") != std::string::npos) {
      kind = q.back() == '*' ? "prefix" : "url";
    } else if (position) {
      kind = "shard";
    } else if (auto d = st->Document(q); d.ok() && *d) {
      kind = "doc";
    } else {
      kind = LooksLikeDomain(q) ? "domain" : "doc";
    }
  }
  if (kind == "prefix" && !q.empty() && q.back() == '*') q.pop_back();
  std::vector<std::string> results;
  std::string next;
  if (kind == "url" || kind == "prefix" || kind == "domain") {
    HttpRequest sub;
    sub.query = {{"u", q}, {"match", kind == "url" ? "exact" : kind}, {"after", r.Arg("after")}};
    if (r.Has("limit")) sub.query.emplace_back("limit", r.Arg("limit"));
    HttpResponse u = Url(sub);
    if (u.status != 200) return u;
    for (const auto& [k, v] : u.headers)
      if (k == "X-Next-Cursor") next = v;
    JsonObject o;
    o.Add("query", q).Add("kind", kind).AddRaw("results", u.body);
    next.empty() ? o.AddNull("next") : o.Add("next", next);
    return JsonResponse(200, o.str());
  }
  if (kind == "doc") {
    auto d = st->Document(q);
    if (!d.ok()) return ErrorResponse(500, d.status().message());
    if (*d) results.push_back(**d);
  } else if (kind == "prompt") {
    auto p = st->Prompt(q);
    if (!p.ok()) return ErrorResponse(500, p.status().message());
    if (*p) results.push_back(**p);
  } else if (kind == "shard") {
    if (!position) return ErrorResponse(400, "a shard position is written N/I (shard N, document I)");
    std::string why;
    if (auto a = DocAt(n, i, &why)) results.push_back(*a);
  } else {
    return ErrorResponse(400, "kind: auto, url, prefix, domain, doc, prompt or shard");
  }
  JsonObject o;
  o.Add("query", q).Add("kind", kind).AddRaw("results", JoinArray(results)).AddNull("next");
  return JsonResponse(200, o.str());
}

std::optional<std::string> AuditService::Impl::DocAt(uint64_t n, uint64_t i, std::string* why) {
  *why = "the store has committed no shards yet";
  auto m = st->Manifest();
  if (!m.ok() || !*m) return std::nullopt;
  auto manifest = tokenize::Manifest::Parse(**m);
  if (!manifest.ok()) {
    *why = "the store's manifest does not parse: " + manifest.status().message();
    return std::nullopt;
  }
  if (n >= manifest->shards.size()) {
    *why = "the shards are numbered 0 to " + std::to_string(manifest->shards.empty() ? 0 : manifest->shards.size() - 1);
    return std::nullopt;
  }
  const tokenize::ManifestShard& sh = manifest->shards[n];
  if (i >= sh.documents) {
    *why = "shard " + std::to_string(n) + " holds " + std::to_string(sh.documents) + " documents";
    return std::nullopt;
  }
  auto id = st->DocumentAt(sh.index, i);
  if (!id.ok() || !*id) {
    *why = "no document recorded at that place";
    return std::nullopt;
  }
  auto d = st->Document(**id);
  if (!d.ok() || !*d) {
    *why = "document " + **id + " is not in the store";
    return std::nullopt;
  }
  return **d;
}

HttpResponse AuditService::Impl::Shard(const std::string& n_text, const std::string& i_text) {
  uint64_t n = 0, i = 0;
  if (!ParseIndex(n_text, &n) || !ParseIndex(i_text, &i))
    return ErrorResponse(400, "/api/shard/N/I: two whole numbers (manifest position and index)");
  std::string why;
  if (auto a = DocAt(n, i, &why)) return JsonResponse(200, *a);
  JsonObject o;
  o.Add("doc_id", "").Add("status", "unknown").Add("reason", why).Add("shard", n).Add("index", i);
  return JsonResponse(404, o.str());
}

HttpResponse AuditService::Impl::Bundle(const std::string& id) {
  HttpResponse missing;
  const std::optional<std::string> doc = Account(id, &missing);
  if (!doc) return missing;
  auto b = pipelines::DocumentBundle(*st, *doc);
  if (!b.ok()) {
    // An unverified document has no proof; a source that cannot be read
    // now cannot give one.
    return ErrorResponse(b.status().code() == StatusCode::kInvalidArgument ? 409 : 503, b.status().message());
  }
  return JsonResponse(200, *b);
}

HttpResponse AuditService::Impl::Runs() {
  auto runs = st->Runs();
  if (!runs.ok()) return ErrorResponse(500, runs.status().message());
  return JsonResponse(200, JoinArray(*runs));
}

HttpResponse AuditService::Impl::Prompt(const std::string& id) {
  auto p = st->Prompt(id);
  if (!p.ok()) return ErrorResponse(500, p.status().message());
  if (!*p) {
    JsonObject o;
    o.Add("prompt_id", id).Add("status", "unknown").Add("reason", "not in the store");
    return JsonResponse(404, o.str());
  }
  return JsonResponse(200, **p);
}

HttpResponse AuditService::Impl::Trust() {
  if (trust_text.empty())
    return ErrorResponse(404, "the server was started without --trust: paste a trust file and its validator set");
  JsonObject j;
  j.Add("trust_file", trust_text)
      .Add("valset", valset_text)
      .Add("valset_sha256", fingerprint)
      .Add("name", std::filesystem::path(o.trust).filename().string());
  return JsonResponse(200, j.str());
}

std::optional<AuditService::Impl::Source> AuditService::Impl::SourceOf(const std::string& id, HttpResponse* missing) {
  std::optional<std::string> doc = Account(id, missing);
  if (!doc) return std::nullopt;
  Source out;
  out.account = std::move(*doc);
  simdjson::dom::parser parser;
  simdjson::padded_string p(out.account);
  simdjson::dom::element e, src;
  if (parser.parse(p).get(e) || e["source"].get(src) || src["offset"].get(out.offset) ||
      src["length"].get(out.length)) {
    *missing = ErrorResponse(500, "the account of " + id + " names no source record");
    return std::nullopt;
  }
  const std::string file = Str(src, "file");
  std::string root;
  if (auto state = st->Ingest(file); state.ok() && *state) {
    simdjson::dom::parser sp;
    simdjson::padded_string text(**state);
    simdjson::dom::element se, ledger;
    if (!sp.parse(text).get(se) && !se["ledger"].get(ledger)) root = Str(ledger, "root");
  }
  out.where = pipelines::SourceLocation(root, file);
  return out;
}

HttpResponse AuditService::Impl::Text(const std::string& id) {
  HttpResponse missing;
  const std::optional<Source> source = SourceOf(id, &missing);
  if (!source) return missing;
  const std::string& where = source->where;
  const uint64_t offset = source->offset, length = source->length;
  simdjson::dom::parser parser;
  simdjson::padded_string p(source->account);
  simdjson::dom::element e = parser.parse(p);
  const std::string want = Str(e, "text_sha256");
  // Re-extracted from the source record; when that cannot be read, the text
  // the shards hold (decoded from its tokens).
  std::string why;
  auto reader = ingest::WarcReader::Open(where, RequestSource(offset, length));
  ingest::WarcRecord rec;
  if (!reader.ok()) {
    why = "the source cannot be read here: " + reader.status().message();
  } else if (auto r = (*reader)->Next(&rec); !r.ok() || !*r) {
    why = "no record at offset " + std::to_string(offset) + " of " + where;
  } else if (auto out = extract::ExtractRecord(rec, where); !out.ok) {
    return ErrorResponse(422, "the record gives no text now: " + out.skip_reason);
  } else {
    JsonObject j;
    j.Add("doc_id", id).Add("from", "source").Add("source", where).Add("text", out.doc.text);
    const bool same = !want.empty() && HexEncode(Sha256(out.doc.text)) == want;
    want.empty() ? j.AddNull("matches_text_sha256") : j.Add("matches_text_sha256", same);
    // The filters changed the text: the one tokenized too, from the shards.
    if (!want.empty() && !same && !o.shards.empty()) {
      JsonObject t;
      if (auto kept = TextFromShards(source->account); kept.ok())
        t.Add("text", *kept).Add("matches_text_sha256", HexEncode(Sha256(*kept)) == want);
      else
        t.Add("error", kept.status().message());
      j.AddRaw("tokenized", t.str());
    }
    return JsonResponse(200, j.str());
  }
  auto kept = TextFromShards(source->account);
  if (!kept.ok()) return ErrorResponse(503, why + "; " + kept.status().message());
  JsonObject j;
  j.Add("doc_id", id).Add("from", "shards").Add("source", where).Add("source_error", why).Add("text", *kept);
  j.Add("matches_text_sha256", HexEncode(Sha256(*kept)) == want);
  return JsonResponse(200, j.str());
}

Result<std::string> AuditService::Impl::TextFromShards(const std::string& account) {
  if (o.shards.empty()) return Status::NotFound("no text kept here (the server was started without --shards)");
  simdjson::dom::parser parser;
  simdjson::padded_string p(account);
  simdjson::dom::element e = parser.parse(p);
  uint64_t shard = 0, offset = 0, length = 0;
  if (e["shard"].get(shard) || e["token_offset"].get(offset) || e["sequence_length"].get(length))
    return Status::NotFound("no text was kept (the document is not in the shards)");
  tokenize::Manifest manifest;
  const tokenize::ManifestShard* sh = nullptr;
  RETURN_IF_ERROR(ShardOf(shard, &manifest, &sh));
  // Inside the shards folder only, never through a link (docs/security.md).
  RETURN_IF_ERROR(CheckNoLinkBelow(o.shards, o.shards + "/" + sh->files[0].name));
  ASSIGN_OR_RETURN(std::vector<uint32_t> ids, tokenize::ReadDocumentTokens(o.shards, sh->files[0].name, offset, length,
                                                                           manifest.options.bos, manifest.options.eos));
  std::lock_guard lock(tokenizer_mu);
  if (!tokenizer) {
    std::string path;
    for (const auto& f : manifest.tokenizer_files)
      if (InsideFolder(f.name) && (f.name.ends_with("tokenizer.json") || f.name.ends_with(".tiktoken"))) path = f.name;
    if (path.empty()) return Status::NotFound("the manifest lists no tokenizer copy to decode with");
    RETURN_IF_ERROR(CheckNoLinkBelow(o.shards, o.shards + "/" + path));
    ASSIGN_OR_RETURN(tokenizer, tokenize::Tokenizer::Load(o.shards + "/" + path));
  }
  return tokenizer->Decode(ids);
}

HttpResponse AuditService::Impl::Record(const std::string& id) {
  HttpResponse missing;
  const std::optional<Source> source = SourceOf(id, &missing);
  if (!source) return missing;
  const std::string& where = source->where;
  const uint64_t offset = source->offset, length = source->length;
  if (length > o.max_record_bytes)
    return ErrorResponse(413, "the record is " + std::to_string(length) + " bytes, more than this server sends");
  HttpResponse resp;
  resp.content_type = "application/octet-stream";
  resp.headers.emplace_back("Content-Disposition", "attachment; filename=\"record.warc.gz\"");
  if (!ingest::IsRemoteUri(where)) {
    // A local source is streamed from the file as the client reads it: no
    // copy per connection (slow readers of a large record cost nothing).
    std::string path = where.rfind("file://", 0) == 0 ? where.substr(7) : where;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (fd >= 0) ::close(fd);
      return ErrorResponse(503, "the source cannot be read here: " + path);
    }
    if (static_cast<uint64_t>(st.st_size) < offset || static_cast<uint64_t>(st.st_size) - offset < length) {
      ::close(fd);
      return ErrorResponse(503, where + " ends before the record's " + std::to_string(length) + " bytes");
    }
    resp.file_fd = fd;
    resp.file_offset = offset;
    resp.file_length = length;
    return resp;
  }
  auto bytes = ingest::ReadAllFromUri(where, RequestSource(offset, length), o.max_record_bytes);
  if (!bytes.ok()) return ErrorResponse(503, "the source cannot be read here: " + bytes.status().message());
  if (bytes->size() != length)
    return ErrorResponse(503, where + " ends before the record's " + std::to_string(length) + " bytes");
  resp.body = std::move(*bytes);
  return resp;
}

std::string AuditService::Impl::CheckTokenFile(const std::string& name, const std::string& sha256) {
  const std::string path = o.shards + "/" + name;
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto mtime = std::filesystem::last_write_time(path, ec).time_since_epoch().count();
  const std::string key = name + "\n" + std::to_string(size) + "\n" + std::to_string(mtime) + "\n" + sha256;
  {
    std::lock_guard lock(files_mu);
    if (auto it = files_checked.find(key); it != files_checked.end()) return it->second;
  }
  Status s = CheckNoLinkBelow(o.shards, path);
  if (s.ok()) s = tokenize::CheckTokenFile(o.shards + "/manifest.json", name, sha256);
  std::lock_guard lock(files_mu);
  if (files_checked.size() > 10000) files_checked.clear();
  return files_checked[key] = s.ok() ? "" : s.message();
}

HttpResponse AuditService::Impl::Tokens(const std::string& id) {
  if (o.shards.empty()) return ErrorResponse(404, "the server was started without --shards");
  HttpResponse missing;
  const std::optional<std::string> doc = Account(id, &missing);
  if (!doc) return missing;
  simdjson::dom::parser parser;
  simdjson::padded_string p(*doc);
  simdjson::dom::element e = parser.parse(p);
  uint64_t shard = 0, offset = 0, length = 0;
  if (e["shard"].get(shard) || e["token_offset"].get(offset) || e["sequence_length"].get(length))
    return ErrorResponse(404, "document " + id + " is not in the shards");
  tokenize::Manifest manifest;
  const tokenize::ManifestShard* sh = nullptr;
  if (Status s = ShardOf(shard, &manifest, &sh); !s.ok()) return ErrorResponse(500, s.message());
  const std::string name = sh->files[0].name;
  // The file's SHA-256 once per file, then the document's sequence.
  const std::string file_error = CheckTokenFile(name, sh->files[0].sha256);
  Result<std::string> checked =
      file_error.empty()
          ? tokenize::CheckSequenceTokens(o.shards, name, offset, length, manifest.options.bos, manifest.options.eos,
                                          Str(e, "tokens_sha256"), Str(e, "doc_id"))
          : Result<std::string>(Status::Corruption(file_error));
  JsonObject out;
  out.Add("doc_id", id).Add("token_file", name).Add("ok", checked.ok());
  checked.ok() ? out.Add("where", *checked) : out.Add("error", checked.status().message());
  return JsonResponse(200, out.str());
}

HttpResponse AuditService::Impl::StatusPage() {
  JsonObject j;
  auto runs = st->RunCount();
  j.Add("version", CRAWLPROOF_VERSION)
      .Add("runs", runs.ok() ? *runs : uint64_t{0})
      .Add("shards", !o.shards.empty())
      .Add("trust", !trust_text.empty());
  if (!fingerprint.empty()) j.Add("valset_sha256", fingerprint);
  return JsonResponse(200, j.str());
}

}  // namespace crawlproof::serve

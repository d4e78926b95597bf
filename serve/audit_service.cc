#include "serve/audit_service.h"

#include <stdlib.h>

#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "serve/assets.h"
#include "serve/audit_impl.h"
#include "verify/ledger.h"

namespace crawlproof::serve {
namespace {

namespace fs = std::filesystem;

// The page's routes: each is the same HTML, whose script reads the path.
bool IsPage(const std::vector<std::string>& s) {
  if (s.empty()) return true;
  const std::string& a = s[0];
  if (s.size() == 1) return a == "search" || a == "runs" || a == "verify";
  if (s.size() == 2) return a == "doc" || a == "prompt" || a == "run";
  return s.size() == 3 && a == "shard";
}

HttpResponse AssetResponse(const Asset& a) {
  HttpResponse r;
  r.content_type = std::string(a.content_type);
  r.body = std::string(a.data);
  r.headers.emplace_back("Cache-Control", "no-cache");
  return r;
}

HttpResponse NotFound(const std::string& what) {
  HttpResponse r;
  r.status = 404;
  r.content_type = "text/plain; charset=utf-8";
  r.body = "not found: " + what + "\n";
  return r;
}

}  // namespace

HttpResponse JsonResponse(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  if (r.body.empty() || r.body.back() != '\n') r.body += '\n';
  return r;
}

HttpResponse ErrorResponse(int status, const std::string& message) {
  JsonObject o;
  o.Add("error", message);
  return JsonResponse(status, o.str());
}

AuditService::AuditService() : impl_(std::make_unique<Impl>()) {}

AuditService::~AuditService() {
  impl_->st.reset();
  if (!impl_->scratch.empty()) {
    std::error_code ec;
    fs::remove_all(impl_->scratch, ec);
  }
}

std::string AuditService::trust_fingerprint() const {
  return impl_->fingerprint;
}

Result<std::unique_ptr<AuditService>> AuditService::Open(const ServeOptions& options) {
  std::unique_ptr<AuditService> s(new AuditService());
  Impl& i = *s->impl_;
  i.o = options;
  if (options.store.empty()) return Status::InvalidArgument("serve: --store DIR is required");
  if (!options.trust.empty()) {
    // Loaded as a run loads it (strict), then kept as text for the browser.
    ASSIGN_OR_RETURN(verify::Trust trust, verify::LoadTrustFile(options.trust));
    ASSIGN_OR_RETURN(i.trust_text, ReadWholeFile(options.trust, 1 << 20));
    i.valset_text = trust.genesis.document;
    i.fingerprint = HexEncode(Sha256(i.valset_text));
  }
  if (!options.shards.empty()) {
    std::error_code ec;
    if (!fs::is_regular_file(fs::path(options.shards) / "manifest.json", ec))
      return Status::InvalidArgument("serve: " + options.shards + " has no manifest.json (--shards names the run's " +
                                     "shards folder, <output>/shards)");
  }
  std::string tmpl = (fs::temp_directory_path() / "crawlproof-serve.XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) return Status::IoError("serve: cannot make a scratch folder in " + tmpl);
  i.scratch = tmpl;
  ASSIGN_OR_RETURN(i.st, store::ProvenanceStore::OpenFollower(options.store, i.scratch));
  i.last_catch_up = std::chrono::steady_clock::now();
  return s;
}

void AuditService::Impl::CatchUp() {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard lock(catch_up_mu);
    if (std::chrono::duration<double>(now - last_catch_up).count() < o.catch_up_s) return;
    last_catch_up = now;
  }
  // Readers in flight: try again with the next request rather than wait.
  std::unique_lock lock(mu, std::try_to_lock);
  if (!lock.owns_lock()) return;
  if (Status c = st->CatchUp(); !c.ok()) LogWarning("serve: " + c.message());
}

HttpResponse AuditService::Handle(const HttpRequest& r) {
  // The path's segments, each decoded on its own: "/doc/a%2Fb" is ["doc", "a/b"].
  std::vector<std::string> seg;
  std::string_view path = r.path;
  if (path.empty() || path[0] != '/') return NotFound(r.path);
  for (size_t at = 1; at <= path.size();) {
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string part;
    if (!PercentDecode(path.substr(at, end - at), &part))
      return ErrorResponse(400, "the path has a '%' not followed by two hex digits");
    seg.push_back(std::move(part));
    at = end + 1;
  }
  while (!seg.empty() && seg.back().empty() && seg.size() > 1) seg.pop_back();  // a trailing '/'
  if (seg.size() == 1 && seg[0].empty()) seg.clear();
  if (IsPage(seg)) return AssetResponse(*FindAsset("index.html"));
  if (seg[0] == "static" && seg.size() == 2) {
    // Exactly the compiled-in names: nothing else, no file system.
    if (const Asset* a = FindAsset(seg[1]); a && seg[1] != "index.html") return AssetResponse(*a);
    return NotFound(r.path);
  }
  if (seg[0] == "api") {
    impl_->CatchUp();
    std::shared_lock lock(impl_->mu);
    return impl_->Api(seg, r);
  }
  return NotFound(r.path);
}

HttpResponse AuditService::Impl::Api(const std::vector<std::string>& s, const HttpRequest& r) {
  const std::string what = s.size() > 1 ? s[1] : "";
  if (s.size() == 3 && what == "doc") return Doc(s[2]);
  if (s.size() == 2 && what == "url") return Url(r);
  if (s.size() == 2 && what == "search") return Search(r);
  if (s.size() == 3 && what == "bundle") return Bundle(s[2]);
  if (s.size() == 4 && what == "shard") return Shard(s[2], s[3]);
  if (s.size() == 2 && what == "runs") return Runs();
  if (s.size() == 3 && what == "prompt") return Prompt(s[2]);
  if (s.size() == 2 && what == "trust") return Trust();
  if (s.size() == 3 && what == "text") return Text(s[2]);
  if (s.size() == 3 && what == "record") return Record(s[2]);
  if (s.size() == 3 && what == "tokens") return Tokens(s[2]);
  if (s.size() == 2 && what == "status") return StatusPage();
  return ErrorResponse(404, "no such API path (docs/audit-api.openapi.yaml lists them)");
}

}  // namespace crawlproof::serve

// The audit page's request handling (serve/): a request path and query as a
// client may send them, against a small store beside a secret file. Nothing
// may crash, and no answer may carry the secret (no path outside what the
// store names is ever read).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "fuzz/fuzz_util.h"
#include "serve/audit_service.h"
#include "store/provenance_store.h"

using namespace crawlproof;

namespace {

constexpr const char* kSecret = "SECRET-4f1c9e-not-to-be-served";

serve::AuditService* Service() {
  static std::unique_ptr<serve::AuditService> service = [] {
    const std::string dir = "/tmp/crawlproof-fuzz-serve-" + std::to_string(::getpid());
    std::filesystem::create_directories(dir);
    std::ofstream(dir + "/secret.txt") << kSecret;
    {
      auto st = store::ProvenanceStore::Open(dir + "/store", "num_perm=4 ngram=5 seed=1 bands=2 rows=2", 4);
      if (!st.ok()) __builtin_trap();
      store::ProvenanceStore::Batch b;
      for (const char* id : {"a", "a/b", "..%2Fsecret.txt", "<urn:uuid:1>"}) {
        const std::string url = std::string("http://example.org/") + id;
        b.PutDocument(id,
                      std::string("{\"doc_id\":\"x\",\"status\":\"dropped\",\"source\":{\"file\":\"missing.warc.gz\","
                                  "\"offset\":0,\"length\":30,\"url\":\"") +
                          url + "\"}}",
                      url);
      }
      if (!(*st)->Commit(&b).ok()) __builtin_trap();
    }
    serve::ServeOptions o;
    o.store = dir + "/store";
    o.catch_up_s = 3600;
    auto s = serve::AuditService::Open(o);
    if (!s.ok()) __builtin_trap();
    return std::move(*s);
  }();
  return service.get();
}

}  // namespace

// Input: the path (up to the first newline), then query pairs "key=value"
// one per line, as the server hands them to the service (decoded).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string in(fuzz::AsView(data, size));
  serve::HttpRequest r;
  r.method = "GET";
  size_t nl = in.find('\n');
  r.path = in.substr(0, nl);
  while (nl != std::string::npos && r.query.size() < 8) {
    const size_t start = nl + 1;
    nl = in.find('\n', start);
    const std::string line = in.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    const size_t eq = line.find('=');
    r.query.emplace_back(line.substr(0, eq), eq == std::string::npos ? "" : line.substr(eq + 1));
  }
  serve::HttpResponse resp = Service()->Handle(r);
  if (resp.file_fd >= 0) {
    // A streamed record: what would be sent, read back (and the descriptor,
    // which the server would own, closed).
    resp.body.resize(resp.file_length);
    const ssize_t n = ::pread(resp.file_fd, resp.body.data(), resp.body.size(), static_cast<off_t>(resp.file_offset));
    ::close(resp.file_fd);
    if (n != static_cast<ssize_t>(resp.file_length)) __builtin_trap();
  }
  // (A query is echoed in a search's answer: the secret counts only when the
  // request did not carry it.)
  if (resp.body.find(kSecret) != std::string::npos && in.find(kSecret) == std::string::npos) __builtin_trap();
  if (resp.status < 200 || resp.status > 599) __builtin_trap();
  return 0;
}

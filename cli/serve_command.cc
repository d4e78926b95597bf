// crawlproof serve --store DIR [--shards DIR] [--trust FILE] [--listen HOST:PORT]
#include <signal.h>

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/logging.h"
#include "serve/audit_service.h"
#include "serve/http_server.h"

namespace crawlproof::cli {
namespace {

struct ServeArgs {
  serve::ServeOptions options;
  std::string listen = "127.0.0.1:8080";
  unsigned threads = 4;
  unsigned request_timeout_s = 10;
  std::vector<std::string> allow_hosts;
};

// "127.0.0.1:8080", "[::1]:8080", "0.0.0.0:80".
Status ParseListen(const std::string& s, serve::HttpOptions* o) {
  size_t colon = s.rfind(':');
  std::string host = s.substr(0, colon == std::string::npos ? 0 : colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = colon == std::string::npos ? "" : s.substr(colon + 1);
  if (host.empty() || port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535)
    return Status::InvalidArgument("--listen: HOST:PORT, e.g. 127.0.0.1:8080 or [::1]:8080, not '" + s + "'");
  o->host = host;
  o->port = static_cast<uint16_t>(std::stoul(port));
  return Status::Ok();
}

bool Loopback(const std::string& host) {
  return host.rfind("127.", 0) == 0 || host == "::1";
}

Status RunServe(const ServeArgs& a) {
  serve::HttpOptions http;
  RETURN_IF_ERROR(ParseListen(a.listen, &http));
  http.threads = a.threads;
  http.request_timeout_s = a.request_timeout_s;
  // Which Host names are answered: on loopback only loopback names (no DNS
  // rebinding), plus those allowed by name; elsewhere any unless named.
  for (std::string h : a.allow_hosts) {
    for (char& ch : h) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    http.allowed_hosts.push_back(h);
  }
  if (Loopback(http.host)) {
    const std::vector<std::string> loopback = {"127.0.0.1", "localhost", "::1"};
    http.allowed_hosts.insert(http.allowed_hosts.begin(), loopback.begin(), loopback.end());
    if (http.host != "127.0.0.1" && http.host != "::1") http.allowed_hosts.push_back(http.host);
  }
  // Ctrl-C and SIGTERM stop the server: blocked here (every thread the
  // server starts inherits that), then waited for.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  ASSIGN_OR_RETURN(std::unique_ptr<serve::AuditService> service, serve::AuditService::Open(a.options));
  serve::AuditService* s = service.get();
  ASSIGN_OR_RETURN(std::unique_ptr<serve::HttpServer> server,
                   serve::HttpServer::Start(http, [s](const serve::HttpRequest& r) { return s->Handle(r); }));
  const std::string host = http.host.find(':') != std::string::npos ? "[" + http.host + "]" : http.host;
  std::printf("serving %s on http://%s:%u/\n", a.options.store.c_str(), host.c_str(), server->port());
  if (!service->trust_fingerprint().empty())
    std::printf("trust: %s, genesis validator set SHA-256 %s\n", a.options.trust.c_str(),
                service->trust_fingerprint().c_str());
  else
    std::printf("no --trust: the page asks for a trust file before it checks a bundle\n");
  std::fflush(stdout);
  if (!Loopback(http.host))
    LogWarning("serve: listening on " + http.host +
               ": anyone who reaches it reads every document's account, text and source record; put it behind a "
               "reverse proxy with TLS and authentication (docs/serve.md)");
  int sig = 0;
  sigwait(&stop, &sig);
  LogInfo("serve: stopping (signal " + std::to_string(sig) + ")");
  return Status::Ok();
}

}  // namespace

void RegisterServeCommands(CLI::App& app, Status* result) {
  auto a = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve",
                                   "A read-only audit web page over a run's store, proofs checked in the "
                                   "browser (docs/serve.md)");
  serve->add_option("--store", a->options.store, "The run's provenance store (<output>/store)")->required();
  serve->add_option("--shards", a->options.shards, "The run's shards folder (<output>/shards): token checks");
  serve->add_option("--trust", a->options.trust,
                    "The ledger's trust file: the page checks proof bundles against it in the browser");
  serve->add_option("--listen", a->listen, "HOST:PORT; anything but loopback exposes the store (docs/serve.md)")
      ->capture_default_str();
  serve->add_option("--allow-host", a->allow_hosts,
                    "A Host name to answer besides loopback names (a reverse proxy's public name); repeatable");
  serve->add_option("--threads", a->threads, "Threads answering requests")
      ->capture_default_str()
      ->check(CLI::Range(1u, 256u));
  serve
      ->add_option("--request-timeout", a->request_timeout_s,
                   "Seconds a client has to send a request's line and headers (a trickling client is cut off)")
      ->capture_default_str()
      ->check(CLI::Range(1u, 600u));
  serve->callback([a, result] { *result = RunServe(*a); });
}

}  // namespace crawlproof::cli

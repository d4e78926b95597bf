#include "serve/http_server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <thread>
#include <unordered_map>

namespace crawlproof::serve {
namespace {

// What every response carries: the page shows text from the open web, so
// nothing but this server's own scripts and styles may run or load, and no
// other site may frame it or read it.
constexpr std::pair<const char*, const char*> kSecurityHeaders[] = {
    {"Content-Security-Policy",
     "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
     "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"X-Frame-Options", "DENY"},
    {"Referrer-Policy", "no-referrer"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Cross-Origin-Resource-Policy", "same-origin"},
};

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Leaves paths and query strings as sent: the handler decodes each part.
size_t KeepEscaped(void*, MHD_Connection*, char* s) {
  return std::strlen(s);
}

MHD_Result CollectQuery(void* cls, MHD_ValueKind, const char* key, const char* value) {
  auto* q = static_cast<std::vector<std::pair<std::string, std::string>>*>(cls);
  std::string k, v;
  // A parameter that does not decode is dropped, as if absent.
  if (key && PercentDecode(key, &k, true) && PercentDecode(value ? value : "", &v, true))
    q->emplace_back(std::move(k), std::move(v));
  return MHD_YES;
}

MHD_Result Send(MHD_Connection* c, const HttpResponse& r, bool head) {
  (void)head;  // libmicrohttpd sends no body to HEAD itself
  MHD_Response* resp = nullptr;
  if (r.file_fd >= 0) {
    // Read from the file as the client takes it (and closed with the response).
    resp = MHD_create_response_from_fd_at_offset64(r.file_length, r.file_fd, r.file_offset);
    if (!resp) ::close(r.file_fd);
  } else {
    resp = MHD_create_response_from_buffer(r.body.size(), const_cast<char*>(r.body.data()), MHD_RESPMEM_MUST_COPY);
  }
  if (!resp) return MHD_NO;
  for (const auto& [k, v] : kSecurityHeaders) MHD_add_response_header(resp, k, v);
  bool cache_set = false;
  for (const auto& [k, v] : r.headers) {
    MHD_add_response_header(resp, k.c_str(), v.c_str());
    if (strcasecmp(k.c_str(), "Cache-Control") == 0) cache_set = true;
  }
  if (!cache_set) MHD_add_response_header(resp, "Cache-Control", "no-store");
  MHD_add_response_header(resp, "Content-Type", r.content_type.c_str());
  MHD_Result ok = MHD_queue_response(c, static_cast<unsigned>(r.status), resp);
  MHD_destroy_response(resp);
  return ok;
}

HttpResponse Plain(int status, const std::string& text) {
  HttpResponse r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = text + "\n";
  return r;
}

}  // namespace

std::string HttpRequest::Arg(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name) return v;
  return "";
}

bool HttpRequest::Has(const std::string& name) const {
  for (const auto& [k, v] : query)
    if (k == name) return true;
  return false;
}

bool PercentDecode(std::string_view in, std::string* out, bool plus_is_space) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    char c = in[i];
    if (c == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(plus_is_space && c == '+' ? ' ' : c);
    }
  }
  return true;
}

std::string PercentEncode(std::string_view in) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : in) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

// The Host header's name (a port and IPv6 brackets dropped), any case.
bool HostAllowed(std::string_view host, const std::vector<std::string>& allowed) {
  std::string name(host);
  if (!name.empty() && name.front() == '[') {
    name = name.substr(1, name.find(']') == std::string::npos ? std::string::npos : name.find(']') - 1);
  } else if (size_t colon = name.rfind(':'); colon != std::string::npos && name.find(':') == colon) {
    name.resize(colon);
  }
  for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  for (const auto& a : allowed)
    if (a == name) return true;
  return false;
}

}  // namespace

struct HttpServer::Impl {
  Handler handler;
  std::vector<std::string> allowed_hosts;
  MHD_Daemon* daemon = nullptr;
  // Connections waiting for a request's headers, and since when: the reaper
  // shuts down (shutdown(2): libmicrohttpd then closes it as it would a lost
  // peer) those past request_timeout_s.
  using Clock = std::chrono::steady_clock;
  struct Waiting {
    int fd = -1;
    Clock::time_point since;
    bool in_request = false;
  };
  std::mutex mu;
  std::condition_variable wake;
  std::unordered_map<MHD_Connection*, Waiting> connections;
  bool stopping = false;
  std::thread reaper;
  std::chrono::seconds request_timeout{10};

  ~Impl() {
    if (daemon) MHD_stop_daemon(daemon);
    {
      std::lock_guard lock(mu);
      stopping = true;
    }
    wake.notify_all();
    if (reaper.joinable()) reaper.join();
  }

  void Reap() {
    std::unique_lock lock(mu);
    while (!stopping) {
      wake.wait_for(lock, std::chrono::milliseconds(500));
      const auto now = Clock::now();
      for (auto& [c, w] : connections)
        if (!w.in_request && w.fd >= 0 && now - w.since > request_timeout) {
          ::shutdown(w.fd, SHUT_RDWR);
          w.fd = -1;  // once
        }
    }
  }

  // MHD_OPTION_NOTIFY_CONNECTION: a connection opens or closes. Called
  // before libmicrohttpd closes the socket, so the reaper never shuts down a
  // descriptor reused by a later connection.
  static void Notify(void* cls, MHD_Connection* c, void**, MHD_ConnectionNotificationCode code) {
    auto* self = static_cast<Impl*>(cls);
    std::lock_guard lock(self->mu);
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
      const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
      self->connections[c] = {info ? static_cast<int>(info->connect_fd) : -1, Clock::now(), false};
    } else {
      self->connections.erase(c);
    }
  }
  // MHD_OPTION_NOTIFY_COMPLETED: a response is sent; a kept-alive connection
  // waits for its next request's headers from now on.
  static void Completed(void* cls, MHD_Connection* c, void**, MHD_RequestTerminationCode) {
    auto* self = static_cast<Impl*>(cls);
    std::lock_guard lock(self->mu);
    if (auto it = self->connections.find(c); it != self->connections.end()) {
      it->second.in_request = false;
      it->second.since = Clock::now();
    }
  }
  void RequestArrived(MHD_Connection* c) {
    std::lock_guard lock(mu);
    if (auto it = connections.find(c); it != connections.end()) it->second.in_request = true;
  }

  static MHD_Result Access(void* cls, MHD_Connection* c, const char* url, const char* method, const char*, const char*,
                           size_t* upload_size, void** state) {
    auto* self = static_cast<Impl*>(cls);
    static int marker;
    const bool get = std::strcmp(method, "GET") == 0, head = std::strcmp(method, "HEAD") == 0;
    if (!get && !head) {
      HttpResponse r = Plain(405, "only GET and HEAD: this server is read-only");
      r.headers.emplace_back("Allow", "GET, HEAD");
      return Send(c, r, false);
    }
    // A body is refused as its headers announce it, before it is read.
    const char* length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if ((length && std::strcmp(length, "0") != 0) ||
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING))
      return Send(c, Plain(413, "a GET request carries no body"), head);
    if (*state == nullptr) {  // the first call, with the headers: answer on the next
      *state = &marker;
      self->RequestArrived(c);
      return MHD_YES;
    }
    if (*upload_size != 0) return MHD_NO;
    if (!self->allowed_hosts.empty()) {
      const char* host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
      if (!HostAllowed(host ? host : "", self->allowed_hosts)) {
        std::string names;
        for (const auto& a : self->allowed_hosts) names += (names.empty() ? "" : ", ") + a;
        return Send(c, Plain(421, "this server answers to the host names " + names + " (--allow-host adds one)"), head);
      }
    }
    HttpRequest req;
    req.method = method;
    req.path = url;
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, CollectQuery, &req.query);
    HttpResponse r;
    try {
      r = self->handler(req);
    } catch (const std::exception& e) {
      r = Plain(500, std::string("internal error: ") + e.what());
    }
    return Send(c, r, head);
  }
};

HttpServer::~HttpServer() = default;

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpOptions& o, Handler handler) {
  std::unique_ptr<HttpServer> s(new HttpServer());
  s->impl_ = std::make_unique<Impl>();
  s->impl_->handler = std::move(handler);
  s->impl_->allowed_hosts = o.allowed_hosts;
  s->impl_->request_timeout = std::chrono::seconds(o.request_timeout_s ? o.request_timeout_s : 1);
  sockaddr_in v4{};
  sockaddr_in6 v6{};
  const sockaddr* addr = nullptr;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
  if (inet_pton(AF_INET, o.host.c_str(), &v4.sin_addr) == 1) {
    v4.sin_family = AF_INET;
    v4.sin_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v4);
  } else if (inet_pton(AF_INET6, o.host.c_str(), &v6.sin6_addr) == 1) {
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(o.port);
    addr = reinterpret_cast<const sockaddr*>(&v6);
    flags |= MHD_USE_IPv6;
  } else {
    return Status::InvalidArgument("listen: '" + o.host + "' is not an IPv4 or IPv6 address");
  }
  s->impl_->daemon = MHD_start_daemon(
      flags, o.port, nullptr, nullptr, &Impl::Access, s->impl_.get(), MHD_OPTION_SOCK_ADDR, addr,
      MHD_OPTION_THREAD_POOL_SIZE, static_cast<unsigned>(o.threads ? o.threads : 1), MHD_OPTION_CONNECTION_LIMIT,
      o.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, o.timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
      o.max_request_bytes, MHD_OPTION_UNESCAPE_CALLBACK, &KeepEscaped, nullptr, MHD_OPTION_NOTIFY_CONNECTION,
      &Impl::Notify, s->impl_.get(), MHD_OPTION_NOTIFY_COMPLETED, &Impl::Completed, s->impl_.get(), MHD_OPTION_END);
  if (s->impl_->daemon) s->impl_->reaper = std::thread([impl = s->impl_.get()] { impl->Reap(); });
  if (!s->impl_->daemon)
    return Status::IoError("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " + std::strerror(errno) +
                           " (in use? another --listen port)");
  const MHD_DaemonInfo* info = MHD_get_daemon_info(s->impl_->daemon, MHD_DAEMON_INFO_BIND_PORT);
  s->port_ = info ? info->port : o.port;
  return s;
}

}  // namespace crawlproof::serve

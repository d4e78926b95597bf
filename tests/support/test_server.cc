#include "tests/support/test_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace crawlproof::testing {
namespace {

bool SendAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t k = send(fd, p, n, MSG_NOSIGNAL);
    if (k <= 0) return false;
    p += k;
    n -= static_cast<size_t>(k);
  }
  return true;
}

std::string HeaderValue(const std::string& req, const std::string& name) {
  std::string lower = req;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto p = lower.find("\n" + name + ":");
  if (p == std::string::npos) return "";
  p += name.size() + 2;
  auto e = req.find('\r', p);
  std::string v = req.substr(p, e - p);
  while (!v.empty() && v.front() == ' ') v.erase(0, 1);
  return v;
}

}  // namespace

TestServer::TestServer(std::string body, ServerFaults faults) : body_(std::move(body)), faults_(std::move(faults)) {
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  listen(listen_fd_, 64);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

TestServer::~TestServer() {
  stop_ = true;
  shutdown(listen_fd_, SHUT_RDWR);
  close(listen_fd_);
  acceptor_.join();
  for (auto& t : workers_) t.join();
}

std::string TestServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

std::vector<std::string> TestServer::request_log() {
  std::lock_guard lock(mutex_);
  return log_;
}

void TestServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    ++connections_;
    std::lock_guard lock(mutex_);
    workers_.emplace_back([this, fd] { Serve(fd); });
  }
}

void TestServer::Serve(int fd) {
  std::string buf;
  while (!stop_) {
    // Read one request header.
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      pollfd p{fd, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) {
        if (stop_) break;
        continue;
      }
      char tmp[4096];
      ssize_t k = recv(fd, tmp, sizeof tmp, 0);
      if (k <= 0) {
        close(fd);
        return;
      }
      buf.append(tmp, static_cast<size_t>(k));
    }
    if (stop_) break;
    std::string req = buf.substr(0, end + 4);
    buf.erase(0, end + 4);
    int n = ++requests_;
    {
      std::lock_guard lock(mutex_);
      log_.push_back(req);
    }
    bool head = req.rfind("HEAD ", 0) == 0;
    const size_t sp = req.find(' '), sp2 = req.find(' ', sp + 1);
    const std::string path = req.substr(sp + 1, sp2 - sp - 1);
    if (!faults_.redirect_to.empty() && path.rfind("/moved/", 0) != 0) {
      std::string h =
          "HTTP/1.1 302 Found\r\nLocation: " + faults_.redirect_to + "/moved" + path + "\r\nContent-Length: 0\r\n\r\n";
      if (!SendAll(fd, h.data(), h.size())) break;
      continue;
    }
    if (errors_sent_ < faults_.error_responses) {
      ++errors_sent_;
      std::string code = faults_.error_status == 429 ? "SlowDown" : "ServiceUnavailable";
      std::string body = "<?xml version=\"1.0\"?><Error><Code>" + code + "</Code></Error>";
      std::string h = "HTTP/1.1 " + std::to_string(faults_.error_status) +
                      " Busy\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
      if (!faults_.retry_after.empty()) h += "Retry-After: " + faults_.retry_after + "\r\n";
      h += "\r\n" + body;
      if (!SendAll(fd, h.data(), h.size())) break;
      continue;
    }
    int body_no = ++bodies_;
    std::string etag = faults_.change_etag_after && body_no > faults_.change_etag_after ? "\"v2\"" : "\"v1\"";
    uint64_t first = 0, last = body_.size() ? body_.size() - 1 : 0;
    bool ranged = false;
    std::string range = HeaderValue(req, "range");
    if (!range.empty() && !faults_.ignore_range) {
      unsigned long long a = 0, b = 0;
      if (std::sscanf(range.c_str(), "bytes=%llu-%llu", &a, &b) == 2) {
        first = a;
        last = std::min<uint64_t>(b, body_.size() - 1);
        ranged = true;
      } else if (std::sscanf(range.c_str(), "bytes=%llu-", &a) == 1) {
        first = a;
        ranged = true;
      }
      if (first >= body_.size()) {
        std::string h = "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Length: 0\r\n\r\n";
        if (!SendAll(fd, h.data(), h.size())) break;
        continue;
      }
    }
    size_t count = static_cast<size_t>(last - first + 1);
    std::string h = ranged ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
    h += "Content-Length: " + std::to_string(count) + "\r\nETag: " + etag + "\r\nAccept-Ranges: bytes\r\n";
    if (ranged)
      h += "Content-Range: bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
           std::to_string(body_.size()) + "\r\n";
    h += "\r\n";
    if (!SendAll(fd, h.data(), h.size())) break;
    if (head) continue;
    size_t limit = count;
    bool drop = body_no <= faults_.drop_responses;
    if (drop) limit = std::min(count, faults_.drop_after_bytes);
    size_t sent = 0;
    bool ok = true;
    while (sent < limit && ok) {
      size_t piece = std::min<size_t>(limit - sent, 16384);
      ok = SendAll(fd, body_.data() + first + sent, piece);
      sent += piece;
      if (faults_.slow_ms) std::this_thread::sleep_for(std::chrono::milliseconds(faults_.slow_ms));
    }
    if (!ok || drop) break;
    (void)n;
  }
  close(fd);
}

}  // namespace crawlproof::testing

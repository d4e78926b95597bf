// A real HTTP/1.1 server on 127.0.0.1 for tests of network byte sources. It
// serves one object at every path, honours Range, keeps connections alive, and
// can be told to misbehave: drop the connection after N body bytes, answer 503
// or 429 (with Retry-After) a few times, ignore Range, or be slow.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace crawlproof::testing {

struct ServerFaults {
  // The first `drop_responses` body responses close the connection after
  // `drop_after_bytes` body bytes.
  int drop_responses = 0;
  size_t drop_after_bytes = 0;
  // The first `error_responses` requests get `error_status` (with Retry-After
  // `retry_after` when not empty, and an S3-style XML error body).
  int error_responses = 0;
  int error_status = 503;
  std::string retry_after;
  // Answer 200 with the whole object even to Range requests.
  bool ignore_range = false;
  // Sleep this long between 16 KiB pieces of a body.
  int slow_ms = 0;
  // Change the ETag after this many responses (0 = never).
  int change_etag_after = 0;
  // When set, every request whose path does not start with /moved/ is
  // answered 302 with Location: redirect_to + "/moved" + its path.
  std::string redirect_to;
};

class TestServer {
 public:
  TestServer(std::string body, ServerFaults faults = {});
  ~TestServer();

  int port() const { return port_; }
  std::string url(const std::string& path = "/object") const;
  int connections() const { return connections_.load(); }
  int requests() const { return requests_.load(); }
  // Raw request headers of every request so far.
  std::vector<std::string> request_log();
  // Sets ServerFaults::redirect_to (before the first request).
  void RedirectTo(const std::string& prefix) { faults_.redirect_to = prefix; }

 private:
  void AcceptLoop();
  void Serve(int fd);

  std::string body_;
  ServerFaults faults_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> bodies_{0};
  std::atomic<int> errors_sent_{0};
  std::mutex mutex_;
  std::vector<std::string> log_;
  std::thread acceptor_;
  std::vector<std::thread> workers_;
};

}  // namespace crawlproof::testing

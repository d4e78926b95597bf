#include "classify/scorer_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <thread>
#include <unordered_map>

#include "common/json.h"
#include "common/logging.h"

namespace crawlproof::classify {
namespace {

// An answer line longer than this is not the protocol (a batch's answer is
// its ids and numbers): the scorer is stopped before it fills our memory.
constexpr size_t kMaxLine = 64 << 20;

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ExitText(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "stopped";
}

std::string Shorten(std::string_view s) {
  std::string out(s.substr(0, 200));
  if (s.size() > 200) out += "…";
  return out;
}

}  // namespace

ScorerProcess::ScorerProcess(ScorerOptions o) : o_(std::move(o)) {
  if (o_.batch_size == 0) o_.batch_size = 1;
  if (o_.max_in_flight == 0) o_.max_in_flight = 1;
}

ScorerProcess::~ScorerProcess() {
  Stop(false);
}

void ScorerProcess::Stop(bool kill) {
  if (to_ >= 0) ::close(to_);
  to_ = -1;
  if (pid_ > 0) {
    int status = 0;
    bool done = false;
    if (!kill) {
      for (int i = 0; i < 1000 && !done; ++i) {  // 10 s for the scorer to finish after its input ends
        done = ::waitpid(pid_, &status, WNOHANG) == pid_;
        if (!done) std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    }
    if (!done) {
      ::kill(-pid_, SIGKILL);
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
  }
  pid_ = -1;
  if (from_ >= 0) ::close(from_);
  from_ = -1;
  in_buf_.clear();
}

Status ScorerProcess::Fail(const std::string& what, uint64_t batch, std::string_view first_id) {
  Stop(true);
  std::string msg = "classifier " + o_.name + " (scorer `" + (o_.command.empty() ? "" : o_.command[0]) + "`): " + what;
  if (!first_id.empty()) msg += "; batch " + std::to_string(batch) + ", first document " + std::string(first_id);
  return Status::Unavailable(msg);
}

Status ScorerProcess::ReadLine(std::string* line, double deadline) {
  for (;;) {
    if (const size_t nl = in_buf_.find('\n'); nl != std::string::npos) {
      *line = in_buf_.substr(0, nl);
      in_buf_.erase(0, nl + 1);
      return Status::Ok();
    }
    const double left = deadline - Now();
    if (left <= 0) return Status::Unavailable("no answer");
    pollfd p{from_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::ceil(left * 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return Status::Unavailable("no answer");
    char buf[1 << 16];
    const ssize_t n = ::recv(from_, buf, sizeof buf, 0);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) return Status::IoError("the scorer's output ended");
    in_buf_.append(buf, n);
    if (in_buf_.size() > kMaxLine) return Status::ResourceExhausted("a line longer than 64 MiB");
  }
}

Status ScorerProcess::Start() {
  if (o_.command.empty()) return Status::InvalidArgument("classifier " + o_.name + ": an empty scorer command");
  int in[2], out[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0)
    return Status::IoError("classifier " + o_.name + ": socketpair: " + std::strerror(errno));
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, out) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return Status::IoError("classifier " + o_.name + ": socketpair: " + std::strerror(errno));
  }
  std::vector<char*> argv;
  for (const auto& a : o_.command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return Status::IoError("classifier " + o_.name + ": fork: " + std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own group: a hang is killed whole
    ::dup2(in[1], 0);
    ::dup2(out[1], 1);
    ::execvp(argv[0], argv.data());
    const std::string msg = "crawlproof: cannot run the scorer " + o_.command[0] + ": " + std::strerror(errno) + "\n";
    if (::write(2, msg.data(), msg.size()) < 0) _exit(127);
    _exit(127);
  }
  ::setpgid(pid, pid);
  ::close(in[1]);
  ::close(out[1]);
  pid_ = pid;
  to_ = in[0];
  from_ = out[0];
  ::fcntl(to_, F_SETFL, ::fcntl(to_, F_GETFL) | O_NONBLOCK);
  ::fcntl(from_, F_SETFL, ::fcntl(from_, F_GETFL) | O_NONBLOCK);

  const double started = Now();
  std::string hello;
  Status s = ReadLine(&hello, started + o_.timeout_s);
  if (!s.ok()) {
    if (s.code() == StatusCode::kUnavailable)
      return Fail("no hello within " + std::to_string(static_cast<int>(o_.timeout_s)) + " s; killed", 0, "");
    if (s.code() == StatusCode::kResourceExhausted) return Fail("a first line longer than 64 MiB", 0, "");
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return Fail(ExitText(status) + " before its hello line", 0, "");
  }
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  std::string_view proto, model, sha;
  if (parser.parse(hello).get(e) || e["scorer"].get(proto) || proto != kScorerProtocol)
    return Fail("its first line is not {\"scorer\":\"" + std::string(kScorerProtocol) + "\",…} but " + Shorten(hello),
                0, "");
  if (!e["model"].get(model)) model_ = std::string(model);
  if (!e["model_sha256"].get(sha)) model_sha256_ = std::string(sha);
  char line[160];
  std::snprintf(line, sizeof line, " ready in %.3f s (model ", Now() - started);
  LogInfo("classifier " + o_.name + ": scorer `" + o_.command[0] + "`" + line + model_ + ", sha256 " + model_sha256_ +
          ")");
  return Status::Ok();
}

Result<std::vector<ScorerResult>> ScorerProcess::Score(
    const std::vector<std::pair<std::string_view, std::string_view>>& docs) {
  std::vector<ScorerResult> results(docs.size());
  if (docs.empty()) return results;
  if (pid_ < 0) RETURN_IF_ERROR(Start());

  struct Batch {
    size_t begin = 0, end = 0;
    std::unordered_map<std::string_view, size_t> index;  // id -> position in docs
  };
  std::map<uint64_t, Batch> in_flight;
  size_t next = 0;
  std::string out;
  size_t out_off = 0;
  double deadline = Now() + o_.timeout_s;
  simdjson::dom::parser parser;
  std::string line;

  while (next < docs.size() || !in_flight.empty()) {
    if (out_off == out.size() && in_flight.size() < o_.max_in_flight && next < docs.size()) {
      const uint64_t n = next_batch_++;
      Batch& b = in_flight[n];
      b.begin = next;
      b.end = std::min(docs.size(), next + o_.batch_size);
      out = "{\"batch\":" + std::to_string(n) + ",\"docs\":[";
      for (size_t i = b.begin; i < b.end; ++i) {
        if (!b.index.emplace(docs[i].first, i).second)
          return Fail("document id " + std::string(docs[i].first) + " twice in one batch", n, docs[b.begin].first);
        out += i == b.begin ? "{\"id\":" : ",{\"id\":";
        AppendJsonString(out, docs[i].first);
        out += ",\"text\":";
        AppendJsonString(out, docs[i].second);
        out += '}';
      }
      out += "]}\n";
      out_off = 0;
      next = b.end;
    }
    const auto oldest = in_flight.begin();
    const std::string_view oldest_id = oldest == in_flight.end() ? "" : docs[oldest->second.begin].first;
    const uint64_t oldest_n = oldest == in_flight.end() ? 0 : oldest->first;
    pollfd p[2] = {{from_, POLLIN, 0}, {to_, static_cast<short>(out_off < out.size() ? POLLOUT : 0), 0}};
    const double left = deadline - Now();
    const int r = left <= 0 ? 0 : ::poll(p, 2, static_cast<int>(std::ceil(left * 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0)
      return Fail("no answer within " + std::to_string(static_cast<int>(o_.timeout_s)) + " s; killed", oldest_n,
                  oldest_id);
    if (p[1].revents & (POLLOUT | POLLERR | POLLHUP)) {
      const ssize_t n = ::send(to_, out.data() + out_off, out.size() - out_off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) out_off += n;
    }
    if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[1 << 16];
      const ssize_t n = ::recv(from_, buf, sizeof buf, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (n <= 0) {
        int status = 0;
        ::waitpid(pid_, &status, 0);
        pid_ = -1;
        return Fail(ExitText(status) + " while scoring", oldest_n, oldest_id);
      }
      in_buf_.append(buf, n);
      if (in_buf_.size() > kMaxLine && in_buf_.find('\n') == std::string::npos)
        return Fail("an answer longer than 64 MiB", oldest_n, oldest_id);
      for (size_t nl; (nl = in_buf_.find('\n')) != std::string::npos;) {
        line = in_buf_.substr(0, nl);
        in_buf_.erase(0, nl + 1);
        simdjson::dom::element e;
        simdjson::dom::array list;
        uint64_t batch = 0;
        if (parser.parse(line).get(e) || e["batch"].get(batch) || e["results"].get(list))
          return Fail("an answer that is not {\"batch\":…,\"results\":[…]}: " + Shorten(line), oldest_n, oldest_id);
        auto it = in_flight.find(batch);
        if (it == in_flight.end())
          return Fail("an answer for batch " + std::to_string(batch) + ", which is not waiting", oldest_n, oldest_id);
        Batch& b = it->second;
        const std::string_view first = docs[b.begin].first;
        if (list.size() != b.end - b.begin)
          return Fail(std::to_string(list.size()) + " results for " + std::to_string(b.end - b.begin) + " documents",
                      batch, first);
        std::vector<bool> seen(b.end - b.begin);
        for (simdjson::dom::element res : list) {
          std::string_view id, error;
          if (res["id"].get(id)) return Fail("a result without an id: " + Shorten(line), batch, first);
          auto pos = b.index.find(id);
          if (pos == b.index.end())
            return Fail("a result for document " + std::string(id) + ", which is not in the batch", batch, first);
          if (seen[pos->second - b.begin]) return Fail("two results for document " + std::string(id), batch, first);
          seen[pos->second - b.begin] = true;
          ScorerResult& out_r = results[pos->second];
          double score = 0;
          if (!res["score"].get(score)) {
            if (!std::isfinite(score))
              return Fail("a score that is not a finite number for document " + std::string(id), batch, first);
            out_r.score = score;
          } else if (!res["error"].get(error)) {
            out_r.error = error.empty() ? "error" : std::string(error);
          } else {
            return Fail(
                "a result for document " + std::string(id) + " with neither a number \"score\" nor an \"error\"", batch,
                first);
          }
        }
        in_flight.erase(it);
        deadline = Now() + o_.timeout_s;
      }
    }
  }
  return results;
}

}  // namespace crawlproof::classify

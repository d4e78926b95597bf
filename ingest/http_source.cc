#include "ingest/http_source.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "common/ascii.h"

namespace crawlproof::ingest {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// A multi handle with one easy handle; kept per thread so that the next source
// reuses the connections (the multi handle owns the connection cache).
struct CurlSession {
  CURLM* multi = nullptr;
  CURL* easy = nullptr;
  ~CurlSession() {
    if (easy) curl_easy_cleanup(easy);
    if (multi) curl_multi_cleanup(multi);
  }
};

thread_local std::vector<std::unique_ptr<CurlSession>> t_session_pool;

std::unique_ptr<CurlSession> AcquireSession() {
  if (!t_session_pool.empty()) {
    auto s = std::move(t_session_pool.back());
    t_session_pool.pop_back();
    curl_easy_reset(s->easy);
    return s;
  }
  auto s = std::make_unique<CurlSession>();
  s->multi = curl_multi_init();
  s->easy = curl_easy_init();
  if (!s->multi || !s->easy) return nullptr;
  return s;
}

void ReleaseSession(std::unique_ptr<CurlSession> s) {
  if (t_session_pool.size() < 4) t_session_pool.push_back(std::move(s));
}

bool RetryableCurlError(CURLcode rc) {
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_OUT_OF_MEMORY:
    case CURLE_TOO_MANY_REDIRECTS:
    case CURLE_LOGIN_DENIED: return false;
    default: return true;
  }
}

class HttpSource final : public ByteSource {
 public:
  HttpSource(std::unique_ptr<CurlSession> session, std::string url, std::string name, SourceOptions options,
             HttpAuth auth)
      : session_(std::move(session)),
        url_(std::move(url)),
        name_(std::move(name)),
        options_(std::move(options)),
        auth_(std::move(auth)),
        rng_(std::random_device{}()) {
    if (options_.buffer_bytes < CURL_MAX_WRITE_SIZE * 2) options_.buffer_bytes = CURL_MAX_WRITE_SIZE * 2;
  }

  ~HttpSource() override {
    StopTransfer();
    if (headers_) curl_slist_free_all(headers_);
    ReleaseSession(std::move(session_));
  }

  // Sends the first request and waits for its headers, so that a missing
  // object is reported at open time.
  Status Open() {
    RETURN_IF_ERROR(StartTransfer());
    while (!done_ && !got_body_ && pending_.size() == pending_pos_) RETURN_IF_ERROR(Pump());
    return Status::Ok();
  }

  Result<size_t> Read(char* dst, size_t n) override {
    while (true) {
      if (pending_pos_ < pending_.size()) {
        size_t k = std::min(n, pending_.size() - pending_pos_);
        std::memcpy(dst, pending_.data() + pending_pos_, k);
        pending_pos_ += k;
        if (pending_pos_ == pending_.size()) {
          pending_.clear();
          pending_pos_ = 0;
        }
        if (paused_ && pending_.size() - pending_pos_ < options_.buffer_bytes / 2) {
          paused_ = false;
          curl_easy_pause(session_->easy, CURLPAUSE_CONT);
        }
        return k;
      }
      if (done_) return size_t{0};
      RETURN_IF_ERROR(Pump());
    }
  }

  std::optional<uint64_t> Size() const override { return expected_; }
  const std::string& name() const override { return name_; }
  int retries() const override { return retries_; }

 private:
  uint64_t NextOffset() const { return options_.offset + delivered_; }

  Status StartTransfer() {
    CURL* e = session_->easy;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url_.c_str());
    // With credentials, redirects are ours to follow (OnTransferDone): libcurl
    // would send custom headers such as x-amz-security-token to any host.
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, auth_.empty() ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");  // a redirect never reaches file:// or others
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (!options_.ca_file.empty()) curl_easy_setopt(e, CURLOPT_CAINFO, options_.ca_file.c_str());
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "crawlproof/0.1");
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_s * 1000));
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, std::max(1L, static_cast<long>(options_.stall_timeout_s)));
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    // We decode content codings ourselves where needed; WARC bytes must arrive as stored.
    curl_easy_setopt(e, CURLOPT_HTTP_CONTENT_DECODING, 0L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, &HttpSource::WriteCallback);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, &HttpSource::HeaderCallback);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, this);
    if (!auth_.aws_sigv4.empty()) {
      curl_easy_setopt(e, CURLOPT_AWS_SIGV4, auth_.aws_sigv4.c_str());
      curl_easy_setopt(e, CURLOPT_USERPWD, auth_.user_password.c_str());
    }
    if (headers_) curl_slist_free_all(headers_);
    headers_ = nullptr;
    for (const auto& h : auth_.headers) headers_ = curl_slist_append(headers_, h.c_str());
    uint64_t start = NextOffset();
    bool bounded = options_.length.has_value();
    if (start > 0 || bounded) {
      std::string range = std::to_string(start) + "-";
      if (bounded) {
        if (*options_.length == 0) {
          done_ = true;
          expected_ = 0;
          return Status::Ok();
        }
        range += std::to_string(options_.offset + *options_.length - 1);
      }
      curl_easy_setopt(e, CURLOPT_RANGE, range.c_str());
    }
    if (headers_) curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers_);
    requested_start_ = start;
    attempt_start_delivered_ = delivered_;
    response_ = {};
    skip_ = 0;
    checked_response_ = false;
    error_body_.clear();
    paused_ = false;
    if (curl_multi_add_handle(session_->multi, e) != CURLM_OK)
      return Status::Internal(name_ + ": curl_multi_add_handle failed");
    active_ = true;
    return Status::Ok();
  }

  void StopTransfer() {
    if (active_) {
      curl_multi_remove_handle(session_->multi, session_->easy);
      active_ = false;
    }
  }

  // Drives the transfer once: runs libcurl, handles a finished transfer (and
  // its retry), waits for the socket when nothing arrived.
  Status Pump() {
    if (!active_) return done_ ? Status::Ok() : StartTransfer();
    int running = 0;
    curl_multi_perform(session_->multi, &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(session_->multi, &queued)) {
      if (msg->msg == CURLMSG_DONE && msg->easy_handle == session_->easy) {
        CURLcode rc = msg->data.result;
        StopTransfer();
        return OnTransferDone(rc);
      }
    }
    if (pending_pos_ == pending_.size() && !paused_) curl_multi_poll(session_->multi, nullptr, 0, 200, nullptr);
    return Status::Ok();
  }

  Status OnTransferDone(CURLcode rc) {
    if (!fatal_.ok()) return fatal_;
    long code = 0;
    curl_easy_getinfo(session_->easy, CURLINFO_RESPONSE_CODE, &code);
    if (rc == CURLE_OK && !auth_.empty() && (code == 301 || code == 302 || code == 303 || code == 307 || code == 308))
      return FollowRedirect();
    bool complete = expected_ && delivered_ >= *expected_;
    if (complete || (rc == CURLE_WRITE_ERROR && reached_end_)) {
      done_ = true;
      return Status::Ok();
    }
    std::string reason;
    std::optional<double> retry_after;
    if (rc == CURLE_OK && code >= 200 && code < 300) {
      if (!expected_) {  // no length announced: the end of the body is the end
        done_ = true;
        return Status::Ok();
      }
      reason = "connection closed after " + std::to_string(delivered_) + " of " + std::to_string(*expected_) + " bytes";
    } else if (rc == CURLE_OK) {
      std::string detail = S3ErrorCode();
      if (code == 429 || code >= 500) {
        reason = "HTTP " + std::to_string(code) + (detail.empty() ? "" : " " + detail);
        retry_after = response_.retry_after;
      } else if (code == 404) {
        return Status::NotFound(name_ + ": HTTP 404 not found" + (detail.empty() ? "" : " (" + detail + ")"));
      } else if (code == 416) {
        return Status::InvalidArgument(name_ + ": HTTP 416: range starting at byte " +
                                       std::to_string(requested_start_) + " is not satisfiable");
      } else {
        return Status::IoError(name_ + ": HTTP " + std::to_string(code) + (detail.empty() ? "" : " (" + detail + ")"));
      }
    } else {
      reason = curl_easy_strerror(rc);
      if (!RetryableCurlError(rc)) return Status::IoError(name_ + ": " + reason);
    }
    // A retryable failure.
    if (delivered_ > attempt_start_delivered_) failures_ = 0;
    ++failures_;
    if (failures_ >= options_.retry.max_attempts) {
      return Status::Unavailable(name_ + ": giving up after " + std::to_string(failures_) +
                                 " failed attempts at byte " + std::to_string(NextOffset()) + ": " + reason);
    }
    double delay = options_.retry.base_delay_s * std::pow(2.0, failures_ - 1);
    delay = std::min(delay, options_.retry.max_delay_s);
    delay = std::uniform_real_distribution<double>(delay / 2, delay)(rng_);
    if (options_.retry.honour_retry_after && retry_after)
      delay = std::max(delay, std::min(*retry_after, options_.retry.max_retry_after_s));
    ++retries_;
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
    return StartTransfer();
  }

  // A redirect answered to a request with credentials: to the same origin
  // they go along; to another, every one of them is dropped for good.
  Status FollowRedirect() {
    char* location = nullptr;
    curl_easy_getinfo(session_->easy, CURLINFO_REDIRECT_URL, &location);
    if (!location) return Status::IoError(name_ + ": a redirect without a usable Location");
    if (++redirects_ > 5) return Status::IoError(name_ + ": more than 5 redirects");
    const std::string next = location;
    const std::string to = Origin(next);
    if (to.empty() || (to.rfind("http://", 0) != 0 && to.rfind("https://", 0) != 0))
      return Status::IoError(name_ + ": a redirect to something other than http(s)");
    if (to != Origin(url_)) auth_ = {};
    url_ = next;
    return StartTransfer();
  }

  // "scheme://host:port" of `url`, lower case, the port explicit; "" if it
  // does not parse.
  static std::string Origin(const std::string& url) {
    CURLU* u = curl_url();
    std::string out;
    if (u && curl_url_set(u, CURLUPART_URL, url.c_str(), 0) == CURLUE_OK) {
      char *scheme = nullptr, *host = nullptr, *port = nullptr;
      if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
          curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
          curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
        out = std::string(scheme) + "://" + host + ":" + port;
        for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      curl_free(scheme);
      curl_free(host);
      curl_free(port);
    }
    curl_url_cleanup(u);
    return out;
  }

  // The <Code> of an S3 XML error body, e.g. "SlowDown", or "".
  std::string S3ErrorCode() const {
    auto b = error_body_.find("<Code>");
    auto e = error_body_.find("</Code>");
    if (b == std::string::npos || e == std::string::npos || e < b) return "";
    return error_body_.substr(b + 6, e - b - 6);
  }

  struct ResponseHeaders {
    long status = 0;
    std::optional<uint64_t> content_length;
    std::optional<uint64_t> range_start;
    std::optional<uint64_t> range_total;
    std::string etag;
    std::optional<double> retry_after;  // seconds, when the server said
  };

  static size_t HeaderCallback(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<HttpSource*>(user);
    std::string_view line(data, size * count);
    auto& r = self->response_;
    if (StartsWithIgnoreCase(line, "HTTP/")) {
      r = {};
      auto sp = line.find(' ');
      if (sp != std::string_view::npos)
        r.status = std::strtol(std::string(line.substr(sp + 1, 3)).c_str(), nullptr, 10);
    } else if (StartsWithIgnoreCase(line, "content-length:")) {
      r.content_length = std::strtoull(std::string(TrimWhitespace(line.substr(15))).c_str(), nullptr, 10);
    } else if (StartsWithIgnoreCase(line, "content-range:")) {
      // bytes a-b/total
      std::string v(TrimWhitespace(line.substr(14)));
      unsigned long long a = 0, b = 0, total = 0;
      if (std::sscanf(v.c_str(), "bytes %llu-%llu/%llu", &a, &b, &total) == 3) {
        r.range_start = a;
        r.range_total = total;
      } else if (std::sscanf(v.c_str(), "bytes %llu-%llu/*", &a, &b) == 2) {
        r.range_start = a;
      }
    } else if (StartsWithIgnoreCase(line, "etag:")) {
      r.etag = std::string(TrimWhitespace(line.substr(5)));
    } else if (StartsWithIgnoreCase(line, "retry-after:")) {
      std::string v(TrimWhitespace(line.substr(12)));
      char* end = nullptr;
      double secs = std::strtod(v.c_str(), &end);
      if (end != v.c_str() && secs >= 0 && secs < 1e9) r.retry_after = secs;  // HTTP-date form is ignored
    }
    return size * count;
  }

  // Called before the first body byte of each 2xx response.
  void CheckResponse() {
    checked_response_ = true;
    auto& r = response_;
    if (!first_etag_.empty() && !r.etag.empty() && r.etag != first_etag_) {
      fatal_ = Status::Corruption(name_ + ": object changed while it was read (ETag " + first_etag_ + " became " +
                                  r.etag + ") at byte " + std::to_string(NextOffset()));
      return;
    }
    if (first_etag_.empty()) first_etag_ = r.etag;
    uint64_t body_start = 0;
    if (r.status == 206 && r.range_start) {
      body_start = *r.range_start;
    }
    if (body_start > requested_start_) {
      fatal_ = Status::IoError(name_ + ": server answered a range starting at " + std::to_string(body_start) +
                               " instead of " + std::to_string(requested_start_));
      return;
    }
    skip_ = requested_start_ - body_start;  // 200 to a Range request: skip what we have
    if (!expected_) {
      std::optional<uint64_t> total;
      if (r.range_total)
        total = *r.range_total;
      else if (r.status == 200 && r.content_length)
        total = *r.content_length;
      if (total) {
        uint64_t avail = *total > options_.offset ? *total - options_.offset : 0;
        expected_ = options_.length ? std::min(avail, *options_.length) : avail;
      } else if (options_.length && r.status == 206 && r.content_length) {
        expected_ = std::min(*options_.length, *r.content_length);
      }
    }
  }

  static size_t WriteCallback(char* data, size_t size, size_t count, void* user) {
    auto* self = static_cast<HttpSource*>(user);
    size_t n = size * count;
    long code = self->response_.status;
    if (code < 200 || code >= 300) {
      if (self->error_body_.size() < 4096) self->error_body_.append(data, std::min<size_t>(n, 4096));
      return n;
    }
    if (!self->checked_response_) self->CheckResponse();
    if (!self->fatal_.ok()) return 0;  // aborts the transfer
    if (self->pending_.size() - self->pending_pos_ >= self->options_.buffer_bytes) {
      self->paused_ = true;
      return CURL_WRITEFUNC_PAUSE;
    }
    self->got_body_ = true;
    std::string_view chunk(data, n);
    if (self->skip_ > 0) {
      size_t k = static_cast<size_t>(std::min<uint64_t>(self->skip_, chunk.size()));
      chunk.remove_prefix(k);
      self->skip_ -= k;
    }
    if (self->expected_) {
      uint64_t left = *self->expected_ - std::min(*self->expected_, self->delivered_);
      if (chunk.size() > left) {
        chunk = chunk.substr(0, static_cast<size_t>(left));
        self->reached_end_ = true;
      }
    }
    if (self->pending_pos_ > 0 && self->pending_pos_ == self->pending_.size()) {
      self->pending_.clear();
      self->pending_pos_ = 0;
    }
    self->pending_.append(chunk);
    self->delivered_ += chunk.size();
    if (self->reached_end_) return 0;  // we have every byte we wanted: stop
    self->got_body_ = true;
    return n;
  }

  std::unique_ptr<CurlSession> session_;
  std::string url_;
  std::string name_;
  SourceOptions options_;
  HttpAuth auth_;
  std::mt19937_64 rng_;
  curl_slist* headers_ = nullptr;

  bool active_ = false;
  bool done_ = false;
  bool paused_ = false;
  bool got_body_ = false;
  bool checked_response_ = false;
  bool reached_end_ = false;
  Status fatal_;
  ResponseHeaders response_;
  std::string first_etag_;
  std::string error_body_;
  std::string pending_;
  size_t pending_pos_ = 0;
  uint64_t delivered_ = 0;
  uint64_t attempt_start_delivered_ = 0;
  uint64_t requested_start_ = 0;
  uint64_t skip_ = 0;
  std::optional<uint64_t> expected_;
  int failures_ = 0;
  int retries_ = 0;
  int redirects_ = 0;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenHttpSource(const std::string& url, const std::string& display_name,
                                                   const SourceOptions& options, HttpAuth auth) {
  GlobalInit();
  auto session = AcquireSession();
  if (!session) return Status::Internal("cannot initialise libcurl");
  auto source = std::make_unique<HttpSource>(std::move(session), url, display_name, options, std::move(auth));
  RETURN_IF_ERROR(source->Open());
  return std::unique_ptr<ByteSource>(std::move(source));
}

}  // namespace crawlproof::ingest

// A helper thread that hashes byte ranges, in submission order, while the
// decoding thread inflates and parses: the whole-file SHA-256 (what the ledger
// commits to) then costs the main thread nothing. One worker per input; jobs run
// FIFO. Jobs should be large (a 4 MiB read, a batch of member hashes): a job per
// small range costs more in thread wake-ups than it saves (measured: 3x slower).
//
// REQUIRES of callers: the bytes of a job stay valid and unchanged until
// Drain() returns (InputBuffer drains before it moves or overwrites memory).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/digest.h"

namespace crawlproof::ingest {

class HashWorker {
 public:
  // Without a thread to be had (a process limit), jobs run on the caller.
  HashWorker() {
    try {
      thread_ = std::thread([this] { Run(); });
    } catch (const std::system_error&) {
    }
  }
  ~HashWorker() {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  HashWorker(const HashWorker&) = delete;
  HashWorker& operator=(const HashWorker&) = delete;

  // Feeds `bytes` to `hasher` (which only this worker touches until Drain()).
  void Update(Hasher* hasher, std::string_view bytes) {
    Submit([hasher, bytes] { hasher->Update(bytes); });
  }

  // SHA-256 of each range, delivered through its promise; one job for all.
  struct Range {
    std::string_view bytes;
    std::shared_ptr<std::promise<std::string>> result;
  };
  void Sha256Batch(std::vector<Range> ranges) {
    if (ranges.empty()) return;
    Submit([ranges = std::move(ranges)] {
      for (const auto& r : ranges) r.result->set_value(crawlproof::Sha256(r.bytes));
    });
  }

  // Returns when every job submitted so far has run.
  void Drain() {
    std::unique_lock lock(mutex_);
    idle_.wait(lock, [this] { return jobs_.empty() && !busy_; });
  }

 private:
  void Submit(std::function<void()> job) {
    if (!thread_.joinable()) {
      job();
      return;
    }
    {
      std::lock_guard lock(mutex_);
      jobs_.push_back(std::move(job));
    }
    wake_.notify_one();
  }

  void Run() {
    std::unique_lock lock(mutex_);
    while (true) {
      wake_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty() && stop_) return;
      std::function<void()> job = std::move(jobs_.front());
      jobs_.pop_front();
      busy_ = true;
      lock.unlock();
      job();
      lock.lock();
      busy_ = false;
      if (jobs_.empty()) idle_.notify_all();
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::deque<std::function<void()>> jobs_;
  bool busy_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: started after the members above exist
};

// A future already holding `value`.
inline std::shared_future<std::string> ReadyHash(std::string value) {
  std::promise<std::string> p;
  p.set_value(std::move(value));
  return p.get_future().share();
}

}  // namespace crawlproof::ingest

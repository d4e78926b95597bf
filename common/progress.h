// Progress of a long job: records/s, MB/s and ETA.
//
// On a terminal (stderr is a TTY) a single status line is redrawn at most five
// times a second; otherwise a JSON line is logged every `json_interval_s`
// seconds (0 = silent). Call Finish() once at the end for the final totals.
//
// Thread safety: Add() may be called from several threads.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

namespace crawlproof {

enum class ProgressMode { kAuto, kTty, kJson, kOff };

// Where a job stands, for an observer (the Python package's progress bars).
struct ProgressSnapshot {
  uint64_t items = 0, total_items = 0;  // total 0: unknown
  uint64_t bytes = 0, total_bytes = 0;
  uint64_t secondary = 0;
  double elapsed_s = 0;
  bool done = false;  // the final snapshot (Finish)
};

struct ProgressOptions {
  // Default: kAuto (TTY line on a terminal, JSON lines otherwise).
  ProgressMode mode = ProgressMode::kAuto;
  // Seconds between JSON progress lines; 0 turns them off. Default: 10.
  double json_interval_s = 10;
  // What is being counted, shown in the line. Default: "records".
  std::string unit = "records";
  // How many there will be ("3/10 shards"); 0 when unknown.
  uint64_t total_items = 0;
  // A second count shown with its rate (e.g. "documents"); empty: none.
  std::string secondary_unit;
  // Called after every Add (from the adding thread: it must be thread-safe
  // and quick) and once by Finish, whatever the mode. Optional.
  std::function<void(const ProgressSnapshot&)> observer;
};

class Progress {
 public:
  // `total_bytes` is the expected input size for the ETA; 0 when unknown.
  Progress(ProgressOptions options, uint64_t total_bytes);
  ~Progress();

  void Add(uint64_t items, uint64_t bytes);
  void AddTotalBytes(uint64_t bytes) { total_bytes_ += bytes; }
  void AddSecondary(uint64_t n) { secondary_ += n; }
  // Prints the final line (TTY) or a final JSON record; idempotent.
  void Finish();

  uint64_t items() const { return items_.load(); }
  uint64_t bytes() const { return bytes_.load(); }

 private:
  void Report(bool final);
  ProgressSnapshot Snapshot(bool done) const;

  ProgressOptions options_;
  bool tty_ = false;
  bool json_ = false;
  std::atomic<uint64_t> total_bytes_;
  std::atomic<uint64_t> items_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> secondary_{0};
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_report_;
  std::mutex mutex_;
  bool finished_ = false;
};

}  // namespace crawlproof

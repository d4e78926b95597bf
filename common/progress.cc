#include "common/progress.h"

#include <unistd.h>

#include <cstdio>
#include <optional>

#include "common/json.h"
#include "common/logging.h"

namespace crawlproof {

Progress::Progress(ProgressOptions options, uint64_t total_bytes)
    : options_(std::move(options)), total_bytes_(total_bytes) {
  bool is_tty = isatty(STDERR_FILENO);
  switch (options_.mode) {
    case ProgressMode::kAuto:
      tty_ = is_tty;
      json_ = !is_tty && options_.json_interval_s > 0;
      break;
    case ProgressMode::kTty: tty_ = true; break;
    case ProgressMode::kJson: json_ = options_.json_interval_s > 0; break;
    case ProgressMode::kOff: break;
  }
  start_ = last_report_ = std::chrono::steady_clock::now();
}

Progress::~Progress() {
  Finish();
}

void Progress::Add(uint64_t items, uint64_t bytes) {
  items_ += items;
  bytes_ += bytes;
  if (options_.observer) options_.observer(Snapshot(false));
  if (!tty_ && !json_) return;
  auto now = std::chrono::steady_clock::now();
  double interval = tty_ ? 0.2 : options_.json_interval_s;
  std::unique_lock lock(mutex_, std::try_to_lock);
  if (!lock.owns_lock() || finished_) return;
  if (std::chrono::duration<double>(now - last_report_).count() < interval) return;
  last_report_ = now;
  Report(false);
}

void Progress::Finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (tty_ || json_) Report(true);
  if (options_.observer) options_.observer(Snapshot(true));
}

ProgressSnapshot Progress::Snapshot(bool done) const {
  ProgressSnapshot s;
  s.items = items_.load();
  s.total_items = options_.total_items;
  s.bytes = bytes_.load();
  s.total_bytes = total_bytes_.load();
  s.secondary = secondary_.load();
  s.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  s.done = done;
  return s;
}

void Progress::Report(bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (elapsed <= 0) elapsed = 1e-9;
  uint64_t items = items_.load(), bytes = bytes_.load(), total = total_bytes_.load();
  double items_per_s = items / elapsed;
  double mb_per_s = bytes / elapsed / 1e6;
  std::optional<double> eta;  // seconds left, when a total is known
  if (total > 0 && bytes > 0 && bytes <= total) eta = (total - bytes) / (bytes / elapsed);
  if (tty_) {
    char line[256];
    int n = options_.total_items
                ? std::snprintf(line, sizeof line, "\r%llu/%llu %s  %.1f MB/s", static_cast<unsigned long long>(items),
                                static_cast<unsigned long long>(options_.total_items), options_.unit.c_str(), mb_per_s)
                : std::snprintf(line, sizeof line, "\r%llu %s  %.0f %s/s  %.1f MB/s",
                                static_cast<unsigned long long>(items), options_.unit.c_str(), items_per_s,
                                options_.unit.c_str(), mb_per_s);
    std::string out(line, n > 0 ? static_cast<size_t>(n) : 0);
    if (!options_.secondary_unit.empty()) {
      const uint64_t second = secondary_.load();
      n = std::snprintf(line, sizeof line, "  %llu %s (%.0f/s)", static_cast<unsigned long long>(second),
                        options_.secondary_unit.c_str(), second / elapsed);
      out.append(line, n > 0 ? static_cast<size_t>(n) : 0);
    }
    if (total > 0) {
      n = std::snprintf(line, sizeof line, "  %.1f%%", 100.0 * bytes / total);
      out.append(line, n);
      if (eta && !final) {
        n = std::snprintf(line, sizeof line, "  ETA %.0fs", *eta);
        out.append(line, n);
      }
    }
    out += final ? "\n" : "\x1b[K";
    std::fwrite(out.data(), 1, out.size(), stderr);
    std::fflush(stderr);
  } else {
    JsonObject o;
    o.Add("progress", final ? "done" : "running")
        .Add(options_.unit, items)
        .Add("bytes", bytes)
        .Add("elapsed_s", elapsed)
        .Add("per_s", items_per_s)
        .Add("mb_per_s", mb_per_s);
    if (total > 0) o.Add("total_bytes", total);
    if (options_.total_items) o.Add("total_" + options_.unit, options_.total_items);
    if (!options_.secondary_unit.empty()) {
      o.Add(options_.secondary_unit, secondary_.load())
          .Add(options_.secondary_unit + "_per_s", static_cast<double>(secondary_.load()) / elapsed);
    }
    if (eta && !final) o.Add("eta_s", *eta);
    LogFields(LogLevel::kInfo, o.str());
  }
}

}  // namespace crawlproof

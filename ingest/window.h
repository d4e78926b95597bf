// Buffers of the ingest path. InputBuffer holds compressed bytes read from a
// ByteSource; Window holds decompressed bytes for the record parser. Both know
// the absolute stream position of their first byte and grow without zero-filling.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <system_error>

#include "common/digest.h"
#include "common/status.h"
#include "ingest/byte_source.h"
#include "ingest/hash_worker.h"

namespace crawlproof::ingest {

// A contiguous byte buffer with a consumed prefix: [begin, end) is live.
class Window {
 public:
  const char* data() const { return buf_.get() + begin_; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  // Absolute stream position of data()[0].
  uint64_t position() const { return base_ + begin_; }
  uint64_t end_position() const { return base_ + end_; }

  // Drops the first `n` live bytes. REQUIRES: n <= size().
  void Consume(size_t n) {
    begin_ += n;
    if (begin_ == end_) {
      base_ += end_;
      begin_ = end_ = 0;
    }
  }
  void Clear() { Consume(size()); }

  // Returns space for at least `min_free` bytes after the live data; pointers
  // into the window are invalidated. Follow with CommitAppend(bytes written).
  char* PrepareAppend(size_t min_free) {
    if (cap_ - end_ < min_free) {
      size_t live = end_ - begin_;
      if (cap_ - live >= min_free) {
        // Enough room once the consumed prefix is dropped: slide the live bytes down.
        std::memmove(buf_.get(), buf_.get() + begin_, live);
      } else {
        size_t cap = cap_ == 0 ? 1 << 16 : cap_;
        while (cap - live < min_free) cap *= 2;
        std::unique_ptr<char[]> grown(new char[cap]);
        if (live) std::memcpy(grown.get(), buf_.get() + begin_, live);
        buf_ = std::move(grown);
        cap_ = cap;
      }
      base_ += begin_;
      end_ = live;
      begin_ = 0;
    }
    return buf_.get() + end_;
  }
  size_t free_space() const { return cap_ - end_; }
  void CommitAppend(size_t n) { end_ += n; }
  size_t capacity() const { return cap_; }
  // Frees memory beyond `keep` bytes of capacity when the window is empty.
  void Shrink(size_t keep) {
    if (empty() && cap_ > keep) {
      buf_.reset();
      cap_ = 0;
    }
  }

 private:
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t begin_ = 0;
  size_t end_ = 0;
  uint64_t base_ = 0;
};

// Compressed input: a Window filled from a ByteSource.
class InputBuffer {
 public:
  InputBuffer(std::unique_ptr<ByteSource> source, size_t read_bytes)
      : source_(std::move(source)), read_bytes_(read_bytes) {}

  const char* data() const { return w_.data(); }
  size_t size() const { return w_.size(); }
  uint64_t offset() const { return w_.position(); }
  bool eof() const { return eof_; }
  void Consume(size_t n) { w_.Consume(n); }
  const ByteSource& source() const { return *source_; }

  // Reads until at least `n` bytes are buffered or the source ends.
  Status Ensure(size_t n) {
    // No more room asked for than the object can still deliver (a 3 KiB file
    // read in 4 MiB chunks does not get a 4 MiB buffer).
    if (const auto total = source_->Size(); total && *total >= bytes_read_)
      n = static_cast<size_t>(std::min<uint64_t>(n, w_.size() + (*total - bytes_read_) + 1));
    while (w_.size() < n && !eof_) {
      // Hash jobs read buffered bytes on the worker thread: they must be done
      // before the buffer may move.
      DrainWorker();
      // A small object is read in one piece of its own size (a listing of a
      // few KiB does not get a 4 MiB buffer).
      size_t chunk = read_bytes_;
      if (const auto total = source_->Size(); total && *total >= bytes_read_)
        chunk = static_cast<size_t>(std::min<uint64_t>(chunk, *total - bytes_read_ + 1));
      size_t want = std::max(chunk, n - w_.size());
      char* dst = w_.PrepareAppend(want);
      ASSIGN_OR_RETURN(size_t got, source_->Read(dst, want));
      if (got == 0) eof_ = true;
      if (worker_ && got > 0) worker_->Update(&*file_hasher_, std::string_view(dst, got));
      bytes_read_ += got;
      w_.CommitAppend(got);
    }
    return Status::Ok();
  }

  // Hashes every byte read from now on with SHA-256 on a helper thread, which
  // decoders may also give member hashes to (worker()). REQUIRES: nothing read yet.
  void EnableFileHash() {
    file_hasher_.emplace(DigestAlgorithm::kSha256);
    worker_ = std::make_unique<HashWorker>();
  }
  // The helper thread, or nullptr without EnableFileHash(). Jobs may reference
  // buffered bytes: they stay valid until the next Ensure().
  HashWorker* worker() { return worker_.get(); }
  // SHA-256 of the whole input, raw. REQUIRES: EnableFileHash() and eof().
  std::string FileSha256() {
    if (!worker_) return std::string();
    DrainWorker();
    return file_hasher_->Finish();
  }
  // Called before the worker is drained (a decoder submits its pending batch).
  void SetBeforeDrain(std::function<void()> hook) { before_drain_ = std::move(hook); }
  uint64_t bytes_read() const { return bytes_read_; }

 private:
  std::unique_ptr<ByteSource> source_;
  size_t read_bytes_;
  Window w_;
  bool eof_ = false;
  void DrainWorker() {
    if (!worker_) return;
    if (before_drain_) before_drain_();
    worker_->Drain();
  }

  std::optional<Hasher> file_hasher_;
  std::function<void()> before_drain_;
  std::unique_ptr<HashWorker> worker_;  // destroyed first: joins before the buffer goes
  uint64_t bytes_read_ = 0;
};

}  // namespace crawlproof::ingest

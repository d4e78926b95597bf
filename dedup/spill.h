// Disk-backed storage for deduplication state that outgrows a memory budget:
// the signatures (a file mapped for reading once complete) and the LSH band
// entries (sorted runs merged on the way out). Temporary files are created in
// a directory of the caller's choice and unlinked at once, so nothing is left
// behind even when the process is killed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"

namespace crawlproof::dedup {

// An anonymous temporary file in `dir` ("" = $TMPDIR or /tmp).
class TempFile {
 public:
  TempFile() = default;
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  Status Open(const std::string& dir);
  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  uint64_t size() const { return size_; }
  const std::string& name() const { return name_; }  // the unlinked path, for messages
  Status Append(const void* data, size_t bytes);
  Status ReadAt(uint64_t offset, void* data, size_t bytes) const;

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string name_;
};

// Rows of `num_perm` values, appended in order. In memory until they would
// pass `memory_limit` bytes (0: no limit), then in a temporary file that
// Seal() maps, so data() is one contiguous array either way.
class SignatureStore {
 public:
  SignatureStore(uint32_t num_perm, uint64_t memory_limit, std::string temp_dir);
  ~SignatureStore();
  SignatureStore(const SignatureStore&) = delete;
  SignatureStore& operator=(const SignatureStore&) = delete;

  Status Append(const uint64_t* rows, size_t count);
  // After the last Append; data() is valid from here on.
  Status Seal();
  const uint64_t* data() const { return mapped_ ? mapped_ : memory_.data(); }
  size_t rows() const { return rows_; }
  uint64_t spilled_bytes() const { return file_.size(); }

 private:
  uint32_t num_perm_;
  uint64_t memory_limit_;
  std::string temp_dir_;
  size_t rows_ = 0;
  std::vector<uint64_t> memory_;
  TempFile file_;
  const uint64_t* mapped_ = nullptr;
  size_t mapped_bytes_ = 0;
};

// (key, row) entries, handed back grouped by key in (key, row) order. Kept
// in memory up to `memory_limit` bytes (0: no limit); beyond it each full
// buffer is sorted and written as a run, and the runs are merged.
class BandEntrySorter {
 public:
  BandEntrySorter(uint64_t memory_limit, std::string temp_dir);

  Status Add(uint64_t key, uint32_t row);
  // Calls `group` once per distinct key with its rows in increasing order
  // (every key, also those with one row). Ends the sorter.
  Status ForEachGroup(const std::function<Status(uint64_t key, const std::vector<uint32_t>& rows)>& group);
  // Drops every entry (when the grouping is done elsewhere).
  void Clear();
  bool spilled() const { return !runs_.empty(); }
  size_t runs() const { return runs_written_; }  // sorted runs written so far
  uint64_t spilled_bytes() const { return file_.size(); }

  struct Entry {
    uint64_t key;
    uint32_t row;
    uint32_t unused;
    bool operator<(const Entry& o) const { return key != o.key ? key < o.key : row < o.row; }
  };

 private:
  Status WriteRun();

  uint64_t memory_limit_;
  std::string temp_dir_;
  std::vector<Entry> buffer_;
  struct Run {
    uint64_t offset, count;
  };
  std::vector<Run> runs_;
  size_t runs_written_ = 0;
  TempFile file_;
};

// Bytes of physical memory, 0 when unknown.
uint64_t PhysicalMemoryBytes();

}  // namespace crawlproof::dedup

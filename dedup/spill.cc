#include "dedup/spill.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>

namespace crawlproof::dedup {
namespace {

std::string ErrnoText() {
  return std::strerror(errno);
}

}  // namespace

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status TempFile::Open(const std::string& dir) {
  std::string d = dir;
  if (d.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    d = tmp && *tmp ? tmp : "/tmp";
  }
  std::string path = d + "/crawlproof-dedup-XXXXXX";
  int fd = ::mkstemp(path.data());
  if (fd < 0) return Status::IoError("cannot create a temporary file in " + d + ": " + ErrnoText());
  ::unlink(path.c_str());
  fd_ = fd;
  name_ = path;
  size_ = 0;
  return Status::Ok();
}

Status TempFile::Append(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    ssize_t n = ::pwrite(fd_, p, bytes, static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status::IoError("temporary file " + name_ + ": write at byte " + std::to_string(size_) + ": " +
                             (n < 0 ? ErrnoText() : std::string("no progress")));
    p += n;
    bytes -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

Status TempFile::ReadAt(uint64_t offset, void* data, size_t bytes) const {
  char* p = static_cast<char*>(data);
  while (bytes > 0) {
    ssize_t n = ::pread(fd_, p, bytes, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return Status::IoError("temporary file " + name_ + ": read at byte " + std::to_string(offset) + ": " +
                             (n < 0 ? ErrnoText() : std::string("unexpected end")));
    p += n;
    bytes -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  return Status::Ok();
}

SignatureStore::SignatureStore(uint32_t num_perm, uint64_t memory_limit, std::string temp_dir)
    : num_perm_(num_perm), memory_limit_(memory_limit), temp_dir_(std::move(temp_dir)) {}

SignatureStore::~SignatureStore() {
  if (mapped_) ::munmap(const_cast<uint64_t*>(mapped_), mapped_bytes_);
}

Status SignatureStore::Append(const uint64_t* rows, size_t count) {
  const size_t values = count * num_perm_;
  if (!file_.is_open() && memory_limit_ > 0 && (memory_.size() + values) * sizeof(uint64_t) > memory_limit_) {
    RETURN_IF_ERROR(file_.Open(temp_dir_));
    RETURN_IF_ERROR(file_.Append(memory_.data(), memory_.size() * sizeof(uint64_t)));
    std::vector<uint64_t>().swap(memory_);
  }
  if (file_.is_open()) {
    RETURN_IF_ERROR(file_.Append(rows, values * sizeof(uint64_t)));
  } else {
    memory_.insert(memory_.end(), rows, rows + values);
  }
  rows_ += count;
  return Status::Ok();
}

Status SignatureStore::Seal() {
  if (!file_.is_open() || mapped_ || file_.size() == 0) return Status::Ok();
  void* p = ::mmap(nullptr, file_.size(), PROT_READ, MAP_SHARED, file_.fd(), 0);
  if (p == MAP_FAILED) return Status::IoError("cannot map the signature file " + file_.name() + ": " + ErrnoText());
  mapped_ = static_cast<const uint64_t*>(p);
  mapped_bytes_ = file_.size();
  return Status::Ok();
}

BandEntrySorter::BandEntrySorter(uint64_t memory_limit, std::string temp_dir)
    : memory_limit_(memory_limit), temp_dir_(std::move(temp_dir)) {}

Status BandEntrySorter::Add(uint64_t key, uint32_t row) {
  buffer_.push_back({key, row, 0});
  if (memory_limit_ > 0 && buffer_.size() * sizeof(Entry) >= memory_limit_) return WriteRun();
  return Status::Ok();
}

Status BandEntrySorter::WriteRun() {
  if (buffer_.empty()) return Status::Ok();
  if (!file_.is_open()) RETURN_IF_ERROR(file_.Open(temp_dir_));
  std::sort(buffer_.begin(), buffer_.end());
  runs_.push_back({file_.size(), buffer_.size()});
  ++runs_written_;
  RETURN_IF_ERROR(file_.Append(buffer_.data(), buffer_.size() * sizeof(Entry)));
  buffer_.clear();
  return Status::Ok();
}

void BandEntrySorter::Clear() {
  std::vector<Entry>().swap(buffer_);
  runs_.clear();
}

Status BandEntrySorter::ForEachGroup(
    const std::function<Status(uint64_t key, const std::vector<uint32_t>& rows)>& group) {
  std::vector<uint32_t> rows;
  uint64_t key = 0;
  auto take = [&](const Entry& e) -> Status {
    if (!rows.empty() && e.key != key) {
      RETURN_IF_ERROR(group(key, rows));
      rows.clear();
    }
    key = e.key;
    rows.push_back(e.row);
    return Status::Ok();
  };
  if (runs_.empty()) {
    std::sort(buffer_.begin(), buffer_.end());
    for (const Entry& e : buffer_) RETURN_IF_ERROR(take(e));
    std::vector<Entry>().swap(buffer_);
  } else {
    RETURN_IF_ERROR(WriteRun());
    std::vector<Entry>().swap(buffer_);
    // k-way merge; each run read through a window of up to 1 MiB.
    constexpr uint64_t kWindow = (uint64_t{1} << 20) / sizeof(Entry);
    struct Cursor {
      uint64_t next = 0;  // entries of the run consumed into the window
      std::vector<Entry> window;
      size_t pos = 0;
    };
    std::vector<Cursor> cursors(runs_.size());
    auto refill = [&](size_t r) -> Status {
      Cursor& c = cursors[r];
      const uint64_t n = std::min(kWindow, runs_[r].count - c.next);
      c.window.resize(n);
      c.pos = 0;
      if (n == 0) return Status::Ok();
      RETURN_IF_ERROR(file_.ReadAt(runs_[r].offset + c.next * sizeof(Entry), c.window.data(), n * sizeof(Entry)));
      c.next += n;
      return Status::Ok();
    };
    using Head = std::pair<Entry, size_t>;
    auto later = [](const Head& a, const Head& b) { return b.first < a.first; };
    std::priority_queue<Head, std::vector<Head>, decltype(later)> heap(later);
    for (size_t r = 0; r < runs_.size(); ++r) {
      RETURN_IF_ERROR(refill(r));
      if (!cursors[r].window.empty()) heap.push({cursors[r].window[0], r});
    }
    while (!heap.empty()) {
      auto [e, r] = heap.top();
      heap.pop();
      RETURN_IF_ERROR(take(e));
      Cursor& c = cursors[r];
      if (++c.pos == c.window.size()) RETURN_IF_ERROR(refill(r));
      if (c.pos < c.window.size()) heap.push({c.window[c.pos], r});
    }
    runs_.clear();
  }
  if (!rows.empty()) RETURN_IF_ERROR(group(key, rows));
  return Status::Ok();
}

uint64_t PhysicalMemoryBytes() {
  long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

}  // namespace crawlproof::dedup

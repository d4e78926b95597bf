#include "ingest/file_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace crawlproof::ingest {
namespace {

class FileSource final : public ByteSource {
 public:
  FileSource(int fd, std::string path, uint64_t offset, uint64_t remaining, bool seekable)
      : fd_(fd), path_(std::move(path)), position_(offset), remaining_(remaining), seekable_(seekable) {}
  ~FileSource() override { close(fd_); }

  Result<size_t> Read(char* dst, size_t n) override {
    n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
    size_t done = 0;
    while (done < n) {
      ssize_t got =
          seekable_ ? pread(fd_, dst + done, n - done, static_cast<off_t>(position_)) : read(fd_, dst + done, n - done);
      if (got < 0) {
        if (errno == EINTR) continue;
        return Status::IoError(path_ + ": offset " + std::to_string(position_) +
                               ": read failed: " + std::strerror(errno));
      }
      if (got == 0) break;  // the file shrank under us; report what we have
      done += static_cast<size_t>(got);
      position_ += static_cast<uint64_t>(got);
      remaining_ -= static_cast<uint64_t>(got);
    }
    return done;
  }

  std::optional<uint64_t> Size() const override {
    if (!seekable_) return std::nullopt;
    return position_ + remaining_ - start_;
  }
  const std::string& name() const override { return path_; }

 private:
  int fd_;
  std::string path_;
  uint64_t position_;
  uint64_t remaining_;
  bool seekable_;
  uint64_t start_ = position_;
};

}  // namespace

Result<std::unique_ptr<ByteSource>> OpenFileSource(const std::string& path, const SourceOptions& options) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string m = path + ": cannot open: " + std::strerror(e);
    return e == ENOENT ? Status::NotFound(m) : Status::IoError(m);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    close(fd);
    return Status::IoError(path + ": cannot stat: " + std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(path + ": is a directory");
  }
  // Pipes and devices have no size; they are read sequentially from the start.
  bool seekable = S_ISREG(st.st_mode);
  if (!seekable && options.offset != 0) {
    close(fd);
    return Status::InvalidArgument(path + ": not a regular file, cannot start at an offset");
  }
  uint64_t size = seekable ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
  if (options.offset > size) {
    close(fd);
    return Status::InvalidArgument(path + ": offset " + std::to_string(options.offset) +
                                   " is past the end of the file (" + std::to_string(size) + " bytes)");
  }
  uint64_t remaining = size - options.offset;
  if (options.length) remaining = std::min(remaining, *options.length);
  posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<ByteSource>(new FileSource(fd, path, options.offset, remaining, seekable));
}

}  // namespace crawlproof::ingest

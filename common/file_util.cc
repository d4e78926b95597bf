#include "common/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace crawlproof {

std::string Dirname(std::string_view path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return slash == 0 ? "/" : std::string(path.substr(0, slash));
}

std::string Basename(std::string_view path) {
  const size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

Result<std::string> ReadWholeFile(const std::string& path, uint64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    std::string m = path + ": cannot open: " + std::strerror(e);
    return e == ENOENT ? Status::NotFound(m) : Status::IoError(m);
  }
  auto too_big = [&](const std::string& size) {
    return Status::InvalidArgument(path + ": " + size + ", more than the " + std::to_string(max_bytes) +
                                   " bytes such a file can hold");
  };
  struct stat st {};
  std::string out;
  const bool have_stat = ::fstat(fd, &st) == 0;
  if (have_stat && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": is a folder, not a file");
  }
  if (have_stat && S_ISREG(st.st_mode)) {
    if (static_cast<uint64_t>(st.st_size) > max_bytes) {
      ::close(fd);
      return too_big(std::to_string(st.st_size) + " bytes");
    }
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      ::close(fd);
      return Status::IoError(path + ": read failed: " + std::strerror(e));
    }
    if (n == 0) break;
    if (out.size() + static_cast<size_t>(n) > max_bytes) {
      ::close(fd);
      return too_big("more than " + std::to_string(max_bytes) + " bytes");
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status RefuseOverwritingInputs(const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
  auto skip = [](const std::string& p) { return p.empty() || p == "-" || p.find("://") != std::string::npos; };
  struct Seen {
    std::string name;
    bool exists;
    struct stat st;
    std::string path;  // normalised, for files not there yet
  };
  auto look = [](const std::string& p) {
    Seen s{p, false, {}, std::filesystem::absolute(p).lexically_normal().string()};
    s.exists = ::stat(p.c_str(), &s.st) == 0;
    return s;
  };
  auto same = [](const Seen& a, const Seen& b) {
    if (a.exists && b.exists) return a.st.st_dev == b.st.st_dev && a.st.st_ino == b.st.st_ino;
    return a.path == b.path;
  };
  std::vector<Seen> ins, outs;
  for (const auto& p : inputs)
    if (!skip(p)) ins.push_back(look(p));
  for (const auto& p : outputs) {
    if (skip(p)) continue;
    Seen o = look(p);
    for (const auto& i : ins)
      if (same(o, i))
        return Status::InvalidArgument(o.name + ": is the input file " + i.name +
                                       "; writing it would destroy the input (choose another output)");
    for (const auto& other : outs)
      if (same(o, other))
        return Status::InvalidArgument(o.name + ": is also given as the output " + other.name +
                                       " (each output needs its own file)");
    outs.push_back(std::move(o));
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& given, const std::string& data, bool through_link) {
  // Through a symbolic link: replace the file it names, keep the link.
  std::string path = given;
  std::error_code ec;
  if (through_link && std::filesystem::is_symlink(given, ec)) {
    auto target = std::filesystem::canonical(given, ec);
    if (ec) return Status::IoError(given + ": a symbolic link to nothing: " + ec.message());
    path = target.string();
  }
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << data;
    out.flush();
    if (!out) return Status::IoError(tmp + ": cannot write");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IoError(path + ": cannot replace: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace crawlproof

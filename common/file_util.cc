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

namespace crawlproof {

namespace {

// What is at an output's path, once it is known not to be an input.
Status CheckExistingOutput(const OutputFile& out, bool force) {
  if (out.path.empty() || out.path == "-") return Status::Ok();
  struct stat st {};
  if (::lstat(out.path.c_str(), &st) != 0) return Status::Ok();  // a new file
  auto refuse = [&](const std::string& why) { return Status::InvalidArgument(out.path + ": " + why); };
  if (S_ISLNK(st.st_mode))
    return refuse("is a symbolic link; crawlproof does not write through links (remove it or choose another path)");
  if (!S_ISREG(st.st_mode)) return refuse("exists and is not a regular file");
  std::string head(4096, '\0');
  {
    std::ifstream in(out.path, std::ios::binary);
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<size_t>(in.gcount()));
  }
  if (head.find("PRIVATE KEY-----") != std::string::npos)
    return refuse("holds a private key; crawlproof never overwrites a key file (choose another path)");
  if (force || (out.ours && out.ours(head))) return Status::Ok();
  return refuse("exists and is not a " + out.kind +
                " crawlproof wrote; it would be overwritten (choose another path, or --force to replace it)");
}

}  // namespace

Status CheckOutputFiles(const std::vector<std::string>& inputs, const std::vector<OutputFile>& outputs, bool force) {
  std::vector<std::string> paths;
  for (const auto& o : outputs) paths.push_back(o.path);
  RETURN_IF_ERROR(RefuseOverwritingInputs(inputs, paths));
  for (const auto& o : outputs) RETURN_IF_ERROR(CheckExistingOutput(o, force));
  return Status::Ok();
}

Status CheckOutputFile(const OutputFile& out, const std::vector<std::string>& inputs, bool force) {
  return CheckOutputFiles(inputs, {out}, force);
}

std::function<bool(std::string_view)> JsonFormatIs(std::string format) {
  return [format = std::move(format)](std::string_view head) {
    if (!LooksLikeJson(head)) return false;
    for (const char* sep : {"\"format\":\"", "\"format\": \""})
      if (head.find(std::string(sep) + format + "\"") != std::string_view::npos) return true;
    return false;
  };
}

bool LooksLikeJson(std::string_view head) {
  const size_t first = head.find_first_not_of(" \t\r\n");
  return first == std::string_view::npos || head[first] == '{';
}

Status CheckNoLinkBelow(const std::string& root, const std::string& path) {
  namespace fs = std::filesystem;
  const fs::path r = fs::path(root).lexically_normal(), p = fs::path(path).lexically_normal();
  const fs::path rel = p.lexically_relative(r);
  if (rel.empty() || *rel.begin() == "..") return Status::InvalidArgument(path + ": not under " + root);
  fs::path at = r;
  for (const auto& part : rel) {
    if (part == ".") continue;
    at /= part;
    struct stat st {};
    if (::lstat(at.c_str(), &st) != 0) return Status::Ok();
    if (S_ISLNK(st.st_mode))
      return Status::InvalidArgument(at.string() +
                                     ": is a symbolic link; crawlproof does not follow links in its own folders "
                                     "(remove it)");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> FindLinkInTree(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  struct stat st {};
  if (::lstat(root.c_str(), &st) != 0) return std::optional<std::string>();
  if (S_ISLNK(st.st_mode)) return std::optional<std::string>(root);
  if (!S_ISDIR(st.st_mode)) return std::optional<std::string>();
  for (fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_symlink(ec)) return std::optional<std::string>(it->path().string());
  }
  if (ec) return Status::IoError(root + ": cannot list: " + ec.message());
  return std::optional<std::string>();
}

Status CheckNoLinkInTree(const std::string& root) {
  ASSIGN_OR_RETURN(std::optional<std::string> link, FindLinkInTree(root));
  if (!link) return Status::Ok();
  return Status::InvalidArgument(
      *link + ": is a symbolic link; crawlproof does not follow links in its own folders (remove it)");
}

}  // namespace crawlproof

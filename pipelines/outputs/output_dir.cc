#include "pipelines/outputs/output_dir.h"

#include <fcntl.h>
#include <simdjson.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>

#include "common/file_util.h"
#include "common/json.h"
#include "store/provenance_store.h"

namespace crawlproof::pipelines {

namespace fs = std::filesystem;

namespace {

constexpr const char* kMarkerFormat = "crawlproof-output/v1";

// The names crawlproof writes in the output folder; anything else there is
// left alone. Of these, the ones that must not be symbolic links (a run writes
// or deletes through them).
constexpr const char* kOwnNames[] = {kOutputMarker, "shards",     "prompts",    "work",
                                     "README.md",   "stats.json", "report.html"};

std::string Canonical(const std::string& p) {
  std::error_code ec;
  fs::path c = fs::weakly_canonical(fs::absolute(p, ec), ec);
  return ec ? p : c.string();
}

bool IsLink(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode);
}

std::string MarkerText(const PipelineConfig& c) {
  JsonObject o;
  o.Add("format", kMarkerFormat).Add("store", Canonical(c.store));
  return o.str() + "\n";
}

// The store a marker names, or an error when it is not a marker.
Result<std::string> MarkerStore(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path, 64 << 10));
  simdjson::dom::parser parser;
  simdjson::padded_string p(text);
  simdjson::dom::element e;
  std::string_view format, store;
  if (parser.parse(p).get(e) || e["format"].get(format) || format != kMarkerFormat || e["store"].get(store))
    return Status::InvalidArgument(path + ": not a crawlproof output marker");
  return std::string(store);
}

// An output written before the marker existed: its store's committed
// manifest is the folder's shards/manifest.json.
bool WrittenByThisStore(const PipelineConfig& c) {
  if (!fs::exists(c.store)) return false;
  auto st = store::ProvenanceStore::OpenForReading(c.store);
  if (!st.ok()) return false;
  auto committed = (*st)->Manifest();
  if (!committed.ok() || !*committed) return false;
  auto on_disk = ReadWholeFile(c.output + "/shards/manifest.json");
  return on_disk.ok() && *on_disk == **committed;
}

}  // namespace

OutputLock::~OutputLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

bool IsOwnShardsName(const std::string& name) {
  // (shard|valid)-<digits>.(bin|idx|ds|ds.index|docs.jsonl)[.tmp], or
  // documents/group-<digits>.jsonl.zst
  auto digits_then = [](std::string_view s, std::string_view prefix, std::string_view* rest) {
    if (s.substr(0, prefix.size()) != prefix) return false;
    s.remove_prefix(prefix.size());
    size_t n = 0;
    while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
    if (n == 0) return false;
    *rest = s.substr(n);
    return true;
  };
  std::string_view rest;
  if (digits_then(name, "documents/group-", &rest)) return rest == ".jsonl.zst";
  if (!digits_then(name, "shard-", &rest) && !digits_then(name, "valid-", &rest)) return false;
  if (rest.size() >= 4 && rest.substr(rest.size() - 4) == ".tmp") rest.remove_suffix(4);
  return rest == ".bin" || rest == ".idx" || rest == ".ds" || rest == ".ds.index" || rest == ".docs.jsonl";
}

Status CheckOutputFolder(const PipelineConfig& c, bool claim, std::unique_ptr<OutputLock>* lock) {
  const std::string& out = c.output;
  auto refuse = [&](const std::string& why) { return Status::InvalidArgument(out + ": " + why); };
  const std::string marker = out + "/" + kOutputMarker;
  std::error_code ec;
  const bool exists = fs::exists(out, ec);
  if (exists && !fs::is_directory(out, ec)) return refuse("exists and is not a folder");
  bool adopt = false;
  if (exists && !IsLink(marker) && fs::exists(marker, ec)) {
    auto store = MarkerStore(marker);
    if (!store.ok()) return store.status();
    if (*store != Canonical(c.store))
      return refuse("written by the run whose store is " + *store + "; this pipeline's store is " + Canonical(c.store) +
                    " (two stores must not share an output folder)");
  } else if (exists) {
    if (IsLink(marker)) return refuse(std::string(kOutputMarker) + " is a symbolic link");
    bool empty = true;
    for (const auto& e : fs::directory_iterator(out, ec)) {
      // The default store (<output>/store) may be there already.
      if (Canonical(e.path().string()) != Canonical(c.store)) empty = false;
    }
    if (!empty) {
      if (!WrittenByThisStore(c))
        return refuse("not empty and not a crawlproof output folder (no " + std::string(kOutputMarker) +
                      "); crawlproof writes only into a new or empty folder, or one it created — choose another "
                      "[run] output");
      adopt = true;  // an earlier version's outputs
    }
  }
  for (const char* name : kOwnNames)
    if (IsLink(out + "/" + name))
      return refuse(std::string(name) +
                    " is a symbolic link; crawlproof does not follow "
                    "links out of its output folder");
  // Nothing under the folders a run writes is followed through a link, at
  // any depth (shards/tokenizer, shards/documents, prompts/…; the default
  // work folder is checked by CheckWorkFolder).
  for (const char* sub : {"shards", "prompts"}) {
    ASSIGN_OR_RETURN(std::optional<std::string> link, FindLinkInTree(out + "/" + sub));
    if (link)
      return refuse(link->substr(out.size() + 1) +
                    " is a symbolic link; crawlproof does not follow links out of its output folder");
  }
  if (!claim) {
    // Would a run be refused because another one holds the folder?
    const int fd = ::open(marker.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
      const bool busy = ::flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
      ::close(fd);
      if (busy) return Status::Unavailable(out + ": in use by another run");
    }
    (void)adopt;
    return Status::Ok();
  }
  fs::create_directories(out, ec);
  if (ec) return Status::IoError(out + ": cannot create: " + ec.message());
  if (!fs::exists(marker) || adopt) RETURN_IF_ERROR(WriteFileAtomically(marker, MarkerText(c)));
  const int fd = ::open(marker.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Status::IoError(marker + ": cannot open: " + std::strerror(errno));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int e = errno;
    ::close(fd);
    if (e == EWOULDBLOCK) return Status::Unavailable(out + ": in use by another run");
    return Status::IoError(marker + ": cannot lock: " + std::strerror(e));
  }
  if (lock)
    *lock = std::make_unique<OutputLock>(fd);
  else
    ::close(fd);
  return Status::Ok();
}

Status CheckWorkFolder(const PipelineConfig& c, const std::string& work, bool claim) {
  auto refuse = [&](const std::string& why) { return Status::InvalidArgument("work folder " + work + ": " + why); };
  const std::string marker = work + "/" + kWorkMarker;
  std::error_code ec;
  struct stat st {};
  bool mark = false;
  if (::lstat(work.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return refuse("is a symbolic link; crawlproof does not follow links into its work folder");
    if (!S_ISDIR(st.st_mode)) return refuse("exists and is not a folder");
    if (st.st_mode & S_IWOTH)
      return refuse("others may write to it (mode " + std::to_string((st.st_mode >> 6) & 7) +
                    std::to_string((st.st_mode >> 3) & 7) + std::to_string(st.st_mode & 7) +
                    "): anyone could plant a plan folder or swap a job script; use a folder only you can write "
                    "(chmod o-w, or another [slurm] workdir)");
    struct stat ms {};
    if (::lstat(marker.c_str(), &ms) == 0) {
      if (!S_ISREG(ms.st_mode)) return refuse(std::string(kWorkMarker) + " is not a regular file");
    } else {
      bool empty = true;
      for (const auto& e : fs::directory_iterator(work, ec)) {
        (void)e;
        empty = false;
        break;
      }
      const bool default_work = Canonical(work) == Canonical(c.output + "/work");
      if (!empty && !default_work)
        return refuse("not empty and not a crawlproof work folder (no " + std::string(kWorkMarker) +
                      "); crawlproof deletes and writes there, so it works only in a folder it created or found "
                      "empty — choose another [slurm] workdir");
      mark = true;
    }
    RETURN_IF_ERROR(CheckNoLinkInTree(work));
  } else {
    mark = true;
  }
  if (!claim || !mark) return Status::Ok();
  fs::create_directories(work, ec);
  if (ec) return Status::IoError(work + ": cannot create: " + ec.message());
  return WriteFileAtomically(marker, "crawlproof work folder: crawlproof may delete anything here\n");
}

}  // namespace crawlproof::pipelines

// crawlproof._core.ShardFiles: the shards of a manifest, memory-mapped; a
// document's ids as a read-only numpy view of the mapping (no copy), its
// sidecar line. crawlproof.Shards (crawlproof/__init__.py) is the Python face.
#include <fcntl.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/file_util.h"
#include "python/src/bindings.h"
#include "tokenize/shards.h"

namespace crawlproof::python {
namespace {

// A file mapped read-only for as long as any view of it lives.
struct Mapping {
  const uint8_t* data = nullptr;
  size_t size = 0;
  ~Mapping() {
    if (data && size) ::munmap(const_cast<uint8_t*>(data), size);
  }
};

Result<std::shared_ptr<Mapping>> Map(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::NotFound(path + ": cannot open the token file");
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return Status::IoError(path + ": cannot stat");
  }
  auto m = std::make_shared<Mapping>();
  m->size = static_cast<size_t>(st.st_size);
  if (m->size > 0) {
    void* p = ::mmap(nullptr, m->size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      return Status::IoError(path + ": cannot map");
    }
    m->data = static_cast<const uint8_t*>(p);
  }
  ::close(fd);
  return m;
}

struct Doc {
  uint64_t offset = 0, length = 0;  // in tokens, in its shard's token file
  size_t line_begin = 0, line_end = 0;
};

struct Shard {
  uint64_t number = 0;  // the manifest's index
  std::string split, token_file, sidecar_text;
  std::shared_ptr<Mapping> tokens;
  std::vector<Doc> docs;
};

class ShardFiles {
 public:
  static ShardFiles Open(const std::string& manifest_path) {
    ShardFiles s;
    s.manifest_path_ = manifest_path;
    const std::string dir = std::filesystem::path(manifest_path).parent_path().string();
    s.manifest_json_ = Value(ReadWholeFile(manifest_path));
    tokenize::Manifest m = Value(tokenize::Manifest::Parse(s.manifest_json_));
    s.dtype_ = m.dtype;
    s.itemsize_ = m.dtype == "uint16" ? 2 : 4;
    if (m.dtype != "uint16" && m.dtype != "int32" && m.dtype != "uint32")
      Raise(Status::Corruption(manifest_path + ": unknown dtype " + m.dtype));
    simdjson::dom::parser parser;
    for (const auto& sh : m.shards) {
      if (sh.files.empty())
        Raise(Status::Corruption(manifest_path + ": shard " + std::to_string(sh.index) + " has no files"));
      Shard x;
      x.number = sh.index;
      x.split = sh.split;
      x.token_file = dir + "/" + sh.files[0].name;
      x.tokens = Value(Map(x.token_file));
      std::string stem = sh.files[0].name.substr(0, sh.files[0].name.find('.'));
      const std::string sidecar = dir + "/" + stem + ".docs.jsonl";
      x.sidecar_text = Value(ReadWholeFile(sidecar));
      size_t at = 0;
      while (at < x.sidecar_text.size()) {
        size_t nl = x.sidecar_text.find('\n', at);
        if (nl == std::string::npos) nl = x.sidecar_text.size();
        Doc d;
        d.line_begin = at;
        d.line_end = nl;
        simdjson::padded_string line(x.sidecar_text.substr(at, nl - at));
        simdjson::dom::element e;
        if (parser.parse(line).get(e) || e["offset"].get(d.offset) || e["length"].get(d.length))
          Raise(Status::Corruption(sidecar + ": line " + std::to_string(x.docs.size() + 1) +
                                   " is not a sidecar entry {doc_id, offset, length}"));
        if ((d.offset + d.length) * s.itemsize_ > x.tokens->size)
          Raise(Status::Corruption(sidecar + ": document " + std::to_string(x.docs.size()) +
                                   " reaches past the end of " + x.token_file));
        x.docs.push_back(d);
        at = nl + 1;
      }
      if (x.docs.size() != sh.documents)
        Raise(Status::Corruption(sidecar + ": " + std::to_string(x.docs.size()) + " entries, the manifest says " +
                                 std::to_string(sh.documents)));
      s.starts_.push_back(s.total_);
      s.total_ += x.docs.size();
      s.shards_.push_back(std::move(x));
    }
    return s;
  }

  uint64_t size() const { return total_; }
  size_t shard_count() const { return shards_.size(); }
  const Shard& shard(size_t n) const {
    if (n >= shards_.size()) throw py::index_error("shard " + std::to_string(n) + " out of range");
    return shards_[n];
  }
  uint64_t shard_start(size_t n) const { return shard(n), starts_[n]; }

  // (shard position in the manifest, index within it) of document i.
  std::pair<size_t, uint64_t> Locate(int64_t i) const {
    if (i < 0) i += static_cast<int64_t>(total_);
    if (i < 0 || static_cast<uint64_t>(i) >= total_)
      throw py::index_error("document " + std::to_string(i) + " out of range (" + std::to_string(total_) + ")");
    size_t n = static_cast<size_t>(std::upper_bound(starts_.begin(), starts_.end(), static_cast<uint64_t>(i)) -
                                   starts_.begin() - 1);
    return {n, static_cast<uint64_t>(i) - starts_[n]};
  }

  py::array Ids(size_t n, uint64_t j) const {
    const Shard& sh = shard(n);
    if (j >= sh.docs.size()) throw py::index_error("document " + std::to_string(j) + " out of range in the shard");
    const Doc& d = sh.docs[j];
    auto* keep = new std::shared_ptr<Mapping>(sh.tokens);
    py::capsule base(keep, [](void* p) { delete static_cast<std::shared_ptr<Mapping>*>(p); });
    const uint8_t* data = sh.tokens->data + d.offset * itemsize_;
    py::dtype dt(dtype_);
    py::array a(dt, {static_cast<py::ssize_t>(d.length)}, {static_cast<py::ssize_t>(itemsize_)}, data, base);
    py::detail::array_proxy(a.ptr())->flags &= ~py::detail::npy_api::NPY_ARRAY_WRITEABLE_;
    return a;
  }

  std::string Sidecar(size_t n, uint64_t j) const {
    const Shard& sh = shard(n);
    if (j >= sh.docs.size()) throw py::index_error("document " + std::to_string(j) + " out of range in the shard");
    return sh.sidecar_text.substr(sh.docs[j].line_begin, sh.docs[j].line_end - sh.docs[j].line_begin);
  }

  std::vector<std::string> Verify() const {
    return WithoutGil([&] { return tokenize::VerifyManifest(manifest_path_); });
  }

  const std::string& manifest_json() const { return manifest_json_; }
  const std::string& dtype() const { return dtype_; }

 private:
  std::string manifest_path_, manifest_json_, dtype_;
  size_t itemsize_ = 4;
  std::vector<Shard> shards_;
  std::vector<uint64_t> starts_;
  uint64_t total_ = 0;
};

}  // namespace

void RegisterShards(py::module_& m) {
  py::class_<ShardFiles>(m, "ShardFiles")
      .def(py::init(&ShardFiles::Open), py::arg("manifest"))
      .def("__len__", &ShardFiles::size)
      .def_property_readonly("shard_count", &ShardFiles::shard_count)
      .def("shard_len", [](const ShardFiles& s, size_t n) { return s.shard(n).docs.size(); })
      .def("shard_start", &ShardFiles::shard_start)
      .def("shard_number", [](const ShardFiles& s, size_t n) { return s.shard(n).number; })
      .def("shard_split", [](const ShardFiles& s, size_t n) { return s.shard(n).split; })
      .def("shard_token_file", [](const ShardFiles& s, size_t n) { return s.shard(n).token_file; })
      .def("locate", &ShardFiles::Locate)
      .def("ids", &ShardFiles::Ids)
      .def("sidecar", &ShardFiles::Sidecar)
      .def("verify", &ShardFiles::Verify)
      .def_property_readonly("manifest_json", &ShardFiles::manifest_json)
      .def_property_readonly("dtype", &ShardFiles::dtype);
}

}  // namespace crawlproof::python

// FastTextModel::Open: maps a fastText 0.9 model file and checks it (the
// layout is fastText's FastText::loadModel: magic, version, Args, Dictionary,
// input matrix, output matrix).
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <tuple>

#include "classify/fasttext_impl.h"
#include "common/digest.h"

namespace crawlproof::classify {
namespace {

constexpr int32_t kMagic = 793712314;
constexpr int32_t kVersion = 12;
constexpr int32_t kModelSupervised = 3;
constexpr std::string_view kEos = "</s>";

std::string Hex(std::string_view raw) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// Reads the mapping in order; every error names the file and byte offset.
class Reader {
 public:
  Reader(const unsigned char* p, uint64_t size, const std::string& path) : p_(p), size_(size), path_(path) {}
  uint64_t pos() const { return pos_; }
  Status Bad(const std::string& what) const {
    return Status::InvalidArgument(path_ + ": byte " + std::to_string(pos_) + ": " + what);
  }
  template <class T>
  Status Read(T* v, const char* what) {
    if (size_ - pos_ < sizeof(T)) return Bad(std::string("the file ends before ") + what);
    std::memcpy(v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::Ok();
  }
  Status Bytes(uint64_t n, const unsigned char** at, const char* what) {
    if (size_ - pos_ < n) return Bad(std::string("the file ends inside ") + what);
    *at = p_ + pos_;
    pos_ += n;
    return Status::Ok();
  }
  Status CString(std::string_view* s) {
    const void* end = std::memchr(p_ + pos_, 0, size_ - pos_);
    if (!end) return Bad("the file ends inside a dictionary word");
    const auto* e = static_cast<const unsigned char*>(end);
    *s = std::string_view(reinterpret_cast<const char*>(p_ + pos_), e - (p_ + pos_));
    pos_ = e - p_ + 1;
    return Status::Ok();
  }

 private:
  const unsigned char* p_;
  uint64_t size_, pos_ = 0;
  const std::string& path_;
};

Status ReadProductQuantizer(Reader& r, int64_t cols, FastTextMatrix* m) {
  int32_t dim = 0;
  RETURN_IF_ERROR(r.Read(&dim, "the quantizer's dimension"));
  RETURN_IF_ERROR(r.Read(&m->nsubq, "the quantizer's sub-vector count"));
  RETURN_IF_ERROR(r.Read(&m->dsub, "the quantizer's sub-vector size"));
  RETURN_IF_ERROR(r.Read(&m->lastdsub, "the quantizer's last sub-vector size"));
  if (dim != cols || m->nsubq <= 0 || m->dsub <= 0 || m->lastdsub <= 0 ||
      static_cast<int64_t>(m->nsubq - 1) * m->dsub + m->lastdsub != dim)
    return r.Bad("a product quantizer of dimension " + std::to_string(dim) + " in " + std::to_string(m->nsubq) +
                 " sub-vectors of " + std::to_string(m->dsub) + " (last " + std::to_string(m->lastdsub) +
                 ") does not fit a matrix of " + std::to_string(cols) + " columns");
  const unsigned char* c = nullptr;
  const uint64_t n = static_cast<uint64_t>(dim) * 256;
  RETURN_IF_ERROR(r.Bytes(n * sizeof(float), &c, "the quantizer's centroids"));
  m->centroids.resize(n);
  std::memcpy(m->centroids.data(), c, n * sizeof(float));
  return Status::Ok();
}

// DenseMatrix::load or QuantMatrix::load.
Status ReadMatrix(Reader& r, bool quantized, FastTextMatrix* m, const char* which) {
  m->quantized = quantized;
  if (quantized) {
    uint8_t qnorm = 0;
    int32_t codesize = 0;
    RETURN_IF_ERROR(r.Read(&qnorm, "the quantized matrix's norm flag"));
    RETURN_IF_ERROR(r.Read(&m->rows, "the quantized matrix's row count"));
    RETURN_IF_ERROR(r.Read(&m->cols, "the quantized matrix's column count"));
    RETURN_IF_ERROR(r.Read(&codesize, "the quantized matrix's code size"));
    if (m->rows < 0 || m->cols <= 0 || m->cols > 100000 || codesize < 0)
      return r.Bad(std::string("the ") + which + " matrix has " + std::to_string(m->rows) + " x " +
                   std::to_string(m->cols) + " entries");
    RETURN_IF_ERROR(r.Bytes(static_cast<uint64_t>(codesize), &m->codes, "the quantized codes"));
    RETURN_IF_ERROR(ReadProductQuantizer(r, m->cols, m));
    if (static_cast<int64_t>(codesize) != m->rows * m->nsubq)
      return r.Bad("the quantized " + std::string(which) + " matrix has " + std::to_string(codesize) +
                   " code bytes for " + std::to_string(m->rows) + " rows of " + std::to_string(m->nsubq) +
                   " sub-vectors");
    m->qnorm = qnorm != 0;
    if (m->qnorm) {
      RETURN_IF_ERROR(r.Bytes(static_cast<uint64_t>(m->rows), &m->norm_codes, "the norm codes"));
      FastTextMatrix norms;
      RETURN_IF_ERROR(ReadProductQuantizer(r, 1, &norms));
      m->norm_centroids = std::move(norms.centroids);
    }
    return Status::Ok();
  }
  RETURN_IF_ERROR(r.Read(&m->rows, "the matrix's row count"));
  RETURN_IF_ERROR(r.Read(&m->cols, "the matrix's column count"));
  if (m->rows < 0 || m->cols <= 0 || m->cols > 100000)
    return r.Bad(std::string("the ") + which + " matrix has " + std::to_string(m->rows) + " x " +
                 std::to_string(m->cols) + " entries");
  const uint64_t bytes = static_cast<uint64_t>(m->rows) * static_cast<uint64_t>(m->cols) * sizeof(float);
  return r.Bytes(bytes, &m->dense, which);
}

// HierarchicalSoftmaxLoss::buildTree over the label counts (sorted by
// count, largest first, as the dictionary keeps them).
void BuildTree(const std::vector<int64_t>& counts, FastTextModel::Impl* impl) {
  const int32_t osz = static_cast<int32_t>(counts.size());
  struct Node {
    int32_t parent = -1, left = -1, right = -1;
    int64_t count = static_cast<int64_t>(1e15);
    bool binary = false;
  };
  std::vector<Node> tree(2 * osz - 1);
  for (int32_t i = 0; i < osz; ++i) tree[i].count = counts[i];
  int32_t leaf = osz - 1, node = osz;
  for (int32_t i = osz; i < 2 * osz - 1; ++i) {
    int32_t mini[2] = {0, 0};
    for (int& j : mini) j = (leaf >= 0 && tree[leaf].count < tree[node].count) ? leaf-- : node++;
    tree[i].left = mini[0];
    tree[i].right = mini[1];
    tree[i].count = tree[mini[0]].count + tree[mini[1]].count;
    tree[mini[0]].parent = i;
    tree[mini[1]].parent = i;
    tree[mini[1]].binary = true;
  }
  impl->tree.resize(tree.size());
  for (size_t i = 0; i < tree.size(); ++i) impl->tree[i] = {tree[i].left, tree[i].right};
  impl->paths.assign(osz, {});
  for (int32_t i = 0; i < osz; ++i) {
    auto& path = impl->paths[i];
    for (int32_t j = i; tree[j].parent != -1; j = tree[j].parent)
      path.emplace_back(tree[j].parent - osz, tree[j].binary);
    std::reverse(path.begin(), path.end());  // root first, as the search descends
  }
}

uint64_t TableSize(uint64_t n) {
  uint64_t size = 16;
  while (size < 2 * n) size <<= 1;
  return size;
}

struct FileKey {
  dev_t dev;
  ino_t ino;
  off_t size;
  int64_t mtime_ns;
  bool operator<(const FileKey& o) const {
    return std::tie(dev, ino, size, mtime_ns) < std::tie(o.dev, o.ino, o.size, o.mtime_ns);
  }
};

}  // namespace

std::string_view FastTextLossName(FastTextLoss loss) {
  switch (loss) {
    case FastTextLoss::kHierarchicalSoftmax: return "hs";
    case FastTextLoss::kNegativeSampling: return "ns";
    case FastTextLoss::kSoftmax: return "softmax";
    case FastTextLoss::kOneVsAll: return "ova";
  }
  return "?";
}

FastTextModel::FastTextModel(std::string path) : path_(std::move(path)), impl_(std::make_unique<Impl>()) {}

FastTextModel::~FastTextModel() {
  if (impl_->map) ::munmap(const_cast<unsigned char*>(impl_->map), impl_->map_bytes);
}

std::optional<int> FastTextModel::FindLabel(std::string_view label) const {
  for (size_t i = 0; i < labels_.size(); ++i) {
    std::string_view l = labels_[i];
    if (l == label) return static_cast<int>(i);
    if (l.substr(0, 9) == "__label__" && l.substr(9) == label) return static_cast<int>(i);
  }
  return std::nullopt;
}

Result<std::shared_ptr<const FastTextModel>> FastTextModel::Open(const std::string& path) {
  static std::mutex mu;
  // Kept for the process's life: every task of a run finds it mapped and
  // hashed. The 16 most recently opened files at most (a process that opens
  // ever new files, a fuzzer, does not grow without bound; a model still in
  // use lives on with its users).
  static std::map<FileKey, std::shared_ptr<const FastTextModel>> open_models;
  static std::deque<FileKey> opened;
  constexpr size_t kKept = 16;

  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    const std::string msg = "cannot open the fastText model " + path + ": " + std::strerror(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": the fastText model is not a regular file");
  }
  const FileKey key{st.st_dev, st.st_ino, st.st_size,
                    static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = open_models.find(key); it != open_models.end()) {
    ::close(fd);
    return it->second;
  }
  if (st.st_size < 8) {
    ::close(fd);
    return Status::InvalidArgument(path + ": byte 0: not a fastText model (" + std::to_string(st.st_size) + " bytes)");
  }
  void* p = ::mmap(nullptr, st.st_size, PROT_READ, MAP_SHARED | MAP_POPULATE, fd, 0);
  const int map_err = errno;
  ::close(fd);
  if (p == MAP_FAILED) return Status::IoError("cannot map the fastText model " + path + ": " + std::strerror(map_err));

  std::shared_ptr<FastTextModel> model(new FastTextModel(path));
  Impl& m = *model->impl_;
  m.map = static_cast<const unsigned char*>(p);
  m.map_bytes = st.st_size;
  FastTextInfo& info = model->info_;
  info.file_bytes = st.st_size;

  Reader r(m.map, m.map_bytes, path);
  int32_t magic = 0, version = 0;
  RETURN_IF_ERROR(r.Read(&magic, "the magic number"));
  if (magic != kMagic) return Status::InvalidArgument(path + ": byte 0: not a fastText model (no magic number)");
  RETURN_IF_ERROR(r.Read(&version, "the version"));
  if (version > kVersion || version < 11)
    return r.Bad("fastText model version " + std::to_string(version) + "; this reader knows 11 and 12");

  // Args::load.
  int32_t args[12];
  for (int32_t& a : args) RETURN_IF_ERROR(r.Read(&a, "the model's settings"));
  double sampling = 0;
  RETURN_IF_ERROR(r.Read(&sampling, "the model's settings"));
  const int32_t dim = args[0], word_ngrams = args[5], loss = args[6], kind = args[7];
  info.dim = dim;
  info.word_ngrams = word_ngrams;
  info.bucket = args[8];
  info.minn = args[9];
  info.maxn = version == 11 ? 0 : args[10];  // version 11 supervised models had no char n-grams
  if (kind != kModelSupervised)
    return r.Bad("model kind " + std::to_string(kind) + " is not a supervised classifier (-supervised)");
  if (loss < 1 || loss > 4) return r.Bad("unknown loss " + std::to_string(loss));
  info.loss = static_cast<FastTextLoss>(loss);
  if (dim <= 0 || dim > 100000 || info.bucket < 0 || info.maxn > 1000 || word_ngrams > 1000)
    return r.Bad("settings out of range (dim " + std::to_string(dim) + ", bucket " + std::to_string(info.bucket) +
                 ", maxn " + std::to_string(info.maxn) + ", wordNgrams " + std::to_string(word_ngrams) + ")");

  // Dictionary::load.
  int32_t size = 0, nwords = 0, nlabels = 0;
  int64_t ntokens = 0;
  RETURN_IF_ERROR(r.Read(&size, "the dictionary size"));
  RETURN_IF_ERROR(r.Read(&nwords, "the word count"));
  RETURN_IF_ERROR(r.Read(&nlabels, "the label count"));
  RETURN_IF_ERROR(r.Read(&ntokens, "the token count"));
  RETURN_IF_ERROR(r.Read(&m.prune_size, "the pruned n-gram count"));
  if (size < 0 || nwords < 0 || nlabels <= 0 || static_cast<int64_t>(nwords) + nlabels != size)
    return r.Bad("a dictionary of " + std::to_string(size) + " entries with " + std::to_string(nwords) + " words and " +
                 std::to_string(nlabels) + " labels");
  info.words = nwords;
  info.labels = nlabels;
  m.words.resize(size);
  for (int32_t i = 0; i < size; ++i) {
    int64_t count = 0;
    int8_t type = 0;
    RETURN_IF_ERROR(r.CString(&m.words[i]));
    RETURN_IF_ERROR(r.Read(&count, "a word's count"));
    RETURN_IF_ERROR(r.Read(&type, "a word's type"));
    if (type != (i < nwords ? 0 : 1))
      return r.Bad("dictionary entry " + std::to_string(i) + " is a " + (type == 1 ? "label" : "word") +
                   " where the header says the " + (i < nwords ? "words" : "labels") + " are");
    if (i >= nwords) {
      m.label_counts.push_back(count);
      model->labels_.emplace_back(m.words[i]);
    }
  }
  if (m.prune_size < -1 || m.prune_size > (int64_t{1} << 31))
    return r.Bad("a pruned n-gram count of " + std::to_string(m.prune_size));
  if (m.prune_size > 0) {
    m.prune.assign(TableSize(m.prune_size), {-1, -1});
    m.prune_mask = m.prune.size() - 1;
    for (int64_t i = 0; i < m.prune_size; ++i) {
      int32_t from = 0, to = 0;
      RETURN_IF_ERROR(r.Read(&from, "the pruned n-gram index"));
      RETURN_IF_ERROR(r.Read(&to, "the pruned n-gram index"));
      if (from < 0 || to < 0) return r.Bad("a negative pruned n-gram index");
      uint64_t s = static_cast<uint64_t>(from) * 0x9E3779B1u & m.prune_mask;
      while (m.prune[s].first >= 0 && m.prune[s].first != from) s = (s + 1) & m.prune_mask;
      m.prune[s] = {from, to};
    }
  }
  info.pruned = m.prune_size >= 0;

  // The input and output matrices.
  uint8_t quant_input = 0, quant_output = 0;
  RETURN_IF_ERROR(r.Read(&quant_input, "the input quantization flag"));
  RETURN_IF_ERROR(ReadMatrix(r, quant_input != 0, &m.input, "input"));
  if (!quant_input && info.pruned) return r.Bad("a dense model with a pruned dictionary (fastText refuses it too)");
  RETURN_IF_ERROR(r.Read(&quant_output, "the output quantization flag"));
  RETURN_IF_ERROR(ReadMatrix(r, quant_input != 0 && quant_output != 0, &m.output, "output"));
  info.quantized_input = m.input.quantized;
  info.quantized_output = m.output.quantized;
  if (r.pos() != m.map_bytes) return r.Bad(std::to_string(m.map_bytes - r.pos()) + " bytes follow the output matrix");
  if (m.input.cols != dim || m.output.cols != dim)
    return r.Bad("matrices of " + std::to_string(m.input.cols) + " and " + std::to_string(m.output.cols) +
                 " columns for dimension " + std::to_string(dim));
  if (m.output.rows != nlabels)
    return r.Bad("an output matrix of " + std::to_string(m.output.rows) + " rows for " + std::to_string(nlabels) +
                 " labels");
  // Every input id the predictor can form must name a row.
  int64_t ngram_rows = info.bucket;
  if (m.prune_size >= 0) {
    ngram_rows = 0;
    for (const auto& [from, to] : m.prune)
      if (from >= 0) ngram_rows = std::max<int64_t>(ngram_rows, int64_t{to} + 1);
  }
  if (m.input.rows < nwords + ngram_rows)
    return r.Bad("an input matrix of " + std::to_string(m.input.rows) + " rows; the dictionary needs " +
                 std::to_string(nwords + ngram_rows));

  // The word table and every word's input ids (Dictionary::initNgrams).
  m.table.assign(TableSize(size), -1);
  m.table_mask = m.table.size() - 1;
  for (int32_t i = 0; i < size; ++i) {
    uint32_t h = kFastTextHashStart;
    for (unsigned char c : m.words[i]) h = FastTextHash(h, c);
    uint64_t s = h & m.table_mask;
    while (m.table[s] >= 0 && m.words[m.table[s]] != m.words[i]) s = (s + 1) & m.table_mask;
    m.table[s] = i;  // a repeated word: the last entry wins, as in fastText
  }
  m.subword_begin.reserve(nwords + 1);
  Scratch scratch;
  for (int32_t i = 0; i < nwords; ++i) {
    m.subword_begin.push_back(m.subword_ids.size());
    m.subword_ids.push_back(i);
    if (info.maxn > 0 && m.words[i] != kEos) {
      scratch.input.clear();
      model->CharNgrams(m.words[i], &scratch);
      m.subword_ids.insert(m.subword_ids.end(), scratch.input.begin(), scratch.input.end());
    }
  }
  m.subword_begin.push_back(m.subword_ids.size());

  if (info.loss == FastTextLoss::kHierarchicalSoftmax) BuildTree(m.label_counts, &m);
  // Loss::Loss's sigmoid table, computed as fastText computes it.
  for (int i = 0; i <= 512; ++i) {
    const float x = static_cast<float>(i * 2 * 8) / 512 - 8;
    m.sigmoid_table.push_back(static_cast<float>(1.0 / (1.0 + std::exp(-x))));
  }

  Hasher sha(DigestAlgorithm::kSha256);
  for (uint64_t off = 0; off < m.map_bytes; off += 16 << 20)
    sha.Update(
        std::string_view(reinterpret_cast<const char*>(m.map) + off, std::min<uint64_t>(16 << 20, m.map_bytes - off)));
  info.sha256 = Hex(sha.Finish());

  open_models[key] = model;
  opened.push_back(key);
  if (opened.size() > kKept) {
    open_models.erase(opened.front());
    opened.pop_front();
  }
  return std::shared_ptr<const FastTextModel>(std::move(model));
}

}  // namespace crawlproof::classify

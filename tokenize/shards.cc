#include "tokenize/shards.h"

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"

namespace crawlproof::tokenize {

static_assert(std::endian::native == std::endian::little, "shard files are written as little-endian memory");

namespace {

constexpr char kMagic[9] = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};

std::string ShardStem(uint64_t index, const std::string& split = "train") {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s-%05llu", split == "validation" ? "valid" : "shard",
                static_cast<unsigned long long>(index));
  return buf;
}

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
void PutArray(std::string* out, const std::vector<T>& v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

std::string Basename(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Writes `data` to dir/name atomically and describes it.
Result<ManifestFile> WriteDescribed(const std::string& dir, const std::string& name, const std::string& data) {
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + name, data));
  return ManifestFile{name, data.size(), HexEncode(Sha256(data))};
}

// Size and SHA-256 of a file, read in 1 MiB blocks.
Result<ManifestFile> DescribeFile(const std::string& path, const std::string& name) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::NotFound(path + ": " + std::strerror(errno));
  Hasher h(DigestAlgorithm::kSha256);
  std::string buf(1 << 20, '\0');
  uint64_t size = 0;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    h.Update(std::string_view(buf.data(), n));
    size += n;
  }
  bool error = std::ferror(f);
  std::fclose(f);
  if (error) return Status::IoError(path + ": read error");
  return ManifestFile{name, size, HexEncode(h.Finish())};
}

}  // namespace

const char* ShardFormatName(ShardFormat f) {
  return f == ShardFormat::kMegatron ? "megatron" : "datatrove";
}

TokenType TokenTypeFor(ShardFormat format, uint32_t vocab_size) {
  if (format == ShardFormat::kMegatron)
    return vocab_size < 65500 ? TokenType{2, 8, "uint16"} : TokenType{4, 4, "int32"};
  return vocab_size <= 65536 ? TokenType{2, 8, "uint16"} : TokenType{4, 4, "uint32"};
}

// ---- manifest --------------------------------------------------------------

namespace {

std::string FilesJson(const std::vector<ManifestFile>& files) {
  std::string out = "[";
  for (size_t i = 0; i < files.size(); ++i) {
    JsonObject f;
    f.Add("name", files[i].name).Add("size", files[i].size).Add("sha256", files[i].sha256);
    if (i) out += ",\n      ";
    out += f.str();
  }
  return out + "]";
}

}  // namespace

std::string Manifest::ToJson() const {
  JsonObject tok;
  tok.Add("name", tokenizer_name).Add("sha256", tokenizer_sha256).Add("vocab_size", uint64_t{vocab_size});
  tok.AddRaw("files", FilesJson(tokenizer_files));
  JsonObject opt;
  opt.Add("format", ShardFormatName(options.format)).Add("shard_tokens", options.shard_tokens);
  if (options.bos) {
    opt.Add("bos", uint64_t{*options.bos});
  } else {
    opt.AddNull("bos");
  }
  if (options.eos) {
    opt.Add("eos", uint64_t{*options.eos});
  } else {
    opt.AddNull("eos");
  }
  opt.Add("dtype", dtype);
  std::string shard_list = "[";
  for (size_t i = 0; i < shards.size(); ++i) {
    JsonObject s;
    s.Add("index", shards[i].index)
        .Add("split", shards[i].split)
        .Add("documents", shards[i].documents)
        .Add("tokens", shards[i].tokens);
    s.AddRaw("files", FilesJson(shards[i].files));
    shard_list += i ? ",\n    " : "\n    ";
    shard_list += s.str();
  }
  shard_list += "\n  ]";
  std::string out = "{\n  \"manifest\": \"crawlproof-shards-v1\",\n  \"tokenizer\": " + tok.str() +
                    ",\n  \"options\": " + opt.str() + ",\n  \"documents\": " + std::to_string(documents) +
                    ",\n  \"tokens\": " + std::to_string(tokens) + ",\n  \"shards\": " + shard_list +
                    (other_files.empty() ? std::string() : ",\n  \"other_files\": " + FilesJson(other_files)) + "\n}\n";
  return out;
}

Result<Manifest> Manifest::Parse(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return Status::InvalidArgument("manifest: not JSON");
  std::string_view kind;
  if (root["manifest"].get(kind) || kind != "crawlproof-shards-v1")
    return Status::InvalidArgument("manifest: not a crawlproof-shards-v1 manifest");
  Manifest m;
  auto files = [](simdjson::dom::element list, std::vector<ManifestFile>* out) -> Status {
    simdjson::dom::array a;
    if (list.get(a)) return Status::InvalidArgument("manifest: \"files\" is not a list");
    for (simdjson::dom::element f : a) {
      std::string_view name, sha;
      uint64_t size;
      if (f["name"].get(name) || f["sha256"].get(sha) || f["size"].get(size))
        return Status::InvalidArgument("manifest: a file without name, size and sha256");
      if (name.empty() || name[0] == '/' || name.find("..") != std::string_view::npos)
        return Status::InvalidArgument("manifest: file name " + std::string(name) + " leaves the folder");
      out->push_back({std::string(name), size, std::string(sha)});
    }
    return Status::Ok();
  };
  simdjson::dom::element tok = root["tokenizer"], opt = root["options"];
  std::string_view s;
  uint64_t u;
  if (!tok["name"].get(s)) m.tokenizer_name = std::string(s);
  if (!tok["sha256"].get(s)) m.tokenizer_sha256 = std::string(s);
  if (!tok["vocab_size"].get(u)) m.vocab_size = static_cast<uint32_t>(u);
  RETURN_IF_ERROR(files(tok["files"], &m.tokenizer_files));
  if (opt["format"].get(s)) return Status::InvalidArgument("manifest: no options.format");
  if (s == "megatron") {
    m.options.format = ShardFormat::kMegatron;
  } else if (s == "datatrove") {
    m.options.format = ShardFormat::kDatatrove;
  } else {
    return Status::InvalidArgument("manifest: unknown format " + std::string(s));
  }
  if (!opt["shard_tokens"].get(u)) m.options.shard_tokens = u;
  if (!opt["bos"].get(u)) m.options.bos = static_cast<uint32_t>(u);
  if (!opt["eos"].get(u)) m.options.eos = static_cast<uint32_t>(u);
  if (!opt["dtype"].get(s)) m.dtype = std::string(s);
  if (!root["documents"].get(u)) m.documents = u;
  if (!root["tokens"].get(u)) m.tokens = u;
  simdjson::dom::array shards;
  if (root["shards"].get(shards)) return Status::InvalidArgument("manifest: no \"shards\" list");
  for (simdjson::dom::element e : shards) {
    ManifestShard sh;
    if (e["index"].get(sh.index) || e["documents"].get(sh.documents) || e["tokens"].get(sh.tokens))
      return Status::InvalidArgument("manifest: a shard without index, documents and tokens");
    RETURN_IF_ERROR(files(e["files"], &sh.files));
    std::string_view split;
    if (!e["split"].get(split)) sh.split = std::string(split);
    if (sh.split != "train" && sh.split != "validation")
      return Status::InvalidArgument("manifest: shard split " + sh.split + " is neither train nor validation");
    m.shards.push_back(std::move(sh));
  }
  simdjson::dom::element other;
  if (!root["other_files"].get(other)) RETURN_IF_ERROR(files(other, &m.other_files));
  return m;
}

Status WriteManifest(const std::string& dir, const Manifest& manifest) {
  return WriteFileAtomically(dir + "/manifest.json", manifest.ToJson());
}

// ---- writer ----------------------------------------------------------------

struct ShardWriter::State {
  std::string dir, split = "train";
  ShardOptions options;
  TokenType type{};
  Manifest manifest;
  uint64_t next_index = 0;
  // The open shard.
  bool open = false;
  std::FILE* tokens_file = nullptr;
  std::string tokens_tmp;
  std::unique_ptr<Hasher> hasher;
  uint64_t shard_tokens = 0;
  std::vector<int32_t> lengths;
  std::vector<int64_t> pointers;
  std::vector<uint64_t> ends;
  std::string sidecar;
  std::string buffer;
};

ShardWriter::~ShardWriter() {
  if (s_ && s_->tokens_file) {
    std::fclose(s_->tokens_file);
    std::remove(s_->tokens_tmp.c_str());
  }
}

Result<std::unique_ptr<ShardWriter>> ShardWriter::Open(const std::string& dir, const Tokenizer& tokenizer,
                                                       const std::string& tokenizer_path, ShardOptions options,
                                                       uint64_t first_shard, const std::string& split) {
  std::error_code ec;
  std::filesystem::create_directories(dir + "/tokenizer", ec);
  if (ec) return Status::IoError("cannot create " + dir + "/tokenizer: " + ec.message());
  std::unique_ptr<ShardWriter> w(new ShardWriter());
  w->s_ = std::make_unique<State>();
  State& s = *w->s_;
  s.dir = dir;
  s.split = split;
  s.options = options;
  s.type = TokenTypeFor(options.format, tokenizer.vocab_size());
  s.next_index = first_shard;
  Manifest& m = s.manifest;
  m.options = options;
  m.vocab_size = tokenizer.vocab_size();
  m.dtype = s.type.name;
  // The tokenizer travels with the shards.
  const std::string base = Basename(tokenizer_path);
  std::vector<std::string> sources{tokenizer_path};
  if (EndsWith(base, ".tiktoken")) {
    m.tokenizer_name = base.substr(0, base.size() - 9);
    sources.push_back(tokenizer_path.substr(0, tokenizer_path.size() - 9) + ".json");
  } else {
    m.tokenizer_name = base == "tokenizer.json" ? Basename(Dirname(tokenizer_path)) : base;
    if (m.tokenizer_name == "." || m.tokenizer_name.empty()) m.tokenizer_name = base;
    std::string config = Dirname(tokenizer_path) + "/tokenizer_config.json";
    if (access(config.c_str(), R_OK) == 0) sources.push_back(config);
  }
  for (size_t i = 0; i < sources.size(); ++i) {
    ASSIGN_OR_RETURN(std::string data, ReadWholeFile(sources[i]));
    ASSIGN_OR_RETURN(ManifestFile f, WriteDescribed(dir, "tokenizer/" + Basename(sources[i]), data));
    if (i == 0) m.tokenizer_sha256 = f.sha256;
    m.tokenizer_files.push_back(std::move(f));
  }
  return w;
}

Status ShardWriter::Add(std::string_view doc_id, const std::vector<uint32_t>& ids) {
  State& s = *s_;
  const uint64_t length = ids.size() + (s.options.bos ? 1 : 0) + (s.options.eos ? 1 : 0);
  if (length > 0x7FFFFFFF)
    return Status::InvalidArgument("document " + std::string(doc_id) + " has " + std::to_string(length) +
                                   " tokens, more than a Megatron sequence holds");
  if (s.open && s.shard_tokens > 0 && s.shard_tokens + length > s.options.shard_tokens) RETURN_IF_ERROR(CloseShard());
  if (!s.open) {
    s.tokens_tmp = s.dir + "/" + ShardStem(s.next_index, s.split) +
                   (s.options.format == ShardFormat::kMegatron ? ".bin" : ".ds") + ".tmp";
    s.tokens_file = std::fopen(s.tokens_tmp.c_str(), "wb");
    if (!s.tokens_file) return Status::IoError("cannot create " + s.tokens_tmp + ": " + std::strerror(errno));
    s.hasher = std::make_unique<Hasher>(DigestAlgorithm::kSha256);
    s.open = true;
    s.shard_tokens = 0;
    s.lengths.clear();
    s.pointers.clear();
    s.ends.clear();
    s.sidecar.clear();
  }
  s.buffer.clear();
  auto put = [&](uint32_t id) {
    if (s.type.bytes == 2) {
      Put(&s.buffer, static_cast<uint16_t>(id));
    } else {
      Put(&s.buffer, id);
    }
  };
  if (s.options.bos) put(*s.options.bos);
  for (uint32_t id : ids) put(id);
  if (s.options.eos) put(*s.options.eos);
  if (std::fwrite(s.buffer.data(), 1, s.buffer.size(), s.tokens_file) != s.buffer.size())
    return Status::IoError("writing " + s.tokens_tmp + ": " + std::strerror(errno));
  s.hasher->Update(s.buffer);
  JsonObject line;
  line.Add("doc_id", doc_id).Add("offset", s.shard_tokens).Add("length", length);
  s.sidecar += line.str();
  s.sidecar += '\n';
  s.pointers.push_back(static_cast<int64_t>(s.shard_tokens * s.type.bytes));
  s.lengths.push_back(static_cast<int32_t>(length));
  s.shard_tokens += length;
  s.ends.push_back(s.shard_tokens);
  return Status::Ok();
}

Status ShardWriter::CloseShard() {
  State& s = *s_;
  if (!s.open) return Status::Ok();
  bool ok = std::fflush(s.tokens_file) == 0 && ::fsync(::fileno(s.tokens_file)) == 0;
  ok = std::fclose(s.tokens_file) == 0 && ok;
  s.tokens_file = nullptr;
  const std::string stem = ShardStem(s.next_index, s.split);
  const std::string tokens_name = stem + (s.options.format == ShardFormat::kMegatron ? ".bin" : ".ds");
  if (!ok || std::rename(s.tokens_tmp.c_str(), (s.dir + "/" + tokens_name).c_str()) != 0)
    return Status::IoError("writing " + s.dir + "/" + tokens_name + ": " + std::strerror(errno));
  ManifestShard shard;
  shard.index = s.next_index;
  shard.split = s.split;
  shard.documents = s.lengths.size();
  shard.tokens = s.shard_tokens;
  shard.files.push_back({tokens_name, s.shard_tokens * s.type.bytes, HexEncode(s.hasher->Finish())});
  std::string index;
  if (s.options.format == ShardFormat::kMegatron) {
    index.append(kMagic, sizeof kMagic);
    Put(&index, uint64_t{1});
    Put(&index, s.type.megatron_code);
    Put(&index, static_cast<uint64_t>(s.lengths.size()));
    Put(&index, static_cast<uint64_t>(s.lengths.size() + 1));
    PutArray(&index, s.lengths);
    PutArray(&index, s.pointers);
    for (uint64_t d = 0; d <= s.lengths.size(); ++d) Put(&index, static_cast<int64_t>(d));
    ASSIGN_OR_RETURN(ManifestFile f, WriteDescribed(s.dir, stem + ".idx", index));
    shard.files.push_back(std::move(f));
  } else {
    PutArray(&index, s.ends);
    ASSIGN_OR_RETURN(ManifestFile f, WriteDescribed(s.dir, stem + ".ds.index", index));
    shard.files.push_back(std::move(f));
  }
  ASSIGN_OR_RETURN(ManifestFile side, WriteDescribed(s.dir, stem + ".docs.jsonl", s.sidecar));
  shard.files.push_back(std::move(side));
  s.manifest.documents += shard.documents;
  s.manifest.tokens += shard.tokens;
  s.manifest.shards.push_back(std::move(shard));
  ++s.next_index;
  s.open = false;
  return Status::Ok();
}

Result<Manifest> ShardWriter::Finish() {
  RETURN_IF_ERROR(CloseShard());
  return s_->manifest;
}

// ---- reading back ----------------------------------------------------------

Result<ShardContents> ReadShard(const std::string& path, std::string* stem_out) {
  std::string stem = path;
  for (const char* suffix : {".docs.jsonl", ".ds.index", ".ds", ".idx", ".bin"}) {  // shard-N or valid-N
    if (EndsWith(stem, suffix)) {
      stem.resize(stem.size() - std::strlen(suffix));
      break;
    }
  }
  if (stem_out) *stem_out = stem;
  ShardContents c;
  std::string token_file;
  if (access((stem + ".idx").c_str(), R_OK) == 0) {
    c.format = ShardFormat::kMegatron;
    token_file = stem + ".bin";
    const std::string idx_path = stem + ".idx";
    ASSIGN_OR_RETURN(std::string idx, ReadWholeFile(idx_path));
    auto bad = [&](const std::string& why) { return Status::Corruption(idx_path + ": " + why); };
    constexpr size_t kHeader = 9 + 8 + 1 + 8 + 8;
    if (idx.size() < kHeader || std::memcmp(idx.data(), kMagic, 9) != 0) return bad("not a Megatron index (magic)");
    uint64_t n = 0, d = 0;
    std::memcpy(&c.version, idx.data() + 9, 8);
    uint8_t code = static_cast<uint8_t>(idx[17]);
    std::memcpy(&n, idx.data() + 18, 8);
    std::memcpy(&d, idx.data() + 26, 8);
    if (c.version != 1) return bad("version " + std::to_string(c.version) + ", not 1");
    if (code == 8) {
      c.type = {2, 8, "uint16"};
    } else if (code == 4) {
      c.type = {4, 4, "int32"};
    } else {
      return bad("dtype code " + std::to_string(code) + " (only 8 = uint16 and 4 = int32 are written)");
    }
    if (n > idx.size() || d > idx.size() || idx.size() != kHeader + 12 * n + 8 * d)
      return bad("size " + std::to_string(idx.size()) + " does not fit " + std::to_string(n) + " sequences and " +
                 std::to_string(d) + " document indices");
    c.lengths.resize(n);
    c.pointers.resize(n);
    c.document_index.resize(d);
    std::memcpy(c.lengths.data(), idx.data() + kHeader, 4 * n);
    std::memcpy(c.pointers.data(), idx.data() + kHeader + 4 * n, 8 * n);
    std::memcpy(c.document_index.data(), idx.data() + kHeader + 12 * n, 8 * d);
  } else if (access((stem + ".ds.index").c_str(), R_OK) == 0) {
    c.format = ShardFormat::kDatatrove;
    token_file = stem + ".ds";
    const std::string index_path = stem + ".ds.index";
    ASSIGN_OR_RETURN(std::string index, ReadWholeFile(index_path));
    if (index.size() % 8 != 0) return Status::Corruption(index_path + ": size is not a multiple of 8");
    std::vector<uint64_t> ends(index.size() / 8);
    std::memcpy(ends.data(), index.data(), index.size());
    uint64_t prev = 0;
    for (uint64_t e : ends) {
      if (e < prev) return Status::Corruption(index_path + ": document ends go backwards");
      c.lengths.push_back(static_cast<int32_t>(e - prev));
      prev = e;
    }
  } else {
    return Status::NotFound(path + ": no " + stem + ".idx or " + stem + ".ds.index beside it");
  }
  struct stat st;
  if (::stat(token_file.c_str(), &st) != 0) return Status::NotFound(token_file + ": " + std::strerror(errno));
  c.token_file_size = static_cast<uint64_t>(st.st_size);
  if (c.format == ShardFormat::kDatatrove) {
    uint64_t total = 0;
    for (int32_t l : c.lengths) total += static_cast<uint64_t>(l);
    // The width is not in the files: it follows from the token file's size.
    if (total > 0 && c.token_file_size == 4 * total) {
      c.type = {4, 4, "uint32"};
    } else {
      c.type = {2, 8, "uint16"};
    }
    uint64_t offset = 0;
    for (int32_t l : c.lengths) {
      c.pointers.push_back(static_cast<int64_t>(offset * c.type.bytes));
      offset += static_cast<uint64_t>(l);
    }
  }
  // The provenance sidecar.
  const std::string side_path = stem + ".docs.jsonl";
  if (auto side = ReadWholeFile(side_path); side.ok()) {
    simdjson::dom::parser parser;
    size_t line_no = 0;
    for (size_t pos = 0; pos < side->size();) {
      size_t nl = side->find('\n', pos);
      if (nl == std::string::npos) nl = side->size();
      std::string_view line(side->data() + pos, nl - pos);
      pos = nl + 1;
      ++line_no;
      if (line.empty()) continue;
      simdjson::padded_string p(line);
      simdjson::dom::element e;
      std::string_view id;
      ShardContents::Doc doc;
      if (parser.parse(p).get(e) || e["doc_id"].get(id) || e["offset"].get(doc.offset) || e["length"].get(doc.length))
        return Status::Corruption(side_path + ": line " + std::to_string(line_no) +
                                  ": not {\"doc_id\", \"offset\", \"length\"}");
      doc.doc_id = std::string(id);
      c.docs.push_back(std::move(doc));
    }
  }
  return c;
}

Result<std::vector<uint32_t>> ReadShardTokens(const std::string& stem, const ShardContents& shard, uint64_t offset,
                                              uint64_t length) {
  const std::string path = stem + (shard.format == ShardFormat::kMegatron ? ".bin" : ".ds");
  const uint64_t w = shard.type.bytes;
  if ((offset + length) * w > shard.token_file_size)
    return Status::InvalidArgument(path + ": tokens " + std::to_string(offset) + "+" + std::to_string(length) +
                                   " lie beyond its end");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::NotFound(path + ": " + std::strerror(errno));
  std::string bytes(length * w, '\0');
  bool ok = std::fseek(f, static_cast<long>(offset * w), SEEK_SET) == 0 &&
            std::fread(bytes.data(), 1, bytes.size(), f) == bytes.size();
  std::fclose(f);
  if (!ok) return Status::IoError(path + ": read error");
  std::vector<uint32_t> ids(length);
  for (uint64_t i = 0; i < length; ++i) {
    if (w == 2) {
      uint16_t v;
      std::memcpy(&v, bytes.data() + 2 * i, 2);
      ids[i] = v;
    } else {
      std::memcpy(&ids[i], bytes.data() + 4 * i, 4);
    }
  }
  return ids;
}

// ---- verification ----------------------------------------------------------

Result<std::vector<std::string>> VerifyManifest(const std::string& manifest_path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(manifest_path));
  ASSIGN_OR_RETURN(Manifest m, Manifest::Parse(text));
  const std::string dir = Dirname(manifest_path);
  std::vector<std::string> problems;
  auto check_file = [&](const ManifestFile& f) {
    auto got = DescribeFile(dir + "/" + f.name, f.name);
    if (!got.ok()) {
      problems.push_back(f.name + ": " + got.status().message());
    } else if (got->size != f.size) {
      problems.push_back(f.name + ": size " + std::to_string(got->size) + ", the manifest says " +
                         std::to_string(f.size));
    } else if (got->sha256 != f.sha256) {
      problems.push_back(f.name + ": SHA-256 " + got->sha256 + ", the manifest says " + f.sha256);
    }
  };
  for (const auto& f : m.tokenizer_files) check_file(f);
  for (const auto& f : m.other_files) check_file(f);
  uint64_t documents = 0, tokens = 0;
  for (const ManifestShard& sh : m.shards) {
    for (const auto& f : sh.files) check_file(f);
    documents += sh.documents;
    tokens += sh.tokens;
    if (sh.files.empty()) continue;
    std::string stem;
    auto c = ReadShard(dir + "/" + sh.files[0].name, &stem);
    const std::string name = ShardStem(sh.index, sh.split);
    if (!c.ok()) {
      problems.push_back(name + ": " + c.status().message());
      continue;
    }
    if (c->lengths.size() != sh.documents)
      problems.push_back(name + ": " + std::to_string(c->lengths.size()) + " sequences, the manifest says " +
                         std::to_string(sh.documents) + " documents");
    if (c->docs.size() != c->lengths.size())
      problems.push_back(name + ": the sidecar has " + std::to_string(c->docs.size()) + " documents, the index " +
                         std::to_string(c->lengths.size()));
    uint64_t offset = 0;
    for (size_t i = 0; i < c->lengths.size(); ++i) {
      if (c->pointers[i] != static_cast<int64_t>(offset * c->type.bytes)) {
        problems.push_back(name + ": sequence " + std::to_string(i) + " does not start where the previous ends");
        break;
      }
      if (i < c->docs.size() &&
          (c->docs[i].offset != offset || c->docs[i].length != static_cast<uint64_t>(c->lengths[i]))) {
        problems.push_back(name + ": sidecar line " + std::to_string(i + 1) + " disagrees with the index");
        break;
      }
      offset += static_cast<uint64_t>(c->lengths[i]);
    }
    if (offset != sh.tokens || c->token_file_size != offset * c->type.bytes)
      problems.push_back(name + ": " + std::to_string(offset) + " tokens in the index, " +
                         std::to_string(c->token_file_size) + " bytes in the token file, the manifest says " +
                         std::to_string(sh.tokens) + " tokens");
    if (c->format == ShardFormat::kMegatron) {
      bool ok = c->document_index.size() == c->lengths.size() + 1;
      for (size_t d = 0; ok && d < c->document_index.size(); ++d) ok = c->document_index[d] == static_cast<int64_t>(d);
      if (!ok) problems.push_back(name + ": the document index is not 0 .. " + std::to_string(c->lengths.size()));
    }
  }
  if (documents != m.documents || tokens != m.tokens)
    problems.push_back("manifest: the shards add up to " + std::to_string(documents) + " documents and " +
                       std::to_string(tokens) + " tokens, the totals say " + std::to_string(m.documents) + " and " +
                       std::to_string(m.tokens));
  return problems;
}

Result<std::string> CheckDocumentTokens(const std::string& manifest_path, const std::string& token_file,
                                        const std::string& token_file_sha256, uint64_t offset, uint64_t length,
                                        std::optional<uint32_t> bos, std::optional<uint32_t> eos,
                                        const std::string& tokens_sha256) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(manifest_path));
  ASSIGN_OR_RETURN(Manifest m, Manifest::Parse(text));
  const std::string dir = Dirname(manifest_path);
  const ManifestFile* listed = nullptr;
  for (const auto& sh : m.shards)
    for (const auto& f : sh.files)
      if (f.name == token_file) listed = &f;
  if (!listed) return Status::Corruption(manifest_path + " does not list " + token_file);
  if (listed->sha256 != token_file_sha256)
    return Status::Corruption(token_file + ": the manifest's SHA-256 " + listed->sha256 + " is not the bundle's " +
                              token_file_sha256);
  ASSIGN_OR_RETURN(ManifestFile actual, DescribeFile(dir + "/" + token_file, token_file));
  if (actual.sha256 != token_file_sha256)
    return Status::Corruption(token_file + ": its SHA-256 is " + actual.sha256 + ", the bundle says " +
                              token_file_sha256);
  std::string stem;
  ASSIGN_OR_RETURN(ShardContents c, ReadShard(dir + "/" + token_file, &stem));
  ASSIGN_OR_RETURN(std::vector<uint32_t> seq, ReadShardTokens(stem, c, offset, length));
  size_t begin = 0, end = seq.size();
  if (bos) {
    if (seq.empty() || seq.front() != *bos) return Status::Corruption("the sequence does not start with BOS");
    ++begin;
  }
  if (eos) {
    if (end <= begin || seq[end - 1] != *eos) return Status::Corruption("the sequence does not end with EOS");
    --end;
  }
  std::string bytes(reinterpret_cast<const char*>(seq.data() + begin), (end - begin) * 4);
  const std::string got = HexEncode(Sha256(bytes));
  if (got != tokens_sha256)
    return Status::Corruption("the tokens at " + token_file + " offset " + std::to_string(offset) + " hash to " + got +
                              ", the bundle says " + tokens_sha256);
  return token_file + ": tokens " + std::to_string(offset) + "–" + std::to_string(offset + length) +
         " are the document's (" + std::to_string(end - begin) + " tokens, SHA-256 " + tokens_sha256 + ")";
}

}  // namespace crawlproof::tokenize

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
#include "tokenize/shard_files.h"

namespace crawlproof::tokenize {

static_assert(std::endian::native == std::endian::little, "shard files are written as little-endian memory");

namespace {

template <typename T>
void Put(std::string* out, T v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
void PutArray(std::string* out, const std::vector<T>& v) {
  out->append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

// Writes `data` to dir/name atomically and describes it.
Result<ManifestFile> WriteDescribed(const std::string& dir, const std::string& name, const std::string& data) {
  RETURN_IF_ERROR(WriteFileAtomically(dir + "/" + name, data));
  return ManifestFile{name, data.size(), HexEncode(Sha256(data))};
}

}  // namespace

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

Status Manifest::CheckCanAppend(const Manifest& later) const {
  if (later.tokenizer_sha256 != tokenizer_sha256)
    return Status::InvalidArgument("the tokenizer file differs from the one the shards were written with");
  if (later.options.format != options.format || later.options.bos != options.bos || later.options.eos != options.eos ||
      later.vocab_size != vocab_size)
    return Status::InvalidArgument("the shards were written with other options (format, BOS, EOS or vocabulary)");
  return Status::Ok();
}

Status Manifest::Append(Manifest later) {
  RETURN_IF_ERROR(CheckCanAppend(later));
  for (auto& sh : later.shards) shards.push_back(std::move(sh));
  for (auto& f : later.other_files) other_files.push_back(std::move(f));
  documents += later.documents;
  tokens += later.tokens;
  tokenizer_files = std::move(later.tokenizer_files);
  return Status::Ok();
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
  // The tokenizer copy is written inside `dir`, never through a link.
  RETURN_IF_ERROR(CheckNoLinkBelow(dir, dir + "/tokenizer/x"));
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

Result<ShardPosition> ShardWriter::Add(std::string_view doc_id, const std::vector<uint32_t>& ids) {
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
  const ShardPosition position{s.next_index, s.lengths.size(), s.shard_tokens, length};
  s.pointers.push_back(static_cast<int64_t>(s.shard_tokens * s.type.bytes));
  s.lengths.push_back(static_cast<int32_t>(length));
  s.shard_tokens += length;
  s.ends.push_back(s.shard_tokens);
  return position;
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

}  // namespace crawlproof::tokenize

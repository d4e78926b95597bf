// Reading shards back and checking them against their manifest.
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "tokenize/shard_files.h"
#include "tokenize/shards.h"

namespace crawlproof::tokenize {

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

Status CheckTokenFile(const std::string& manifest_path, const std::string& token_file,
                      const std::string& token_file_sha256) {
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
  return Status::Ok();
}

Result<std::string> CheckDocumentTokens(const std::string& manifest_path, const std::string& token_file,
                                        const std::string& token_file_sha256, uint64_t offset, uint64_t length,
                                        std::optional<uint32_t> bos, std::optional<uint32_t> eos,
                                        const std::string& tokens_sha256, const std::string& doc_id) {
  RETURN_IF_ERROR(CheckTokenFile(manifest_path, token_file, token_file_sha256));
  return CheckSequenceTokens(Dirname(manifest_path), token_file, offset, length, bos, eos, tokens_sha256, doc_id);
}

Result<std::vector<uint32_t>> ReadDocumentTokens(const std::string& dir, const std::string& token_file, uint64_t offset,
                                                 uint64_t length, std::optional<uint32_t> bos,
                                                 std::optional<uint32_t> eos, std::string* sidecar_doc_id) {
  std::string stem;
  ASSIGN_OR_RETURN(ShardContents c, ReadShard(dir + "/" + token_file, &stem));
  ASSIGN_OR_RETURN(std::vector<uint32_t> seq, ReadShardTokens(stem, c, offset, length));
  if (sidecar_doc_id) {
    sidecar_doc_id->clear();
    for (const auto& d : c.docs)
      if (d.offset == offset && d.length == length) *sidecar_doc_id = d.doc_id;
  }
  if (bos) {
    if (seq.empty() || seq.front() != *bos) return Status::Corruption("the sequence does not start with BOS");
    seq.erase(seq.begin());
  }
  if (eos) {
    if (seq.empty() || seq.back() != *eos) return Status::Corruption("the sequence does not end with EOS");
    seq.pop_back();
  }
  return seq;
}

Result<std::string> CheckSequenceTokens(const std::string& dir, const std::string& token_file, uint64_t offset,
                                        uint64_t length, std::optional<uint32_t> bos, std::optional<uint32_t> eos,
                                        const std::string& tokens_sha256, const std::string& doc_id) {
  std::string listed;
  ASSIGN_OR_RETURN(std::vector<uint32_t> ids, ReadDocumentTokens(dir, token_file, offset, length, bos, eos, &listed));
  if (!doc_id.empty() && listed != doc_id)
    return Status::Corruption("the shard's sidecar names " + (listed.empty() ? std::string("no document") : listed) +
                              " for the tokens at " + token_file + " offset " + std::to_string(offset) +
                              ", the bundle is for " + doc_id);
  std::string bytes(reinterpret_cast<const char*>(ids.data()), ids.size() * 4);
  const std::string got = HexEncode(Sha256(bytes));
  if (got != tokens_sha256)
    return Status::Corruption("the tokens at " + token_file + " offset " + std::to_string(offset) + " hash to " + got +
                              ", the bundle says " + tokens_sha256);
  return token_file + ": tokens " + std::to_string(offset) + "–" + std::to_string(offset + length) +
         " are the document's (" + std::to_string(ids.size()) + " tokens, SHA-256 " + tokens_sha256 + ")";
}

}  // namespace crawlproof::tokenize

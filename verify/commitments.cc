#include "verify/commitments.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>

#include "ingest/hash_worker.h"
#include "ingest/warc_reader.h"

namespace crawlproof::verify {
namespace {

constexpr std::string_view kRecordPrefix("CRAWLPROOF-REC-V1\0", 18);
constexpr std::string_view kFilePrefix("CRAWLPROOF-FILE-V1\0", 19);
constexpr std::string_view kLeavesPrefix("CRAWLPROOF-LEAVES-V1\0", 21);

void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

Status PutStr(std::string& out, std::string_view s, const char* what) {
  if (s.size() > 0xffff) return Status::InvalidArgument(std::string(what) + " is longer than 65535 bytes");
  out += static_cast<char>(s.size() >> 8);
  out += static_cast<char>(s.size() & 0xff);
  out.append(s);
  return Status::Ok();
}

void PutHash(std::string& out, const Hash& h) {
  out.append(AsBytes(h));
}

// A bounds-checked reader over an encoding.
class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}
  bool Prefix(std::string_view p) {
    if (s_.substr(pos_, p.size()) != p) return false;
    pos_ += p.size();
    return true;
  }
  bool U64(uint64_t* v) {
    if (s_.size() - pos_ < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v = *v << 8 | static_cast<unsigned char>(s_[pos_ + i]);
    pos_ += 8;
    return true;
  }
  bool U8(uint8_t* v) {
    if (pos_ >= s_.size()) return false;
    *v = static_cast<uint8_t>(s_[pos_++]);
    return true;
  }
  bool H(Hash* h) {
    if (s_.size() - pos_ < 32) return false;
    std::memcpy(h->data(), s_.data() + pos_, 32);
    pos_ += 32;
    return true;
  }
  bool Str(std::string* out) {
    if (s_.size() - pos_ < 2) return false;
    size_t n = static_cast<unsigned char>(s_[pos_]) << 8 | static_cast<unsigned char>(s_[pos_ + 1]);
    pos_ += 2;
    if (s_.size() - pos_ < n) return false;
    out->assign(s_.substr(pos_, n));
    pos_ += n;
    return true;
  }
  bool AtEnd() const { return pos_ == s_.size(); }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

Hash FromRaw(const std::string& raw) {
  Hash h{};
  std::memcpy(h.data(), raw.data(), 32);
  return h;
}

}  // namespace

Result<std::string> EncodeRecordLeaf(const RecordLeaf& leaf) {
  std::string out(kRecordPrefix);
  PutU64(out, leaf.offset);
  PutU64(out, leaf.length);
  PutHash(out, leaf.addressable_sha256);
  PutHash(out, leaf.block_sha256);
  out += static_cast<char>(leaf.type);
  RETURN_IF_ERROR(PutStr(out, leaf.record_id, "WARC-Record-ID"));
  RETURN_IF_ERROR(PutStr(out, leaf.target_uri, "target URI"));
  RETURN_IF_ERROR(PutStr(out, leaf.date, "WARC-Date"));
  return out;
}

Result<std::string> EncodeFileEntry(const FileEntry& entry) {
  std::string out(kFilePrefix);
  RETURN_IF_ERROR(PutStr(out, entry.path, "path"));
  PutU64(out, entry.size);
  PutHash(out, entry.sha256);
  PutU64(out, entry.record_count);
  PutHash(out, entry.record_root);
  return out;
}

Result<RecordLeaf> DecodeRecordLeaf(std::string_view bytes) {
  Reader r(bytes);
  RecordLeaf leaf;
  if (!r.Prefix(kRecordPrefix) || !r.U64(&leaf.offset) || !r.U64(&leaf.length) || !r.H(&leaf.addressable_sha256) ||
      !r.H(&leaf.block_sha256) || !r.U8(&leaf.type) || !r.Str(&leaf.record_id) || !r.Str(&leaf.target_uri) ||
      !r.Str(&leaf.date) || !r.AtEnd())
    return Status::Corruption("not a CRAWLPROOF-REC-V1 record leaf");
  return leaf;
}

Result<FileEntry> DecodeFileEntry(std::string_view bytes) {
  Reader r(bytes);
  FileEntry e;
  if (!r.Prefix(kFilePrefix) || !r.Str(&e.path) || !r.U64(&e.size) || !r.H(&e.sha256) || !r.U64(&e.record_count) ||
      !r.H(&e.record_root) || !r.AtEnd())
    return Status::Corruption("not a CRAWLPROOF-FILE-V1 file entry");
  return e;
}

Result<RecordLeaf> RecordLeafFromWarc(const ingest::WarcRecord& record) {
  if (record.addressable_sha256.size() != 32)
    return Status::InvalidArgument("record at offset " + std::to_string(record.offset) +
                                   " has no addressable SHA-256 (it spans several compressed members)");
  if (record.block_sha256.size() != 32)
    return Status::InvalidArgument("record at offset " + std::to_string(record.offset) + " has no block SHA-256");
  RecordLeaf leaf;
  leaf.offset = record.offset;
  leaf.length = record.length;
  leaf.addressable_sha256 = FromRaw(record.addressable_sha256);
  leaf.block_sha256 = FromRaw(record.block_sha256);
  leaf.type = static_cast<uint8_t>(record.type);
  leaf.record_id = record.record_id;
  leaf.target_uri = record.target_uri;
  leaf.date = record.date;
  return leaf;
}

std::string LedgerPath(std::string_view uri, std::string_view root) {
  auto scheme = uri.find("://");
  if (scheme != std::string_view::npos && uri.substr(0, scheme) != "file") {
    std::string_view rest = uri.substr(scheme + 3);
    auto slash = rest.find('/');
    if (slash == std::string_view::npos) return "";
    std::string_view path = rest.substr(slash + 1);
    if (auto q = path.find_first_of("?#"); q != std::string_view::npos) path = path.substr(0, q);
    if (uri.substr(0, scheme) == "s3") return std::string(path);  // s3://bucket/<path>
    return std::string(path);
  }
  if (scheme != std::string_view::npos) uri.remove_prefix(scheme + 3);  // file://
  if (!root.empty()) {
    std::string r(root);
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    if (uri.size() > r.size() && uri.substr(0, r.size()) == r && uri[r.size()] == '/')
      return std::string(uri.substr(r.size() + 1));
  }
  auto base = uri.rfind('/');
  return std::string(base == std::string_view::npos ? uri : uri.substr(base + 1));
}

Result<FileCommitment> CommitFile(std::string_view uri, std::string_view ledger_path, const CommitOptions& options) {
  ingest::WarcReaderOptions ro;
  ro.addressable_sha256 = true;
  ro.defer_addressable_sha256 = true;  // member hashes on the helper thread, resolved below
  ro.block_sha256 = true;
  ro.check_digests = false;  // WARC digests are not what the ledger trusts
  ASSIGN_OR_RETURN(auto reader, ingest::WarcReader::Open(uri, options.source, ro));
  FileCommitment c;
  c.entry.path = std::string(ledger_path);
  MerkleBuilder root;
  // Leaves wait here, in file order, until their member hash has arrived.
  struct Pending {
    RecordLeaf leaf;
    std::shared_future<std::string> hash;
  };
  std::deque<Pending> pending;
  Status encode_error;
  auto append = [&](RecordLeaf leaf) {
    auto encoded = EncodeRecordLeaf(leaf);
    if (!encoded.ok()) {
      if (encode_error.ok()) encode_error = encoded.status();
      return;
    }
    Hash h = HashLeaf(*encoded);
    root.Append(h);
    c.leaf_hashes.push_back(h);
    if (options.keep_leaves) c.leaves.push_back(std::move(leaf));
  };
  auto drain_ready = [&](bool wait) {
    while (!pending.empty()) {
      auto& p = pending.front();
      if (!wait && p.hash.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return;
      p.leaf.addressable_sha256 = FromRaw(p.hash.get());
      append(std::move(p.leaf));
      pending.pop_front();
    }
  };
  ingest::WarcRecord rec;
  while (true) {
    auto r = reader->Next(&rec);
    if (!r.ok()) {
      if (reader->failed()) return r.status();
      c.problems.push_back(r.status().message());
      continue;
    }
    if (!*r) break;
    if (options.each_record) options.each_record(rec);
    for (const auto& e : rec.errors)
      c.problems.push_back(reader->name() + ": offset " + std::to_string(rec.offset) + ": " + e);
    bool deferred = rec.addressable_sha256.empty() && rec.addressable_sha256_pending.valid();
    if (deferred) rec.addressable_sha256.assign(32, '\0');  // placeholder, resolved in order
    auto leaf = RecordLeafFromWarc(rec);
    if (!leaf.ok()) {
      c.problems.push_back(reader->name() + ": " + leaf.status().message());
      continue;
    }
    if (deferred || !pending.empty()) {
      pending.push_back({std::move(leaf).value(),
                         deferred ? rec.addressable_sha256_pending : ingest::ReadyHash(rec.addressable_sha256)});
    } else {
      append(std::move(leaf).value());
    }
    drain_ready(false);
  }
  c.entry.sha256 = FromRaw(reader->FileSha256());  // also completes every member hash
  drain_ready(true);
  RETURN_IF_ERROR(encode_error);
  c.entry.size = reader->bytes_read();
  c.entry.record_count = root.size();
  c.entry.record_root = root.Root();
  return c;
}

Result<std::string> LeafSidecarName(const FileEntry& entry) {
  ASSIGN_OR_RETURN(std::string enc, EncodeFileEntry(entry));
  return ToHex(HashLeaf(enc)) + ".leaves";
}

std::string EncodeLeafSidecar(std::span<const Hash> leaf_hashes) {
  std::string out(kLeavesPrefix);
  PutU64(out, leaf_hashes.size());
  out.reserve(out.size() + 32 * leaf_hashes.size());
  for (const Hash& h : leaf_hashes) PutHash(out, h);
  return out;
}

uint64_t LeafSidecarSize(const FileEntry& entry) {
  return kLeavesPrefix.size() + 8 + 32 * entry.record_count;
}

Result<std::vector<Hash>> DecodeLeafSidecar(std::string_view bytes, const FileEntry& entry) {
  Reader r(bytes);
  uint64_t count = 0;
  if (!r.Prefix(kLeavesPrefix) || !r.U64(&count))
    return Status::Corruption("not a leaf sidecar (no CRAWLPROOF-LEAVES-V1 header)");
  if (count != entry.record_count)
    return Status::Corruption("holds " + std::to_string(count) + " leaves, the file entry " +
                              std::to_string(entry.record_count));
  if ((bytes.size() - kLeavesPrefix.size() - 8) / 32 != count || (bytes.size() - kLeavesPrefix.size() - 8) % 32 != 0)
    return Status::Corruption("length does not match its count of " + std::to_string(count) + " leaves");
  std::vector<Hash> leaves(count);
  for (Hash& h : leaves) r.H(&h);
  if (RootFromLeafHashes(leaves) != entry.record_root)
    return Status::Corruption("its leaves do not hash to the file entry's record root");
  return leaves;
}

std::optional<size_t> FirstDifferingLeaf(std::span<const Hash> a, std::span<const Hash> b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  if (a.size() != b.size()) return n;
  return std::nullopt;
}

}  // namespace crawlproof::verify

#include "store/rocksdb_index.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "store/dedup_keys.h"

namespace crawlproof::store {
namespace {

class RocksDbIndex : public dedup::DedupIndex {
 public:
  RocksDbIndex(std::unique_ptr<rocksdb::DB> db, uint32_t num_perm, uint64_t count)
      : db_(std::move(db)), num_perm_(num_perm), count_(count) {}

  Result<std::vector<std::string>> Lookup(uint64_t band_key) override {
    std::vector<std::string> ids;
    std::string prefix = DedupBandPrefix(band_key);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
      ids.emplace_back(it->key().data() + prefix.size(), it->key().size() - prefix.size());
    if (!it->status().ok()) return Status::IoError("dedup index: " + it->status().ToString());
    return ids;
  }

  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), "s" + id, &value);
    if (s.IsNotFound()) return Status::NotFound("dedup index: no signature for " + id);
    if (!s.ok()) return Status::IoError("dedup index: " + s.ToString());
    return DecodeDedupSignature(value, num_perm_, id);
  }

  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    rocksdb::WriteBatch batch;
    for (const auto& d : docs) {
      for (uint64_t key : d.band_keys) batch.Put(DedupBandPrefix(key) + d.id, "");
      batch.Put("s" + d.id, EncodeDedupSignature(d.signature));
    }
    uint64_t count = count_ + docs.size();
    std::string n;
    for (int b = 0; b < 8; ++b) n.push_back(static_cast<char>((count >> (8 * b)) & 0xff));
    batch.Put("n", n);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = db_->Write(wo, &batch);
    if (!s.ok()) return Status::IoError("dedup index: " + s.ToString());
    count_ = count;
    return Status::Ok();
  }

  uint64_t size() const override { return count_; }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  uint32_t num_perm_;
  uint64_t count_;
};

}  // namespace

Result<std::unique_ptr<dedup::DedupIndex>> OpenRocksDbIndex(const std::string& dir, const std::string& params,
                                                            uint32_t num_perm) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(options, dir, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return Status::Unavailable(dir + ": the dedup index is in use by another process (" + s.ToString() + ")");
    return Status::IoError(dir + ": cannot open the dedup index: " + s.ToString());
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  std::string stored;
  s = db->Get(rocksdb::ReadOptions(), "m", &stored);
  if (s.IsNotFound()) {
    s = db->Put(rocksdb::WriteOptions(), "m", params);
    if (!s.ok()) return Status::IoError(dir + ": " + s.ToString());
  } else if (!s.ok()) {
    return Status::IoError(dir + ": " + s.ToString());
  } else if (stored != params) {
    return Status::InvalidArgument(dir + ": the dedup index was built with " + stored + ", this run uses " + params);
  }
  uint64_t count = 0;
  std::string n;
  if (db->Get(rocksdb::ReadOptions(), "n", &n).ok() && n.size() == 8)
    for (int b = 7; b >= 0; --b) count = count << 8 | static_cast<unsigned char>(n[b]);
  return std::unique_ptr<dedup::DedupIndex>(new RocksDbIndex(std::move(db), num_perm, count));
}

}  // namespace crawlproof::store

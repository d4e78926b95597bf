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
    return LookupDedupBand(db_.get(), db_->DefaultColumnFamily(), band_key);
  }

  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    return ReadDedupSignature(db_.get(), db_->DefaultColumnFamily(), id, num_perm_);
  }

  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    rocksdb::WriteBatch batch;
    for (const auto& d : docs) {
      for (uint64_t key : d.band_keys) batch.Put(DedupBandPrefix(key) + d.id, "");
      batch.Put("s" + d.id, EncodeDedupSignature(d.signature));
    }
    uint64_t count = count_ + docs.size();
    batch.Put("n", EncodeDedupCount(count));
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
  rocksdb::Options options(rocksdb::DBOptions(), StoreFamilyOptions(/*band_prefixed=*/true));
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
  if (db->Get(rocksdb::ReadOptions(), "n", &n).ok()) count = DecodeDedupCount(n);
  return std::unique_ptr<dedup::DedupIndex>(new RocksDbIndex(std::move(db), num_perm, count));
}

}  // namespace crawlproof::store

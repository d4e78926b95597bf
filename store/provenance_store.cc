#include "store/provenance_store.h"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <system_error>

#include "common/encoding.h"
#include "common/json.h"
#include "store/dedup_keys.h"
#include "store/store_impl.h"

namespace crawlproof::store {
namespace {

// Families a store made before them may lack (opened for reading: absent,
// read as empty; opened for a run: created).
bool Optional(int f) {
  return f == kPrompts || f == kPromptDedup;
}

// "part" ‖ the run as 20 decimal digits ‖ "/": printable, in run order.
std::string PartPrefix(uint64_t run) {
  std::string digits = std::to_string(run);
  return "part" + std::string(20 - digits.size(), '0') + digits + "/";
}

std::string BigEndian(uint64_t v) {
  std::string k;
  for (int i = 7; i >= 0; --i) k.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return k;
}

}  // namespace

ProvenanceStore::Batch::Batch() : impl_(std::make_unique<Impl>()) {}
ProvenanceStore::Batch::~Batch() = default;

void ProvenanceStore::Batch::PutIngest(const std::string& path, const std::string& json) {
  impl_->puts.push_back({kIngest, {path, json}});
}
void ProvenanceStore::Batch::PutDocument(const std::string& doc_id, const std::string& json, const std::string& url) {
  impl_->puts.push_back({kProvenance, {doc_id, json}});
  if (!url.empty()) impl_->puts.push_back({kByUrl, {url + std::string(1, '\0') + doc_id, ""}});
}
void ProvenanceStore::Batch::PutPosition(uint64_t shard, uint64_t index, const std::string& doc_id) {
  impl_->puts.push_back({kByPosition, {BigEndian(shard) + BigEndian(index), doc_id}});
}
void ProvenanceStore::Batch::PutRun(uint64_t run, const std::string& json) {
  impl_->puts.push_back({kRuns, {"run" + BigEndian(run), json}});
}
void ProvenanceStore::Batch::PutRunPart(uint64_t run, const std::string& group, const std::string& json) {
  impl_->puts.push_back({kRuns, {PartPrefix(run) + group, json}});
}
void ProvenanceStore::Batch::PutManifest(const std::string& json) {
  impl_->puts.push_back({kRuns, {"manifest", json}});
}
void ProvenanceStore::Batch::PutPrompt(const std::string& prompt_id, const std::string& json) {
  impl_->puts.push_back({kPrompts, {prompt_id, json}});
}
void ProvenanceStore::Batch::PutPromptsManifest(const std::string& json) {
  impl_->puts.push_back({kRuns, {"prompts_manifest", json}});
}

size_t ProvenanceStore::Batch::size() const {
  return impl_->puts.size();
}

void ProvenanceStore::Batch::Append(Batch* other) {
  auto& from = other->impl_->puts;
  impl_->puts.insert(impl_->puts.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
  from.clear();
  impl_->dedup_added += other->impl_->dedup_added;
  impl_->prompt_dedup_added += other->impl_->prompt_dedup_added;
  other->impl_->dedup_added = other->impl_->prompt_dedup_added = 0;
}

void ProvenanceStore::Batch::CountIndexed(uint64_t documents, uint64_t prompts) {
  impl_->dedup_added += documents;
  impl_->prompt_dedup_added += prompts;
}

namespace {

// The store's dedup family as a DedupIndex: reads committed postings, adds
// into the run's batch.
class StoreDedupIndex : public dedup::DedupIndex {
 public:
  StoreDedupIndex(rocksdb::DB* db, int family, rocksdb::ColumnFamilyHandle* cf, uint32_t num_perm, uint64_t count,
                  std::vector<std::pair<int, std::pair<std::string, std::string>>>* puts, uint64_t* added)
      : db_(db), family_(family), cf_(cf), num_perm_(num_perm), count_(count), puts_(puts), added_(added) {}
  Result<std::vector<std::string>> Lookup(uint64_t band_key) override {
    if (!cf_) return std::vector<std::string>();  // a store without the family: nothing indexed
    // A reader (no batch) keeps one iterator: the store does not change
    // under a stage task's reader.
    return LookupDedupBand(db_, cf_, band_key, puts_ ? nullptr : &it_);
  }
  Result<std::vector<uint64_t>> Signature(const std::string& id) override {
    if (!cf_) return Status::NotFound("dedup index: no signature for " + id);
    return ReadDedupSignature(db_, cf_, id, num_perm_);
  }
  Status Add(const std::vector<dedup::IndexedDocument>& docs) override {
    if (!puts_) return Status::Internal("dedup index opened for lookups only");
    for (const auto& d : docs) {
      for (uint64_t key : d.band_keys) puts_->push_back({family_, {DedupBandPrefix(key) + d.id, ""}});
      puts_->push_back({family_, {"s" + d.id, EncodeDedupSignature(d.signature)}});
    }
    *added_ += docs.size();
    return Status::Ok();
  }
  uint64_t size() const override { return count_; }

 private:
  rocksdb::DB* db_;
  int family_;
  rocksdb::ColumnFamilyHandle* cf_;
  uint32_t num_perm_;
  uint64_t count_;
  std::unique_ptr<rocksdb::Iterator> it_;
  std::vector<std::pair<int, std::pair<std::string, std::string>>>* puts_;
  uint64_t* added_;
};

// A store to read must be there: said plainly, and nothing is created (RocksDB
// would make the folder, and its message is about a file named CURRENT).
Status CheckStoreExists(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    return Status::NotFound(dir + ": no store there (a run creates it at [run] store, by default <output>/store)");
  if (!std::filesystem::exists(dir + "/CURRENT", ec))
    return Status::NotFound(dir + ": not a crawlproof store (no RocksDB database in it)");
  return Status::Ok();
}

// The families to open, in kFamilies' order: every one when creating, else
// those the store has (a store made before the optional ones lacks them).
Result<std::vector<int>> FamiliesToOpen(const std::string& dir, bool create) {
  std::vector<std::string> existing;
  if (!create) {
    rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &existing);
    if (!s.ok()) return Status::IoError("cannot open the store " + dir + ": " + s.ToString());
  }
  std::vector<int> open;
  for (int f = 0; f < kFamilyCount; ++f)
    if (create || !Optional(f) || std::find(existing.begin(), existing.end(), kFamilies[f]) != existing.end())
      open.push_back(f);
  return open;
}

// `handles` as opened for `families`, placed by family (absent ones null).
std::vector<rocksdb::ColumnFamilyHandle*> ByFamily(const std::vector<int>& families,
                                                   const std::vector<rocksdb::ColumnFamilyHandle*>& handles) {
  std::vector<rocksdb::ColumnFamilyHandle*> cf(kFamilyCount, nullptr);
  for (size_t k = 0; k < families.size() && k < handles.size(); ++k) cf[static_cast<size_t>(families[k])] = handles[k];
  return cf;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Descriptors(const std::vector<int>& families) {
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (int f : families) out.emplace_back(kFamilies[f], FamilyOptions(f));
  return out;
}

Result<std::unique_ptr<rocksdb::DB>> OpenDb(const std::string& dir, bool create,
                                            std::vector<rocksdb::ColumnFamilyHandle*>* cf) {
  if (!create) RETURN_IF_ERROR(CheckStoreExists(dir));
  rocksdb::DBOptions options;
  options.create_if_missing = create;
  options.create_missing_column_families = create;
  // Table files are opened on this thread: a store is small enough, and no
  // thread RocksDB cannot create (past a process limit) aborts the process.
  options.max_file_opening_threads = 1;
  ASSIGN_OR_RETURN(std::vector<int> open, FamiliesToOpen(dir, create));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  try {
    s = rocksdb::DB::Open(options, dir, Descriptors(open), &handles, &raw);
  } catch (const std::system_error& e) {  // RocksDB's threads, past a process limit
    return Status::ResourceExhausted("cannot open the store " + dir + ": " + e.code().message());
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos)
      return Status::Unavailable("the store " + dir + " is in use by another run (" + s.ToString() + ")");
    return Status::IoError("cannot open the store " + dir + ": " + s.ToString());
  }
  *cf = ByFamily(open, handles);
  return std::unique_ptr<rocksdb::DB>(raw);
}

}  // namespace

ProvenanceStore::ProvenanceStore() : impl_(std::make_unique<Impl>()) {}
ProvenanceStore::~ProvenanceStore() = default;

Result<std::unique_ptr<ProvenanceStore>> ProvenanceStore::Open(const std::string& dir, const std::string& dedup_params,
                                                               uint32_t num_perm) {
  std::unique_ptr<ProvenanceStore> st(new ProvenanceStore());
  Impl& i = *st->impl_;
  i.dir = dir;
  i.num_perm = num_perm;
  ASSIGN_OR_RETURN(i.db, OpenDb(dir, true, &i.cf));
  ASSIGN_OR_RETURN(std::optional<std::string> params, i.Get(kDedup, "m"));
  if (!params) {
    rocksdb::Status s = i.db->Put(rocksdb::WriteOptions(), i.cf[kDedup], "m", dedup_params);
    if (!s.ok()) return Status::IoError(dir + ": " + s.ToString());
  } else if (*params != dedup_params) {
    return Status::InvalidArgument(dir + ": the store's dedup index was built with " + *params + ", this run uses " +
                                   dedup_params);
  }
  RETURN_IF_ERROR(i.ReadCounts());
  return st;
}

Result<std::unique_ptr<ProvenanceStore>> ProvenanceStore::OpenForReading(const std::string& dir) {
  std::unique_ptr<ProvenanceStore> st(new ProvenanceStore());
  Impl& i = *st->impl_;
  i.dir = dir;
  ASSIGN_OR_RETURN(i.db, OpenDb(dir, false, &i.cf));
  return st;
}

namespace {

// Opens an existing store with `open` (RocksDB's read-only or secondary
// open of these descriptors), without its lock: the two ways of reading a
// store that a run may hold.
using RawOpen = std::function<rocksdb::Status(const std::vector<rocksdb::ColumnFamilyDescriptor>&,
                                              std::vector<rocksdb::ColumnFamilyHandle*>*, rocksdb::DB**)>;
Status OpenUnlocked(const std::string& dir, const RawOpen& open_db, std::unique_ptr<rocksdb::DB>* db,
                    std::vector<rocksdb::ColumnFamilyHandle*>* cf) {
  RETURN_IF_ERROR(CheckStoreExists(dir));
  ASSIGN_OR_RETURN(std::vector<int> open, FamiliesToOpen(dir, false));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  try {
    s = open_db(Descriptors(open), &handles, &raw);
  } catch (const std::system_error& e) {
    return Status::ResourceExhausted("cannot open the store " + dir + ": " + e.code().message());
  }
  if (!s.ok()) return Status::IoError("cannot open the store " + dir + " for reading: " + s.ToString());
  db->reset(raw);
  *cf = ByFamily(open, handles);
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ProvenanceStore>> ProvenanceStore::OpenReadOnly(const std::string& dir, uint32_t num_perm) {
  std::unique_ptr<ProvenanceStore> st(new ProvenanceStore());
  Impl& i = *st->impl_;
  i.dir = dir;
  i.num_perm = num_perm;
  i.read_only = true;
  RETURN_IF_ERROR(OpenUnlocked(
      dir,
      [&](const auto& descriptors, auto* handles, rocksdb::DB** raw) {
        return rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, handles, raw);
      },
      &i.db, &i.cf));
  RETURN_IF_ERROR(i.ReadCounts());
  return st;
}

Result<std::unique_ptr<ProvenanceStore>> ProvenanceStore::OpenFollower(const std::string& dir,
                                                                       const std::string& scratch) {
  std::unique_ptr<ProvenanceStore> st(new ProvenanceStore());
  Impl& i = *st->impl_;
  i.dir = dir;
  i.read_only = true;
  rocksdb::DBOptions options;
  options.max_open_files = -1;  // a secondary instance keeps every table file open
  options.max_file_opening_threads = 1;
  RETURN_IF_ERROR(OpenUnlocked(
      dir,
      [&](const auto& descriptors, auto* handles, rocksdb::DB** raw) {
        return rocksdb::DB::OpenAsSecondary(options, dir, scratch, descriptors, handles, raw);
      },
      &i.db, &i.cf));
  RETURN_IF_ERROR(i.ReadCounts());
  return st;
}

Status ProvenanceStore::CatchUp() {
  rocksdb::Status s = impl_->db->TryCatchUpWithPrimary();
  if (!s.ok()) return Status::IoError(impl_->dir + ": cannot catch up with the runs' commits: " + s.ToString());
  return impl_->ReadCounts();
}

std::unique_ptr<dedup::DedupIndex> ProvenanceStore::DedupReader() {
  return std::make_unique<StoreDedupIndex>(impl_->db.get(), kDedup, impl_->cf[kDedup], impl_->num_perm,
                                           impl_->dedup_count, nullptr, nullptr);
}

std::unique_ptr<dedup::DedupIndex> ProvenanceStore::DedupIndexFor(Batch* batch) {
  return std::make_unique<StoreDedupIndex>(impl_->db.get(), kDedup, impl_->cf[kDedup], impl_->num_perm,
                                           impl_->dedup_count, &batch->impl_->puts, &batch->impl_->dedup_added);
}

std::unique_ptr<dedup::DedupIndex> ProvenanceStore::PromptDedupReader(uint32_t num_perm) {
  return std::make_unique<StoreDedupIndex>(impl_->db.get(), kPromptDedup, impl_->cf[kPromptDedup], num_perm,
                                           impl_->prompt_dedup_count, nullptr, nullptr);
}

std::unique_ptr<dedup::DedupIndex> ProvenanceStore::PromptDedupIndexFor(Batch* batch, uint32_t num_perm) {
  return std::make_unique<StoreDedupIndex>(impl_->db.get(), kPromptDedup, impl_->cf[kPromptDedup], num_perm,
                                           impl_->prompt_dedup_count, &batch->impl_->puts,
                                           &batch->impl_->prompt_dedup_added);
}

Result<std::optional<std::string>> ProvenanceStore::Ingest(const std::string& path) const {
  return impl_->Get(kIngest, path);
}
Result<std::optional<std::string>> ProvenanceStore::Document(const std::string& doc_id) const {
  return impl_->Get(kProvenance, doc_id);
}
Result<std::optional<std::string>> ProvenanceStore::DocumentAt(uint64_t shard, uint64_t index) const {
  return impl_->Get(kByPosition, BigEndian(shard) + BigEndian(index));
}
Result<std::optional<std::string>> ProvenanceStore::Manifest() const {
  return impl_->Get(kRuns, "manifest");
}
Result<std::optional<std::string>> ProvenanceStore::Prompt(const std::string& prompt_id) const {
  return impl_->Get(kPrompts, prompt_id);
}
Result<std::optional<std::string>> ProvenanceStore::PromptsManifest() const {
  return impl_->Get(kRuns, "prompts_manifest");
}

Result<std::vector<std::string>> ProvenanceStore::DocumentsWithUrl(const std::string& url) const {
  std::vector<std::string> ids;
  const std::string prefix = url + std::string(1, '\0');
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kByUrl]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    ids.emplace_back(it->key().data() + prefix.size(), it->key().size() - prefix.size());
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return ids;
}

Result<std::vector<ProvenanceStore::UrlEntry>> ProvenanceStore::DocumentsWithUrlPrefix(const std::string& prefix,
                                                                                       const std::string& after,
                                                                                       size_t limit, bool* more) const {
  std::vector<UrlEntry> out;
  *more = false;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kByUrl]));
  it->Seek(after > prefix ? after : prefix);
  if (!after.empty() && it->Valid() && it->key() == after) it->Next();
  for (; it->Valid() && it->key().starts_with(prefix); it->Next()) {
    if (out.size() == limit) {
      *more = true;
      break;
    }
    const std::string_view key(it->key().data(), it->key().size());
    const size_t nul = key.find('\0');
    if (nul == std::string_view::npos) continue;
    out.push_back({std::string(key.substr(0, nul)), std::string(key.substr(nul + 1)), std::string(key)});
  }
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return out;
}

Result<uint64_t> ProvenanceStore::RunCount() const {
  uint64_t n = 0;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kRuns]));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (it->key().starts_with("run")) ++n;
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return n;
}

uint64_t ProvenanceStore::dedup_documents() const {
  return impl_->dedup_count;
}

Result<std::string> ProvenanceStore::Dump() const {
  std::string out;
  auto hex = [](std::string_view s) {
    static const char* d = "0123456789abcdef";
    std::string h;
    for (unsigned char c : s) {
      h.push_back(d[c >> 4]);
      h.push_back(d[c & 15]);
    }
    return h;
  };
  for (int f = kIngest; f < kFamilyCount; ++f) {
    if (!impl_->cf[f]) continue;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ScanOptions(), impl_->cf[f]));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string_view key(it->key().data(), it->key().size()), value(it->value().data(), it->value().size());
      if (f == kRuns && key.starts_with("run")) continue;  // run records hold times
      const bool dedup = f == kDedup || f == kPromptDedup;
      const bool binary = f == kByPosition || dedup || f == kByUrl;
      out += std::string(kFamilies[f]) + "\t" + (binary ? hex(key) : std::string(key)) + "\t" +
             (dedup ? hex(value) : std::string(value)) + "\n";
    }
    if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  }
  return out;
}

std::vector<std::string> ProvenanceStore::FamilyNames() {
  return {kFamilies + kIngest, kFamilies + kFamilyCount};
}

Status ProvenanceStore::DumpFamily(const std::string& family,
                                   const std::function<Status(const std::string&)>& line) const {
  const int f = FamilyIndex(family);
  if (f < 0) {
    std::string names;
    for (const auto& n : FamilyNames()) names += (names.empty() ? "" : ", ") + n;
    return Status::InvalidArgument("no family " + family + " in a store (families: " + names + ")");
  }
  auto be = [](std::string_view s) {
    uint64_t v = 0;
    for (unsigned char c : s.substr(0, 8)) v = v << 8 | c;
    return v;
  };
  if (!impl_->cf[f]) return Status::Ok();  // a store made before this family: empty
  const bool dedup = f == kDedup || f == kPromptDedup;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ScanOptions(), impl_->cf[f]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view key(it->key().data(), it->key().size()), value(it->value().data(), it->value().size());
    JsonObject o;
    if (f == kByUrl) {
      const size_t nul = key.find('\0');
      JsonObject k;
      k.Add("url", std::string(key.substr(0, nul)))
          .Add("doc_id", nul == std::string_view::npos ? "" : std::string(key.substr(nul + 1)));
      o.AddRaw("key", k.str());
    } else if (f == kByPosition && key.size() == 16) {
      JsonObject k;
      k.Add("shard", be(key)).Add("index", be(key.substr(8)));
      o.AddRaw("key", k.str());
    } else if (dedup || f == kByPosition) {
      o.Add("key", HexEncode(key));
    } else {
      o.Add("key", std::string(key));
    }
    // JSON values (some, like the manifest, span lines) go in minified, so
    // that every account is one line; anything else as a string.
    bool json_value = !value.empty() && (value.front() == '{' || value.front() == '[') &&
                      (f == kIngest || f == kProvenance || f == kRuns || f == kPrompts);
    std::string minified;
    if (json_value) {
      simdjson::dom::parser parser;
      json_value = !parser.parse(value.data(), value.size()).error();
      if (json_value) {
        minified.resize(value.size());
        size_t n = 0;
        json_value = !simdjson::minify(value.data(), value.size(), minified.data(), n);
        minified.resize(n);
      }
    }
    if (json_value) {
      o.AddRaw("value", minified);
    } else {
      o.Add("value", dedup ? HexEncode(value) : std::string(value));
    }
    RETURN_IF_ERROR(line(o.str()));
  }
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return Status::Ok();
}

Result<std::vector<std::string>> ProvenanceStore::Runs() const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kRuns]));
  for (it->Seek("run"); it->Valid() && it->key().starts_with("run"); it->Next()) out.push_back(it->value().ToString());
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return out;
}

Result<std::vector<std::string>> ProvenanceStore::RunParts(uint64_t run) const {
  std::vector<std::string> out;
  const std::string prefix = PartPrefix(run);
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kRuns]));
  for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next())
    out.push_back(it->value().ToString());
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return out;
}

Result<std::vector<std::string>> ProvenanceStore::IngestStates() const {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->cf[kIngest]));
  for (it->SeekToFirst(); it->Valid(); it->Next()) out.push_back(it->value().ToString());
  if (!it->status().ok()) return Status::IoError(impl_->dir + ": " + it->status().ToString());
  return out;
}

}  // namespace crawlproof::store

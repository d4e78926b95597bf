// The store's writing (provenance_store.h): a batch applied as one write
// batch or as table files ingested, and the table files themselves.
#include <rocksdb/db.h>
#include <rocksdb/sst_file_writer.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <filesystem>

#include "store/dedup_keys.h"
#include "store/provenance_store.h"
#include "store/store_impl.h"

namespace crawlproof::store {

Status ProvenanceStore::Commit(Batch* batch) {
  return Apply(batch, false, {});
}

Status ProvenanceStore::CommitByIngestion(Batch* batch, const std::vector<EntryFile>& files) {
  return Apply(batch, true, files);
}

Status ProvenanceStore::Apply(Batch* batch, bool ingest, const std::vector<EntryFile>& more) {
  if (impl_->read_only) return Status::Internal(impl_->dir + ": a store opened read-only cannot commit");
  auto& puts = batch->impl_->puts;
  const uint64_t count = impl_->dedup_count + batch->impl_->dedup_added;
  puts.push_back({kDedup, {"n", EncodeDedupCount(count)}});
  const uint64_t prompt_count = impl_->prompt_dedup_count + batch->impl_->prompt_dedup_added;
  if (batch->impl_->prompt_dedup_added) puts.push_back({kPromptDedup, {"n", EncodeDedupCount(prompt_count)}});
  if (ingest) {
    // Beside the store's own files (a hard link away); what a killed
    // commit left there is spent.
    const std::string dir = impl_->dir + "/crawlproof-ingest";
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    ASSIGN_OR_RETURN(std::vector<EntryFile> files, WriteEntryFiles(batch, dir, "commit"));
    files.insert(files.end(), more.begin(), more.end());
    RETURN_IF_ERROR(IngestEntryFiles(files));
    std::filesystem::remove_all(dir, ec);
  } else {
    rocksdb::WriteBatch wb;
    for (const auto& [family, kv] : puts) wb.Put(impl_->cf[family], kv.first, kv.second);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    rocksdb::Status s = impl_->db->Write(wo, &wb);
    if (!s.ok()) return Status::IoError(impl_->dir + ": commit failed: " + s.ToString());
  }
  impl_->dedup_count = count;
  impl_->prompt_dedup_count = prompt_count;
  puts.clear();
  batch->impl_->dedup_added = batch->impl_->prompt_dedup_added = 0;
  return Status::Ok();
}

Result<std::vector<ProvenanceStore::EntryFile>> ProvenanceStore::WriteEntryFiles(Batch* batch, const std::string& dir,
                                                                                 const std::string& stem) {
  auto& puts = batch->impl_->puts;
  // By family, then key; among equal keys the last put last (kept).
  std::vector<uint32_t> order(puts.size());
  for (uint32_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (puts[a].first != puts[b].first) return puts[a].first < puts[b].first;
    return puts[a].second.first < puts[b].second.first;
  });
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(dir + ": cannot create: " + ec.message());
  std::vector<EntryFile> files;
  for (size_t at = 0; at < order.size();) {
    const int family = puts[order[at]].first;
    const rocksdb::Options options(rocksdb::DBOptions(), FamilyOptions(family));
    EntryFile file{kFamilies[family], dir + "/" + stem + "." + kFamilies[family] + ".sst", 0};
    rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options);
    rocksdb::Status s = writer.Open(file.path);
    for (; s.ok() && at < order.size() && puts[order[at]].first == family; ++at) {
      const auto& [key, value] = puts[order[at]].second;
      if (at + 1 < order.size() && puts[order[at + 1]].first == family && puts[order[at + 1]].second.first == key)
        continue;  // a later put of the same key wins
      s = writer.Put(key, value);
      ++file.entries;
    }
    if (s.ok()) s = writer.Finish();
    if (!s.ok()) return Status::IoError(file.path + ": cannot write the store's entries: " + s.ToString());
    files.push_back(std::move(file));
  }
  puts.clear();
  batch->impl_->dedup_added = batch->impl_->prompt_dedup_added = 0;
  return files;
}

Result<std::vector<ProvenanceStore::EntryFile>> ProvenanceStore::EntryFilesIn(const std::string& dir) {
  std::vector<EntryFile> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < 4 || name.compare(name.size() - 4, 4, ".sst") != 0) continue;
    const std::string stem = name.substr(0, name.size() - 4);
    const size_t dot = stem.rfind('.');
    const std::string family = dot == std::string::npos ? "" : stem.substr(dot + 1);
    if (FamilyIndex(family) < 0)
      return Status::InvalidArgument(e.path().string() + ": not a file of the store's entries");
    files.push_back({family, e.path().string(), 0});
  }
  if (ec) return Status::IoError(dir + ": cannot list: " + ec.message());
  std::sort(files.begin(), files.end(), [](const EntryFile& a, const EntryFile& b) { return a.path < b.path; });
  return files;
}

Status ProvenanceStore::IngestEntryFiles(const std::vector<EntryFile>& files) {
  if (impl_->read_only) return Status::Internal(impl_->dir + ": a store opened read-only cannot commit");
  // One argument per family (RocksDB's rule), with all of its files: files
  // of one family may overlap (they go to level 0 then) but must not share a
  // key.
  std::vector<rocksdb::IngestExternalFileArg> args;
  std::vector<int> arg_of(kFamilyCount, -1);
  for (const auto& f : files) {
    const int family = FamilyIndex(f.family);
    if (family < 0 || !impl_->cf[family]) return Status::InvalidArgument(f.path + ": no family " + f.family);
    if (arg_of[family] < 0) {
      arg_of[family] = static_cast<int>(args.size());
      rocksdb::IngestExternalFileArg arg;
      arg.column_family = impl_->cf[family];
      arg.options.move_files = true;  // a hard link where it can, else a copy
      args.push_back(std::move(arg));
    }
    args[static_cast<size_t>(arg_of[family])].external_files.push_back(f.path);
  }
  if (args.empty()) return Status::Ok();
  rocksdb::Status s = impl_->db->IngestExternalFiles(args);
  if (!s.ok()) return Status::IoError(impl_->dir + ": commit failed: " + s.ToString());
  return Status::Ok();
}

Status ProvenanceStore::Compact() {
  if (impl_->read_only) return Status::Internal(impl_->dir + ": a store opened read-only cannot be compacted");
  rocksdb::CompactRangeOptions options;
  options.bottommost_level_compaction = rocksdb::BottommostLevelCompaction::kForce;  // rewrite every file
  options.exclusive_manual_compaction = true;
  for (int f = 0; f < kFamilyCount; ++f) {
    if (!impl_->cf[f]) continue;
    rocksdb::Status s = impl_->db->CompactRange(options, impl_->cf[f], nullptr, nullptr);
    if (!s.ok()) return Status::IoError(impl_->dir + ": cannot compact " + kFamilies[f] + ": " + s.ToString());
  }
  return Status::Ok();
}

}  // namespace crawlproof::store

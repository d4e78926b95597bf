#include "dedup/minhash_dedup.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "common/digest.h"
#include "kernels/lsh.h"
#include "kernels/minhash_math.h"

namespace crawlproof::dedup {
namespace {

class UnionFind {
 public:
  explicit UnionFind(size_t n) : parent_(n), rank_(n, 0) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void Union(size_t a, size_t b) {
    a = Find(a);
    b = Find(b);
    if (a == b) return;
    if (rank_[a] < rank_[b]) std::swap(a, b);
    parent_[b] = a;
    if (rank_[a] == rank_[b]) ++rank_[a];
  }

 private:
  std::vector<size_t> parent_;
  std::vector<uint8_t> rank_;
};

}  // namespace

double EstimatedJaccard(const uint64_t* a, const uint64_t* b, uint32_t n) {
  uint32_t equal = 0;
  for (uint32_t i = 0; i < n; ++i) equal += a[i] == b[i];
  return n ? static_cast<double>(equal) / n : 0;
}

Result<std::vector<uint64_t>> Signatures(const kernels::PackedTexts& packed, const kernels::MinHashParams& params,
                                         DedupOptions::Device device, std::string* device_used, unsigned threads) {
  std::vector<uint64_t> sig(packed.count * params.num_perm);
  if (device != DedupOptions::Device::kCpu) {
    std::string error;
    if (kernels::MinHashCuda(packed, params, sig.data(), &error)) {
      *device_used = "cuda";
      return sig;
    }
    if (device == DedupOptions::Device::kCuda) return Status::Unavailable("--device cuda: " + error);
  }
  // CPU: contiguous ranges of texts of about equal bytes, one per thread.
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  const uint64_t total = packed.count ? packed.offsets[packed.count] - packed.offsets[0] : 0;
  if (threads == 1 || packed.count < 2 * threads || total < (uint64_t{1} << 20)) {
    kernels::MinHashCpu(packed, params, sig.data());
  } else {
    std::vector<std::thread> workers;
    size_t first = 0;
    for (unsigned t = 0; t < threads && first < packed.count; ++t) {
      const uint64_t goal = packed.offsets[0] + total * (t + 1) / threads;
      size_t last = first + 1;
      while (last < packed.count && (t + 1 == threads || packed.offsets[last] < goal)) ++last;
      kernels::PackedTexts part{packed.bytes, packed.offsets + first, last - first};
      uint64_t* out = sig.data() + first * params.num_perm;
      try {
        workers.emplace_back([part, &params, out] { kernels::MinHashCpu(part, params, out); });
      } catch (const std::system_error&) {
        kernels::MinHashCpu(part, params, out);  // no thread to be had: this one does the part
      }
      first = last;
    }
    for (auto& w : workers) w.join();
  }
  *device_used = "cpu";
  return sig;
}

Result<std::vector<uint64_t>> Signatures(const std::vector<std::string>& texts, const kernels::MinHashParams& params,
                                         DedupOptions::Device device, std::string* device_used, unsigned threads) {
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  size_t total = 0;
  for (const auto& t : texts) total += t.size();
  bytes.reserve(total);
  for (const auto& t : texts) {
    bytes += t;
    offsets.push_back(bytes.size());
  }
  kernels::PackedTexts packed{reinterpret_cast<const uint8_t*>(bytes.data()), offsets.data(), texts.size()};
  return Signatures(packed, params, device, device_used, threads);
}

size_t Deduplicator::DigestHash::operator()(const std::array<uint8_t, 32>& d) const {
  uint64_t h;
  std::memcpy(&h, d.data(), sizeof h);
  return static_cast<size_t>(h);
}

Deduplicator::Deduplicator(DedupOptions options, DedupIndex* index) : o_(std::move(options)), index_(index) {
  sig_ = std::make_unique<SignatureStore>(o_.minhash.num_perm, o_.memory_budget / 2, o_.temp_dir);
  bands_ = std::make_unique<BandEntrySorter>(o_.memory_budget / 2, o_.temp_dir);
}

Deduplicator::~Deduplicator() = default;

Status Deduplicator::CheckShape() const {
  const uint32_t np = o_.minhash.num_perm;
  if (o_.rows == 0 || o_.bands == 0 || uint64_t{o_.bands} * o_.rows > np)
    return Status::InvalidArgument("bands × rows (" + std::to_string(o_.bands) + " × " + std::to_string(o_.rows) +
                                   ") must be at least 1 and at most the " + std::to_string(np) + " permutations");
  return Status::Ok();
}

Status Deduplicator::AddRows(const uint64_t* sig, size_t count, size_t rows_before) {
  const uint32_t np = o_.minhash.num_perm;
  // 3. Band keys (grouped in Finish).
  for (size_t r = 0; r < count; ++r)
    for (uint32_t b = 0; b < o_.bands; ++b)
      RETURN_IF_ERROR(
          bands_->Add(kernels::detail::BandKey(sig + r * np, b, o_.rows), static_cast<uint32_t>(rows_before + r)));
  return sig_->Append(sig, count);
}

Status Deduplicator::Add(const std::vector<std::string>& texts, const std::vector<std::string>& dates,
                         const std::vector<std::string>& ids) {
  RETURN_IF_ERROR(CheckShape());
  // 1. Exact duplicates (of any document added so far).
  std::string bytes;
  std::vector<uint64_t> offsets{0};
  size_t rows_before = doc_of_row_.size();
  for (size_t k = 0; k < texts.size(); ++k) {
    const size_t i = original_.size();
    size_t first = i;
    if (o_.exact) {
      std::array<uint8_t, 32> digest;
      const std::string d = Sha256(texts[k]);
      std::memcpy(digest.data(), d.data(), digest.size());
      first = exact_first_.emplace(digest, i).first->second;
    }
    original_.push_back(first);
    if (first != i) continue;
    // 2. Signatures of the others, this batch at a time.
    doc_of_row_.push_back(i);
    bytes += texts[k];
    offsets.push_back(bytes.size());
  }
  if (!dates.empty()) dates_.insert(dates_.end(), dates.begin(), dates.end());
  if (!ids.empty()) ids_.insert(ids_.end(), ids.begin(), ids.end());
  const size_t count = doc_of_row_.size() - rows_before;
  kernels::PackedTexts packed{reinterpret_cast<const uint8_t*>(bytes.data()), offsets.data(), count};
  ASSIGN_OR_RETURN(std::vector<uint64_t> sig, Signatures(packed, o_.minhash, o_.device, &device_, o_.threads));
  return AddRows(sig.data(), count, rows_before);
}

Status Deduplicator::AddPrecomputed(const std::vector<std::array<uint8_t, 32>>& digests,
                                    const std::vector<uint64_t>& signatures, const std::vector<std::string>& ids) {
  RETURN_IF_ERROR(CheckShape());
  const uint32_t np = o_.minhash.num_perm;
  if (signatures.size() != digests.size() * np)
    return Status::InvalidArgument("dedup: " + std::to_string(signatures.size()) + " signature values for " +
                                   std::to_string(digests.size()) + " documents of " + std::to_string(np));
  std::vector<uint64_t> sig;
  const size_t rows_before = doc_of_row_.size();
  for (size_t k = 0; k < digests.size(); ++k) {
    const size_t i = original_.size();
    const size_t first = o_.exact ? exact_first_.emplace(digests[k], i).first->second : i;
    original_.push_back(first);
    if (first != i) continue;
    doc_of_row_.push_back(i);
    sig.insert(sig.end(), signatures.begin() + static_cast<ptrdiff_t>(k * np),
               signatures.begin() + static_cast<ptrdiff_t>((k + 1) * np));
  }
  if (!ids.empty()) ids_.insert(ids_.end(), ids.begin(), ids.end());
  return AddRows(sig.data(), doc_of_row_.size() - rows_before, rows_before);
}

Result<DedupReport> Deduplicator::Finish() {
  const DedupOptions& o = o_;
  const uint32_t np = o.minhash.num_perm;
  const size_t n = original_.size();
  const std::vector<size_t>& original = original_;
  const std::vector<size_t>& doc_of_row = doc_of_row_;
  RETURN_IF_ERROR(sig_->Seal());
  const uint64_t* sig = sig_->data();
  const std::vector<std::string>& dates = dates_;
  const std::vector<std::string>& ids = ids_;
  DedupIndex* index = index_;
  DedupReport report;
  report.device = device_.empty() ? "cpu" : device_;
  report.spilled_signature_bytes = sig_->spilled_bytes();
  report.outcomes.resize(n);
  UnionFind uf(n);
  for (size_t i = 0; i < n; ++i)
    if (original[i] != i) uf.Union(original[i], i);
  std::vector<size_t> row_of(n, SIZE_MAX);
  for (size_t r = 0; r < doc_of_row.size(); ++r) row_of[doc_of_row[r]] = r;
  auto sig_of = [&](size_t doc) { return sig + row_of[original[doc]] * np; };
  // 4. Candidates sharing a band key, checked against the representatives of
  // their key; 4b. with an index, every key is also looked up among earlier
  // runs' documents, and a document links to the first whose stored
  // signature agrees enough.
  std::unordered_map<size_t, std::string> previous;  // document -> earlier run's document
  std::unordered_map<std::string, std::vector<uint64_t>> old_sigs;
  std::vector<uint32_t> reps;
  auto group = [&](uint64_t key, const std::vector<uint32_t>& rows) -> Status {
    if (rows.size() > 1) {
      reps.clear();
      for (uint32_t row : rows) {
        size_t doc = doc_of_row[row];
        bool joined = false;
        for (uint32_t rep : reps) {
          size_t rep_doc = doc_of_row[rep];
          ++report.candidate_pairs;
          if (uf.Find(doc) == uf.Find(rep_doc)) {
            joined = true;
            break;
          }
          ++report.verified_pairs;
          if (o.threshold <= 0 || EstimatedJaccard(sig + size_t{row} * np, sig + size_t{rep} * np, np) >= o.threshold) {
            uf.Union(doc, rep_doc);
            joined = true;
            break;
          }
        }
        if (!joined && reps.size() < 64) reps.push_back(row);
      }
    }
    if (!index) return Status::Ok();
    ASSIGN_OR_RETURN(std::vector<std::string> old_ids, index->Lookup(key));
    for (const auto& old : old_ids) {
      auto it = old_sigs.find(old);
      if (it == old_sigs.end()) {
        ASSIGN_OR_RETURN(std::vector<uint64_t> osig, index->Signature(old));
        it = old_sigs.emplace(old, std::move(osig)).first;
      }
      for (uint32_t row : rows) {
        size_t doc = doc_of_row[row];
        if (previous.count(doc)) continue;
        ++report.candidate_pairs;
        ++report.verified_pairs;
        double est = EstimatedJaccard(sig + size_t{row} * np, it->second.data(), np);
        if (o.threshold <= 0 || est >= o.threshold) previous[doc] = old;
      }
    }
    return Status::Ok();
  };
  // Grouped on the device that made the signatures when they all fit in
  // memory; otherwise (or when that fails) by the sorter, runs and all.
  kernels::BandEntries grouped;
  std::string error;
  if (report.device == "cuda" && !bands_->spilled() &&
      kernels::BandEntriesCuda(sig, doc_of_row.size(), np, o.bands, o.rows, &grouped, &error)) {
    bands_->Clear();
    std::vector<uint32_t> rows;
    for (size_t i = 0; i < grouped.keys.size();) {
      size_t j = i;
      rows.clear();
      while (j < grouped.keys.size() && grouped.keys[j] == grouped.keys[i]) rows.push_back(grouped.rows[j++]);
      RETURN_IF_ERROR(group(grouped.keys[i], rows));
      i = j;
    }
    grouped = {};
  } else {
    RETURN_IF_ERROR(bands_->ForEachGroup(group));
    report.spilled_band_bytes = bands_->spilled_bytes();
    report.sorted_runs = bands_->runs();
  }

  // 5. One kept document per cluster.
  std::vector<size_t> kept(n, SIZE_MAX);
  for (size_t i = 0; i < n; ++i) {
    size_t root = uf.Find(i);
    size_t& k = kept[root];
    if (k == SIZE_MAX) {
      k = i;
    } else if (o.keep == DedupOptions::Keep::kEarliestDate && !dates.empty() && dates[i] < dates[k]) {
      k = i;
    }
  }
  // A cluster with a link to an earlier run is removed whole.
  std::vector<size_t> cluster_previous(n, SIZE_MAX);  // root -> member with the link
  for (size_t i = 0; i < n; ++i) {
    if (!previous.count(original[i])) continue;
    size_t root = uf.Find(i);
    if (cluster_previous[root] == SIZE_MAX) cluster_previous[root] = original[i];
  }
  for (size_t i = 0; i < n; ++i) {
    DedupOutcome& out = report.outcomes[i];
    size_t root = uf.Find(i);
    if (cluster_previous[root] != SIZE_MAX) {
      size_t linked = cluster_previous[root];
      out.removed = true;
      out.previous = previous.at(linked);
      out.jaccard = EstimatedJaccard(sig_of(i), old_sigs.at(out.previous).data(), np);
      out.duplicate_of = out.cluster = linked;
      continue;
    }
    size_t k = kept[root];
    out.cluster = k;
    out.duplicate_of = k;
    if (k == i) continue;
    out.removed = true;
    if (original[i] == original[k]) {
      out.exact = true;
      out.jaccard = 1.0;
    } else {
      out.jaccard = EstimatedJaccard(sig_of(i), sig_of(k), np);
    }
  }
  // Counts from the final outcomes (a cluster linked to an earlier run counts there).
  report.exact_duplicates = report.near_duplicates = report.previous_duplicates = 0;
  for (const auto& out : report.outcomes) {
    if (!out.removed) continue;
    if (!out.previous.empty()) {
      ++report.previous_duplicates;
    } else if (out.exact) {
      ++report.exact_duplicates;
    } else {
      ++report.near_duplicates;
    }
  }
  if (index) {
    for (size_t i = 0; i < n; ++i) {
      if (report.outcomes[i].removed) continue;
      IndexedDocument d;
      d.id = ids.empty() ? std::to_string(i) : ids[i];
      const uint64_t* s = sig_of(i);
      d.signature.assign(s, s + np);
      for (uint32_t b = 0; b < o.bands; ++b) d.band_keys.push_back(kernels::detail::BandKey(s, b, o.rows));
      report.newly_kept.push_back(std::move(d));
    }
  }
  return report;
}

Result<DedupReport> Deduplicate(const std::vector<std::string>& texts, const std::vector<std::string>& dates,
                                const DedupOptions& o, DedupIndex* index, const std::vector<std::string>& ids) {
  Deduplicator d(o, index);
  RETURN_IF_ERROR(d.Add(texts, dates, ids));
  return d.Finish();
}

}  // namespace crawlproof::dedup

// What a lookup in a provenance store costs, for two stores with the same
// entries (e.g. one as a run left it and a copy after `crawlproof store
// compact`, or before and after an options change): the cluster stage's band
// lookups (DedupReader()->Lookup) and the accounts' point reads (Document),
// each for keys that are there and keys that are not.
//
// The keys are sampled from the first store (seeks to random band keys); the
// same keys are looked up in both stores, alternating, best of `--rounds`
// (3), on one core (`--cpu`, default 0). The ids found are counted on both
// sides and must be equal.
//
// usage: store_lookup_bench [--samples N] [--rounds R] [--cpu K] STORE_A STORE_B
#include <rocksdb/db.h>
#include <sched.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "store/dedup_keys.h"
#include "store/provenance_store.h"

using namespace crawlproof;

namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "store_lookup_bench: %s\n", message.c_str());
  std::exit(2);
}

struct Sample {
  std::vector<uint64_t> present_bands, absent_bands;
  std::vector<std::string> present_ids, absent_ids;
};

// Band keys and document ids that are in `dir` (the first posting at or after
// a random band key), and random ones that are not.
Sample SampleKeys(const std::string& dir, size_t n) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir, &names);
  if (!s.ok()) Die(dir + ": " + s.ToString());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& name : names)
    descriptors.emplace_back(name, store::StoreFamilyOptions(name == "dedup" || name == "prompt_dedup"));
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  s = rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir, descriptors, &handles, &raw);
  if (!s.ok()) Die(dir + ": " + s.ToString());
  const auto dedup = std::find(names.begin(), names.end(), "dedup") - names.begin();
  if (static_cast<size_t>(dedup) == names.size()) Die(dir + ": no dedup family");
  Sample out;
  std::mt19937_64 rng(20261207);
  {
    std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(store::ScanOptions(), handles[static_cast<size_t>(dedup)]));
    for (size_t tries = 0; out.present_bands.size() < n && tries < 4 * n; ++tries) {
      it->Seek(store::DedupBandPrefix(rng()));
      if (!it->Valid() || it->key().size() <= store::kDedupBandPrefixSize || it->key()[0] != 'b') continue;
      uint64_t band = 0;
      for (size_t k = 1; k < store::kDedupBandPrefixSize; ++k)
        band = band << 8 | static_cast<unsigned char>(it->key()[k]);
      out.present_bands.push_back(band);
      out.present_ids.emplace_back(it->key().data() + store::kDedupBandPrefixSize,
                                   it->key().size() - store::kDedupBandPrefixSize);
    }
  }
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  if (out.present_bands.empty()) Die(dir + ": no band keys in the dedup family");
  for (size_t k = 0; k < out.present_bands.size(); ++k) {
    out.absent_bands.push_back(rng());
    std::string id = out.present_ids[k];
    id.back() = id.back() == 'z' ? 'y' : 'z';  // a well-formed id no document has
    out.absent_ids.push_back(std::move(id));
  }
  return out;
}

struct Timing {
  double median_us = 0, p99_us = 0;
  uint64_t found = 0;  // ids returned (bands) or accounts found (documents)
};

template <typename F>
Timing Time(size_t n, F&& one) {
  std::vector<double> us(n);
  Timing t;
  for (size_t k = 0; k < n; ++k) {
    const auto t0 = std::chrono::steady_clock::now();
    t.found += one(k);
    us[k] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  }
  std::sort(us.begin(), us.end());
  t.median_us = us[n / 2];
  t.p99_us = us[std::min(n - 1, n * 99 / 100)];
  return t;
}

// One pass over every kind of lookup in the store at `dir`.
std::vector<Timing> Pass(const std::string& dir, const Sample& s) {
  auto st = store::ProvenanceStore::OpenReadOnly(dir, 0);
  if (!st.ok()) Die(st.status().ToString());
  auto reader = (*st)->DedupReader();
  auto bands = [&](const std::vector<uint64_t>& keys) {
    return Time(keys.size(), [&](size_t k) {
      auto ids = reader->Lookup(keys[k]);
      if (!ids.ok()) Die(ids.status().ToString());
      return static_cast<uint64_t>(ids->size());
    });
  };
  auto docs = [&](const std::vector<std::string>& ids) {
    return Time(ids.size(), [&](size_t k) {
      auto doc = (*st)->Document(ids[k]);
      if (!doc.ok()) Die(doc.status().ToString());
      return static_cast<uint64_t>(doc->has_value());
    });
  };
  return {bands(s.present_bands), bands(s.absent_bands), docs(s.present_ids), docs(s.absent_ids)};
}

}  // namespace

int main(int argc, char** argv) {
  size_t samples = 20000, rounds = 3;
  int cpu = 0;
  std::vector<std::string> stores;
  for (int k = 1; k < argc; ++k) {
    const std::string a = argv[k];
    if (a == "--samples" && k + 1 < argc) {
      samples = std::strtoul(argv[++k], nullptr, 10);
    } else if (a == "--rounds" && k + 1 < argc) {
      rounds = std::strtoul(argv[++k], nullptr, 10);
    } else if (a == "--cpu" && k + 1 < argc) {
      cpu = std::atoi(argv[++k]);
    } else {
      stores.push_back(a);
    }
  }
  if (stores.size() != 2 || samples == 0 || rounds == 0)
    Die("usage: store_lookup_bench [--samples N] [--rounds R] [--cpu K] STORE_A STORE_B");
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) Die("cannot pin to cpu " + std::to_string(cpu));
  const Sample s = SampleKeys(stores[0], samples);
  const char* kinds[] = {"band lookup, present", "band lookup, absent", "document, present", "document, absent"};
  std::vector<std::vector<Timing>> best(2);
  for (size_t r = 0; r < rounds; ++r)
    for (size_t side = 0; side < 2; ++side) {
      std::vector<Timing> t = Pass(stores[side], s);
      if (best[side].empty()) {
        best[side] = t;
        continue;
      }
      for (size_t k = 0; k < t.size(); ++k) {
        if (t[k].found != best[side][k].found) Die(stores[side] + ": a different answer in another round");
        best[side][k].median_us = std::min(best[side][k].median_us, t[k].median_us);
        best[side][k].p99_us = std::min(best[side][k].p99_us, t[k].p99_us);
      }
    }
  std::printf("%zu keys of each kind sampled from %s; best of %zu alternating rounds on cpu %d\n",
              s.present_bands.size(), stores[0].c_str(), rounds, cpu);
  std::printf("%-22s %12s %12s %12s %12s %9s %10s\n", "", "A median us", "A p99 us", "B median us", "B p99 us",
              "A/B p50", "found");
  int status = 0;
  for (size_t k = 0; k < 4; ++k) {
    const Timing &a = best[0][k], &b = best[1][k];
    std::printf("%-22s %12.2f %12.2f %12.2f %12.2f %8.2fx %10llu%s\n", kinds[k], a.median_us, a.p99_us, b.median_us,
                b.p99_us, a.median_us / b.median_us, static_cast<unsigned long long>(a.found),
                a.found == b.found ? "" : " (B differs)");
    if (a.found != b.found) status = 1;
  }
  return status;
}

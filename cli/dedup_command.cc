// crawlproof minhash | dedup
#include <simdjson.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/output.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "dedup/minhash_dedup.h"
#include "dedup/normalize.h"
#include "ingest/line_reader.h"
#include "store/rocksdb_index.h"

namespace crawlproof::cli {
namespace {

struct Docs {
  std::vector<std::string> ids, dates, texts;  // texts normalised
  uint64_t invalid = 0;
};

// Reads id, date and the normalised text of every line; bad lines are
// reported with their number and counted. With `on_batch`, it is called
// after every `batch` documents (and at the end) and the texts are dropped.
Status ReadDocs(const std::string& input, Docs* docs, size_t batch = 0,
                const std::function<Status(Docs*)>& on_batch = nullptr) {
  Status batch_status = Status::Ok();
  simdjson::dom::parser parser;
  uint64_t line_no = 0;
  Status read = ingest::ForEachLine(input, {}, [&](std::string_view line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return true;
    simdjson::padded_string padded(line);
    simdjson::dom::element doc;
    std::string_view id, text, date;
    if (parser.parse(padded).get(doc) || doc["id"].get(id) || doc["text"].get(text)) {
      LogError(input + ": line " + std::to_string(line_no) + ": not a JSON object with \"id\" and \"text\" strings");
      ++docs->invalid;
      return true;
    }
    if (doc["date"].get(date)) date = {};
    docs->ids.emplace_back(id);
    docs->dates.emplace_back(date);
    docs->texts.push_back(dedup::NormalizeForDedup(text));
    if (on_batch && docs->texts.size() >= batch) {
      batch_status = on_batch(docs);
      docs->texts.clear();
      if (!batch_status.ok()) return false;
    }
    return true;
  });
  RETURN_IF_ERROR(read);
  RETURN_IF_ERROR(batch_status);
  if (on_batch && !docs->texts.empty()) {
    RETURN_IF_ERROR(on_batch(docs));
    docs->texts.clear();
  }
  return Status::Ok();
}

dedup::DedupOptions::Device ParseDevice(const std::string& d) {
  return d == "cpu"    ? dedup::DedupOptions::Device::kCpu
         : d == "cuda" ? dedup::DedupOptions::Device::kCuda
                       : dedup::DedupOptions::Device::kAuto;
}

// ---- minhash ------------------------------------------------------------------

struct MinhashArgs {
  std::string input, output, device = "auto";
  uint32_t num_perm = 112, ngram = 5;
  uint64_t seed = 42;
  unsigned threads = 0;
  bool force = false;
};

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The signature file is written as the batches come, to a temporary file
// beside the output that is renamed over it at the end (the count in the
// header is filled in last).
Status RunMinhash(const MinhashArgs& a) {
  if (Status s = CheckOutputFiles(
          {a.input},
          {{a.output, "signature file", [](std::string_view head) { return head.rfind("CRAWLPROOF-MH-V1", 0) == 0; }}},
          a.force);
      !s.ok()) {
    return s.WithPrefix("minhash");
  }
  const std::string tmp = a.output + ".tmp." + std::to_string(::getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) {
    return Status::IoError("minhash: cannot create " + tmp + ": " + std::strerror(errno));
  }
  kernels::MinHashParams params{a.num_perm, a.ngram, a.seed};
  std::string out = "CRAWLPROOF-MH-V1";
  PutLe(&out, params.num_perm, 4);
  PutLe(&out, params.ngram, 4);
  PutLe(&out, params.seed, 8);
  const long count_at = static_cast<long>(out.size());
  PutLe(&out, 0, 8);
  bool write_ok = true;
  std::string device;
  double seconds = 0;
  Docs docs;
  uint64_t written = 0;
  Status read = ReadDocs(a.input, &docs, 65536, [&](Docs* d) -> Status {
    auto t0 = std::chrono::steady_clock::now();
    ASSIGN_OR_RETURN(std::vector<uint64_t> sig,
                     dedup::Signatures(d->texts, params, ParseDevice(a.device), &device, a.threads));
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    for (size_t k = 0; k < d->texts.size(); ++k) {
      std::string_view id = d->ids[k];
      if (id.size() > 0xffff) id = id.substr(0, 0xffff);
      PutLe(&out, id.size(), 2);
      out += id;
      for (uint32_t i = 0; i < params.num_perm; ++i) PutLe(&out, sig[k * params.num_perm + i], 8);
    }
    written += d->texts.size();
    write_ok = write_ok && std::fwrite(out.data(), 1, out.size(), f) == out.size();
    out.clear();
    d->ids.clear();  // only this batch's ids are needed
    d->dates.clear();
    return Status::Ok();
  });
  std::string count;
  PutLe(&count, written, 8);
  write_ok = write_ok && std::fseek(f, count_at, SEEK_SET) == 0 && std::fwrite(count.data(), 1, 8, f) == 8;
  write_ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0 && write_ok;
  write_ok = std::fclose(f) == 0 && write_ok;
  if (!read.ok() || !write_ok || std::rename(tmp.c_str(), a.output.c_str()) != 0) {
    Status failed =
        read.ok() ? Status::IoError("minhash: cannot write " + a.output + ": " + std::strerror(errno)) : read;
    std::remove(tmp.c_str());
    return failed;
  }
  JsonObject o;
  o.Add("msg", "minhash: done")
      .Add("documents", written)
      .Add("invalid_lines", docs.invalid)
      .Add("device", device.empty() ? std::string("cpu") : device)
      .Add("signature_seconds", seconds);
  LogFields(LogLevel::kInfo, o.str());
  return InputsResult("minhash", 1, 0, docs.invalid, "lines");
}

// ---- dedup --------------------------------------------------------------------

struct DedupArgs {
  std::string input, output, removed, device = "auto", keep = "first", stats, index;
  double threshold = 0.7;
  uint32_t bands = 14, rows = 8, num_perm = 112, ngram = 5;
  uint64_t seed = 42;
  bool force = false;
  bool no_exact = false;
  unsigned threads = 0;
  std::string memory_budget = "auto", temp_dir;
};

Status RunDedup(const DedupArgs& a) {
  if (Status s = CheckOutputFiles({a.input},
                                  {{a.output, "JSON-lines file", LooksLikeJson},
                                   {a.removed, "JSON-lines file", LooksLikeJson},
                                   {a.stats, "JSON file", LooksLikeJson}},
                                  a.force);
      !s.ok()) {
    return s.WithPrefix("dedup");
  }
  Docs docs;
  auto t0 = std::chrono::steady_clock::now();
  dedup::DedupOptions o;
  o.minhash = {a.num_perm, a.ngram, a.seed};
  o.bands = a.bands;
  o.rows = a.rows;
  o.threshold = a.threshold;
  o.exact = !a.no_exact;
  o.keep = a.keep == "earliest" ? dedup::DedupOptions::Keep::kEarliestDate : dedup::DedupOptions::Keep::kFirst;
  o.device = ParseDevice(a.device);
  o.threads = a.threads;
  if (a.memory_budget == "auto") {
    o.memory_budget = dedup::PhysicalMemoryBytes() / 2;
  } else if (!ParseByteSize(a.memory_budget, &o.memory_budget)) {
    return Status::InvalidArgument("dedup: --memory-budget " + a.memory_budget + ": not a size (e.g. 4G, 512M, auto)");
  }
  o.temp_dir = a.temp_dir;
  if (o.temp_dir.empty()) o.temp_dir = Dirname(a.output);
  std::unique_ptr<dedup::DedupIndex> index;
  if (!a.index.empty()) {
    std::string params = "num_perm=" + std::to_string(a.num_perm) + " ngram=" + std::to_string(a.ngram) +
                         " seed=" + std::to_string(a.seed) + " bands=" + std::to_string(a.bands) +
                         " rows=" + std::to_string(a.rows);
    auto opened = store::OpenRocksDbIndex(a.index, params, a.num_perm);
    if (!opened.ok()) {
      return opened.status();
    }
    index = std::move(opened).value();
  }
  // Texts are read, hashed and signed in batches; only signatures stay.
  dedup::Deduplicator deduplicator(o, index.get());
  size_t added = 0;
  Status read = ReadDocs(a.input, &docs, 65536, [&](Docs* d) {
    // Ids only for the index (the outputs take them from `docs`), dates only
    // when they decide which document stays.
    std::vector<std::string> ids, dates;
    if (index) ids.assign(d->ids.begin() + added, d->ids.end());
    if (o.keep == dedup::DedupOptions::Keep::kEarliestDate) dates.assign(d->dates.begin() + added, d->dates.end());
    added = d->ids.size();
    return deduplicator.Add(d->texts, dates, ids);
  });
  if (!read.ok()) {
    return read;
  }
  auto report = deduplicator.Finish();
  if (!report.ok()) {
    return report.status();
  }
  LineFile kept, removed;
  if (!kept.Open(a.output) || !removed.Open(a.removed)) {
    return Status::IoError("dedup: cannot create the outputs");
  }
  // Second pass: kept lines as they came, removed ones as records.
  size_t k = 0;
  simdjson::dom::parser parser;
  Status s = ingest::ForEachLine(a.input, {}, [&](std::string_view line) {
    std::string_view trimmed = line;
    if (!trimmed.empty() && trimmed.back() == '\r') trimmed.remove_suffix(1);
    if (trimmed.empty()) return true;
    simdjson::padded_string padded(trimmed);
    simdjson::dom::element doc;
    std::string_view id, text;
    if (parser.parse(padded).get(doc) || doc["id"].get(id) || doc["text"].get(text)) return true;  // reported
    const dedup::DedupOutcome& out = report->outcomes[k];
    if (!out.removed) {
      kept.Line(line);
    } else {
      JsonObject r;
      const std::string& of = out.previous.empty() ? docs.ids[out.duplicate_of] : out.previous;
      r.Add("id", docs.ids[k]).Add("duplicate_of", of).Add("cluster", of).Add("jaccard", out.jaccard);
      r.Add("method", out.exact && out.previous.empty() ? "exact" : "minhash");
      if (!out.previous.empty()) r.Add("earlier_run", true);
      removed.Line(r.str());
    }
    ++k;
    return true;
  });
  bool write_ok = kept.Close();
  write_ok = removed.Close() && write_ok;
  if (!s.ok() || !write_ok) {
    return s.ok() ? Status::IoError("dedup: writing the outputs failed") : s;
  }
  // The index learns this run's kept documents only once the outputs exist.
  if (index) {
    if (Status w = index->Add(report->newly_kept); !w.ok()) {
      return w;
    }
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  JsonObject st;
  st.Add("documents", static_cast<uint64_t>(docs.ids.size()))
      .Add("kept", static_cast<uint64_t>(std::count_if(report->outcomes.begin(), report->outcomes.end(),
                                                       [](const dedup::DedupOutcome& x) { return !x.removed; })))
      .Add("exact_duplicates", static_cast<uint64_t>(report->exact_duplicates))
      .Add("near_duplicates", static_cast<uint64_t>(report->near_duplicates))
      .Add("earlier_run_duplicates", static_cast<uint64_t>(report->previous_duplicates))
      .Add("index_documents", index ? index->size() : uint64_t{0})
      .Add("candidate_pairs", static_cast<uint64_t>(report->candidate_pairs))
      .Add("verified_pairs", static_cast<uint64_t>(report->verified_pairs))
      .Add("invalid_lines", docs.invalid)
      .Add("device", report->device)
      .Add("memory_budget_bytes", o.memory_budget)
      .Add("spilled_signature_bytes", report->spilled_signature_bytes)
      .Add("spilled_band_bytes", report->spilled_band_bytes)
      .Add("sorted_runs", static_cast<uint64_t>(report->sorted_runs))
      .Add("seconds", seconds);
  if (!a.stats.empty()) {
    if (Status w = WriteFileAtomically(a.stats, st.str() + "\n"); !w.ok()) {
      return w;
    }
  }
  JsonObject summary;
  summary.Add("msg", "dedup: done").AddRaw("stats", st.str());
  LogFields(LogLevel::kInfo, summary.str());
  return InputsResult("dedup", 1, 0, docs.invalid, "lines");
}

void AddMinhashOptions(CLI::App* cmd, uint32_t* num_perm, uint32_t* ngram, uint64_t* seed, std::string* device,
                       unsigned* threads) {
  cmd->add_option("--threads", *threads, "CPU signature threads (0: all cores)")->capture_default_str();
  cmd->add_option("--num-perm", *num_perm, "Signature length (permutations)")->capture_default_str();
  cmd->add_option("--ngram", *ngram, "Words per shingle")->capture_default_str();
  cmd->add_option("--seed", *seed, "Seed of the permutations")->capture_default_str();
  cmd->add_option("--device", *device, "cpu, cuda or auto (CUDA when a GPU is usable)")
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}))
      ->capture_default_str();
}

}  // namespace

void RegisterDedupCommands(CLI::App& app, Status* result) {
  auto m = std::make_shared<MinhashArgs>();
  auto* minhash = app.add_subcommand("minhash", "MinHash signatures of documents (binary file, docs/dedup.md)");
  minhash->add_option("--input", m->input, "Documents (JSON lines with id and text)")->required();
  minhash->add_option("--output", m->output, "Signature file")->required();
  minhash->add_flag("--force", m->force,
                    "Replace an existing output file crawlproof did not write (never an input or a key file)");
  AddMinhashOptions(minhash, &m->num_perm, &m->ngram, &m->seed, &m->device, &m->threads);
  minhash->callback([m, result] { *result = RunMinhash(*m); });

  auto d = std::make_shared<DedupArgs>();
  auto* dedup = app.add_subcommand("dedup", "Remove exact and near duplicates (MinHash + LSH)");
  dedup->add_option("--input", d->input, "Documents (JSON lines with id and text, optional date)")->required();
  dedup->add_option("--output", d->output, "Kept documents, lines as they came")->required();
  dedup->add_option("--removed", d->removed, "Removed documents: id, duplicate_of, cluster, jaccard, method")
      ->required();
  dedup->add_option("--threshold", d->threshold, "Estimated Jaccard a candidate pair needs (0: no check)")
      ->capture_default_str();
  dedup->add_option("--bands", d->bands, "LSH bands")->capture_default_str();
  dedup->add_option("--rows", d->rows, "Signature values per band")->capture_default_str();
  dedup->add_option("--keep", d->keep, "Which document of a cluster stays: first (input order) or earliest (date)")
      ->check(CLI::IsMember({"first", "earliest"}))
      ->capture_default_str();
  dedup->add_flag("--no-exact", d->no_exact, "Skip the exact (normalised text) pass");
  dedup->add_option("--stats", d->stats, "Counts as JSON");
  dedup->add_flag("--force", d->force,
                  "Replace an existing output file crawlproof did not write (never an input or a key file)");
  dedup->add_option("--index", d->index,
                    "RocksDB directory of earlier runs' kept documents: deduplicate against them, then add this "
                    "run's kept documents");
  dedup
      ->add_option("--memory-budget", d->memory_budget,
                   "Signatures and band keys held in memory (e.g. 4G); beyond it they go to temporary files "
                   "(auto: half the physical memory)")
      ->capture_default_str();
  dedup->add_option("--temp-dir", d->temp_dir,
                    "Directory for those temporary files (default: the --output file's directory)");
  AddMinhashOptions(dedup, &d->num_perm, &d->ngram, &d->seed, &d->device, &d->threads);
  dedup->callback([d, result] { *result = RunDedup(*d); });
}

}  // namespace crawlproof::cli

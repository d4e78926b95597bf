#include "pipelines/pipeline.h"

#include <glob.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string_view>
#include <vector>

#include "classify/fasttext_model.h"
#include "common/toml_section.h"
#include "filter/filters.h"
#include "ingest/line_reader.h"
#include "pipelines/stages/stages.h"

namespace crawlproof::pipelines {

namespace {

constexpr uint64_t kMaxPipelineFileBytes = 16 << 20;
constexpr uint32_t kMaxWorkers = 1024;

bool IsSlurmTime(const std::string& t) {
  // Slurm's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S; minutes and
  // seconds below 60 after the first field, hours below 24 after a day count,
  // and at most 365 days in all (a larger value is a typo, not a plan).
  if (t.empty() || t.size() > 20) return false;
  std::vector<uint64_t> f;
  size_t i = 0;
  uint64_t days = 0;
  const size_t dash = t.find('-');
  auto number = [&](size_t end, uint64_t* v) {
    if (i >= end) return false;
    *v = 0;
    for (; i < end; ++i) {
      if (t[i] < '0' || t[i] > '9' || *v > 1000000) return false;
      *v = *v * 10 + static_cast<uint64_t>(t[i] - '0');
    }
    return true;
  };
  if (dash != std::string::npos && (!number(dash, &days) || ++i == t.size())) return false;
  while (i <= t.size()) {
    const size_t colon = std::min(t.find(':', i), t.size());
    uint64_t v = 0;
    if (!number(colon, &v)) return false;
    f.push_back(v);
    if (colon == t.size()) break;
    ++i;
  }
  if (f.size() > 3) return false;
  uint64_t seconds = 0;
  if (dash != std::string::npos) {  // D-H[:M[:S]]
    if (f[0] >= 24) return false;
    for (size_t k = 1; k < f.size(); ++k)
      if (f[k] >= 60) return false;
    seconds = days * 86400 + f[0] * 3600 + (f.size() > 1 ? f[1] * 60 : 0) + (f.size() > 2 ? f[2] : 0);
  } else if (f.size() == 1) {  // M
    seconds = f[0] * 60;
  } else if (f.size() == 2) {  // M:S
    if (f[1] >= 60) return false;
    seconds = f[0] * 60 + f[1];
  } else {  // H:M:S
    if (f[1] >= 60 || f[2] >= 60) return false;
    seconds = f[0] * 3600 + f[1] * 60 + f[2];
  }
  return seconds > 0 && seconds <= 365ull * 86400;
}

// Slurm's --mem: a positive whole number with an optional unit K, M, G or T.
bool IsSlurmMem(const std::string& m) {
  if (m.empty() || m.size() > 12 || m[0] < '1' || m[0] > '9') return false;
  size_t i = 0;
  while (i < m.size() && m[i] >= '0' && m[i] <= '9') ++i;
  return i == m.size() || (i + 1 == m.size() && std::string_view("KMGTkmgt").find(m[i]) != std::string_view::npos);
}

Status LoadSlurmOptions(const toml::table* t, const std::string& path, SlurmOptions* o) {
  TomlSection s(t, "slurm", path);
  RETURN_IF_ERROR(s.Get("partition", &o->partition));
  RETURN_IF_ERROR(s.Get("account", &o->account));
  RETURN_IF_ERROR(s.Get("qos", &o->qos));
  RETURN_IF_ERROR(s.Get("time", &o->time));
  RETURN_IF_ERROR(s.Get("mem", &o->mem));
  uint32_t cpus = o->cpus_per_task;
  RETURN_IF_ERROR(s.Get("cpus_per_task", &cpus));
  o->cpus_per_task = cpus;
  RETURN_IF_ERROR(s.Get("sources_per_task", &o->sources_per_task));
  RETURN_IF_ERROR(s.Get("bytes_per_task", &o->bytes_per_task));
  RETURN_IF_ERROR(s.Get("dedup_tasks", &o->dedup_tasks));
  RETURN_IF_ERROR(s.Get("tokenize_tasks", &o->tokenize_tasks));
  RETURN_IF_ERROR(s.Get("cluster_tasks", &o->cluster_tasks));
  RETURN_IF_ERROR(s.Get("max_array_size", &o->max_array_size));
  RETURN_IF_ERROR(s.Get("sbatch_args", &o->sbatch_args));
  RETURN_IF_ERROR(s.Get("retries", &o->retries));
  RETURN_IF_ERROR(s.GetPath("workdir", &o->workdir));
  const toml::node* stages = s.Node("stage");
  RETURN_IF_ERROR(s.CheckUnknown());
  auto bad = [&](const std::string& key, const std::string& why) {
    return Status::InvalidArgument(path + ": slurm." + key + " " + why);
  };
  if (!IsSlurmTime(o->time))
    return bad("time",
               "must be Slurm's minutes, \"HH:MM:SS\" or \"D-HH:MM:SS\" (at most 365 days), not \"" + o->time + "\"");
  if (o->cpus_per_task == 0) return bad("cpus_per_task", "must be at least 1");
  if (o->sources_per_task == 0) return bad("sources_per_task", "must be at least 1");
  if (o->dedup_tasks == 0 || o->dedup_tasks > 65536) return bad("dedup_tasks", "must be between 1 and 65536");
  if (o->tokenize_tasks == 0 || o->tokenize_tasks > 65536) return bad("tokenize_tasks", "must be between 1 and 65536");
  if (o->cluster_tasks == 0 || o->cluster_tasks > 65536) return bad("cluster_tasks", "must be between 1 and 65536");
  if (o->retries > 100) return bad("retries", "must be at most 100");
  if (!IsSlurmMem(o->mem))
    return bad("mem", "must be a positive amount with an optional unit K, M, G or T (\"4G\"), not \"" + o->mem + "\"");
  if (stages) {
    const toml::table* st = stages->as_table();
    if (!st) return bad("stage", "must be a table of [slurm.stage.<name>] tables");
    for (const auto& [name, node] : *st) {
      const std::string n(name.str());
      if (!StageFromString(n)) return bad("stage." + n, "is not a stage (" + StageNames() + ")");
      TomlSection ss(node.as_table(), "slurm.stage." + n, path);
      if (!node.as_table()) return bad("stage." + n, "must be a table");
      SlurmStageOptions so;
      RETURN_IF_ERROR(ss.Get("time", &so.time));
      RETURN_IF_ERROR(ss.Get("mem", &so.mem));
      uint32_t c = 0;
      RETURN_IF_ERROR(ss.Get("cpus_per_task", &c));
      so.cpus_per_task = c;
      RETURN_IF_ERROR(ss.CheckUnknown());
      if (!so.time.empty() && !IsSlurmTime(so.time))
        return bad(
            "stage." + n + ".time",
            "must be Slurm's minutes, \"HH:MM:SS\" or \"D-HH:MM:SS\" (at most 365 days), not \"" + so.time + "\"");
      if (!so.mem.empty() && !IsSlurmMem(so.mem))
        return bad("stage." + n + ".mem",
                   "must be a positive amount with an optional unit K, M, G or T, not \"" + so.mem + "\"");
      o->stage[n] = so;
    }
  }
  return Status::Ok();
}

}  // namespace

Result<PipelineConfig> LoadPipeline(const std::string& path) {
  ASSIGN_OR_RETURN(toml::table root, ParseTomlFile(path, kMaxPipelineFileBytes));
  PipelineConfig c;
  c.file = path;
  auto section = [&](const char* name) { return TomlSection(root[name].as_table(), name, path); };
  TomlSection top(&root, "", path);
  for (const char* name :
       {"run", "source", "ledger", "extract", "filter", "dedup", "tokenize", "output", "slurm", "prompts"}) {
    const toml::table* t = nullptr;
    RETURN_IF_ERROR(top.Table(name, &t));
  }
  RETURN_IF_ERROR(top.CheckUnknown());
  TomlSection run = section("run");
  RETURN_IF_ERROR(run.Get("name", &c.name));
  RETURN_IF_ERROR(run.GetPath("output", &c.output));
  RETURN_IF_ERROR(run.GetPath("store", &c.store));
  uint32_t workers = 0;
  RETURN_IF_ERROR(run.Get("workers", &workers, 0u, kMaxWorkers));
  c.workers = workers;
  RETURN_IF_ERROR(run.Get("commit_every", &c.commit_every, uint64_t{1}, uint64_t{1} << 20));
  RETURN_IF_ERROR(run.Get("executor", &c.executor));
  RETURN_IF_ERROR(run.CheckUnknown());
  if (c.executor != "local" && c.executor != "slurm")
    return Status::InvalidArgument(path + ": run.executor must be \"local\" or \"slurm\", not \"" + c.executor + "\"");
  if (c.name.empty()) c.name = std::filesystem::path(path).stem().string();
  if (c.output.empty()) return Status::InvalidArgument(path + ": run.output (the output folder) is required");
  if (c.store.empty()) c.store = c.output + "/store";
  RETURN_IF_ERROR(LoadSlurmOptions(root["slurm"].as_table(), path, &c.slurm));
  if (c.slurm.workdir.empty()) c.slurm.workdir = c.output + "/work";

  TomlSection source = section("source");
  std::vector<std::string> paths;
  RETURN_IF_ERROR(source.Get("paths", &paths));
  for (const auto& p : paths) c.paths.push_back(source.Resolve(p));
  RETURN_IF_ERROR(source.GetPath("paths_file", &c.paths_file));
  RETURN_IF_ERROR(source.Get("prefix", &c.prefix));
  RETURN_IF_ERROR(source.Get("limit", &c.limit));
  RETURN_IF_ERROR(source.CheckUnknown());
  if (c.paths.empty() == c.paths_file.empty())
    return Status::InvalidArgument(path + ": [source] needs either paths or paths_file");

  TomlSection ledger = section("ledger");
  RETURN_IF_ERROR(ledger.GetPath("snapshot", &c.snapshot));
  RETURN_IF_ERROR(ledger.GetPath("trust", &c.trust));
  RETURN_IF_ERROR(ledger.GetPath("root", &c.root));

  RETURN_IF_ERROR(ledger.Get("on_mismatch", &c.on_mismatch));
  RETURN_IF_ERROR(ledger.Get("on_missing", &c.on_missing));
  RETURN_IF_ERROR(ledger.CheckUnknown());
  if (c.on_mismatch != "quarantine" && c.on_mismatch != "fail")
    return Status::InvalidArgument(path + ": ledger.on_mismatch must be \"quarantine\" or \"fail\"");
  if (c.on_missing != "quarantine" && c.on_missing != "fail" && c.on_missing != "allow")
    return Status::InvalidArgument(path + ": ledger.on_missing must be \"quarantine\", \"fail\" or \"allow\"");
  if (c.snapshot.empty() != c.trust.empty())
    return Status::InvalidArgument(path + ": ledger.snapshot and ledger.trust go together");
  if (c.snapshot.empty() && c.on_missing != "allow")
    return Status::InvalidArgument(path +
                                   ": no ledger.snapshot: every shard would be missing from the ledger; set "
                                   "ledger.on_missing = \"allow\" to process them as unverified");

  TomlSection extract = section("extract");
  RETURN_IF_ERROR(extract.Get("all_text", &c.all_text));
  RETURN_IF_ERROR(extract.GetPath("language_model", &c.language_model));
  if (!c.language_model.empty()) {
    c.min_lang_score = 0;  // FineWeb-2 applies its per-language thresholds in the language step
    auto model = classify::FastTextModel::Open(c.language_model);
    if (!model.ok()) return Status::InvalidArgument(path + ": extract.language_model: " + model.status().message());
    c.language_model_sha256 = (*model)->info().sha256;
  }
  RETURN_IF_ERROR(extract.Get("min_lang_score", &c.min_lang_score, 0.0, 1.0));
  RETURN_IF_ERROR(extract.Get("max_html_bytes", &c.max_html_bytes, uint64_t{1} << 10, uint64_t{1} << 30));
  RETURN_IF_ERROR(extract.CheckUnknown());

  TomlSection dedup = section("dedup");
  RETURN_IF_ERROR(dedup.Get("method", &c.method));
  RETURN_IF_ERROR(dedup.Get("num_perm", &c.num_perm, 1u, 1024u));
  RETURN_IF_ERROR(dedup.Get("ngram", &c.ngram, 1u, 64u));
  RETURN_IF_ERROR(dedup.Get("bands", &c.bands, 1u, c.num_perm));
  RETURN_IF_ERROR(dedup.Get("rows", &c.rows, 1u, c.num_perm));
  RETURN_IF_ERROR(dedup.Get("seed", &c.seed));
  RETURN_IF_ERROR(dedup.Get("threshold", &c.threshold, 0.0, 1.0));
  RETURN_IF_ERROR(dedup.Get("exact", &c.exact));
  RETURN_IF_ERROR(dedup.Get("device", &c.device));
  RETURN_IF_ERROR(dedup.CheckUnknown());
  if (c.method != "minhash") return Status::InvalidArgument(path + ": dedup.method must be \"minhash\"");
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda")
    return Status::InvalidArgument(path + ": dedup.device must be \"auto\", \"cpu\" or \"cuda\"");
  if (uint64_t{c.bands} * c.rows > c.num_perm)
    return Status::InvalidArgument(path + ": dedup.bands × dedup.rows (" + std::to_string(c.bands) + " × " +
                                   std::to_string(c.rows) + ") must be at most dedup.num_perm (" +
                                   std::to_string(c.num_perm) + ")");
  if (c.threshold <= 0) return Status::InvalidArgument(path + ": dedup.threshold must be above 0");

  TomlSection tok = section("tokenize");
  RETURN_IF_ERROR(tok.GetPath("tokenizer", &c.tokenizer));
  RETURN_IF_ERROR(tok.Get("format", &c.format));
  RETURN_IF_ERROR(tok.Get("shard_tokens", &c.shard_tokens, uint64_t{1}, uint64_t{1} << 40));
  RETURN_IF_ERROR(tok.Get("bos", &c.bos));
  RETURN_IF_ERROR(tok.Get("eos", &c.eos));
  RETURN_IF_ERROR(tok.CheckUnknown());
  if (c.format != "megatron" && c.format != "datatrove")
    return Status::InvalidArgument(path + ": tokenize.format must be \"megatron\" or \"datatrove\"");
  TomlSection output = section("output");
  RETURN_IF_ERROR(output.Get("documents", &c.documents));
  RETURN_IF_ERROR(output.Get("shuffle_seed", &c.shuffle_seed));
  RETURN_IF_ERROR(output.Get("validation_fraction", &c.validation_fraction));
  RETURN_IF_ERROR(output.CheckUnknown());
  if (!(c.validation_fraction >= 0 && c.validation_fraction < 1))
    return Status::InvalidArgument(path + ": output.validation_fraction must be at least 0 and below 1");

  // The [filter] section, read (and range-checked) by the filters themselves.
  ASSIGN_OR_RETURN(filter::FilterPipeline filters, filter::LoadFilterPipeline(path));
  for (const filter::ModelUse& m : filters.models())
    c.models.push_back({m.step, m.path, m.sha256, m.label, m.top_fraction, m.histogram.first, m.histogram.second});
  // [prompts] (docs/prompts.md).
  ASSIGN_OR_RETURN(c.prompts, prompts::LoadPromptOptions(path));

  toml::table decisions;
  // [prompts] only when present: runs without it keep their fingerprints.
  for (const char* name : {"extract", "filter", "dedup", "tokenize", "output", "prompts"}) {
    if (const toml::table* t = root[name].as_table()) decisions.insert(name, *t);
  }
  if (toml::table* t = decisions["tokenize"].as_table()) t->erase("tokenizer");
  toml::table policies;
  policies.insert("on_mismatch", c.on_mismatch);
  policies.insert("on_missing", c.on_missing);
  decisions.insert("ledger", policies);
  std::ostringstream text;
  text << toml::toml_formatter(decisions);
  // The models' bytes decide too: a model replaced under the same path
  // makes different decisions.
  for (const auto& m : c.models) text << "# model " << m.step << " sha256 " << m.sha256 << "\n";
  if (!c.language_model.empty()) text << "# model extract.language_model sha256 " << c.language_model_sha256 << "\n";
  c.decision_options = text.str();
  return c;
}

std::string DedupParams(const PipelineConfig& c) {
  return "num_perm=" + std::to_string(c.num_perm) + " ngram=" + std::to_string(c.ngram) +
         " seed=" + std::to_string(c.seed) + " bands=" + std::to_string(c.bands) + " rows=" + std::to_string(c.rows);
}

namespace {

// A listed source in its stored form (see ListSources).
std::string StoredSourcePath(const PipelineConfig& c, const std::string& p) {
  if (p.find("://") != std::string::npos) return p;
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(p, ec).lexically_normal().string();
  if (ec) return p;
  if (!c.root.empty()) {
    std::string root = c.root;
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    if (abs.size() > root.size() + 1 && abs.compare(0, root.size(), root) == 0 && abs[root.size()] == '/')
      return abs.substr(root.size() + 1);
  }
  return abs;
}

}  // namespace

Result<std::vector<std::string>> ListSources(const PipelineConfig& c, bool fetch_remote,
                                             const std::atomic<bool>* cancel) {
  std::vector<std::string> out;
  for (const auto& p : c.paths) {
    if (p.find("://") == std::string::npos && p.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      const int rc = glob(p.c_str(), 0, nullptr, &g);
      if (rc == 0) {
        std::vector<std::string> found(g.gl_pathv, g.gl_pathv + g.gl_pathc);
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
      }
      globfree(&g);
      // A pattern that matches nothing is a mistake (a wrong folder, a typo),
      // not an empty crawl.
      if (rc != 0)
        return Status::InvalidArgument(c.file + ": source.paths: \"" + p + "\" matches no file" +
                                       (rc == GLOB_NOMATCH ? "" : " (cannot read a folder on the way)"));
    } else {
      out.push_back(p);
    }
  }
  if (!c.paths_file.empty() && (fetch_remote || c.paths_file.find("://") == std::string::npos)) {
    Status s = ingest::ForEachLine(
        c.paths_file, {},
        [&](std::string_view line) {
          while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
          if (line.empty()) return true;
          out.push_back(c.prefix + std::string(line));
          return c.limit == 0 || out.size() < c.limit;
        },
        ingest::kMaxListingLine, cancel);
    if (!s.ok()) return s.WithPrefix(c.file + ": [source]");
    if (out.size() == c.paths.size())
      return Status::InvalidArgument(c.file + ": source.paths_file: " + c.paths_file + " lists no source");
  }
  // A source named twice (a glob and a literal path, a repeated listing
  // line) is one source: its first place counts.
  std::set<std::string> seen;
  std::vector<std::string> unique;
  for (auto& s : out) {
    s = StoredSourcePath(c, s);
    if (seen.insert(s).second) unique.push_back(std::move(s));
  }
  return unique;
}

std::string SourceLocation(const std::string& root, const std::string& source) {
  if (source.empty() || source[0] == '/' || source.find("://") != std::string::npos || root.empty()) return source;
  return (std::filesystem::path(root) / source).string();
}

std::string SourceLocation(const PipelineConfig& c, const std::string& source) {
  return SourceLocation(c.root, source);
}

}  // namespace crawlproof::pipelines

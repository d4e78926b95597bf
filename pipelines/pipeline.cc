#include "pipelines/pipeline.h"

#include <glob.h>
#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "common/toml_section.h"
#include "ingest/line_reader.h"

namespace crawlproof::pipelines {

Result<PipelineConfig> LoadPipeline(const std::string& path) {
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ": " + std::string(e.description()));
  } catch (const std::exception& e) {
    return Status::NotFound(path + ": " + e.what());
  }
  PipelineConfig c;
  c.file = path;
  auto section = [&](const char* name) { return TomlSection(root[name].as_table(), name, path); };
  for (const auto& [k, v] : root) {
    static const std::set<std::string> kKnown = {"run",    "source", "ledger",   "extract",
                                                 "filter", "dedup",  "tokenize", "output"};
    if (!kKnown.count(std::string(k.str())))
      return Status::InvalidArgument(path + ": [" + std::string(k.str()) + "] is not a known section");
  }
  TomlSection run = section("run");
  RETURN_IF_ERROR(run.Get("name", &c.name));
  RETURN_IF_ERROR(run.GetPath("output", &c.output));
  RETURN_IF_ERROR(run.GetPath("store", &c.store));
  uint32_t workers = 0;
  RETURN_IF_ERROR(run.Get("workers", &workers));
  c.workers = workers;
  RETURN_IF_ERROR(run.Get("commit_every", &c.commit_every));
  RETURN_IF_ERROR(run.CheckUnknown());
  if (c.commit_every == 0) return Status::InvalidArgument(path + ": run.commit_every must be positive");
  if (c.name.empty()) c.name = std::filesystem::path(path).stem().string();
  if (c.output.empty()) return Status::InvalidArgument(path + ": run.output (the output folder) is required");
  if (c.store.empty()) c.store = c.output + "/store";

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
  RETURN_IF_ERROR(extract.Get("min_lang_score", &c.min_lang_score));
  RETURN_IF_ERROR(extract.Get("max_html_bytes", &c.max_html_bytes));
  RETURN_IF_ERROR(extract.CheckUnknown());

  TomlSection dedup = section("dedup");
  RETURN_IF_ERROR(dedup.Get("method", &c.method));
  RETURN_IF_ERROR(dedup.Get("num_perm", &c.num_perm));
  RETURN_IF_ERROR(dedup.Get("ngram", &c.ngram));
  RETURN_IF_ERROR(dedup.Get("bands", &c.bands));
  RETURN_IF_ERROR(dedup.Get("rows", &c.rows));
  RETURN_IF_ERROR(dedup.Get("seed", &c.seed));
  RETURN_IF_ERROR(dedup.Get("threshold", &c.threshold));
  RETURN_IF_ERROR(dedup.Get("exact", &c.exact));
  RETURN_IF_ERROR(dedup.Get("device", &c.device));
  RETURN_IF_ERROR(dedup.CheckUnknown());
  if (c.method != "minhash") return Status::InvalidArgument(path + ": dedup.method must be \"minhash\"");
  if (c.device != "auto" && c.device != "cpu" && c.device != "cuda")
    return Status::InvalidArgument(path + ": dedup.device must be \"auto\", \"cpu\" or \"cuda\"");

  TomlSection tok = section("tokenize");
  RETURN_IF_ERROR(tok.GetPath("tokenizer", &c.tokenizer));
  RETURN_IF_ERROR(tok.Get("format", &c.format));
  RETURN_IF_ERROR(tok.Get("shard_tokens", &c.shard_tokens));
  RETURN_IF_ERROR(tok.Get("bos", &c.bos));
  RETURN_IF_ERROR(tok.Get("eos", &c.eos));
  RETURN_IF_ERROR(tok.CheckUnknown());
  if (c.format != "megatron" && c.format != "datatrove")
    return Status::InvalidArgument(path + ": tokenize.format must be \"megatron\" or \"datatrove\"");
  if (c.shard_tokens == 0) return Status::InvalidArgument(path + ": tokenize.shard_tokens must be positive");
  TomlSection output = section("output");
  RETURN_IF_ERROR(output.Get("documents", &c.documents));
  RETURN_IF_ERROR(output.Get("shuffle_seed", &c.shuffle_seed));
  RETURN_IF_ERROR(output.Get("validation_fraction", &c.validation_fraction));
  RETURN_IF_ERROR(output.CheckUnknown());
  if (!(c.validation_fraction >= 0 && c.validation_fraction < 1))
    return Status::InvalidArgument(path + ": output.validation_fraction must be at least 0 and below 1");

  toml::table decisions;
  for (const char* name : {"extract", "filter", "dedup", "tokenize", "output"}) {
    if (const toml::table* t = root[name].as_table()) decisions.insert(name, *t);
  }
  if (toml::table* t = decisions["tokenize"].as_table()) t->erase("tokenizer");
  toml::table policies;
  policies.insert("on_mismatch", c.on_mismatch);
  policies.insert("on_missing", c.on_missing);
  decisions.insert("ledger", policies);
  std::ostringstream text;
  text << toml::toml_formatter(decisions);
  c.decision_options = text.str();
  return c;
}

Result<std::vector<std::string>> ListSources(const PipelineConfig& c) {
  std::vector<std::string> out;
  for (const auto& p : c.paths) {
    if (p.find("://") == std::string::npos && p.find_first_of("*?[") != std::string::npos) {
      glob_t g{};
      if (glob(p.c_str(), 0, nullptr, &g) == 0) {
        std::vector<std::string> found(g.gl_pathv, g.gl_pathv + g.gl_pathc);
        std::sort(found.begin(), found.end());
        out.insert(out.end(), found.begin(), found.end());
      }
      globfree(&g);
    } else {
      out.push_back(p);
    }
  }
  if (!c.paths_file.empty()) {
    Status s = ingest::ForEachLine(c.paths_file, {}, [&](std::string_view line) {
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty()) return true;
      out.push_back(c.prefix + std::string(line));
      return c.limit == 0 || out.size() < c.limit;
    });
    if (!s.ok()) return s.WithPrefix(c.file + ": [source]");
  }
  return out;
}

}  // namespace crawlproof::pipelines

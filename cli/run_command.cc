// crawlproof run [PIPELINE.toml]; crawlproof audit --store DIR (--doc | --url | --shard --index)
#include <signal.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/account_text.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "common/file_util.h"
#include "common/json.h"
#include "common/logging.h"
#include "pipelines/outputs/bundle.h"
#include "pipelines/pipeline.h"
#include "pipelines/executors/local.h"
#include "pipelines/executors/slurm.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"
#include "verify/audit.h"
#include "verify/commitments.h"
#include "verify/snapshot.h"

namespace crawlproof::cli {

// Test hook: CRAWLPROOF_FAILPOINT=<name>[:<n>[:INT]] kills the process with
// SIGKILL (or sends it SIGINT, as Ctrl-C does) the n-th time (default: the
// first) a run reaches that point (tests of exactly-once; docs/pipeline.md).
void Failpoint(const char* name) {
  static std::atomic<int> hits{0};
  const char* want = std::getenv("CRAWLPROOF_FAILPOINT");
  if (!want) return;
  std::string w = want;
  int nth = 1, sig = SIGKILL;
  if (size_t colon = w.find(':'); colon != std::string::npos) {
    nth = std::atoi(w.c_str() + colon + 1);
    if (w.find(":INT", colon) != std::string::npos) sig = SIGINT;
    w.resize(colon);
  }
  if (w == name && ++hits == nth) ::kill(::getpid(), sig);
}

namespace {

struct RunArgs {
  std::string pipeline;  // "": the bundled sample, from the source checkout only
  std::string progress = "auto";
  uint64_t max_shards = 0;
  bool recheck = false;
  bool check = false;
  std::string executor;  // "": the pipeline's [run] executor
  bool wait = false, dry_run = false;
  bool json = false;  // the stats line on stdout even on a terminal
};

std::atomic<bool> g_interrupted{false};
// The first Ctrl-C or SIGTERM stops the run at its next safe point; a second
// one exits at once (the store is crash-safe: the next run resumes).
extern "C" void OnInterrupt(int sig) {
  if (g_interrupted.exchange(true)) ::_exit(128 + sig);
}

// Ctrl-C and SIGTERM set the run's cancellation flag while it lives.
class InterruptScope {
 public:
  InterruptScope() {
    g_interrupted = false;
    int_ = std::signal(SIGINT, OnInterrupt);
    term_ = std::signal(SIGTERM, OnInterrupt);
  }
  ~InterruptScope() {
    std::signal(SIGINT, int_);
    std::signal(SIGTERM, term_);
  }

 private:
  void (*int_)(int);
  void (*term_)(int);
};

// "1 shard", "2 shards".
std::string Count(uint64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// What a run wrote, by path: named at the end of every run.
std::vector<std::pair<std::string, std::string>> Written(const pipelines::PipelineConfig& c) {
  std::vector<std::pair<std::string, std::string>> w = {
      {"shards", c.output + "/shards/ (manifest.json)"},
      {"report", c.output + "/report.html"},
      {"card", c.output + "/README.md"},
      {"stats", c.output + "/stats.json"},
      {"store", c.store},
  };
  if (c.documents) w.insert(w.begin() + 1, {"documents", c.output + "/shards/documents/"});
  return w;
}

// On a terminal: the summary in words and the paths written; else (or with
// --json) the stats as one JSON line on stdout, the summary on stderr.
void PrintSummary(const pipelines::PipelineConfig& config, const pipelines::RunSummary& s, bool json) {
  const std::string line =
      "run " + config.name + " #" + std::to_string(s.run) + ": " + Count(s.processed, "shard", "shards") + " (" +
      std::to_string(s.quarantined) + " quarantined, " + std::to_string(s.unverified) + " unverified), " +
      Count(s.documents, "document", "documents") + ", " + std::to_string(s.kept) + " kept, " +
      Count(s.tokens, "token", "tokens") +
      (s.remaining ? "; " + Count(s.remaining, "new shard", "new shards") + " left for the next run" : "");
  if (json || !::isatty(STDOUT_FILENO)) {
    std::string paths;
    for (const auto& [what, where] : Written(config)) paths += (paths.empty() ? "" : ", ") + what + " " + where;
    LogInfo(line + "; wrote " + paths);
    std::printf("%s\n", s.stats_json.c_str());
    return;
  }
  std::printf("%s\n", line.c_str());
  if (s.input_errors)
    std::printf("  %s (stderr says where)\n", Count(s.input_errors, "input error", "input errors").c_str());
  std::printf("wrote:\n");
  for (const auto& [what, where] : Written(config)) std::printf("  %-10s %s\n", what.c_str(), where.c_str());
  std::printf("(--json prints the stats line instead; it is also in %s/stats.json)\n", config.output.c_str());
}

// A run that completed: bad input when records could not be read or shards
// were quarantined (each logged, and in the report).
Status RunResult(const pipelines::PipelineConfig& config, const pipelines::RunSummary& s) {
  if (!s.quarantined && !s.input_errors) return Status::Ok();
  std::string m = "run " + config.name + ": completed with ";
  if (s.input_errors) m += Count(s.input_errors, "input error", "input errors");
  if (s.input_errors && s.quarantined) m += " and ";
  if (s.quarantined) m += Count(s.quarantined, "quarantined source shard", "quarantined source shards");
  return Status::BadInput(m + " (see " + config.output + "/report.html)");
}

Status PrintNothingNew(const pipelines::PipelineConfig& config, uint64_t sources, bool json) {
  const std::string line =
      "run " + config.name + ": nothing new — " +
      (sources == 1 ? std::string("the source shard is") : "all " + std::to_string(sources) + " source shards are") +
      " already done; nothing changed";
  if (!json && ::isatty(STDOUT_FILENO)) {
    std::printf("%s\n", line.c_str());
    return Status::Ok();
  }
  LogInfo(line);
  JsonObject o;
  o.Add("run", config.name).Add("nothing_new", true).Add("sources", sources);
  std::printf("%s\n", o.str().c_str());
  return Status::Ok();
}

Status RunSlurm(const RunArgs& a, const pipelines::PipelineConfig& config) {
  pipelines::SlurmRunOptions options;
  options.max_shards = a.max_shards;
  options.recheck = a.recheck;
  options.wait = a.wait;
  options.dry_run = a.dry_run;
  InterruptScope interrupts;
  options.cancel = &g_interrupted;
  auto sub = pipelines::RunOnSlurm(config, options);
  if (!sub.ok()) {
    return sub.status().WithPrefix("run " + config.name + " (slurm)");
  }
  if (sub->nothing_new) return PrintNothingNew(config, sub->summary.sources, a.json);
  if (a.dry_run) {
    std::printf("plan: %s/plan.json\n", sub->plan_dir.c_str());
    for (const auto& s : sub->scripts) std::printf("%s\n", s.c_str());
    return Status::Ok();
  }
  std::string ids;
  for (const auto& j : sub->jobs)
    std::fprintf(stderr, "submitted %s: job %s (tasks %llu-%llu) as crawlproof-%s\n", j.stage.c_str(), j.job_id.c_str(),
                 static_cast<unsigned long long>(j.offset), static_cast<unsigned long long>(j.offset + j.count - 1),
                 j.stage.c_str());
  if (!sub->waited) {
    JsonObject o;
    std::string jobs = "[";
    for (size_t i = 0; i < sub->jobs.size(); ++i) {
      JsonObject j;
      j.Add("stage", sub->jobs[i].stage).Add("job_id", sub->jobs[i].job_id);
      jobs += i ? "," : "";
      jobs += j.str();
    }
    o.Add("run", config.name).Add("submitted", true).Add("plan", sub->plan_dir).AddRaw("jobs", jobs + "]");
    std::printf("%s\n", o.str().c_str());
    return Status::Ok();
  }
  PrintSummary(config, sub->summary, a.json);
  return RunResult(config, sub->summary);
}

// The pipeline `run` reads: the one named, or — in the source checkout the
// binary was built from — its bundled sample. Elsewhere a pipeline must be
// named: the sample writes into the checkout's build folder.
Result<std::string> PipelineToRun(const std::string& named) {
  if (!named.empty()) return named;
  namespace fs = std::filesystem;
  std::error_code ec;
  const std::string source = CRAWLPROOF_SOURCE_DIR;
  if (fs::equivalent(fs::current_path(ec), source, ec) && fs::exists(source + "/pipelines/sample.toml"))
    return std::string("pipelines/sample.toml");
  return Status::InvalidArgument(
      "run: name a pipeline file: crawlproof run PIPELINE.toml (docs/pipeline.md lists every key). Only in the "
      "source checkout (" +
      source + ") does a bare `crawlproof run` run the bundled sample, pipelines/sample.toml");
}

Status RunRun(const RunArgs& args) {
  RunArgs a = args;
  ASSIGN_OR_RETURN(a.pipeline, PipelineToRun(args.pipeline));
  auto config = pipelines::LoadPipeline(a.pipeline);
  if (!config.ok()) {
    return config.status();
  }
  if (a.check) {
    // One line per refusal a run would make (with the executor it would use).
    if (!a.executor.empty()) config->executor = a.executor;
    RETURN_IF_ERROR(pipelines::CheckPipeline(*config));
    std::printf("%s: ok\n", a.pipeline.c_str());
    return Status::Ok();
  }
  const std::string executor = a.executor.empty() ? config->executor : a.executor;
  if (executor == "slurm") return RunSlurm(a, *config);
  if (a.wait || a.dry_run) {
    return Status::InvalidArgument("--wait and --dry-run are for --executor slurm");
  }
  if (auto live = pipelines::LiveJobs(config->output); live.ok() && !live->empty()) {
    return Status::InvalidArgument("run " + config->name + ": a Slurm submission for " + config->output +
                                   " is still live; wait for it or crawlproof cancel " + config->output);
  }
  pipelines::RunOptions options;
  options.progress = ParseProgressOption(a.progress);
  options.max_shards = a.max_shards;
  options.recheck = a.recheck;
  options.checkpoint = Failpoint;
  InterruptScope interrupts;
  options.cancel = &g_interrupted;
  auto summary = pipelines::RunPipeline(*config, options);
  if (!summary.ok()) {
    return summary.status().WithPrefix("run " + config->name);
  }
  if (summary->nothing_new) return PrintNothingNew(*config, summary->sources, a.json);
  PrintSummary(*config, *summary, a.json);
  return RunResult(*config, *summary);
}

// ---- audit --store -------------------------------------------------------------

struct StoreAuditArgs {
  std::string store, doc, url, prompt, bundle;
  bool force = false;
  std::optional<uint64_t> shard, index;
  bool json = false;
};

}  // namespace

Status WriteDocumentBundle(const store::ProvenanceStore& st, const std::string& account, const std::string& out,
                           const std::string& prompt_account) {
  ASSIGN_OR_RETURN(std::string text, pipelines::DocumentBundle(st, account, prompt_account));
  return WriteFileAtomically(out, text);
}

Status CheckBundleOutput(const std::string& out, const std::string& store, bool force) {
  return CheckOutputFile({out, "proof bundle", JsonFormatIs("crawlproof-audit/v1")}, {store}, force)
      .WithPrefix("audit --bundle");
}

namespace {

Status RunStoreAudit(const StoreAuditArgs& a) {
  int lookups = !a.doc.empty() + !a.url.empty() + (a.shard || a.index) + !a.prompt.empty();
  if (a.store.empty() || lookups != 1 || (a.shard.has_value() != a.index.has_value())) {
    return Status::InvalidArgument(
        "audit: use --store DIR with exactly one of --doc ID, --url URL, --shard N --index I, --prompt ID");
  }
  if (!a.bundle.empty()) RETURN_IF_ERROR(CheckBundleOutput(a.bundle, a.store, a.force));
  auto st = store::ProvenanceStore::OpenForReading(a.store);
  if (!st.ok()) {
    return st.status();
  }
  if (!a.prompt.empty()) return RunPromptAudit(**st, a.store, a.prompt, a.json, a.bundle);
  std::vector<std::string> ids;
  if (!a.doc.empty()) ids.push_back(a.doc);
  if (!a.url.empty()) {
    auto found = (*st)->DocumentsWithUrl(a.url);
    if (!found.ok()) {
      return found.status();
    }
    ids = *found;
  }
  std::string why_unknown = "not in the store";
  if (a.shard) {
    auto m = (*st)->Manifest();
    std::optional<std::string> id;
    why_unknown = "the store has committed no shards yet";
    if (m.ok() && *m) {
      auto manifest = tokenize::Manifest::Parse(**m);
      const uint64_t shard = *a.shard, index = *a.index;
      if (manifest.ok() && shard < manifest->shards.size()) {
        const tokenize::ManifestShard& sh = manifest->shards[shard];
        auto at = (*st)->DocumentAt(sh.index, index);
        if (at.ok() && *at) id = **at;
        why_unknown = index >= sh.documents
                          ? "shard " + std::to_string(shard) + " holds " + std::to_string(sh.documents) +
                                " documents (indexes 0 to " + std::to_string(sh.documents ? sh.documents - 1 : 0) + ")"
                          : "no document recorded at that place";
      } else if (manifest.ok()) {
        why_unknown = "the shards are numbered 0 to " +
                      std::to_string(manifest->shards.empty() ? 0 : manifest->shards.size() - 1);
      }
    }
    if (id) ids.push_back(*id);
  }
  uint64_t unknown = 0;
  if (ids.empty()) {
    JsonObject o;
    o.Add("doc_id", a.doc.empty() ? "" : a.doc).Add("status", "unknown").Add("reason", why_unknown);
    if (!a.url.empty()) o.Add("url", a.url);
    if (a.shard) o.Add("shard", *a.shard).Add("index", *a.index);
    if (a.json) {
      std::printf("%s\n", o.str().c_str());
    } else {
      std::printf("no document in the store %s for this lookup (%s): status unknown\n", a.store.c_str(),
                  why_unknown.c_str());
    }
    return Status::BadInput("audit: no document in " + a.store + " for this lookup (" + why_unknown + ")");
  }
  for (const auto& id : ids) {
    auto doc = (*st)->Document(id);
    if (!doc.ok()) {
      return doc.status();
    }
    if (!*doc) {
      ++unknown;
      JsonObject o;
      o.Add("doc_id", id).Add("status", "unknown").Add("reason", "not in the store");
      if (a.json) {
        std::printf("%s\n", o.str().c_str());
      } else {
        std::printf("document %s: not in the store (status unknown)\n", id.c_str());
      }
      continue;
    }
    if (a.json) {
      std::printf("%s\n", doc->value().c_str());
    } else {
      PrintAccount(**st, **doc, a.store);
    }
    if (!a.bundle.empty()) {
      if (ids.size() != 1) {
        return Status::InvalidArgument("audit --bundle: the lookup gives " + std::to_string(ids.size()) +
                                       " documents; use --doc");
      }
      if (Status s = WriteDocumentBundle(**st, **doc, a.bundle); !s.ok()) {
        return s.code() == StatusCode::kInvalidArgument ? AsBadInput(s) : s;
      }
      LogInfo("audit: proof bundle of " + id + " written to " + a.bundle);
    }
  }
  if (unknown > 0)
    return Status::BadInput("audit: " + std::to_string(unknown) + " of " + std::to_string(ids.size()) +
                            " documents are not in " + a.store);
  return Status::Ok();
}

}  // namespace

void RegisterRunCommands(CLI::App& app, Status* result) {
  auto r = std::make_shared<RunArgs>();
  auto* run = app.add_subcommand("run", "Run a pipeline: verify, extract, filter, dedup, tokenize (docs/pipeline.md)");
  run->add_option("pipeline", r->pipeline,
                  "Pipeline file (TOML); in the source checkout, the bundled sample pipelines/sample.toml by default");
  run->add_option("--progress", r->progress, "Progress on stderr: auto, json, off")
      ->check(CLI::IsMember({"auto", "json", "off"}));
  run->add_option("--max-shards", r->max_shards,
                  "Bound this run: no new group starts once this many new source shards are done (0: all)")
      ->capture_default_str();
  run->add_flag("--json", r->json, "Print the stats as one JSON line on stdout also on a terminal");
  run->add_flag("--recheck", r->recheck,
                "Re-check every quarantined source (unreadable ones and those checked against an older ledger "
                "head are re-checked anyway)");
  run->add_flag("--check", r->check,
                "Only check what a run would refuse (pipeline file, tokenizer, filters, ledger, sources, output "
                "folder) and exit");
  run->add_option("--executor", r->executor,
                  "local (this machine) or slurm (sbatch array jobs); default: [run] executor")
      ->check(CLI::IsMember({"local", "slurm"}));
  run->add_flag("--wait", r->wait, "slurm: wait for the run to finish and print its stats as a local run does");
  run->add_flag("--dry-run", r->dry_run, "slurm: write the plan and the job scripts, submit nothing");
  run->callback([r, result] { *result = RunRun(*r); });
}

void AddStoreAudit(CLI::App* audit, Status* result) {
  auto a = std::make_shared<StoreAuditArgs>();
  audit->add_option("--store", a->store, "A run's provenance store: the account of one document");
  audit->add_option("--doc", a->doc, "Document id");
  audit->add_option("--url", a->url, "URL (every document with it)");
  audit->add_option("--shard", a->shard, "Shard: 0-based position in the manifest (with --index)")
      ->check(WholeNumber());
  audit->add_option("--index", a->index, "Document's 0-based position in that shard")->check(WholeNumber());
  audit->add_option("--prompt", a->prompt, "Prompt id (p + 32 hex digits, extra_info.prompt_id of a prompts row)");
  audit->add_flag("--json", a->json, "One JSON object per document (or prompt)");
  audit->add_option("--bundle", a->bundle,
                    "Write the document's proof bundle: the record's ledger proof with every decision, the "
                    "options hash, the text and token hashes and its place in the shards (with --prompt: its "
                    "source document's, carrying the prompt's account)");
  audit->add_flag("--force", a->force, "Replace a --bundle file that is not a proof bundle (never a key file)");
  audit->callback([audit, a, result] {
    if (audit->get_subcommands().empty()) *result = RunStoreAudit(*a);
  });
}

}  // namespace crawlproof::cli

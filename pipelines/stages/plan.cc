// The plan of a run (stages.h) and the files between stages (stage_io.h).
#include <simdjson.h>
#include <zstd.h>

#include <algorithm>
#include <filesystem>

#include "common/digest.h"
#include "common/encoding.h"
#include "common/file_util.h"
#include "common/json.h"
#include "pipelines/stages/prompts.h"
#include "pipelines/stages/stage_io.h"
#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tokenize/shards.h"

namespace crawlproof::pipelines {

Status WriteStageFile(const std::string& path, const std::string& data, bool zstd, int level) {
  if (!zstd) return WriteFileAtomically(path, data);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return Status::Internal(path + ": zstd: " + ZSTD_getErrorName(n));
  out.resize(n);
  return WriteFileAtomically(path, out);
}

Result<std::string> ReadStageFile(const std::string& path, bool zstd) {
  ASSIGN_OR_RETURN(std::string in, ReadWholeFile(path));
  if (!zstd) return in;
  const unsigned long long size = ZSTD_getFrameContentSize(in.data(), in.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN)
    return Status::Corruption(path + ": not a zstd frame of known size");
  std::string out(size, '\0');
  const size_t n = ZSTD_decompress(out.data(), out.size(), in.data(), in.size());
  if (ZSTD_isError(n) || n != size) return Status::Corruption(path + ": cannot be decompressed");
  return out;
}

const char* ToString(Stage s) {
  switch (s) {
    case Stage::kProcess: return "process";
    case Stage::kDedup: return "dedup";
    case Stage::kComponents: return "components";
    case Stage::kCluster: return "cluster";
    case Stage::kAssemble: return "assemble";
    case Stage::kTokenize: return "tokenize";
    case Stage::kEntries: return "entries";
    case Stage::kCommit: return "commit";
  }
  return "";
}

std::optional<Stage> StageFromString(std::string_view name) {
  for (Stage s : kStages)
    if (name == ToString(s)) return s;
  return std::nullopt;
}

std::string StageNames() {
  std::string names;
  for (Stage s : kStages) names += std::string(names.empty() ? "" : ", ") + ToString(s);
  return names;
}

uint64_t Plan::tasks(Stage s) const {
  switch (s) {
    case Stage::kProcess: return process_tasks.size();
    case Stage::kDedup: return dedup_partitions;
    case Stage::kComponents: return 1;
    case Stage::kCluster: return cluster_tasks;
    case Stage::kAssemble: return assemble_tasks.size();
    case Stage::kTokenize: return tokenize_tasks.size();
    case Stage::kEntries: return tokenize_tasks.size();
    case Stage::kCommit: return 1;
  }
  return 0;
}

namespace {

std::string QuoteJson(std::string_view text) {
  std::string out;
  AppendJsonString(out, text);
  return out;
}

std::string U64List(const std::vector<uint64_t>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += i ? "," : "";
    s += std::to_string(v[i]);
  }
  return s + "]";
}

std::string PlanBody(const Plan& p) {
  JsonObject o;
  std::string sources = "[", groups = "[", tasks = "[";
  for (size_t i = 0; i < p.sources.size(); ++i) {
    sources += i ? "," : "";
    sources += QuoteJson(p.sources[i]);
  }
  for (size_t i = 0; i < p.groups.size(); ++i) {
    JsonObject g;
    g.Add("first", p.groups[i].first).AddRaw("sources", U64List(p.groups[i].sources));
    groups += i ? "," : "";
    groups += g.str();
  }
  for (size_t i = 0; i < p.process_tasks.size(); ++i) {
    tasks += i ? "," : "";
    tasks += U64List(p.process_tasks[i]);
  }
  auto ranges = [](const std::vector<std::pair<uint64_t, uint64_t>>& r) {
    std::string out = "[";
    for (size_t i = 0; i < r.size(); ++i) {
      out += i ? "," : "";
      out += U64List(std::vector<uint64_t>{r[i].first, r[i].second});
    }
    return out + "]";
  };
  o.Add("run", p.run)
      .Add("pipeline", p.pipeline)
      .Add("remaining", p.remaining)
      .Add("todo_bytes", p.todo_bytes)
      .Add("next_shard", p.next_shard)
      .Add("next_prompt_file", p.next_prompt_file)
      .Add("dedup_partitions", static_cast<uint64_t>(p.dedup_partitions))
      .Add("cluster_tasks", p.cluster_tasks)
      .AddRaw("assemble_tasks", ranges(p.assemble_tasks))
      .AddRaw("tokenize_tasks", ranges(p.tokenize_tasks))
      .AddRaw("process_tasks", tasks + "]")
      .AddRaw("groups", groups + "]")
      .AddRaw("sources", sources + "]");
  return o.str();
}

}  // namespace

std::string Plan::ToJson() const {
  std::string body = PlanBody(*this);
  return "{\"id\":" + QuoteJson(id) + "," + body.substr(1) + "\n";
}

Result<Plan> Plan::Parse(std::string_view json, const std::string& where) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root)) return Status::Corruption(where + ": not a plan (JSON)");
  Plan p;
  auto bad = [&](const char* what) { return Status::Corruption(where + ": the plan's " + std::string(what)); };
  std::string_view s;
  uint64_t u;
  if (root["id"].get(s)) return bad("id");
  p.id = std::string(s);
  if (root["pipeline"].get(s)) return bad("pipeline");
  p.pipeline = std::string(s);
  if (root["run"].get(p.run) || root["remaining"].get(p.remaining) || root["todo_bytes"].get(p.todo_bytes) ||
      root["dedup_partitions"].get(u) || root["next_shard"].get(p.next_shard) ||
      root["next_prompt_file"].get(p.next_prompt_file) || root["cluster_tasks"].get(p.cluster_tasks))
    return bad("counts");
  p.dedup_partitions = static_cast<uint32_t>(u);
  auto list = [](simdjson::dom::element e, std::vector<uint64_t>* out) {
    simdjson::dom::array a;
    if (e.get(a)) return false;
    for (simdjson::dom::element x : a) {
      uint64_t v;
      if (x.get(v)) return false;
      out->push_back(v);
    }
    return true;
  };
  simdjson::dom::array a;
  if (root["sources"].get(a)) return bad("sources");
  for (simdjson::dom::element x : a) {
    if (x.get(s)) return bad("sources");
    p.sources.emplace_back(s);
  }
  if (root["groups"].get(a)) return bad("groups");
  for (simdjson::dom::element x : a) {
    PlanGroup g;
    if (x["first"].get(g.first) || !list(x["sources"], &g.sources)) return bad("groups");
    p.groups.push_back(std::move(g));
  }
  if (root["process_tasks"].get(a)) return bad("process tasks");
  for (simdjson::dom::element x : a) {
    p.process_tasks.emplace_back();
    if (!list(x, &p.process_tasks.back())) return bad("process tasks");
  }
  for (auto [name, out] :
       {std::pair{"tokenize_tasks", &p.tokenize_tasks}, std::pair{"assemble_tasks", &p.assemble_tasks}}) {
    if (root[name].get(a)) return bad(name);
    for (simdjson::dom::element x : a) {
      std::vector<uint64_t> r;
      if (!list(x, &r) || r.size() != 2) return bad(name);
      out->emplace_back(r[0], r[1]);
    }
    for (const auto& [b, e] : *out)
      if (b > e || e > p.groups.size()) return bad(name);
  }
  uint64_t last = 0;  // the groups' sources in increasing order
  bool first = true;
  for (const auto& g : p.groups)
    for (uint64_t i : g.sources) {
      if (!first && i <= last) return bad("groups (sources out of order)");
      last = i;
      first = false;
    }
  for (const auto& g : p.groups)
    for (uint64_t i : g.sources)
      if (i >= p.sources.size()) return bad("groups (a source index out of range)");
  for (const auto& t : p.process_tasks)
    for (uint64_t i : t)
      if (i >= p.sources.size()) return bad("process tasks (a source index out of range)");
  if (p.dedup_partitions == 0) return bad("dedup partitions");
  if (p.cluster_tasks == 0) return bad("cluster tasks");
  if (p.id != HexEncode(Sha256(PlanBody(p))).substr(0, 16)) return bad("id (the plan was changed by hand)");
  return p;
}

bool CommittedInRun(const std::optional<std::string>& state, uint64_t run) {
  if (!state) return false;
  simdjson::dom::parser parser;
  simdjson::padded_string p(*state);
  simdjson::dom::element e;
  uint64_t by = 0;
  return !parser.parse(p).get(e) && !e["run"].get(by) && by == run;
}

bool RetrySource(std::string_view state, uint64_t run, const PlanOptions& o) {
  simdjson::dom::parser parser;
  simdjson::padded_string p(state);
  simdjson::dom::element e;
  std::string_view s, verification, head;
  uint64_t committed_by = 0;
  if (parser.parse(p).get(e) || e["state"].get(s) || e["verification"].get(verification)) return false;
  if (!e["run"].get(committed_by) && committed_by == run) return false;  // this run's own (resumed)
  if (s != "quarantined") return false;
  if (o.recheck || verification == "unreadable") return true;
  if (verification != "missing" && verification != "mismatch") return false;
  if (e["ledger_head"].get(head)) head = "";
  return head != o.ledger_head;
}

Result<Plan> MakePlan(const PipelineConfig& c, const store::ProvenanceStore& st, const PlanOptions& o) {
  Plan p;
  ASSIGN_OR_RETURN(uint64_t runs, st.RunCount());
  p.run = runs + 1;
  ASSIGN_OR_RETURN(std::optional<std::string> manifest, st.Manifest());
  if (manifest) {
    ASSIGN_OR_RETURN(tokenize::Manifest m, tokenize::Manifest::Parse(*manifest));
    p.next_shard = m.shards.empty() ? 0 : m.shards.back().index + 1;
  }
  ASSIGN_OR_RETURN(std::optional<std::string> prompts, st.PromptsManifest());
  if (prompts) {
    ASSIGN_OR_RETURN(PromptsManifest m, PromptsManifest::Parse(*prompts));
    p.next_prompt_file = m.totals.files;
  }
  // As given: jobs run in the submitting folder, so that every path the
  // pipeline resolves (and records) is spelled as in a local run.
  p.pipeline = c.file;
  if (o.sources) {
    p.sources = *o.sources;
  } else {
    ASSIGN_OR_RETURN(p.sources, ListSources(c));
  }
  // Groups of commit_every consecutive sources (fixed by the source list,
  // not by what is done, so a resumed run regroups identically).
  uint64_t todo = 0;
  std::vector<uint64_t> sizes(p.sources.size(), 0);
  for (size_t g = 0; g < p.sources.size(); g += c.commit_every) {
    PlanGroup group;
    group.first = g;
    for (size_t i = g; i < std::min(p.sources.size(), g + c.commit_every); ++i) {
      ASSIGN_OR_RETURN(std::optional<std::string> state, st.Ingest(p.sources[i]));
      if (!state || RetrySource(*state, p.run, o)) group.sources.push_back(i);
    }
    if (group.sources.empty()) continue;
    if (o.max_shards && todo >= o.max_shards) {
      p.remaining += group.sources.size();
      continue;
    }
    todo += group.sources.size();
    for (uint64_t i : group.sources) {
      std::error_code size_ec;
      if (p.sources[i].find("://") == std::string::npos) {
        const auto size = std::filesystem::file_size(SourceLocation(c, p.sources[i]), size_ec);
        if (!size_ec) sizes[i] = size;
      }
      p.todo_bytes += sizes[i];
    }
    p.groups.push_back(std::move(group));
  }
  // Process tasks: consecutive sources of the run (a task may span groups;
  // outputs are per source, so this changes only how work is spread).
  std::vector<uint64_t> task;
  uint64_t task_bytes = 0;
  for (const auto& g : p.groups) {
    for (uint64_t i : g.sources) {
      const bool full = o.bytes_per_task ? (!task.empty() && task_bytes + sizes[i] > o.bytes_per_task)
                                         : task.size() >= std::max<uint64_t>(1, o.sources_per_task);
      if (full) {
        p.process_tasks.push_back(std::move(task));
        task.clear();
        task_bytes = 0;
      }
      task.push_back(i);
      task_bytes += sizes[i];
    }
  }
  if (!task.empty()) p.process_tasks.push_back(std::move(task));
  p.dedup_partitions = std::max<uint32_t>(1, o.dedup_partitions);
  // Tokenize tasks: contiguous ranges of groups, as even in sources as the
  // groups allow.
  const uint64_t t = std::min<uint64_t>(std::max<uint32_t>(1, o.tokenize_tasks), p.groups.size());
  uint64_t begin = 0, done = 0;
  for (uint64_t k = 0; k < t; ++k) {
    const uint64_t want = (todo * (k + 1) + t - 1) / t;
    uint64_t end = begin;
    while (end < p.groups.size() && (end == begin || done < want) && p.groups.size() - end > t - k - 1) {
      done += p.groups[end].sources.size();
      ++end;
    }
    if (k + 1 == t) {
      for (; end < p.groups.size(); ++end) done += p.groups[end].sources.size();
    }
    p.tokenize_tasks.emplace_back(begin, end);
    begin = end;
  }
  // Cluster tasks own ranges of the run's sources; assemble tasks are the
  // tokenize ranges, or one over every group when prompts are decided (the
  // question dedup runs through the groups in order).
  p.cluster_tasks = std::clamp<uint64_t>(o.cluster_tasks, 1, std::max<uint64_t>(1, todo));
  if (o.prompts && !p.groups.empty()) {
    p.assemble_tasks.emplace_back(0, p.groups.size());
  } else {
    p.assemble_tasks = p.tokenize_tasks;
  }
  p.id = HexEncode(Sha256(PlanBody(p))).substr(0, 16);
  return p;
}

}  // namespace crawlproof::pipelines

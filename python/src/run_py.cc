// crawlproof._core._run: `crawlproof run` of a pipeline file from Python, on
// the local executor. The run goes on a thread of its own; the calling
// thread waits with the GIL released, waking every tenth of a second to hand
// progress to the caller's function and to notice Ctrl-C (a Python signal
// handler runs only there), either of which stops the run at its next safe
// point, as Ctrl-C stops the CLI.
#include <pybind11/stl.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pipelines/executors/local.h"
#include "pipelines/executors/slurm.h"
#include "pipelines/pipeline.h"
#include "python/src/bindings.h"

namespace crawlproof::python {
namespace {

namespace fs = std::filesystem;

// The keys run() may override: where things are, how many workers, which
// sources — never what decides a document's fate, which the store's runs
// must agree on and so is read from the file alone.
constexpr const char* kOverridable =
    "name, output, store, workers, commit_every, paths, paths_file, prefix, limit, tokenizer, max_shards, recheck";

std::string AbsolutePath(const py::handle& v) {
  std::string p = py::str(py::module_::import("os").attr("fspath")(v));
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  return ec ? p : abs.lexically_normal().string();
}

template <typename T>
T Int(const std::string& key, const py::handle& v, T lo, T hi) {
  if (py::isinstance<py::bool_>(v) || !py::isinstance<py::int_>(v))
    throw py::type_error("run(): " + key + " must be an int");
  const long long n = v.cast<long long>();
  if (n < static_cast<long long>(lo) || static_cast<unsigned long long>(n) > static_cast<unsigned long long>(hi))
    throw py::value_error("run(): " + key + " must be between " + std::to_string(lo) + " and " + std::to_string(hi));
  return static_cast<T>(n);
}

// Applies run()'s keyword arguments to the loaded pipeline and the run's
// options. Paths are taken relative to the working directory, as Python
// code expects (the file's own paths stay relative to the file).
void ApplyOverrides(const py::dict& overrides, pipelines::PipelineConfig* c, pipelines::RunOptions* o) {
  const std::string default_store = c->output + "/store";
  const std::string default_workdir = c->output + "/work";
  bool store_set = false;
  for (const auto& [k, v] : overrides) {
    const std::string key = py::str(k);
    if (key == "name") {
      if (!py::isinstance<py::str>(v)) throw py::type_error("run(): name must be a str");
      c->name = v.cast<std::string>();
    } else if (key == "output") {
      c->output = AbsolutePath(v);
    } else if (key == "store") {
      c->store = AbsolutePath(v);
      store_set = true;
    } else if (key == "workers") {
      c->workers = Int<unsigned>(key, v, 0, 4096);
    } else if (key == "commit_every") {
      c->commit_every = Int<uint64_t>(key, v, 1, uint64_t{1} << 20);
    } else if (key == "paths") {
      c->paths.clear();
      if (py::isinstance<py::str>(v) || py::hasattr(v, "__fspath__")) {
        c->paths.push_back(AbsolutePath(v));
      } else {
        for (const auto& p : py::iter(v)) {
          const std::string s = py::str(p);
          c->paths.push_back(s.find("://") != std::string::npos ? s : AbsolutePath(p));
        }
      }
      if (c->paths.empty()) throw py::value_error("run(): paths is empty");
      c->paths_file.clear();
    } else if (key == "paths_file") {
      c->paths_file = AbsolutePath(v);
      c->paths.clear();
    } else if (key == "prefix") {
      c->prefix = py::str(v);
    } else if (key == "limit") {
      c->limit = Int<uint64_t>(key, v, 0, UINT64_MAX >> 1);
    } else if (key == "tokenizer") {
      c->tokenizer = AbsolutePath(v);
    } else if (key == "max_shards") {
      o->max_shards = Int<uint64_t>(key, v, 0, UINT64_MAX >> 1);
    } else if (key == "recheck") {
      if (!py::isinstance<py::bool_>(v)) throw py::type_error("run(): recheck must be a bool");
      o->recheck = v.cast<bool>();
    } else {
      throw py::type_error("run() got an unexpected keyword argument '" + key + "' (it overrides " +
                           std::string(kOverridable) +
                           "; what decides which documents are kept is read from the pipeline file only, so that "
                           "the runs of a store agree)");
    }
  }
  // A store or work folder the file left to its default follows the output.
  if (!store_set && c->store == default_store) c->store = c->output + "/store";
  if (c->slurm.workdir == default_workdir) c->slurm.workdir = c->output + "/work";
}

// What the run thread shares with the waiting one.
struct Shared {
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false;
  // What is not yet handed on, in order: each progress snapshot with the
  // stage it was taken in (consecutive ones of a stage coalesced), and a
  // stage change as the latest snapshot under the new stage. So the caller
  // sees the stages in the order the run went through them.
  std::deque<std::pair<ProgressSnapshot, std::string>> events;
  ProgressSnapshot latest;
  std::string stage = "processing";
};

// The stage a run is in after a named point (stages.h's ctx.Point); null
// for points inside a stage (a cluster task's or an assembled group).
const char* StageAfter(const char* point) {
  const std::string p = point;
  if (p == "tasks-done") return "deduplicating and tokenizing";
  if (p == "shards-written" || p == "prompts-placed") return "committing";
  if (p == "committed" || p == "manifest-written") return "processing";
  return nullptr;
}

py::dict SnapshotDict(const ProgressSnapshot& s, const std::string& stage) {
  py::dict d;
  d["shards_done"] = s.items;
  d["shards_total"] = s.total_items;
  d["bytes_done"] = s.bytes;
  d["bytes_total"] = s.total_bytes;
  d["documents"] = s.secondary;
  d["elapsed_s"] = s.elapsed_s;
  d["stage"] = s.done ? std::string("done") : stage;
  d["done"] = s.done;
  return d;
}

// Returns (stats JSON or None when nothing was new, sources, input errors,
// quarantined). `on_progress(dict)` is called on this thread.
py::tuple Run(const std::string& pipeline, const py::dict& overrides, const py::object& on_progress,
              const std::string& progress_mode) {
  auto config = WithoutGil([&] { return pipelines::LoadPipeline(pipeline); });
  pipelines::RunOptions options;
  ApplyOverrides(overrides, &config, &options);
  if (config.executor != "local")
    throw py::value_error(pipeline +
                          ": [run] executor is \"slurm\": submit it with `crawlproof run` (its job scripts run the "
                          "crawlproof binary), or run it here with executor \"local\" in a copy of the file");
  if (auto live = pipelines::LiveJobs(config.output); live.ok() && !live->empty())
    throw py::value_error("run " + config.name + ": a Slurm submission for " + config.output +
                          " is still live; wait for it or crawlproof cancel " + config.output);

  Shared shared;
  std::atomic<bool> cancel{false};
  options.cancel = &cancel;
  options.progress.mode = progress_mode == "tty"    ? ProgressMode::kTty
                          : progress_mode == "json" ? ProgressMode::kJson
                                                    : ProgressMode::kOff;
  if (!on_progress.is_none()) {
    options.progress.observer = [&](const ProgressSnapshot& s) {
      std::lock_guard lock(shared.mu);
      shared.latest = s;
      if (!shared.events.empty() && shared.events.back().second == shared.stage)
        shared.events.back().first = s;
      else
        shared.events.emplace_back(s, shared.stage);
      shared.cv.notify_all();
    };
    options.checkpoint = [&](const char* point) {
      std::lock_guard lock(shared.mu);
      const char* stage = StageAfter(point);
      if (!stage || shared.stage == stage) return;
      shared.stage = stage;
      shared.events.emplace_back(shared.latest, stage);
      shared.cv.notify_all();
    };
  }
  Result<pipelines::RunSummary> result = Status::Internal("not run");
  std::thread runner([&] {
    Result<pipelines::RunSummary> r = pipelines::RunPipeline(config, options);
    std::lock_guard lock(shared.mu);
    result = std::move(r);
    shared.finished = true;
    shared.cv.notify_all();
  });
  // The first Python exception (Ctrl-C, or one the progress function
  // raised) cancels the run; it is raised once the run has stopped.
  std::optional<py::error_already_set> raised;
  const auto start = std::chrono::steady_clock::now();
  for (bool finished = false; !finished;) {
    std::deque<std::pair<ProgressSnapshot, std::string>> events;
    {
      py::gil_scoped_release release;
      std::unique_lock lock(shared.mu);
      shared.cv.wait_for(lock, std::chrono::milliseconds(100),
                         [&] { return shared.finished || !shared.events.empty(); });
      finished = shared.finished;
      events.swap(shared.events);
    }
    if (raised) continue;
    try {
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();
      if (!on_progress.is_none())
        for (auto& [snapshot, stage] : events) {
          snapshot.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
          on_progress(SnapshotDict(snapshot, stage));
        }
    } catch (py::error_already_set& e) {
      raised.emplace(std::move(e));
      cancel = true;
    }
  }
  {
    py::gil_scoped_release release;
    runner.join();
  }
  if (raised) throw std::move(*raised);
  if (!result.ok()) Raise(result.status().WithPrefix("run " + config.name));
  const pipelines::RunSummary& s = *result;
  py::object stats = s.nothing_new ? py::object(py::none()) : py::object(py::str(s.stats_json));
  return py::make_tuple(stats, s.sources, s.input_errors, s.quarantined, config.name, config.output, config.store);
}

}  // namespace

void RegisterRun(py::module_& m) {
  m.def("_run", &Run, py::arg("pipeline"), py::arg("overrides"), py::arg("on_progress") = py::none(),
        py::arg("progress_mode") = "off");
}

}  // namespace crawlproof::python

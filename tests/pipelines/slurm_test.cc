// The Slurm executor on a real cluster (scripts/local-slurm, started by
// scripts/test; SLURM_CONF in the environment), against local runs of the
// same inputs: byte-identical shards, manifest and store. Skipped, with a
// message, where no cluster answers.
#include "pipelines/executors/slurm.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>

#include "pipelines/stages/stages.h"
#include "store/provenance_store.h"
#include "tests/pipelines/sample.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

namespace fs = std::filesystem;

bool ClusterUp() {
  if (!std::getenv("SLURM_CONF")) return false;
  return pipelines::RunProgram({"sinfo", "-h"}).exit_code == 0;
}

std::string Partition() {
  const char* p = std::getenv("CRAWLPROOF_TEST_SLURM_PARTITION");
  return p ? p : "debug";
}

#define REQUIRE_CLUSTER()                                                             \
  if (!ClusterUp())                                                                   \
  GTEST_SKIP() << "no Slurm cluster (SLURM_CONF unset or sinfo fails); scripts/test " \
                  "starts one with scripts/local-slurm"

// A pipeline over `paths` into dir/name, with shuffle, a validation split
// and the documents output, so that every output the run has is compared.
std::string WritePipeline(const std::string& dir, const std::string& name, const std::string& paths,
                          const std::string& slurm_extra = "") {
  std::string toml = "[run]\noutput = \"" + dir + "/" + name +
                     "\"\nworkers = 2\ncommit_every = 1\n[source]\npaths = [" + paths +
                     "]\n[ledger]\nsnapshot = \"sample/ledger.json\"\ntrust = \"sample/trust.toml\"\nroot = "
                     "\"sample\"\non_missing = \"allow\"\n[filter]\nlanguages = []\nsteps = [\"url\", \"language\", "
                     "\"gopher_repetition\", \"fineweb\"]\n[dedup]\nthreshold = 0.5\n[tokenize]\ntokenizer = \"" +
                     kSource +
                     "/data/tokenizers/deepseek-v3/tokenizer.json\"\nshard_tokens = 600\n[output]\ndocuments = "
                     "true\nshuffle_seed = 7\nvalidation_fraction = 0.3\n[prompts]\nenabled = true\n"
                     "validation_fraction = 0.3\n" +
                     // Model classifiers: lid.176's English probability with a
                     // run-wide cut (top_fraction), and a scorer process.
                     "[filter.classifier.en]\nmodel = \"" + kSource +
                     "/tests/data/lid.176.ftz\"\nlabel = \"en\"\ntop_fraction = 0.8\n"
                     "[filter.classifier.e]\ncommand = [\"python3\", \"" +
                     kSource + "/tests/classify/fake_scorer.py\", \"reverse\"]\nbatch_size = 3\n" +
                     "[slurm]\npartition = \"" + Partition() +
                     "\"\nsources_per_task = 1\ndedup_tasks = 2\ntokenize_tasks = 2\ntime = \"00:10:00\"\nmem = "
                     "\"1G\"\n" +
                     slurm_extra;
  const std::string path = dir + "/" + name + ".toml";
  std::ofstream(path) << toml;
  return path;
}

// Every family but the run records (they hold times).
std::string Dump(const std::string& store) {
  auto r = testing::RunCrawlproof("store dump " + store + " --family all");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string out;
  size_t start = 0;
  while (start < r.out.size()) {
    size_t nl = r.out.find('\n', start);
    if (nl == std::string::npos) nl = r.out.size();
    std::string line = r.out.substr(start, nl - start);
    if (line.find("\"family\":\"runs\",\"key\":\"run") == std::string::npos) out += line + "\n";
    start = nl + 1;
  }
  return out;
}

// Every file under output/prompts, by name.
std::map<std::string, std::string> PromptFiles(const std::string& output) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::directory_iterator(output + "/prompts"))
    files[e.path().filename().string()] = testing::ReadFileBytes(e.path().string());
  return files;
}

void ExpectSameOutputs(const std::string& a, const std::string& b) {
  EXPECT_EQ(ShardFiles(a), ShardFiles(b));
  EXPECT_EQ(PromptFiles(a), PromptFiles(b));
  const std::string da = Dump(a + "/store"), db = Dump(b + "/store");
  EXPECT_GT(da.size(), 1000u);
  EXPECT_EQ(da, db);
}

// Node names that ran tasks, from the task logs.
std::set<std::string> NodesInLogs(const std::string& output) {
  std::set<std::string> nodes;
  for (const auto& e : fs::recursive_directory_iterator(output + "/work")) {
    if (e.path().extension() != ".log") continue;
    std::ifstream in(e.path());
    std::string line;
    while (std::getline(in, line)) {
      const size_t at = line.find(" node ");
      if (line.rfind("== ", 0) == 0 && at != std::string::npos)
        nodes.insert(line.substr(at + 6, line.find(' ', at + 6) - at - 6));
    }
  }
  return nodes;
}

// Task `task` of the process array of the submission for `output` once it
// runs (waits up to 30 s): its array task id ("JOB_TASK") and node; empty if
// it never ran. Other tests may have jobs of the same name in the queue.
std::pair<std::string, std::string> RunningProcessTask(const std::string& output, int task) {
  const std::string key = "{\"stage\":\"process\",\"job_id\":\"";
  for (int i = 0; i < 300; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!fs::exists(output + "/submission.json")) continue;
    const std::string sub = testing::ReadFileBytes(output + "/submission.json");
    const size_t at = sub.find(key);
    if (at == std::string::npos) continue;
    const size_t start = at + key.size();
    const std::string id = sub.substr(start, sub.find('"', start) - start) + "_" + std::to_string(task);
    auto q = pipelines::RunProgram({"squeue", "-h", "-r", "-j", id, "-t", "RUNNING", "-o", "%i|%N"});
    for (const auto& f : pipelines::PipeRows(q.out))
      if (q.exit_code == 0 && f.size() == 2 && f[0] == id) return {id, f[1]};
  }
  return {};
}

// `store dump` is JSON lines: every account one line and one JSON object,
// the multi-line manifest included; the default family is the documents'
// accounts, one per document of the run. Needs no cluster.
TEST(StoreDump, OneJsonObjectPerLine) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto run = testing::RunCrawlproof("run " + WritePipeline(dir, "local", "\"sample/*.warc.gz\"") + " --progress off");
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto all = testing::RunCrawlproof("store dump " + dir + "/local/store --family all");
  ASSERT_EQ(all.exit_code, 0) << all.err;
  simdjson::dom::parser parser;
  std::map<std::string, size_t> families;
  size_t start = 0;
  bool manifest = false;
  while (start < all.out.size()) {
    const size_t nl = all.out.find('\n', start);
    ASSERT_NE(nl, std::string::npos) << "the last line has no newline";
    const std::string line = all.out.substr(start, nl - start);
    start = nl + 1;
    simdjson::dom::element e;
    ASSERT_FALSE(parser.parse(line).get(e)) << "not one JSON object: " << line.substr(0, 200);
    std::string_view family, key;
    ASSERT_FALSE(e["family"].get(family));
    ASSERT_FALSE(e["key"].is_null());
    ASSERT_FALSE(e["value"].is_null());
    ++families[std::string(family)];
    if (family == "runs" && !e["key"].get(key) && key == "manifest") {
      std::string_view name;
      EXPECT_FALSE(e["value"]["manifest"].get(name));
      EXPECT_EQ(name, "crawlproof-shards-v1");
      manifest = true;
    }
  }
  EXPECT_TRUE(manifest);
  for (const char* f : {"ingest", "provenance", "by_url", "by_position", "dedup", "runs"})
    EXPECT_GT(families[f], 0u) << f;
  auto docs = testing::RunCrawlproof("store dump " + dir + "/local/store");
  ASSERT_EQ(docs.exit_code, 0) << docs.err;
  EXPECT_EQ(static_cast<size_t>(std::count(docs.out.begin(), docs.out.end(), '\n')), families["provenance"]);
  EXPECT_NE(run.out.find("\"documents\":{"), std::string::npos);
}

TEST(Slurm, SameBytesAsALocalRun) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  // Pages with question-answer pairs (not in the ledger: allowed, unverified), so that prompts are compared too.
  for (const char* f : {"planted.warc.gz", "planted-2.warc.gz"})
    fs::copy_file(kSource + "/tests/data/prompts/" + f, dir + "/sample/prompts-" + std::string(f));
  const std::string paths = "\"sample/*.warc.gz\"";
  auto local = testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off");
  ASSERT_EQ(local.exit_code, 0) << local.err;
  auto slurm = testing::RunCrawlproof("run " + WritePipeline(dir, "slurm", paths) + " --executor slurm --wait");
  ASSERT_EQ(slurm.exit_code, 0) << slurm.err;
  // The same stats line (counts; the seconds differ).
  auto counts = [](const std::string& out) { return out.substr(0, out.find("\"seconds\"")); };
  EXPECT_EQ(counts(slurm.out).substr(counts(slurm.out).find("\"sources\"")),
            counts(local.out).substr(counts(local.out).find("\"sources\"")));
  for (const char* stage : {"process", "dedup", "components", "cluster", "assemble", "tokenize", "entries", "commit"})
    EXPECT_NE(slurm.err.find(std::string("as crawlproof-") + stage), std::string::npos) << slurm.err;
  ExpectSameOutputs(dir + "/local", dir + "/slurm");
  EXPECT_TRUE(fs::exists(dir + "/slurm/prompts/prompts-00000.jsonl.zst"));
  EXPECT_NE(testing::ReadFileBytes(dir + "/slurm/stats.json").find("\"prompts\":{\"candidates\":"), std::string::npos);
  EXPECT_TRUE(fs::exists(dir + "/slurm/stats.json"));
  EXPECT_TRUE(fs::exists(dir + "/slurm/report.html"));
  EXPECT_EQ(NodesInLogs(dir + "/slurm").size(), 2u) << "tasks should land on both nodes";
  // Re-issued: nothing new, nothing changed.
  auto again = testing::RunCrawlproof("run " + dir + "/slurm.toml --executor slurm --wait");
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("\"nothing_new\":true"), std::string::npos) << again.out;
  ExpectSameOutputs(dir + "/local", dir + "/slurm");
  // status says it finished.
  auto status = testing::RunCrawlproof("status " + dir + "/slurm");
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("finished"), std::string::npos) << status.out;
}

// "" when equal, else the first line where `a` and `b` differ (gtest's own
// diff of two store dumps takes memory quadratic in their size).
std::string FirstDifference(const std::string& a, const std::string& b) {
  if (a == b) return "";
  size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  const size_t line = a.rfind('\n', at) == std::string::npos ? 0 : a.rfind('\n', at) + 1;
  auto rest = [&](const std::string& s) { return s.substr(line, std::min<size_t>(400, s.find('\n', line) - line)); };
  return "\n  " + rest(a) + "\n  " + rest(b);
}

// A run by its stage commands, each task on its own, in the order Slurm's
// dependencies allow (as a job would run it). With `failpoint`, every
// task of the stages it names is first killed there (kill -9,
// CRAWLPROOF_FAILPOINT), then re-issued. Needs no cluster.
void RunStaged(const std::string& toml, const std::string& output,
               const std::map<pipelines::Stage, std::string>& failpoint = {}) {
  auto dry = testing::RunCrawlproof("run " + toml + " --executor slurm --dry-run");
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  std::string plan_path;
  for (const auto& e : fs::directory_iterator(output + "/work"))
    if (e.path().filename().string().rfind("plan-", 0) == 0 && !fs::exists(e.path() / "result.json"))
      plan_path = (e.path() / "plan.json").string();
  ASSERT_FALSE(plan_path.empty());
  auto plan = pipelines::Plan::Parse(testing::ReadFileBytes(plan_path), plan_path);
  ASSERT_TRUE(plan.ok()) << plan.status().message();
  for (pipelines::Stage stage : pipelines::kStages)
    for (uint64_t t = 0; t < plan->tasks(stage); ++t) {
      const std::string task = std::string("stage ") + pipelines::ToString(stage) + " --plan " + plan_path +
                               " --task " + std::to_string(t) + " --threads 1";
      if (auto f = failpoint.find(stage); f != failpoint.end()) {
        EXPECT_NE(testing::RunCrawlproof(task, "CRAWLPROOF_FAILPOINT=" + f->second).exit_code, 0)
            << pipelines::ToString(stage) << " task " << t << " should have been killed at " << f->second;
      }
      auto r = testing::RunCrawlproof(task);
      ASSERT_EQ(r.exit_code, 0) << pipelines::ToString(stage) << " task " << t << ": " << r.err;
    }
}

// The cluster stage split over tasks decides every document as one task
// does, and as a local run does: a synthetic crawl (bench/make_crawl) with
// planted exact and near copies across files, a file copied under another
// name (records seen before), and a second run over the first one's store
// (earlier runs' duplicates), run locally and by stage commands with 1, 2
// and 5 cluster tasks (with 2, the components task killed after its first
// share, every cluster task and assemble task after its first group, and
// each re-issued). Needs no cluster.
TEST(Staged, ClusterTasksDecideAsOneTask) {
  const std::string make_crawl = testing::BinaryDir() + "/bench/make_crawl";
  if (!fs::exists(make_crawl)) GTEST_SKIP() << "needs bench/make_crawl (a build with CRAWLPROOF_BENCH)";
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto texts = testing::RunCrawlproof("extract " + dir + "/sample/*.warc.gz --progress off");
  ASSERT_EQ(texts.exit_code, 0) << texts.err;
  std::ofstream(dir + "/texts.jsonl") << texts.out;
  auto made = pipelines::RunProgram({make_crawl, "--texts", dir + "/texts.jsonl", "--out", dir + "/crawl",
                                     "--documents", "1800", "--files", "12", "--exact", "0.08", "--near", "0.12"});
  ASSERT_EQ(made.exit_code, 0) << made.out;
  fs::copy_file(dir + "/crawl/crawl-00004.warc.gz", dir + "/crawl/crawl-00010-copy.warc.gz");
  auto pipeline = [&](const std::string& name, const std::string& paths, int cluster_tasks) {
    const std::string toml =
        "[run]\noutput = \"" + dir + "/" + name + "\"\nworkers = 2\ncommit_every = 3\n[source]\npaths = [" + paths +
        "]\n[ledger]\non_missing = \"allow\"\n[filter]\nlanguages = []\n[tokenize]\ntokenizer = \"" + kSource +
        "/data/tokenizers/deepseek-v3/tokenizer.json\"\n[output]\ndocuments = true\nshuffle_seed = "
        "7\nvalidation_fraction = 0.2\n[slurm]\npartition = \"debug\"\ndedup_tasks = 3\n"
        "tokenize_tasks = 2\ncluster_tasks = " +
        std::to_string(cluster_tasks) + "\n";
    std::ofstream(dir + "/" + name + ".toml") << toml;
    return dir + "/" + name + ".toml";
  };
  const std::string first = "\"" + dir + "/crawl/crawl-0000[0-5].warc.gz\"";
  const std::string all = "\"" + dir + "/crawl/*.warc.gz\"";
  for (const std::string& paths : {first, all}) {
    auto local = testing::RunCrawlproof("run " + pipeline("local", paths, 1) + " --progress off");
    ASSERT_EQ(local.exit_code, 0) << local.err;
  }
  const std::string want = Dump(dir + "/local/store");
  for (const char* reason :
       {"\"dedup:exact\"", "\"dedup:minhash\"", "dedup:minhash:earlier_run", "\"same-record\"", "\"kept\""})
    EXPECT_NE(want.find(reason), std::string::npos) << "the crawl should have " << reason;
  for (int tasks : {1, 2, 5}) {
    const std::string name = "staged-" + std::to_string(tasks);
    std::map<pipelines::Stage, std::string> kill;
    if (tasks == 2)
      kill = {{pipelines::Stage::kComponents, "share-written"},
              {pipelines::Stage::kCluster, "cluster-group-written"},
              {pipelines::Stage::kAssemble, "group-assembled"}};
    for (const std::string& paths : {first, all}) RunStaged(pipeline(name, paths, tasks), dir + "/" + name, kill);
    EXPECT_TRUE(ShardFiles(dir + "/local") == ShardFiles(dir + "/" + name)) << tasks << " cluster tasks";
    EXPECT_EQ(FirstDifference(want, Dump(dir + "/" + name + "/store")), "") << tasks << " cluster tasks";
  }
}

// A process task killed with scancel --signal=KILL mid-task: the waiting
// command fails naming the stage, the task and its log, cancels what can no
// longer run; the re-issued command resumes and ends identical.
TEST(Slurm, KilledTaskThenReissued) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  const std::string pipeline = WritePipeline(dir, "killed", paths, "retries = 0\n");
  testing::CliRun first;
  std::thread waiter([&] {
    first =
        testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait", "CRAWLPROOF_STAGE_SLEEP=process:1:30");
  });
  const auto [victim, victim_node] = RunningProcessTask(dir + "/killed", 1);
  ASSERT_FALSE(victim.empty()) << "process task 1 never ran";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(pipelines::RunProgram({"scancel", "--signal=KILL", victim}).exit_code, 0);
  waiter.join();
  EXPECT_NE(first.exit_code, 0);
  EXPECT_NE(first.err.find("stage process failed: task 1"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("logs/process-000001.log"), std::string::npos) << first.err;
  // Nothing reached the store or the shards.
  EXPECT_FALSE(fs::exists(dir + "/killed/shards/manifest.json"));
  // Nothing of the submission is left waiting.
  auto live = pipelines::LiveJobs(dir + "/killed");
  ASSERT_TRUE(live.ok()) << live.status().message();
  EXPECT_TRUE(live->empty());
  auto status = testing::RunCrawlproof("status " + dir + "/killed");
  EXPECT_NE(status.out.find("resume with: crawlproof run"), std::string::npos) << status.out;
  auto resumed = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameOutputs(dir + "/local", dir + "/killed");
}

// The commit task killed (SIGKILL) right after its first group's commit,
// then the run re-issued: the same documents, shards and store as an
// uninterrupted run, and the run's record (stats.json, the stats line)
// describes the whole run, not only the groups committed after the kill.
TEST(Slurm, CommitKilledAfterItsFirstGroupThenReissued) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  const std::string pipeline = WritePipeline(dir, "killed", paths, "retries = 0\n");
  auto first =
      testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait", "CRAWLPROOF_FAILPOINT=committed:1");
  EXPECT_NE(first.exit_code, 0);
  EXPECT_NE(first.err.find("stage commit failed"), std::string::npos) << first.err;
  auto resumed = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameOutputs(dir + "/local", dir + "/killed");
  EXPECT_EQ(StatsWithoutTimes(dir + "/killed"), StatsWithoutTimes(dir + "/local"));
  EXPECT_NE(resumed.out.find("\"processed\":4,"), std::string::npos) << resumed.out;
}

// Every cluster task killed (kill -9) after its first group: the waiting
// command fails naming the cluster stage; the re-issued run resumes the
// tasks and ends identical to a local run.
TEST(Slurm, ClusterTaskKilledThenReissued) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  const std::string pipeline = WritePipeline(dir, "killed", paths, "retries = 0\ncluster_tasks = 3\n");
  auto first = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait",
                                      "CRAWLPROOF_FAILPOINT=cluster-group-written:1");
  EXPECT_NE(first.exit_code, 0);
  EXPECT_NE(first.err.find("stage cluster failed"), std::string::npos) << first.err;
  auto resumed = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameOutputs(dir + "/local", dir + "/killed");
  EXPECT_EQ(StatsWithoutTimes(dir + "/killed"), StatsWithoutTimes(dir + "/local"));
}

// A submission cancelled by its user mid-run (`crawlproof cancel`, which
// scancels every job of it still queued): nothing left in the queue, nothing
// committed; a second submission while the first is live is refused; the
// re-issued run ends identical to a local run.
TEST(Slurm, CancelledByTheUserThenReissued) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  const std::string pipeline = WritePipeline(dir, "cancelled", paths);
  auto submitted =
      testing::RunCrawlproof("run " + pipeline + " --executor slurm", "CRAWLPROOF_STAGE_SLEEP=process:0:30");
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  EXPECT_NE(submitted.err.find("submitted process: job"), std::string::npos) << submitted.err;
  auto second = testing::RunCrawlproof("run " + pipeline + " --executor slurm");
  EXPECT_NE(second.exit_code, 0);
  EXPECT_NE(second.err.find("still live"), std::string::npos) << second.err;
  auto cancel = testing::RunCrawlproof("cancel " + dir + "/cancelled");
  ASSERT_EQ(cancel.exit_code, 0) << cancel.err;
  for (int i = 0; i < 100; ++i) {
    auto live = pipelines::LiveJobs(dir + "/cancelled");
    ASSERT_TRUE(live.ok()) << live.status().message();
    if (live->empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  auto live = pipelines::LiveJobs(dir + "/cancelled");
  ASSERT_TRUE(live.ok());
  EXPECT_TRUE(live->empty());
  EXPECT_FALSE(fs::exists(dir + "/cancelled/shards/manifest.json"));
  auto resumed = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameOutputs(dir + "/local", dir + "/cancelled");
}

// The cluster's folder when it is scripts/local-slurm's (SLURM_CONF is
// DIR/etc/slurm.conf and the nodes' pid files are in DIR/run), else "".
std::string LocalSlurmDir() {
  const char* conf = std::getenv("SLURM_CONF");
  if (!conf) return "";
  const fs::path dir = fs::path(conf).parent_path().parent_path();
  return fs::exists(dir / "run" / "slurmd-cpn1.pid") ? dir.string() : "";
}

// One node fails mid-run (scripts/local-slurm stop-node: SIGKILL to its
// slurmd and every job process on it, as a power cut would): Slurm marks it
// down after SlurmdTimeout and the lost tasks end or are requeued; the
// re-issued command finishes, identical to a local run.
TEST(Slurm, NodeFailureThenReissued) {
  REQUIRE_CLUSTER();
  const std::string slurm_dir = LocalSlurmDir();
  if (slurm_dir.empty()) GTEST_SKIP() << "needs a cluster started by scripts/local-slurm (to stop one of its nodes)";
  const std::string script = std::string(kSource) + "/scripts/local-slurm";
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  const std::string pipeline = WritePipeline(dir, "nodefail", paths);
  testing::CliRun first;
  std::thread waiter([&] {
    first =
        testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait", "CRAWLPROOF_STAGE_SLEEP=process:2:15");
  });
  const auto [job, node] = RunningProcessTask(dir + "/nodefail", 2);
  ASSERT_FALSE(node.empty()) << "process task 2 never ran";
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto stop = pipelines::RunProgram({script, "stop-node", node, "--dir", slurm_dir});
  ASSERT_EQ(stop.exit_code, 0) << stop.out;
  // The node comes back once Slurm has marked it down (the lost tasks are
  // then requeued or failed); the waiting command ends either way.
  for (int i = 0; i < 600; ++i) {
    auto s = pipelines::RunProgram({"sinfo", "-h", "-n", node, "-o", "%T"});
    if (s.out.find("down") != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto start = pipelines::RunProgram({script, "start-node", node, "--dir", slurm_dir});
  EXPECT_EQ(start.exit_code, 0) << start.out;
  waiter.join();
  if (first.exit_code != 0) {  // the lost tasks failed rather than requeued: nothing committed
    EXPECT_NE(first.err.find("stage process failed"), std::string::npos) << first.err;
    EXPECT_FALSE(fs::exists(dir + "/nodefail/shards/manifest.json"));
  }
  auto resumed = testing::RunCrawlproof("run " + pipeline + " --executor slurm --wait");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ExpectSameOutputs(dir + "/local", dir + "/nodefail");
  // The cluster is whole again for the tests after this one.
  for (int i = 0; i < 300; ++i) {
    auto s = pipelines::RunProgram({"sinfo", "-h", "-n", node, "-o", "%T"});
    if (s.out.rfind("idle", 0) == 0 || s.out.rfind("mixed", 0) == 0 || s.out.rfind("alloc", 0) == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A second run over more sources on Slurm equals the same two runs done
// locally: new shards after the old ones, dedup against the first run.
TEST(Slurm, IncrementalRunEqualsLocal) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  // A recrawl: a copy of a shard under another name (not in the ledger: allowed, unverified).
  fs::copy_file(dir + "/sample/" + kWarcs[1], dir + "/sample/CC-MAIN-2020-34-copy.warc.gz");
  const std::string first = "\"sample/CC-MAIN-2019-12-jwarc.warc.gz\", \"sample/CC-MAIN-2020-34-resiliparse.warc.gz\"";
  const std::string all = "\"sample/*.warc.gz\"";
  for (const char* name : {"local", "slurm"}) {
    const bool slurm = std::string(name) == "slurm";
    const std::string flags = slurm ? " --executor slurm --wait" : " --progress off";
    auto a = testing::RunCrawlproof("run " + WritePipeline(dir, name, first) + flags);
    ASSERT_EQ(a.exit_code, 0) << a.err;
    auto b = testing::RunCrawlproof("run " + WritePipeline(dir, name, all) + flags);
    ASSERT_LE(b.exit_code, 1) << b.err;
    EXPECT_NE(b.out.find("\"run\":2"), std::string::npos) << b.out;
  }
  ExpectSameOutputs(dir + "/local", dir + "/slurm");
  EXPECT_NE(Dump(dir + "/slurm/store").find("same-record"), std::string::npos);  // the copy's records
}

// Arrays larger than max_array_size are split; every split array runs.
TEST(Slurm, ArraysSplitAtMaxArraySize) {
  REQUIRE_CLUSTER();
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string paths = "\"sample/*.warc.gz\"";
  ASSERT_EQ(testing::RunCrawlproof("run " + WritePipeline(dir, "local", paths) + " --progress off").exit_code, 0);
  auto r = testing::RunCrawlproof("run " + WritePipeline(dir, "split", paths, "max_array_size = 3\n") +
                                  " --executor slurm --wait");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("submitted process: job"), std::string::npos);
  EXPECT_NE(r.err.find("(tasks 0-2)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("(tasks 3-3)"), std::string::npos) << r.err;
  ExpectSameOutputs(dir + "/local", dir + "/split");
}

// --dry-run writes the plan and the job scripts and submits nothing: a
// 90,000-line warc.paths listing is planned in seconds, its process array
// split at MaxArraySize. Needs no cluster.
TEST(Slurm, DryRunOfACrawlSizedListing) {
  const std::string dir = testing::MakeTempDir();
  {
    std::ofstream paths(dir + "/warc.paths");
    for (int i = 0; i < 90000; ++i) {
      char line[160];
      std::snprintf(line, sizeof line,
                    "crawl-data/CC-MAIN-2025-33/segments/1754151279521.%02d/warc/CC-MAIN-20250805-%05d.warc.gz\n",
                    i % 100, i);
      paths << line;
    }
  }
  const std::string toml = "[run]\noutput = \"" + dir + "/out\"\ncommit_every = 16\n[source]\npaths_file = \"" + dir +
                           "/warc.paths\"\nprefix = \"https://data.commoncrawl.org/\"\n[ledger]\non_missing = "
                           "\"allow\"\n[slurm]\npartition = "
                           "\"debug\"\nmax_array_size = 1001\ndedup_tasks = 64\ntokenize_tasks = 32\n";
  std::ofstream(dir + "/crawl.toml") << toml;
  const auto t0 = std::chrono::steady_clock::now();
  auto r = testing::RunCrawlproof("run " + dir + "/crawl.toml --executor slurm --dry-run");
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(seconds, 60) << "planning 90,000 sources took " << seconds << " s";
  std::string plan_dir;
  for (const auto& e : fs::directory_iterator(dir + "/out/work"))
    if (e.path().filename().string().rfind("plan-", 0) == 0) plan_dir = e.path().string();
  ASSERT_FALSE(plan_dir.empty());
  const std::string plan = testing::ReadFileBytes(plan_dir + "/plan.json");
  EXPECT_NE(plan.find("CC-MAIN-20250805-89999.warc.gz"), std::string::npos);
  const std::string submit = testing::ReadFileBytes(plan_dir + "/jobs/submit.sh");
  int process_arrays = 0;
  for (size_t at = 0; (at = submit.find("--job-name=crawlproof-process", at)) != std::string::npos; ++at)
    ++process_arrays;
  EXPECT_EQ(process_arrays, 90);  // 90,000 tasks in arrays of at most 1,001
  EXPECT_NE(submit.find("--array=0-1000"), std::string::npos);
  EXPECT_NE(submit.find("--array=0-910"), std::string::npos);  // the last: 90,000 - 89 x 1,001 = 911 tasks
  EXPECT_NE(submit.find("--dependency=afterok"), std::string::npos);
  for (const char* stage : {"process", "dedup", "components", "cluster", "assemble", "tokenize", "entries", "commit"})
    EXPECT_TRUE(fs::exists(plan_dir + "/jobs/" + stage + ".sh")) << stage;
  EXPECT_FALSE(fs::exists(dir + "/out/submission.json"));  // nothing submitted
}

}  // namespace
}  // namespace crawlproof

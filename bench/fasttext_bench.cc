// fasttext_bench: crawlproof's in-process fastText against Debian's
// `fasttext predict-prob` (fastText 0.9.2), on the same documents, both
// pinned to one core, alternating, best of --rounds.
//
//   fasttext_bench --model M --texts T.jsonl --label L [--docs N] [--text joined|spaces]
//                  [--cpu C] [--rounds R] [--k K] [--max-bytes B]
//
// Each side scores every document (a JSON line's "text", made one line as
// --text says: DCLM's join or FineWeb-2's newlines-to-spaces; with
// --max-bytes, cut at the last space before B bytes). The CLI runs
// `fasttext predict-prob M lines K` (K = 1 by default, its cheapest: the top
// label only); crawlproof computes --label's probability. Both sides' outputs
// are counted (lines printed; scores computed) and the scores are compared
// wherever the CLI's top label is --label. Each side's model load is timed
// apart (the CLI on a one-line input; crawlproof's Open(), which also hashes
// the file) and reported; documents per second are over the scoring alone
// and end to end. Then peak RSS with 1 and 2 threads scoring the documents
// in one process, beyond the documents and the model's mapping before
// scoring.
#include <sched.h>
#include <simdjson.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "classify/fasttext_model.h"

using crawlproof::classify::FastTextModel;

namespace {

[[noreturn]] void Die(const std::string& m) {
  std::fprintf(stderr, "fasttext_bench: %s\n", m.c_str());
  std::exit(2);
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void Pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (sched_setaffinity(0, sizeof set, &set) != 0) Die("cannot pin to cpu " + std::to_string(cpu));
}

struct Args {
  std::string model, texts, label, text = "joined";
  size_t docs = 0, max_bytes = 0;
  int cpu = 1, rounds = 3, k = 1;
};

// The CLI on `lines`: wall seconds, and its output's lines into *out.
double RunCli(const Args& a, const std::string& lines, std::string* out) {
  int fds[2];
  if (pipe(fds) != 0) Die("pipe");
  const double t0 = Now();
  const pid_t pid = fork();
  if (pid == 0) {
    Pin(a.cpu);
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    const std::string k = std::to_string(a.k);
    execlp("fasttext", "fasttext", "predict-prob", a.model.c_str(), lines.c_str(), k.c_str(), nullptr);
    _exit(127);
  }
  close(fds[1]);
  out->clear();
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out->append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  const double t = Now() - t0;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    Die("fasttext predict-prob failed (is Debian's fasttext installed?)");
  return t;
}

struct Ours {
  double load = 0, score = 0;
  std::vector<float> scores;
  long peak_rss_kb = 0, before_rss_kb = 0;
};

long RssKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return 0;
}

// In a child process (a fresh model cache): open, score with `threads`
// threads (each the whole list), report through a pipe.
Ours RunOurs(const Args& a, const std::vector<std::string>& docs, int threads) {
  int fds[2];
  if (pipe(fds) != 0) Die("pipe");
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    if (threads == 1) Pin(a.cpu);
    const double t0 = Now();
    auto model = FastTextModel::Open(a.model);
    if (!model.ok()) Die(model.status().ToString());
    const double t1 = Now();
    const auto label = (*model)->FindLabel(a.label);
    if (!label) Die("the model has no label " + a.label);
    const long before = RssKb();
    std::vector<std::vector<float>> scores(threads, std::vector<float>(docs.size()));
    auto work = [&](int t) {
      FastTextModel::Scratch s;
      for (size_t i = 0; i < docs.size(); ++i) scores[t][i] = (*model)->Probability(docs[i], *label, &s).value_or(0);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
    work(0);
    for (auto& th : pool) th.join();
    const double t2 = Now();
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::ostringstream o;
    o << t1 - t0 << " " << t2 - t1 << " " << ru.ru_maxrss << " " << before << "\n";
    for (float v : scores[0]) o << v << "\n";
    const std::string s = o.str();
    if (write(fds[1], s.data(), s.size()) != static_cast<ssize_t>(s.size())) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  std::string text;
  char buf[1 << 16];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) text.append(buf, n);
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) Die("the scoring child failed");
  std::istringstream in(text);
  Ours r;
  in >> r.load >> r.score >> r.peak_rss_kb >> r.before_rss_kb;
  float v;
  while (in >> v) r.scores.push_back(v);
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--model")
      a.model = v;
    else if (k == "--texts")
      a.texts = v;
    else if (k == "--label")
      a.label = v;
    else if (k == "--docs")
      a.docs = std::stoull(v);
    else if (k == "--max-bytes")
      a.max_bytes = std::stoull(v);
    else if (k == "--text")
      a.text = v;
    else if (k == "--cpu")
      a.cpu = std::stoi(v);
    else if (k == "--rounds")
      a.rounds = std::stoi(v);
    else if (k == "--k")
      a.k = std::stoi(v);
    else
      Die("unknown option " + k);
  }
  if (a.model.empty() || a.texts.empty() || a.label.empty()) Die("usage: --model M --texts T.jsonl --label L");

  // The documents, one line each.
  std::vector<std::string> docs;
  {
    simdjson::dom::parser parser;
    simdjson::dom::document_stream stream;
    auto json = simdjson::padded_string::load(a.texts);
    if (json.error()) Die("cannot read " + a.texts);
    if (parser.parse_many(json.value(), 256 << 20).get(stream)) Die("not JSON lines: " + a.texts);
    for (auto doc : stream) {
      std::string_view text;
      if (doc["text"].get(text)) continue;
      docs.push_back(a.text == "joined" ? crawlproof::classify::JoinLines(text)
                                        : crawlproof::classify::NewlinesToSpaces(text));
      if (a.max_bytes && docs.back().size() > a.max_bytes) {  // cut at a space, as a shorter page
        const size_t space = docs.back().rfind(' ', a.max_bytes);
        docs.back().resize(space == std::string::npos ? a.max_bytes : space);
      }
      if (a.docs && docs.size() == a.docs) break;
    }
  }
  uint64_t bytes = 0;
  for (const auto& d : docs) bytes += d.size();
  char tmpl[] = "/tmp/fasttext-bench-XXXXXX";
  if (!mkdtemp(tmpl)) Die("mkdtemp");
  const std::string dir = tmpl, lines = dir + "/lines.txt", one = dir + "/one.txt";
  {
    std::ofstream out(lines), o1(one);
    for (const auto& d : docs) out << d << "\n";
    o1 << docs.front() << "\n";
  }
  std::printf("%zu documents, %.2f KB on average; model %s, label %s, CLI k=%d, cpu %d\n", docs.size(),
              bytes / 1e3 / docs.size(), a.model.c_str(), a.label.c_str(), a.k, a.cpu);

  double cli_best = 1e30, cli_load = 1e30, ours_best = 1e30, ours_load = 1e30, ours_total = 1e30;
  std::string cli_out, scratch;
  Ours ours;
  for (int r = 0; r < a.rounds; ++r) {
    cli_load = std::min(cli_load, RunCli(a, one, &scratch));
    cli_best = std::min(cli_best, RunCli(a, lines, &cli_out));
    ours = RunOurs(a, docs, 1);
    ours_load = std::min(ours_load, ours.load);
    ours_best = std::min(ours_best, ours.score);
    ours_total = std::min(ours_total, ours.load + ours.score);
  }
  // Outputs counted and compared.
  size_t cli_lines = 0, compared = 0;
  double max_diff = 0;
  std::istringstream in(cli_out);
  std::string line;
  const std::string want = a.label.rfind("__label__", 0) == 0 ? a.label : "__label__" + a.label;
  while (std::getline(in, line)) {
    std::istringstream l(line);
    std::string top;
    double p = 0;
    if ((l >> top >> p) && top == want && cli_lines < ours.scores.size()) {
      max_diff = std::max(max_diff, std::fabs(p - ours.scores[cli_lines]));
      ++compared;
    }
    ++cli_lines;
  }
  const double n = static_cast<double>(docs.size());
  const double cli_scoring = std::max(1e-9, cli_best - cli_load);
  std::printf("outputs: CLI %zu lines, crawlproof %zu scores; %zu compared (CLI's top label = %s), max |diff| %.2g\n",
              cli_lines, ours.scores.size(), compared, want.c_str(), max_diff);
  std::printf("load:    CLI %.3f s (one-line input), crawlproof %.3f s (map + SHA-256)\n", cli_load, ours_load);
  std::printf("scoring: CLI %.0f docs/s, crawlproof %.0f docs/s: %.2fx\n", n / cli_scoring, n / ours_best,
              cli_scoring / ours_best);
  std::printf("end to end: CLI %.3f s, crawlproof %.3f s: %.2fx\n", cli_best, ours_total, cli_best / ours_total);
  const Ours t1 = RunOurs(a, docs, 1), t2 = RunOurs(a, docs, 2);
  std::printf("peak RSS: 1 thread %.1f MB, 2 threads %.1f MB (%.1f / %.1f MB before scoring): %.3fx\n",
              t1.peak_rss_kb / 1e3, t2.peak_rss_kb / 1e3, t1.before_rss_kb / 1e3, t2.before_rss_kb / 1e3,
              static_cast<double>(t2.peak_rss_kb) / t1.peak_rss_kb);
  std::remove(lines.c_str());
  std::remove(one.c_str());
  rmdir(dir.c_str());
  return cli_lines == docs.size() && ours.scores.size() == docs.size() && max_diff <= 1e-5 ? 0 : 1;
}

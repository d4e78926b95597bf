#include "pipelines/executors/slurm_commands.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <set>

#include "common/ascii.h"

extern char** environ;

namespace crawlproof::pipelines {

CommandResult RunProgram(const std::vector<std::string>& argv) {
  CommandResult r;
  int fds[2];
  if (::pipe(fds) != 0) return r;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  const int err = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (err != 0) {
    ::close(fds[0]);
    r.out = std::string(argv[0]) + ": cannot run: " + std::strerror(err);
    return r;
  }
  char buf[65536];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    r.out.append(buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::vector<std::vector<std::string>> PipeRows(const std::string& out) {
  std::vector<std::vector<std::string>> rows;
  size_t start = 0;
  while (start < out.size()) {
    size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    const std::string_view line(out.data() + start, nl - start);
    start = nl + 1;
    if (line.empty()) continue;
    std::vector<std::string> fields;
    for (size_t a = 0, b; a <= line.size(); a = b + 1) {
      b = line.find('|', a);
      if (b == std::string_view::npos) b = line.size();
      fields.emplace_back(line.substr(a, b - a));
    }
    rows.push_back(std::move(fields));
  }
  return rows;
}

QueueState Queue(const std::vector<SlurmJob>& jobs) {
  QueueState q;
  if (jobs.empty()) {
    q.ok = true;
    return q;
  }
  std::set<std::string> ids;
  for (const auto& j : jobs) ids.insert(j.job_id);
  // %F: array job id (or the job id), %T: state, %r: reason.
  CommandResult r = RunProgram({"squeue", "-h", "-r", "-o", "%F|%T|%r"});
  if (r.exit_code != 0) {
    q.error = "squeue failed (exit " + std::to_string(r.exit_code) + "): " + std::string(TrimWhitespace(r.out));
    return q;
  }
  q.ok = true;
  for (const auto& f : PipeRows(r.out))
    if (f.size() >= 3 && ids.count(f[0])) q.by_job[f[0]].emplace_back(f[1], f[2]);
  return q;
}

std::map<std::string, std::string> Accounting(const std::vector<SlurmJob>& jobs) {
  std::map<std::string, std::string> out;
  if (jobs.empty()) return out;
  std::string ids;
  for (const auto& j : jobs) ids += (ids.empty() ? "" : ",") + j.job_id;
  CommandResult r = RunProgram({"sacct", "-n", "-P", "-X", "-j", ids, "-o", "JobID,State,ExitCode,NodeList"});
  if (r.exit_code != 0) return out;
  // Later attempts (requeues) come later: the last one is kept.
  for (const auto& f : PipeRows(r.out))
    if (f.size() == 4) out[f[0]] = f[1] + " exit " + f[2] + (f[3].empty() ? "" : " on " + f[3]);
  return out;
}

Status CancelJobs(const std::vector<SlurmJob>& jobs) {
  if (jobs.empty()) return Status::Ok();
  std::vector<std::string> argv = {"scancel"};
  for (const auto& j : jobs) argv.push_back(j.job_id);
  CommandResult r = RunProgram(argv);
  if (r.exit_code != 0) return Status::IoError("scancel failed (exit " + std::to_string(r.exit_code) + ")");
  return Status::Ok();
}

uint64_t MaxArraySize(const SlurmOptions& o) {
  if (o.max_array_size) return o.max_array_size;
  CommandResult r = RunProgram({"scontrol", "show", "config"});
  if (r.exit_code == 0) {
    const size_t at = r.out.find("MaxArraySize");
    if (at != std::string::npos) {
      const size_t eq = r.out.find('=', at);
      if (eq != std::string::npos) {
        const uint64_t v = std::strtoull(r.out.c_str() + eq + 1, nullptr, 10);
        if (v > 0) return v;
      }
    }
  }
  return 1001;  // Slurm's default
}

}  // namespace crawlproof::pipelines

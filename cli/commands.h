// Subcommand registration: each cli/<name>_command.cc adds its subcommands to
// the app and returns the exit code through `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace crawlproof::cli {

// Exit codes (DESIGN.md): 0 success; 1 completed but some input was bad or did
// not verify; 2 could not run (usage, unreadable input).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitCannotRun = 2;

void RegisterWarcCommands(CLI::App& app, int* exit_code);
void RegisterLedgerCommands(CLI::App& app, int* exit_code);
void RegisterAuditCommands(CLI::App& app, int* exit_code);
void RegisterExtractCommands(CLI::App& app, int* exit_code);
void RegisterFilterCommands(CLI::App& app, int* exit_code);
void RegisterDedupCommands(CLI::App& app, int* exit_code);
void RegisterTokenizeCommands(CLI::App& app, int* exit_code);
void RegisterRunCommands(CLI::App& app, int* exit_code);
// stage, status, cancel (the Slurm executor) and store dump.
void RegisterSlurmCommands(CLI::App& app, int* exit_code);
// `audit --store DIR (--doc | --url | --shard --index)` on the audit command.
void AddStoreAudit(CLI::App* audit, int* exit_code);

// Option checks for byte offsets, lengths and counts: a plain decimal (no
// sign: "-1" must not wrap around to 2^64 - 1), at least `min`.
inline CLI::Validator WholeNumber(unsigned long long min = 0) {
  return CLI::Validator(
      [min](std::string& s) -> std::string {
        if (s.empty() || s.size() > 19 || s.find_first_not_of("0123456789") != std::string::npos)
          return "must be a whole number, not " + s;
        if (std::stoull(s) < min) return "must be at least " + std::to_string(min) + ", not " + s;
        return "";
      },
      min ? "INT>=" + std::to_string(min) : "INT>=0");
}

}  // namespace crawlproof::cli

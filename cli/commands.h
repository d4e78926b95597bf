// Subcommand registration: each cli/<name>_command.cc adds its subcommands to
// the app; the command that runs stores its Status in `result`, which main()
// logs and turns into the exit status (ExitCode), the only place that does.
#pragma once

#include <CLI/CLI.hpp>

#include "common/json.h"
#include "common/status.h"
#include "store/provenance_store.h"

namespace crawlproof::cli {

// Exit codes (docs/cli.md): 0 success; 1 the command completed but some input
// was bad or did not verify (Status::BadInput; each case was logged where it
// was found); 2 it could not run (any other status: usage, unreadable input).
inline constexpr int kExitOk = 0;
inline constexpr int kExitBadInput = 1;
inline constexpr int kExitCannotRun = 2;

inline int ExitCode(const Status& s) {
  if (s.ok()) return kExitOk;
  return s.code() == StatusCode::kBadInput ? kExitBadInput : kExitCannotRun;
}

// `s` (from a check the input failed: a proof, a digest, a parse) as the
// command's bad-input result, same message.
inline Status AsBadInput(const Status& s) {
  return s.ok() ? s : Status::BadInput(s.message());
}

// How a command over several inputs ends: could not run when `unreadable` of
// its `inputs` could not be opened or read at all, else bad input when `bad`
// of its `unit` (records, lines, documents) were bad. Each was logged as found;
// this is the summary line.
inline Status InputsResult(const std::string& command, uint64_t inputs, uint64_t unreadable, uint64_t bad,
                           const std::string& unit) {
  if (unreadable > 0)
    return Status::NotFound(command + ": " + std::to_string(unreadable) + " of " + std::to_string(inputs) +
                            (inputs == 1 ? " input" : " inputs") + " could not be read");
  if (bad > 0) return Status::BadInput(command + ": " + std::to_string(bad) + " bad " + unit + " (see above)");
  return Status::Ok();
}

void RegisterWarcCommands(CLI::App& app, Status* result);
void RegisterLedgerCommands(CLI::App& app, Status* result);
void RegisterAuditCommands(CLI::App& app, Status* result);
void RegisterExtractCommands(CLI::App& app, Status* result);
void RegisterFilterCommands(CLI::App& app, Status* result);
void RegisterDedupCommands(CLI::App& app, Status* result);
void RegisterTokenizeCommands(CLI::App& app, Status* result);
void RegisterRunCommands(CLI::App& app, Status* result);
void RegisterServeCommands(CLI::App& app, Status* result);
// stage, status, cancel (the Slurm executor) and store dump.
void RegisterSlurmCommands(CLI::App& app, Status* result);
// `audit --store DIR (--doc | --url | --shard --index)` on the audit command.
void AddStoreAudit(CLI::App* audit, Status* result);

// Test hook: CRAWLPROOF_FAILPOINT=<name>[:<n>[:INT]] kills this process with
// SIGKILL (or SIGINT) the n-th time a run or a stage task reaches the named
// point (docs/pipeline.md); nothing without the variable.
void Failpoint(const char* name);

// The proof bundle of the document whose stored account is `account`
// (audit --store --bundle), with `prompt_account` (a prompt of that
// document, as the store has it) in its decisions when not empty.
Status WriteDocumentBundle(const store::ProvenanceStore& st, const std::string& account, const std::string& out,
                           const std::string& prompt_account = "");
// audit --store DIR --prompt ID [--json] [--bundle FILE] (cli/prompt_audit.cc).
Status RunPromptAudit(const store::ProvenanceStore& st, const std::string& store_dir, const std::string& prompt_id,
                      bool json, const std::string& bundle);
// audit verify: a bundle's "decisions.prompt", if any — its id recomputed
// from its document, kind, question and answer; with `prompts_dir`, its row
// found in the prompt file the manifest lists. Adds what it checked to `o`;
// an error says what does not hold.
Status CheckBundlePrompt(const std::string& bundle_text, const std::string& prompts_dir, JsonObject* o);

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

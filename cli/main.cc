// The `crawlproof` binary: parses the command line and hands over to the
// subcommand (one file per subcommand group in cli/).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <new>
#include <string>
#include <system_error>

#include "cli/commands.h"
#include "common/ascii.h"
#include "common/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"crawlproof: Common Crawl to training shards with verifiable provenance"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "crawlproof 0.1.0");
  std::string log_format = "auto";
  bool verbose = false;
  app.add_option("--log-format", log_format, "Log lines on stderr: auto (text on a terminal), text, json")
      ->check(CLI::IsMember({"auto", "text", "json"}));
  app.add_flag("-v,--verbose", verbose, "Also log debug messages");
  crawlproof::Status result;
  crawlproof::cli::RegisterWarcCommands(app, &result);
  crawlproof::cli::RegisterLedgerCommands(app, &result);
  crawlproof::cli::RegisterAuditCommands(app, &result);
  crawlproof::cli::RegisterExtractCommands(app, &result);
  crawlproof::cli::RegisterFilterCommands(app, &result);
  crawlproof::cli::RegisterDedupCommands(app, &result);
  crawlproof::cli::RegisterTokenizeCommands(app, &result);
  crawlproof::cli::RegisterRunCommands(app, &result);
  crawlproof::cli::RegisterServeCommands(app, &result);
  crawlproof::cli::RegisterSlurmCommands(app, &result);
  // No argument at all: what to do, not a parser's complaint.
  if (argc == 1) {
    std::fprintf(stderr,
                 "crawlproof: Common Crawl to training shards with verifiable provenance\n\n"
                 "  crawlproof run PIPELINE.toml       the main job (docs/pipeline.md; the bundled sample is\n"
                 "                                     pipelines/sample.toml in the source checkout)\n"
                 "  crawlproof audit --store DIR --doc ID   one document's story\n"
                 "  crawlproof audit verify BUNDLE --trust TRUST   check a proof offline\n"
                 "  crawlproof serve --store DIR --shards DIR --trust TRUST   the audit page\n"
                 "  crawlproof --help                  every subcommand\n");
    return crawlproof::cli::kExitCannotRun;
  }
  // A misspelt subcommand: say so, with the nearest one (CLI11 would only
  // say that a subcommand is required). The same one level down, for the
  // groups that need a subcommand (ledger, shards, warc, ...).
  {
    CLI::App* level = &app;
    for (int i = 1; i < argc && level; ++i) {
      const std::string arg = argv[i];
      if (arg.empty() || arg[0] == '-') break;
      std::vector<std::string> names;
      CLI::App* next = nullptr;
      for (CLI::App* sub : level->get_subcommands({})) {
        names.push_back(sub->get_name());
        if (sub->check_name(arg)) next = sub;
      }
      if (next) {
        level = next->get_subcommands({}).empty() ? nullptr : next;
        continue;
      }
      if (level == &app || level->get_require_subcommand_min() > 0) {
        std::string path = level == &app ? "crawlproof" : "crawlproof " + level->get_name();
        const std::string near = crawlproof::NearestName(arg, names);
        crawlproof::LogError(path + ": unknown subcommand '" + arg + "'" +
                             (near.empty() ? "" : "; did you mean '" + near + "'?") + " (" + path +
                             " --help lists them)");
        return crawlproof::cli::kExitCannotRun;
      }
      break;
    }
  }
  app.parse_complete_callback([&] {
    crawlproof::LogOptions o;
    o.format = log_format == "json"   ? crawlproof::LogFormat::kJson
               : log_format == "text" ? crawlproof::LogFormat::kText
                                      : crawlproof::LogFormat::kAuto;
    o.min_level = verbose ? crawlproof::LogLevel::kDebug : crawlproof::LogLevel::kInfo;
    crawlproof::SetLogOptions(o);
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : crawlproof::cli::kExitCannotRun;
  } catch (const std::system_error& e) {
    // Last resort (thread pools report their own failures): a system
    // resource the command could not get, said as an error, not an abort.
    crawlproof::LogError(std::string("cannot run: ") + e.what() + " (" + e.code().message() + ")");
    return crawlproof::cli::kExitCannotRun;
  } catch (const std::bad_alloc&) {
    crawlproof::LogError("cannot run: out of memory");
    return crawlproof::cli::kExitCannotRun;
  }
  // Commands log what they find as they go; their result's message is the
  // last word (why it could not run, or a summary of the bad input).
  // A message of several lines (run --check's refusals) is logged line by line.
  const std::string& m = result.message();
  for (size_t at = 0; !result.ok() && at < m.size();) {
    const size_t nl = std::min(m.find('\n', at), m.size());
    crawlproof::LogError(m.substr(at, nl - at));
    at = nl + 1;
  }
  return crawlproof::cli::ExitCode(result);
}

// The `crawlproof` binary: parses the command line and hands over to the
// subcommand (one file per subcommand group in cli/).
#include <CLI/CLI.hpp>
#include <new>
#include <system_error>

#include "cli/commands.h"
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
  int exit_code = crawlproof::cli::kExitOk;
  crawlproof::cli::RegisterWarcCommands(app, &exit_code);
  crawlproof::cli::RegisterLedgerCommands(app, &exit_code);
  crawlproof::cli::RegisterAuditCommands(app, &exit_code);
  crawlproof::cli::RegisterExtractCommands(app, &exit_code);
  crawlproof::cli::RegisterFilterCommands(app, &exit_code);
  crawlproof::cli::RegisterDedupCommands(app, &exit_code);
  crawlproof::cli::RegisterTokenizeCommands(app, &exit_code);
  crawlproof::cli::RegisterRunCommands(app, &exit_code);
  crawlproof::cli::RegisterSlurmCommands(app, &exit_code);
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
  return exit_code;
}

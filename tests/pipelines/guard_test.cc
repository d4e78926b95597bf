// What a careless operator or an attacker can do to a run: misconfigured
// pipeline files (refused before anything is written), outputs that are not
// crawlproof's, sources that fail. The hardening issue's items, one test each.
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/pipelines/sample.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"

namespace crawlproof {
namespace {

namespace fs = std::filesystem;

// Every value with its range: `run --check` refuses it naming the key, and a
// run refuses it before creating the output folder or the store.
TEST(Guard, EveryPipelineValueIsRangeChecked) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  struct Case {
    std::string section, value, message;
  };
  const std::vector<Case> cases = {
      {"[dedup]\n", "bands = 0", "dedup.bands must be between 1 and 112, not 0"},
      {"[dedup]\n", "num_perm = 0", "dedup.num_perm must be between 1 and 1024, not 0"},
      {"[dedup]\n", "threshold = nan", "dedup.threshold must be a finite number, not nan"},
      {"[dedup]\n", "threshold = 5", "dedup.threshold must be between 0 and 1, not 5"},
      {"[dedup]\n", "threshold = -1", "dedup.threshold must be between 0 and 1, not -1"},
      {"[dedup]\n", "threshold = 0", "dedup.threshold must be above 0"},
      {"[dedup]\n", "ngram = 0", "dedup.ngram must be between 1 and 64, not 0"},
      {"[dedup]\n", "bands = 20\nrows = 8", "dedup.bands × dedup.rows (20 × 8) must be at most dedup.num_perm (112)"},
      {"[extract]\n", "min_lang_score = nan", "extract.min_lang_score must be a finite number, not nan"},
      {"[extract]\n", "min_lang_score = 1.5", "extract.min_lang_score must be between 0 and 1, not 1.5"},
      {"[extract]\n", "max_html_bytes = 0", "extract.max_html_bytes must be between 1024 and 1073741824, not 0"},
      {"", "[run]\nworkers = 100000", "run.workers must be between 0 and 1024, not 100000"},
      {"[filter.language]\n", "min_score = nan", "filter.language.min_score must be a finite number, not nan"},
      {"[filter.fineweb]\n", "new_line_ratio = 2", "filter.fineweb.new_line_ratio must be between 0 and 1, not 2"},
      {"[filter.gopher_quality]\n", "min_doc_words = -5", "filter.gopher_quality.min_doc_words must be between"},
  };
  for (const auto& c : cases) {
    const std::string output = dir + "/out";
    std::string extra = c.section + c.value + "\n";
    std::string run_extra;
    if (c.section.empty()) {  // a [run] key: merged into the [run] table
      extra.clear();
      run_extra = c.value.substr(c.value.find('\n') + 1) + "\n";
    }
    std::string pipeline = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"", "", run_extra);
    if (c.section.rfind("[filter", 0) == 0) {
      // [filter.x] tables go after [filter].
      std::ofstream(pipeline, std::ios::app) << extra;
    } else if (!extra.empty()) {
      pipeline = WriteSamplePipeline(dir, output, "\"sample/*.warc.gz\"", extra, run_extra);
    }
    if (c.section.empty()) {
      std::string text = testing::ReadFileBytes(pipeline);
      text.replace(text.find("workers = 2\n"), 12, "");
      std::ofstream(pipeline, std::ios::trunc) << text;
    }
    auto check = testing::RunCrawlproof("run --check " + pipeline);
    EXPECT_EQ(check.exit_code, 2) << c.value;
    EXPECT_NE(check.err.find(pipeline + ": " + c.message), std::string::npos) << c.value << " -> " << check.err;
    auto run = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(run.exit_code, 2) << c.value;
    EXPECT_FALSE(fs::exists(output)) << c.value << ": the run created its output folder";
  }
}

// `language = ["de"]` under [filter] (meant: `languages`) is an error, not a
// silently ignored table that leaves the default (English only).
TEST(Guard, FilterLanguageSingularIsRefused) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"");
  std::string text = testing::ReadFileBytes(pipeline);
  text.replace(text.find("languages = []"), 14, "language = [\"de\"]");
  std::ofstream(pipeline, std::ios::trunc) << text;
  auto check = testing::RunCrawlproof("run --check " + pipeline);
  EXPECT_EQ(check.exit_code, 2);
  EXPECT_NE(check.err.find(pipeline + ": filter.language must be a table ([filter.language]), not a value"),
            std::string::npos)
      << check.err;
  std::ofstream(dir + "/docs.jsonl") << "{\"text\": \"Hallo Welt\"}\n";
  auto filter = testing::RunCrawlproof("filter --input " + dir + "/docs.jsonl --config " + pipeline + " --output " +
                                       dir + "/kept.jsonl --dropped " + dir + "/dropped.jsonl");
  EXPECT_EQ(filter.exit_code, 2);
  EXPECT_NE(filter.err.find("filter.language must be a table"), std::string::npos) << filter.err;
  EXPECT_FALSE(fs::exists(dir + "/kept.jsonl"));
  // A section that is not a table, and an unknown one.
  std::ofstream(dir + "/notable.toml") << "run = 1\n";
  EXPECT_NE(testing::RunCrawlproof("run --check " + dir + "/notable.toml").err.find("run must be a table"),
            std::string::npos);
  std::ofstream(dir + "/unknown.toml") << "[run]\noutput = \"o\"\n[sources]\npaths = [\"x\"]\n";
  EXPECT_NE(testing::RunCrawlproof("run --check " + dir + "/unknown.toml").err.find("sources is not a known table"),
            std::string::npos);
}

// The output folder is crawlproof's own: a foreign non-empty folder, a
// symbolic link inside it, another store or another run are refused, by
// `run --check` as by `run`, and nothing that is not crawlproof's is touched.
TEST(Guard, OutputFolderIsCrawlproofsOwn) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string out = dir + "/out";
  const std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\"");
  // A folder with someone's files in it.
  fs::create_directories(out);
  std::ofstream(out + "/notes.txt") << "mine";
  for (const char* cmd : {"run --check ", "run "}) {
    auto r = testing::RunCrawlproof(cmd + pipeline + " --progress off");
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find(out + ": not empty and not a crawlproof output folder"), std::string::npos) << r.err;
  }
  EXPECT_EQ(testing::ReadFileBytes(out + "/notes.txt"), "mine");
  EXPECT_FALSE(fs::exists(out + "/store"));
  fs::remove(out + "/notes.txt");
  ASSERT_EQ(testing::RunCrawlproof("run " + pipeline + " --progress off").exit_code, 0);
  EXPECT_TRUE(fs::exists(out + "/.crawlproof-output"));
  // Files of other names in shards/ and shards/documents/ survive a run.
  fs::create_directories(out + "/shards/documents");
  std::ofstream(out + "/shards/documents/keep-me.txt") << "mine";
  std::ofstream(out + "/shards/shard-notes.txt") << "mine";
  std::ofstream(out + "/shards/documents/group-000099.jsonl.zst") << "stale";  // crawlproof's name, not committed
  ASSERT_EQ(testing::RunCrawlproof("run " + pipeline + " --progress off").exit_code, 0);
  EXPECT_EQ(testing::ReadFileBytes(out + "/shards/documents/keep-me.txt"), "mine");
  EXPECT_EQ(testing::ReadFileBytes(out + "/shards/shard-notes.txt"), "mine");
  EXPECT_FALSE(fs::exists(out + "/shards/documents/group-000099.jsonl.zst"));
  // shards/documents as a link to someone's folder: refused, their files intact.
  const std::string theirs = dir + "/theirs";
  fs::create_directories(theirs);
  std::ofstream(theirs + "/thesis.tex") << "years of work";
  fs::remove_all(out + "/shards/documents");
  fs::create_directory_symlink(theirs, out + "/shards/documents");
  auto linked = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(linked.exit_code, 2);
  EXPECT_NE(linked.err.find("shards/documents is a symbolic link"), std::string::npos) << linked.err;
  EXPECT_EQ(testing::ReadFileBytes(theirs + "/thesis.tex"), "years of work");
  fs::remove(out + "/shards/documents");
  // Another store on the same output.
  std::string other = testing::ReadFileBytes(pipeline);
  other.replace(other.find("workers = 2\n"), 12, "workers = 2\nstore = \"" + dir + "/other-store\"\n");
  std::ofstream(dir + "/other.toml") << other;
  auto two = testing::RunCrawlproof("run --check " + dir + "/other.toml");
  EXPECT_EQ(two.exit_code, 2);
  EXPECT_NE(two.err.find("written by the run whose store is"), std::string::npos) << two.err;
  EXPECT_FALSE(fs::exists(dir + "/other-store"));
  // run --check names every refusal at once: the glob and the store.
  std::string both = testing::ReadFileBytes(dir + "/other.toml");
  both.replace(both.find("sample/*.warc.gz"), 16, "sample/*.warc.gzz");
  std::ofstream(dir + "/both.toml") << both;
  auto two_refusals = testing::RunCrawlproof("run --check " + dir + "/both.toml");
  EXPECT_EQ(two_refusals.exit_code, 2);
  EXPECT_NE(two_refusals.err.find("matches no file"), std::string::npos) << two_refusals.err;
  EXPECT_NE(two_refusals.err.find("written by the run whose store is"), std::string::npos) << two_refusals.err;
  // Another run holding the folder.
  const int fd = ::open((out + "/.crawlproof-output").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  for (const char* cmd : {"run --check ", "run "}) {
    auto busy = testing::RunCrawlproof(cmd + pipeline + " --progress off");
    EXPECT_EQ(busy.exit_code, 2) << cmd;
    EXPECT_NE(busy.err.find(out + ": in use by another run"), std::string::npos) << busy.err;
  }
  ::close(fd);
  // An earlier version's output (no marker; the store's manifest matches).
  fs::remove(out + "/.crawlproof-output");
  auto adopted = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(adopted.exit_code, 0) << adopted.err;
  EXPECT_TRUE(fs::exists(out + "/.crawlproof-output"));
}

// An output that is the input (by name, through another path, or a hard
// link; also as --dropped) is refused before anything is opened.
TEST(Guard, OutputThatIsTheInputIsRefused) {
  const std::string dir = testing::MakeTempDir();
  const std::string docs = dir + "/docs.jsonl";
  std::ofstream(docs) << "{\"id\": \"a\", \"text\": \"The quick brown fox jumps over the lazy dog.\"}\n";
  const std::string before = testing::ReadFileBytes(docs);
  fs::create_hard_link(docs, dir + "/alias.jsonl");
  const std::vector<std::string> commands = {
      "filter --input " + docs + " --output " + docs + " --dropped " + dir + "/d.jsonl",
      "filter --input " + docs + " --output " + dir + "/k.jsonl --dropped " + dir + "/./docs.jsonl",
      "filter --input " + docs + " --output " + dir + "/alias.jsonl --dropped " + dir + "/d.jsonl",
      "filter --input " + docs + " --output " + dir + "/k.jsonl --dropped " + dir + "/k.jsonl",
      "tokenize --tokenizer " + kSource + "/data/tokenizers/deepseek-v3/tokenizer.json --input " + docs + " --output " +
          docs,
      "dedup --input " + docs + " --output " + dir + "/k.jsonl --removed " + docs,
      "minhash --input " + docs + " --output " + dir + "/alias.jsonl",
  };
  for (const auto& cmd : commands) {
    auto r = testing::RunCrawlproof(cmd);
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_TRUE(r.err.find("is the input file") != std::string::npos ||
                r.err.find("is also given as the output") != std::string::npos)
        << cmd << " -> " << r.err;
    EXPECT_EQ(testing::ReadFileBytes(docs), before) << cmd;
  }
  EXPECT_FALSE(fs::exists(dir + "/k.jsonl"));
}

// The stage commands' outputs over a file crawlproof did not write (a
// user's notes, a key) are refused; their own earlier output is replaced,
// and --force replaces a foreign file but never a key.
TEST(Guard, StageOutputsOverForeignFilesAreRefused) {
  const std::string dir = testing::MakeTempDir();
  const std::string docs = dir + "/docs.jsonl", notes = dir + "/notes.txt", key = dir + "/k.key";
  std::ofstream(docs) << "{\"id\": \"a\", \"text\": \"The quick brown fox jumps over the lazy dog.\"}\n";
  std::ofstream(notes) << "my notes\n";
  std::ofstream(key) << "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n";
  const std::string tok = kSource + "/data/tokenizers/deepseek-v3/tokenizer.json";
  const std::vector<std::string> commands = {
      "filter --input " + docs + " --output @ --dropped " + dir + "/d.jsonl",
      "filter --input " + docs + " --output " + dir + "/k.jsonl --dropped @",
      "filter --input " + docs + " --output " + dir + "/k.jsonl --dropped " + dir + "/d.jsonl --stats @",
      "tokenize --tokenizer " + tok + " --input " + docs + " --output @",
      "dedup --input " + docs + " --output @ --removed " + dir + "/r.jsonl",
      "dedup --input " + docs + " --output " + dir + "/k.jsonl --removed @",
      "minhash --input " + docs + " --output @",
      "extract " + kSource + "/tests/data/translated-docs.warc.gz --stats @",
  };
  auto with = [](std::string cmd, const std::string& path) { return cmd.replace(cmd.find('@'), 1, path); };
  for (const auto& cmd : commands) {
    auto r = testing::RunCrawlproof(with(cmd, notes));
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("exists and is not a"), std::string::npos) << cmd << " -> " << r.err;
    EXPECT_NE(r.err.find("--force"), std::string::npos) << r.err;
    EXPECT_EQ(testing::ReadFileBytes(notes), "my notes\n") << cmd;
    r = testing::RunCrawlproof(with(cmd, key) + " --force");
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("holds a private key"), std::string::npos) << cmd << " -> " << r.err;
    // Its own output, written twice, is replaced without --force.
    const std::string own = dir + "/own.out";
    fs::remove(own);
    EXPECT_EQ(testing::RunCrawlproof(with(cmd, own) + " >/dev/null").exit_code, 0) << cmd;
    auto again = testing::RunCrawlproof(with(cmd, own) + " >/dev/null");
    EXPECT_EQ(again.exit_code, 0) << cmd << " -> " << again.err;
  }
  EXPECT_EQ(testing::RunCrawlproof(with(commands[0], notes) + " --force").exit_code, 0);
  EXPECT_NE(testing::ReadFileBytes(notes), "my notes\n");
}

// A source that cannot be read is logged, quarantined as `unreadable` and
// retried by every later run until it reads; the store keeps the history.
TEST(Guard, UnreadableSourcesAreLoggedAndRetried) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string out = dir + "/out";
  const std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\", \"late.warc.gz\"");
  auto first = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find("/late.warc.gz: unreadable, quarantined (retried by the next run)"), std::string::npos)
      << first.err;
  auto second = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(second.exit_code, 1) << "not 'nothing new': the unreadable source is retried";
  EXPECT_NE(second.err.find("late.warc.gz: unreadable"), std::string::npos) << second.err;
  // It appears (a copy of a committed file is not in the ledger under its
  // name: quarantined as missing, and no longer retried as unreadable).
  fs::copy_file(dir + "/sample/CC-MAIN-2019-12-jwarc.warc.gz", dir + "/late.warc.gz");
  auto third = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(third.exit_code, 1);
  EXPECT_NE(third.err.find("late.warc.gz: quarantined, ledger missing"), std::string::npos) << third.err;
  auto fourth = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(fourth.exit_code, 0) << fourth.err;
  EXPECT_NE(fourth.out.find("\"nothing_new\":true"), std::string::npos) << fourth.out;
  // The store's history of the source: two unreadable verdicts, then missing.
  auto dump = testing::RunCrawlproof("store dump " + out + "/store --family ingest");
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  const size_t at = dump.out.find("late.warc.gz");
  ASSERT_NE(at, std::string::npos);
  const std::string line = dump.out.substr(at, dump.out.find('\n', at) - at);
  EXPECT_NE(line.find("\"verification\":\"missing\""), std::string::npos) << line;
  EXPECT_NE(line.find("\"history\":[{\"run\":1,\"state\":\"quarantined\",\"verification\":\"unreadable\""),
            std::string::npos)
      << line;
  EXPECT_NE(line.find("{\"run\":2,\"state\":\"quarantined\",\"verification\":\"unreadable\""), std::string::npos)
      << line;
  // run --recheck re-checks it although the ledger has not moved.
  auto recheck = testing::RunCrawlproof("run " + pipeline + " --progress off --recheck");
  EXPECT_EQ(recheck.exit_code, 1);
  EXPECT_NE(recheck.err.find("late.warc.gz: quarantined, ledger missing"), std::string::npos) << recheck.err;
}

// A source quarantined as `ledger:missing` is re-checked by the first run
// after the verified ledger has moved on (here: a block committing it).
TEST(Guard, MissingSourcesAreRecheckedWhenTheLedgerMovesOn) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto cli = [](const std::string& args) {
    auto r = testing::RunCrawlproof(args);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
    return r;
  };
  cli("keygen --name k1 --out " + dir + "/keys");
  std::ofstream(dir + "/own.valset") << cli("ledger valset --quorum 1 " + dir + "/keys/k1.vkey").out;
  std::ofstream(dir + "/own-trust.toml") << "origin = \"crawlproof.test/guard\"\nvalset_file = \"own.valset\"\n";
  const std::string build = "ledger build --origin crawlproof.test/guard --valset " + dir + "/own.valset --key " + dir +
                            "/keys/k1.key --root " + dir + "/sample --out " + dir + "/own-ledger.json ";
  cli(build + dir + "/sample/" + kWarcs[0] + " " + dir + "/sample/" + kWarcs[1]);
  std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"");
  std::string text = testing::ReadFileBytes(pipeline);
  text.replace(text.find("sample/ledger.json"), 18, "own-ledger.json");
  text.replace(text.find("sample/trust.toml"), 17, "own-trust.toml");
  std::ofstream(pipeline, std::ios::trunc) << text;
  auto first = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(first.exit_code, 1);
  EXPECT_NE(first.err.find(std::string(kWarcs[2]) + ": quarantined, ledger missing"), std::string::npos) << first.err;
  auto again = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(again.exit_code, 0) << "same ledger head: nothing to re-check";
  cli(build + "--prev " + dir + "/own-ledger.json " + dir + "/sample/" + kWarcs[2] + " " + dir + "/sample/" +
      kWarcs[3]);
  auto moved = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(moved.exit_code, 0) << moved.err;
  EXPECT_EQ(moved.err.find("ledger missing"), std::string::npos) << moved.err;
  EXPECT_NE(moved.out.find("\"quarantined\":0"), std::string::npos) << moved.out;
  EXPECT_NE(moved.out.find("\"processed\":2"), std::string::npos) << moved.out;
}

// A glob that matches nothing, or a listing without a line, is an error
// naming it; nothing is created.
TEST(Guard, SourcesMatchingNothingAreAnError) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gzz\"");
  for (const char* cmd : {"run --check ", "run "}) {
    auto r = testing::RunCrawlproof(cmd + pipeline + " --progress off");
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("source.paths: "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(dir + "/sample/*.warc.gzz"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("matches no file"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir + "/out"));
  std::ofstream(dir + "/empty.paths") << "\n";
  std::string text = testing::ReadFileBytes(pipeline);
  const std::string listed = "paths = [\"sample/*.warc.gzz\"]";
  text.replace(text.find(listed), listed.size(), "paths_file = \"empty.paths\"");
  std::ofstream(pipeline, std::ios::trunc) << text;
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("empty.paths lists no source"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

// A listing line longer than any path or URL is refused before more of it
// is read (a 400 MB line once took 21 GB), naming the file, line and offset.
TEST(Guard, ListingLinesAreBounded) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  {
    std::ofstream paths(dir + "/crawl.paths");
    paths << "sample/" << kWarcs[0] << "\n" << std::string(200000, 'x') << "\n";
  }
  std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"");
  std::string text = testing::ReadFileBytes(pipeline);
  const std::string listed = "paths = [\"sample/*.warc.gz\"]";
  text.replace(text.find(listed), listed.size(), "paths_file = \"crawl.paths\"");
  std::ofstream(pipeline, std::ios::trunc) << text;
  for (const char* cmd : {"run --check ", "run "}) {
    auto r = testing::RunCrawlproof(cmd + pipeline + " --progress off");
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find("crawl.paths: line 2 (at byte 37) is longer than 65536 bytes"), std::string::npos) << r.err;
  }
  EXPECT_FALSE(fs::exists(dir + "/out"));
}

#if !defined(__SANITIZE_ADDRESS__)
// A worker thread that cannot be created (a process or memory limit) is an
// error naming the cause, not an abort; the next run, without the limit,
// completes.
TEST(Guard, ThreadCreationFailureIsAnError) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string pipeline = WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"");
  std::string text = testing::ReadFileBytes(pipeline);
  text.replace(text.find("workers = 2"), 11, "workers = 4");
  std::ofstream(pipeline, std::ios::trunc) << text;
  // 1 GB stacks under a 5 GB address space: a few threads only.
  auto limited = testing::RunCrawlproof("run " + pipeline + " --progress off", "ulimit -s 1000000; ulimit -v 5000000;");
  EXPECT_EQ(limited.exit_code, 2) << limited.err;
  EXPECT_NE(limited.err.find("cannot start worker thread"), std::string::npos) << limited.err;
  EXPECT_NE(limited.err.find("Resource temporarily unavailable"), std::string::npos) << limited.err;
  auto unlimited = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(unlimited.exit_code, 0) << unlimited.err;
}
#endif

// `audit verify --fetch` never opens the bundle's own `file` field (no
// signature covers it): it reads the verified ledger path under the --root or
// --prefix the user names, or what --fetch-from names.
TEST(Guard, FetchReadsOnlyWhereTheUserOrTheVerifiedPathSays) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  ASSERT_EQ(testing::RunCrawlproof("run " + WriteSamplePipeline(dir, dir + "/out", "\"sample/*.warc.gz\"") +
                                   " --progress off")
                .exit_code,
            0);
  ASSERT_EQ(testing::RunCrawlproof("audit --store " + dir + "/out/store --shard 0 --index 0 --bundle " + dir +
                                   "/doc.bundle --json")
                .exit_code,
            0);
  std::string bundle = testing::ReadFileBytes(dir + "/doc.bundle");
  const size_t at = bundle.find("\"file\": \"") + 9;
  bundle.replace(at, bundle.find('"', at) - at, "/etc/passwd");  // what an attacker would have us probe
  std::ofstream(dir + "/doc.bundle", std::ios::trunc) << bundle;
  const std::string verify = "audit verify " + dir + "/doc.bundle --trust " + dir + "/sample/trust.toml";
  auto unnamed = testing::RunCrawlproof(verify + " --fetch");
  EXPECT_EQ(unnamed.exit_code, 2);
  EXPECT_NE(unnamed.err.find("name where the record's file is"), std::string::npos) << unnamed.err;
  EXPECT_EQ(unnamed.out.find("/etc/passwd\",\"status\":\"verified"), std::string::npos) << unnamed.out;
  auto rooted = testing::RunCrawlproof(verify + " --fetch --root " + dir + "/sample");
  EXPECT_EQ(rooted.exit_code, 0) << rooted.err;
  EXPECT_NE(rooted.out.find("\"content\":\"verified\""), std::string::npos) << rooted.out;
  EXPECT_NE(rooted.out.find("\"fetched_from\":\"" + dir + "/sample/CC-MAIN-"), std::string::npos) << rooted.out;
  auto wrong = testing::RunCrawlproof(verify + " --fetch-from " + dir + "/sample/" + kWarcs[3]);
  EXPECT_EQ(wrong.exit_code, 1) << "another file's bytes at that offset do not verify";
}

// A store that is not there is said plainly, and not created (RocksDB made the
// folder, with its LOCK and LOG, and answered with a message about CURRENT).
TEST(Guard, MissingStoreIsNamedAndNotCreated) {
  const std::string missing = testing::MakeTempDir() + "/no-store";
  for (const char* cmd : {"audit --store ", "store dump "}) {
    auto r = testing::RunCrawlproof(cmd + missing + (std::string(cmd) == "store dump " ? "" : " --doc x"));
    EXPECT_EQ(r.exit_code, 2) << cmd;
    EXPECT_NE(r.err.find(missing + ": no store there"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("CURRENT"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(missing)) << cmd;
  }
}

}  // namespace
}  // namespace crawlproof

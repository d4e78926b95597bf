// The second review's findings (issue 26), each as it was reported: a proof
// of one record that vouched for another document, work folders and outputs
// that deleted or overwrote what is not crawlproof's, and a resumed run that
// described only its last part.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>

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

// The bundle's line for `key` ("key": value,) in its one-field-per-line form.
std::string Line(const std::string& bundle, const std::string& key) {
  const size_t at = bundle.find("\n\"" + key + "\": ");
  if (at == std::string::npos) return "";
  return bundle.substr(at + 1, bundle.find('\n', at + 1) - at - 1);
}

// `a` with the lines of `keys` taken from `b`.
std::string WithLinesOf(std::string a, const std::string& b, const std::vector<std::string>& keys) {
  for (const auto& k : keys) {
    const std::string from = Line(a, k), to = Line(b, k);
    EXPECT_FALSE(from.empty() || to.empty()) << k;
    a.replace(a.find(from), from.size(), to);
  }
  return a;
}

struct SampleRun {
  std::string dir, trust, valset, shards, store;
};

SampleRun RunSample() {
  SampleRun r;
  r.dir = testing::MakeTempDir();
  CopySample(r.dir);
  EXPECT_EQ(
      testing::RunCrawlproof("run " + WriteSamplePipeline(r.dir, "out", "\"sample/*.warc.gz\"") + " --progress off")
          .exit_code,
      0);
  r.trust = r.dir + "/sample/trust.toml";
  r.valset = r.dir + "/sample/TEST-ONLY.valset";
  r.shards = r.dir + "/out/shards";
  r.store = r.dir + "/out/store";
  return r;
}

// Two kept documents of the same WARC file, as (doc id, bundle path).
std::vector<std::pair<std::string, std::string>> TwoBundlesOfOneFile(const SampleRun& r) {
  const std::string docs = testing::ReadFileBytes(r.shards + "/shard-00000.docs.jsonl") +
                           testing::ReadFileBytes(r.shards + "/shard-00001.docs.jsonl");
  std::map<std::string, std::vector<std::string>> by_file;
  for (size_t at = 0; (at = docs.find("\"doc_id\":\"", at)) != std::string::npos; ++at) {
    const std::string id = docs.substr(at + 10, docs.find('"', at + 10) - at - 10);
    auto a = testing::RunCrawlproof("audit --store " + r.store + " --doc " + id + " --json");
    simdjson::dom::parser parser;
    simdjson::padded_string p(a.out);
    by_file[std::string(parser.parse(p)["source"]["file"].get_string().value())].push_back(id);
  }
  for (const auto& [file, ids] : by_file) {
    if (ids.size() < 2) continue;
    std::vector<std::pair<std::string, std::string>> out;
    for (size_t k = 0; k < 2; ++k) {
      const std::string path = r.dir + "/" + std::to_string(k) + ".bundle";
      EXPECT_EQ(testing::RunCrawlproof("audit --store " + r.store + " --doc " + ids[k] + " --bundle " + path).exit_code,
                0);
      out.emplace_back(ids[k], path);
    }
    return out;
  }
  ADD_FAILURE() << "no WARC file with two kept documents";
  return {};
}

int Shell(const std::string& bundle, const std::string& valset) {
  return std::system(
      ("sh " + kSource + "/scripts/audit-verify.sh " + bundle + " " + valset + " >/dev/null 2>&1").c_str());
}

// A document's bundle whose ledger fields are another record's (same
// ledger, same file): every field of the proof is valid, but it proves
// another page. Refused by `audit verify` and by the shell recipe.
TEST(Review, ProofOfAnotherRecordDoesNotVerifyTheDocument) {
  const SampleRun r = RunSample();
  const auto two = TwoBundlesOfOneFile(r);
  ASSERT_EQ(two.size(), 2u);
  const std::string a = testing::ReadFileBytes(two[0].second), b = testing::ReadFileBytes(two[1].second);
  // Both genuine bundles verify, content and tokens included.
  for (const auto& [id, path] : two) {
    auto v = testing::RunCrawlproof("audit verify " + path + " --trust " + r.trust + " --shards " + r.shards +
                                    " --fetch --root " + r.dir + "/sample");
    EXPECT_EQ(v.exit_code, 0) << v.out;
    EXPECT_NE(v.out.find("\"document\":\"" + id + "\""), std::string::npos) << v.out;
    EXPECT_EQ(Shell(path, r.valset), 0);
  }
  const std::string forged_path = r.dir + "/forged.bundle";
  std::ofstream(forged_path) << WithLinesOf(a, b, {"offset", "length", "record_index", "leaf", "record_path"});
  auto v = testing::RunCrawlproof("audit verify " + forged_path + " --trust " + r.trust + " --shards " + r.shards +
                                  " --fetch --root " + r.dir + "/sample");
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("\"status\":\"failed\""), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("document: the document's account names another record than the ledger proof"),
            std::string::npos)
      << v.out;
  EXPECT_NE(Shell(forged_path, r.valset), 0);
  // The account edited to name the other record too: its doc id is no
  // longer the one derived from that record.
  std::string edited = WithLinesOf(a, b, {"offset", "length", "record_index", "leaf", "record_path"});
  simdjson::dom::parser parser;
  simdjson::padded_string pa(a), pb(b);
  simdjson::dom::element ea = parser.parse(pa);
  const std::string src_a = std::string(simdjson::minify(ea["decisions"]["account"]["source"]));
  simdjson::dom::parser parser_b;
  simdjson::dom::element eb = parser_b.parse(pb);
  const std::string src_b = std::string(simdjson::minify(eb["decisions"]["account"]["source"]));
  ASSERT_NE(edited.find(src_a), std::string::npos);
  edited.replace(edited.find(src_a), src_a.size(), src_b);
  std::ofstream(forged_path) << edited;
  v = testing::RunCrawlproof("audit verify " + forged_path + " --trust " + r.trust);
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("document: the document's account names another record"), std::string::npos) << v.out;
  EXPECT_NE(Shell(forged_path, r.valset), 0) << forged_path;
  // The other document's whole account and id, with the first one's place
  // in the shards: the shard's sidecar names another document there.
  std::string swapped = b;
  const std::string shard_a = std::string(simdjson::minify(ea["decisions"]["shard"])),
                    shard_b = std::string(simdjson::minify(eb["decisions"]["shard"]));
  swapped.replace(swapped.find(shard_b), shard_b.size(), shard_a);
  const std::string tok_a = std::string(ea["decisions"]["tokens_sha256"].get_string().value()),
                    tok_b = std::string(eb["decisions"]["tokens_sha256"].get_string().value());
  swapped.replace(swapped.find(tok_b), tok_b.size(), tok_a);
  std::ofstream(forged_path) << swapped;
  v = testing::RunCrawlproof("audit verify " + forged_path + " --trust " + r.trust + " --shards " + r.shards);
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("tokens: the shard's sidecar names " + two[0].first), std::string::npos) << v.out;
  // Decisions dropped: a record's proof, verified as a record, no document.
  std::string bare = a;
  const std::string dec = Line(a, "decisions");
  bare.replace(bare.find(dec), dec.size(), "\"decisions\": null");
  std::ofstream(forged_path) << bare;
  v = testing::RunCrawlproof("audit verify " + forged_path + " --trust " + r.trust + " --shards " + r.shards);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  EXPECT_EQ(v.out.find("\"document\""), std::string::npos) << v.out;
  EXPECT_EQ(v.out.find("\"tokens\":\"verified\""), std::string::npos) << v.out;
  // An account without its source, or decisions without an account.
  std::string no_account = a;
  no_account.replace(no_account.find("\"account\":"), 10, "\"acc0unt\":");
  std::ofstream(forged_path) << no_account;
  v = testing::RunCrawlproof("audit verify " + forged_path + " --trust " + r.trust);
  EXPECT_EQ(v.exit_code, 1) << v.out;
  EXPECT_NE(v.out.find("carry no account of document"), std::string::npos) << v.out;
  EXPECT_NE(Shell(forged_path, r.valset), 0);
}

// The work folder: a folder crawlproof did not make is refused (and a dry
// run deletes nothing), a planted link at any depth is refused, a folder
// others may write to is refused; the shards' tokenizer may not be a link.
TEST(Review, WorkFoldersNeverDeleteWhatIsNotOurs) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  // A first run over three files, then a link planted where the next run's
  // plan folder goes (its name is predictable from the inputs): the run
  // refuses and the victim keeps its files.
  const std::string three = WriteSamplePipeline(
      dir, "out",
      "\"sample/" + std::string(kWarcs[0]) + "\", \"sample/" + kWarcs[1] + "\", \"sample/" + kWarcs[2] + "\"");
  ASSERT_EQ(testing::RunCrawlproof("run " + three + " --progress off").exit_code, 0);
  EXPECT_TRUE(fs::exists(dir + "/out/work/.crawlproof-work"));
  const std::string pipeline = WriteSamplePipeline(dir, "out", "\"sample/*.warc.gz\"");
  fs::create_directories(dir + "/victim/dedup");
  std::ofstream(dir + "/victim/dedup/keep.txt") << "mine";
  fs::create_directory_symlink(dir + "/victim", dir + "/out/work/plan-planted");
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("plan-planted: is a symbolic link"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(dir + "/victim/dedup/keep.txt"));
  EXPECT_FALSE(fs::exists(dir + "/victim/done"));
  auto check = testing::RunCrawlproof("run " + pipeline + " --check");
  EXPECT_NE(check.exit_code, 0);
  EXPECT_NE(check.err.find("is a symbolic link"), std::string::npos) << check.err;
  fs::remove(dir + "/out/work/plan-planted");
  // A deeper link: under process/.
  fs::create_directories(dir + "/out/work/process");
  fs::create_directory_symlink(dir + "/victim", dir + "/out/work/process/deep");
  r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("process/deep: is a symbolic link"), std::string::npos) << r.err;
  fs::remove(dir + "/out/work/process/deep");
  // A symbolic link for shards/tokenizer is refused before anything is written.
  fs::rename(dir + "/out/shards/tokenizer", dir + "/victim/tokenizer");
  fs::create_directory_symlink(dir + "/victim/tokenizer", dir + "/out/shards/tokenizer");
  r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("shards/tokenizer is a symbolic link"), std::string::npos) << r.err;
  fs::remove(dir + "/out/shards/tokenizer");
  fs::rename(dir + "/victim/tokenizer", dir + "/out/shards/tokenizer");
  ASSERT_EQ(testing::RunCrawlproof("run " + pipeline + " --progress off").exit_code, 0);

  // [slurm] workdir: a user's folder with files of the names crawlproof uses.
  const std::string user = dir + "/user-folder";
  fs::create_directories(user + "/process/abc");
  fs::create_directories(user + "/plan-0123");
  std::ofstream(user + "/process/abc/notes.txt") << "mine";
  std::ofstream(user + "/plan-0123/data.csv") << "mine";
  const std::string slurm = WriteSamplePipeline(dir, "s", "\"sample/*.warc.gz\"");
  std::string toml = testing::ReadFileBytes(slurm) + "[slurm]\nworkdir = \"" + user + "\"\n";
  std::ofstream(slurm) << toml;
  r = testing::RunCrawlproof("run " + slurm + " --executor slurm --dry-run");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("not empty and not a crawlproof work folder"), std::string::npos) << r.err;
  EXPECT_TRUE(fs::exists(user + "/process/abc/notes.txt"));
  EXPECT_TRUE(fs::exists(user + "/plan-0123/data.csv"));
  check = testing::RunCrawlproof("run " + slurm + " --check --executor slurm");
  EXPECT_NE(check.err.find("not a crawlproof work folder"), std::string::npos) << check.err;
  // Others may write to it: refused, even when empty.
  const std::string open = dir + "/open-folder";
  fs::create_directories(open);
  ASSERT_EQ(::chmod(open.c_str(), 0777), 0);
  toml.replace(toml.find(user), user.size(), open);
  std::ofstream(slurm) << toml;
  r = testing::RunCrawlproof("run " + slurm + " --executor slurm --dry-run");
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("others may write to it (mode 777)"), std::string::npos) << r.err;
}

// Slurm's --time and --mem are checked for what Slurm accepts, bounded.
TEST(Review, SlurmTimeAndMemoryAreBounded) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  for (const std::string bad : {"time = \"99999:00:00\"", "mem = \"-1G\"", "time = \"1:60:00\"", "mem = \"4X\"",
                                "time = \"400-00:00:00\"", "mem = \"0\""}) {
    std::string p = WriteSamplePipeline(dir, "t", "\"sample/*.warc.gz\"");
    std::ofstream(p, std::ios::app) << "[slurm]\n" << bad << "\n";
    auto r = testing::RunCrawlproof("run " + p + " --check");
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("slurm." + bad.substr(0, bad.find(' '))), std::string::npos) << bad << ": " << r.err;
  }
  for (const std::string good : {"time = \"2-12:00:00\"", "time = \"90\"", "time = \"23:59:59\"", "mem = \"64G\"",
                                 "mem = \"500M\"", "time = \"7-0\""}) {
    std::string p = WriteSamplePipeline(dir, "t", "\"sample/*.warc.gz\"");
    std::ofstream(p, std::ios::app) << "[slurm]\n" << good << "\n";
    auto r = testing::RunCrawlproof("run " + p + " --check");
    EXPECT_EQ(r.exit_code, 0) << good << ": " << r.err;
  }
}

// Outputs: never an input, never a key, never a foreign file without --force.
TEST(Review, OutputsNeverReplaceInputsKeysOrForeignFiles) {
  const SampleRun r = RunSample();
  const std::string d = r.dir + "/sample";
  auto k = testing::RunCrawlproof("keygen --name demo-v1 --out " + r.dir + "/keys");
  ASSERT_EQ(k.exit_code, 0) << k.err;
  const std::string key = r.dir + "/keys/demo-v1.key";
  auto valset = testing::RunCrawlproof("ledger valset --quorum 1 " + r.dir + "/keys/demo-v1.vkey");
  std::ofstream(r.dir + "/keys/valset") << valset.out;
  const std::string warc = d + "/CC-MAIN-2019-12-jwarc.warc.gz";
  const std::string warc_bytes = testing::ReadFileBytes(warc), key_bytes = testing::ReadFileBytes(key);
  const std::string build = "ledger build --origin t --valset " + r.dir + "/keys/valset --key " + key + " --root " + d +
                            " " + warc + " --out ";
  auto b = testing::RunCrawlproof(build + warc);
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("is the input file"), std::string::npos) << b.err;
  b = testing::RunCrawlproof(build + key + " --force");
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("is the input file"), std::string::npos) << b.err;
  const std::string other_key = r.dir + "/other.key";
  fs::copy_file(key, other_key);
  b = testing::RunCrawlproof(build + other_key + " --force");
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("holds a private key"), std::string::npos) << b.err;
  std::ofstream(r.dir + "/notes.txt") << "my notes\n";
  b = testing::RunCrawlproof(build + r.dir + "/notes.txt");
  EXPECT_EQ(b.exit_code, 2);
  EXPECT_NE(b.err.find("exists and is not a ledger snapshot crawlproof wrote"), std::string::npos) << b.err;
  EXPECT_EQ(testing::ReadFileBytes(r.dir + "/notes.txt"), "my notes\n");
  EXPECT_EQ(testing::ReadFileBytes(warc), warc_bytes);
  EXPECT_EQ(testing::ReadFileBytes(key), key_bytes);
  // A snapshot it wrote is replaced; --force replaces a foreign file.
  EXPECT_EQ(testing::RunCrawlproof(build + r.dir + "/l.json").exit_code, 0);
  EXPECT_EQ(testing::RunCrawlproof(build + r.dir + "/l.json").exit_code, 0);
  EXPECT_EQ(testing::RunCrawlproof(build + r.dir + "/notes.txt --force").exit_code, 0);
  // audit record: --out is the snapshot, or a key.
  const std::string snap = r.dir + "/l.json", snap_bytes = testing::ReadFileBytes(snap);
  auto a = testing::RunCrawlproof("audit record " + warc + " --offset 0 --root " + d + " --snapshot " + snap +
                                  " --out " + snap);
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_NE(a.err.find("is the input file"), std::string::npos) << a.err;
  EXPECT_EQ(testing::ReadFileBytes(snap), snap_bytes);
  a = testing::RunCrawlproof("audit record " + warc + " --offset 0 --root " + d + " --snapshot " + snap + " --out " +
                             other_key);
  EXPECT_NE(a.err.find("holds a private key"), std::string::npos) << a.err;
  // audit --bundle over a foreign file.
  a = testing::RunCrawlproof("audit --store " + r.store + " --shard 0 --index 0 --bundle " + r.dir + "/notes.txt");
  EXPECT_EQ(a.exit_code, 2);
  EXPECT_NE(a.err.find("is not a proof bundle crawlproof wrote"), std::string::npos) << a.err;
}

// What a newcomer tripped on: each message says what to do.
TEST(Review, NewcomerMessages) {
  const std::string dir = testing::MakeTempDir();
  CopySample(dir);
  auto r = testing::RunCrawlproof("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("crawlproof run PIPELINE.toml"), std::string::npos) << r.err;
  r = testing::RunCrawlproof("rnu");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("unknown subcommand 'rnu'; did you mean 'run'?"), std::string::npos) << r.err;
  r = testing::RunCrawlproof("ledger verfy x");
  EXPECT_NE(r.err.find("unknown subcommand 'verfy'; did you mean 'verify'?"), std::string::npos) << r.err;
  // A bare `run` outside the checkout names what to do instead of running the
  // checkout's sample into the checkout's build folder.
  r = testing::RunCrawlproof("run", "cd " + dir + " &&");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("run: name a pipeline file"), std::string::npos) << r.err;
  // Pipeline files: a near key suggested, a bad value echoed, a missing file
  // named with its key, a missing literal source refused by --check.
  const std::string p = WriteSamplePipeline(dir, "out", "\"sample/*.warc.gz\"", "", "worker = 2\n");
  r = testing::RunCrawlproof("run " + p + " --check");
  EXPECT_NE(r.err.find("run.worker is not a known option; did you mean run.workers?"), std::string::npos) << r.err;
  std::string toml = testing::ReadFileBytes(p);
  toml.replace(toml.find("worker = 2"), 10, "commit_every = \"ten\"");
  std::ofstream(p) << toml;
  r = testing::RunCrawlproof("run " + p + " --check");
  EXPECT_NE(r.err.find("run.commit_every must be"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(", not 'ten'"), std::string::npos) << r.err;
  toml.replace(toml.find("commit_every = \"ten\""), 20, "");
  const std::string tokenizer = kSource + "/data/tokenizers/deepseek-v3/tokenizer.json";
  toml.replace(toml.find(tokenizer), tokenizer.size(), dir + "/no-such-tokenizer.json");
  std::ofstream(p) << toml;
  r = testing::RunCrawlproof("run " + p + " --check");
  EXPECT_NE(r.err.find(p + ": tokenize.tokenizer: " + dir + "/no-such-tokenizer.json"), std::string::npos) << r.err;
  const std::string literal = WriteSamplePipeline(dir, "lit", "\"sample/no-such.warc.gz\"");
  r = testing::RunCrawlproof("run " + literal + " --check");
  EXPECT_EQ(r.exit_code, 2);
  // (the log line is JSON: the quotes around the path are escaped)
  EXPECT_NE(r.err.find("source.paths: \\\"" + dir + "/sample/no-such.warc.gz\\\" does not exist"), std::string::npos)
      << r.err;
}

// A run from one folder, its audit from another: the store names its ledger
// files absolutely, so the account's text, the bundle and the ledger story
// all read; verifiers print the trusted set's fingerprint.
TEST(Review, AuditFromAnotherFolder) {
  const SampleRun r = RunSample();
  const std::string other = testing::MakeTempDir();
  const std::string in_other = "cd " + other + " &&";
  auto a = testing::RunCrawlproof("audit --store " + r.store + " --shard 0 --index 0", in_other);
  ASSERT_EQ(a.exit_code, 0) << a.err;
  EXPECT_NE(a.out.find("text:     \""), std::string::npos) << a.out;
  EXPECT_NE(a.out.find("of ledger crawlproof.sample/TEST-ONLY-ledger, signed by"), std::string::npos) << a.out;
  auto b = testing::RunCrawlproof("audit --store " + r.store + " --shard 0 --index 0 --bundle b.json", in_other);
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto v = testing::RunCrawlproof("audit verify " + other + "/b.json --trust " + r.trust);
  EXPECT_EQ(v.exit_code, 0) << v.out;
  // SHA-256 of data/sample/TEST-ONLY.valset, as the page shows it.
  const std::string fp = "0aaf51f54dd7425f55acb0cdc71e4643f98aefe90a7b4ccaf9ee76caa82f487d";
  EXPECT_NE(v.out.find("\"valset_sha256\":\"" + fp + "\""), std::string::npos) << v.out;
  auto l = testing::RunCrawlproof("ledger verify " + r.dir + "/sample/ledger.json --trust " + r.trust);
  EXPECT_NE(l.out.find("\"valset_sha256\":\"" + fp + "\""), std::string::npos) << l.out;
  // The dataset card names no folder of the builder's.
  const std::string card = testing::ReadFileBytes(r.dir + "/out/README.md");
  EXPECT_EQ(card.find(r.dir), std::string::npos) << card;
  EXPECT_NE(card.find("| languages (documents in the shards) |"), std::string::npos) << card;
  EXPECT_NE(card.find("crawlproof audit verify doc.bundle --trust"), std::string::npos) << card;
  // The work folder is emptied once the run is done (its marker stays).
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(r.dir + "/out/work")) left.push_back(e.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{".crawlproof-work"});
}

}  // namespace
}  // namespace crawlproof

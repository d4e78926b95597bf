// `crawlproof run` end to end on the bundled sample (four real Common Crawl
// WARC files and a ledger over them), as a user runs it: outputs, the store,
// incremental runs, quarantine, exactly-once after SIGKILL at several points,
// one run per store, and `audit --store`.
#pragma GCC diagnostic ignored "-Wrestrict"  // GCC 12 false positive on "literal" + std::string

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/provenance_store.h"
#include "tests/pipelines/sample.h"
#include "tests/support/run_cli.h"
#include "tests/support/test_paths.h"
#include "tests/support/test_server.h"

namespace crawlproof {
namespace {

namespace fs = std::filesystem;
std::string StoreDump(const std::string& store) {
  auto st = store::ProvenanceStore::OpenForReading(store);
  EXPECT_TRUE(st.ok()) << st.status().message();
  if (!st.ok()) return "";
  auto dump = (*st)->Dump();
  EXPECT_TRUE(dump.ok());
  return dump.ok() ? *dump : "";
}

TEST(Run, SampleEndToEndThenNothingNew) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  std::string pipeline = WriteSamplePipeline(dir, "out", "\"sample/*.warc.gz\"");
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"processed\":4,\"quarantined\":0,\"unverified\":0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"records\":58"), std::string::npos) << r.out;
  EXPECT_EQ(testing::RunCrawlproof("shards verify " + dir + "/out/shards/manifest.json").exit_code, 0);
  std::string manifest = testing::ReadFileBytes(dir + "/out/shards/manifest.json");
  EXPECT_NE(manifest.find("shard-00001"), std::string::npos);  // 1,500-token shards: several
  EXPECT_EQ(manifest.find(dir), std::string::npos);            // no paths inside
  std::string dump = StoreDump(dir + "/out/store");
  // Again: nothing new, nothing changed.
  auto again = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.out.find("\"nothing_new\":true"), std::string::npos) << again.out;
  EXPECT_NE(again.err.find("nothing new"), std::string::npos) << again.err;
  EXPECT_EQ(testing::ReadFileBytes(dir + "/out/shards/manifest.json"), manifest);
  EXPECT_EQ(StoreDump(dir + "/out/store"), dump);

  // report.html: self-contained, and it renders (headless Chromium, when installed).
  std::string report = testing::ReadFileBytes(dir + "/out/report.html");
  EXPECT_NE(report.find("<svg"), std::string::npos);
  EXPECT_NE(report.find("Funnel: from records to tokens"), std::string::npos);
  EXPECT_NE(report.find("CC-MAIN-2024-22-whirlwind.warc.gz</td><td class=\"ok\">done"), std::string::npos);
  for (const char* external : {"src=\"http", "href=\"http", "<script", "<link", "@import", "url("})
    EXPECT_EQ(report.find(external), std::string::npos) << external;
  std::string card = testing::ReadFileBytes(dir + "/out/README.md");
  EXPECT_NE(card.find("4 verified, 0 quarantined, 0 unverified"), std::string::npos) << card;
  EXPECT_NE(card.find("| documents in the shards |"), std::string::npos) << card;
  if (std::system("command -v chromium > /dev/null 2>&1") == 0) {
    const std::string dom = dir + "/dom.html";
    ASSERT_EQ(std::system(("timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom file://" + dir +
                           "/out/report.html > " + dom + " 2>/dev/null")
                              .c_str()),
              0);
    std::string rendered = testing::ReadFileBytes(dom);
    EXPECT_NE(rendered.find("<rect"), std::string::npos);
    EXPECT_NE(rendered.find("crawlproof report"), std::string::npos);
  } else {
    std::printf("chromium not installed: report.html not rendered\n");
  }

  // audit --store: by shard position, by id, by URL; every status is one of the six.
  auto first = testing::RunCrawlproof("audit --store " + dir + "/out/store --shard 0 --index 0 --json");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  simdjson::dom::parser parser;
  simdjson::padded_string p(first.out);
  simdjson::dom::element e = parser.parse(p);
  std::string doc_id(e["doc_id"].get_string().value());
  EXPECT_EQ(std::string_view(e["status"].get_string().value()), "in-shard");
  EXPECT_EQ(e["shard"].get_uint64().value(), 0u);
  EXPECT_EQ(e["index"].get_uint64().value(), 0u);
  std::string url(e["source"]["url"].get_string().value());
  EXPECT_FALSE(std::string_view(e["source"]["record_id"].get_string().value()).empty());
  EXPECT_EQ(std::string_view(e["source"]["crawl"].get_string().value()).substr(0, 8), "CC-MAIN-");
  EXPECT_EQ(std::string_view(e["digests"]["record_sha256"].get_string().value()).size(), 64u);
  EXPECT_EQ(std::string_view(e["verification"].get_string().value()), "verified");
  // The sidecar of shard 0 names the same document first.
  EXPECT_NE(testing::ReadFileBytes(dir + "/out/shards/shard-00000.docs.jsonl").find("{\"doc_id\":\"" + doc_id + "\""),
            std::string::npos);
  auto by_id = testing::RunCrawlproof("audit --store " + dir + "/out/store --doc " + doc_id);
  EXPECT_EQ(by_id.exit_code, 0);
  EXPECT_NE(by_id.out.find("document " + doc_id + ": in-shard"), std::string::npos) << by_id.out;
  // In plain words: the crawl, the ledger's origin and signers, the dedup
  // verdict, a snippet of the text re-extracted from the record.
  EXPECT_NE(by_id.out.find("ledger:   verified: record "), std::string::npos) << by_id.out;
  EXPECT_NE(by_id.out.find("of ledger crawlproof.sample/TEST-ONLY-ledger, signed by TEST-ONLY-sample-v1, "
                           "TEST-ONLY-sample-v2"),
            std::string::npos)
      << by_id.out;
  EXPECT_NE(by_id.out.find("crawled:  http"), std::string::npos) << by_id.out;
  EXPECT_NE(by_id.out.find("dedup:    unique"), std::string::npos) << by_id.out;
  EXPECT_NE(by_id.out.find("text:     \""), std::string::npos) << by_id.out;
  EXPECT_EQ(by_id.out.find("0.990000"), std::string::npos) << by_id.out;  // two decimals
  auto beyond = testing::RunCrawlproof("audit --store " + dir + "/out/store --shard 0 --index 9999");
  EXPECT_EQ(beyond.exit_code, 1);
  EXPECT_NE(beyond.out.find("shard 0 holds "), std::string::npos) << beyond.out;
  auto by_url = testing::RunCrawlproof("audit --store " + dir + "/out/store --url '" + url + "' --json");
  EXPECT_NE(by_url.out.find(doc_id), std::string::npos) << by_url.out;
  auto unknown = testing::RunCrawlproof("audit --store " + dir + "/out/store --doc no-such-doc --json");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.out.find("\"status\":\"unknown\""), std::string::npos);
  // Every stored document has one of the statuses, and the dropped ones a reason.
  size_t dropped = 0;
  for (const auto& line : std::vector<std::string>{dump}) {
    for (size_t pos = 0; (pos = line.find("provenance\t", pos)) != std::string::npos; ++pos) {
      size_t end = line.find('\n', pos);
      std::string row = line.substr(pos, end - pos);
      bool known = false;
      for (const char* s : {"in-shard", "dropped", "duplicate", "quarantined", "unverified"})
        known = known || row.find(std::string("\"status\":\"") + s + "\"") != std::string::npos;
      EXPECT_TRUE(known) << row;
      if (row.find("\"status\":\"dropped\"") != std::string::npos) {
        ++dropped;
        EXPECT_NE(row.find("\"reason\":\""), std::string::npos) << row;
      }
    }
  }
  EXPECT_GT(dropped, 0u);
}

// A document's proof bundle: the record's ledger proof with the decisions,
// checked offline (also with the shell script), its tokens checked in the
// shards; a changed token file is caught; no bundle for unverified documents.
TEST(Run, DocumentBundleVerifiesOfflineWithItsTokens) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  ASSERT_EQ(testing::RunCrawlproof("run " + WriteSamplePipeline(dir, "b", "\"sample/*.warc.gz\"") + " --progress off")
                .exit_code,
            0);
  auto w = testing::RunCrawlproof("audit --store " + dir + "/b/store --shard 1 --index 0 --bundle " + dir +
                                  "/doc.bundle --json");
  ASSERT_EQ(w.exit_code, 0) << w.err;
  std::string bundle = testing::ReadFileBytes(dir + "/doc.bundle");
  EXPECT_NE(bundle.find("\"decisions\": {\"doc_id\":"), std::string::npos);
  EXPECT_NE(bundle.find("\"pipeline_options_sha256\":\""), std::string::npos);
  EXPECT_NE(bundle.find("\"versions\":{\"crawlproof\""), std::string::npos);
  EXPECT_NE(bundle.find("\"text_sha256\":\""), std::string::npos);
  const std::string trust = dir + "/sample/trust.toml";
  auto v = testing::RunCrawlproof("audit verify " + dir + "/doc.bundle --trust " + trust + " --fetch --root " + dir +
                                  "/sample --shards " + dir + "/b/shards");
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("\"content\":\"verified\""), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("\"tokens\":\"verified\""), std::string::npos) << v.out;
  // The shell-and-openssl check reads the same bundle.
  simdjson::dom::parser parser;
  simdjson::padded_string p(w.out);
  simdjson::dom::element e = parser.parse(p);
  // Stored relative to the ledger root ([ledger] root = "sample").
  const std::string file = dir + "/sample/" + std::string(e["source"]["file"].get_string().value());
  const uint64_t offset = e["source"]["offset"].get_uint64().value(),
                 length = e["source"]["length"].get_uint64().value();
  auto rec = testing::RunCrawlproof("warc cat " + file + " --offset " + std::to_string(offset) + " --length " +
                                    std::to_string(length));
  std::ofstream(dir + "/rec.bin", std::ios::binary) << rec.out;
  EXPECT_EQ(std::system(("sh " + kSource + "/scripts/audit-verify.sh " + dir + "/doc.bundle " + dir +
                         "/sample/TEST-ONLY.valset " + dir + "/rec.bin > /dev/null 2>&1")
                            .c_str()),
            0);
  // One changed token in the shard: the manifest's hash no longer matches.
  const std::string token_file = dir + "/b/shards/shard-00001.bin";
  std::string tokens = testing::ReadFileBytes(token_file);
  tokens[tokens.size() / 2] ^= 1;
  std::ofstream(token_file, std::ios::binary) << tokens;
  v = testing::RunCrawlproof("audit verify " + dir + "/doc.bundle --trust " + trust + " --shards " + dir + "/b/shards");
  EXPECT_EQ(v.exit_code, 1);
  EXPECT_NE(v.out.find("tokens: shard-00001.bin: its SHA-256 is"), std::string::npos) << v.out;
  // Unverified documents have no ledger proof to bundle.
  fs::copy_file(dir + "/sample/CC-MAIN-2019-12-jwarc.warc.gz", dir + "/sample/extra.warc.gz");
  std::string allow = WriteSamplePipeline(dir, "u", "\"sample/extra.warc.gz\"", "on_missing = \"allow\"\n");
  ASSERT_EQ(testing::RunCrawlproof("run " + allow + " --progress off").exit_code, 0);
  auto u =
      testing::RunCrawlproof("audit --store " + dir + "/u/store --shard 0 --index 0 --bundle " + dir + "/u.bundle");
  EXPECT_EQ(u.exit_code, 1);
  EXPECT_NE(u.err.find("no ledger proof to bundle"), std::string::npos) << u.err;
}

// [output]: the final documents as zstd JSON lines, a seeded shuffle and a
// validation split; all listed in the manifest, deterministic, exactly once.
TEST(Run, DocumentsShuffleAndValidationSplit) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string output = "[output]\ndocuments = true\nshuffle_seed = 7\nvalidation_fraction = 0.4\n";
  std::string pipeline = WriteSamplePipeline(dir, "o1", "\"sample/*.warc.gz\"", "", "");
  std::ofstream(pipeline, std::ios::app) << output;
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string manifest = testing::ReadFileBytes(dir + "/o1/shards/manifest.json");
  EXPECT_NE(manifest.find("\"split\":\"validation\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"split\":\"train\""), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"other_files\": [{\"name\":\"documents/group-000000.jsonl.zst\""), std::string::npos)
      << manifest;
  EXPECT_EQ(testing::RunCrawlproof("shards verify " + dir + "/o1/shards/manifest.json").exit_code, 0);
  // The documents file: one line per document in the shards, with its split.
  ASSERT_EQ(std::system(
                ("zstd -dcq " + dir + "/o1/shards/documents/group-000000.jsonl.zst > " + dir + "/docs.jsonl").c_str()),
            0);
  std::string docs = testing::ReadFileBytes(dir + "/docs.jsonl");
  size_t lines = std::count(docs.begin(), docs.end(), '\n');
  EXPECT_NE(r.out.find("\"kept\":" + std::to_string(lines) + ","), std::string::npos) << r.out;
  EXPECT_NE(docs.find("\"split\":\"validation\""), std::string::npos);
  EXPECT_NE(docs.find("\"source\":{\"file\":"), std::string::npos);
  // The independent reader sees both splits.
  ASSERT_EQ(std::system(("/usr/bin/python3 " + kSource + "/tests/tokenize/read_shards.py " + dir + "/o1/shards > " +
                         dir + "/read.jsonl")
                            .c_str()),
            0);
  std::string read = testing::ReadFileBytes(dir + "/read.jsonl");
  EXPECT_EQ(static_cast<size_t>(std::count(read.begin(), read.end(), '\n')), lines);
  // Same options elsewhere, and killed once after the shards: the same files.
  std::string again = WriteSamplePipeline(dir, "o2", "\"sample/*.warc.gz\"", "", "");
  std::ofstream(again, std::ios::app) << output;
  EXPECT_NE(testing::RunCrawlproof("run " + again + " --progress off", "CRAWLPROOF_FAILPOINT=shards-written").exit_code,
            0);
  ASSERT_EQ(testing::RunCrawlproof("run " + again + " --progress off").exit_code, 0);
  EXPECT_EQ(ShardFiles(dir + "/o2"), ShardFiles(dir + "/o1"));
  // A different seed orders the shards differently.
  std::string other = WriteSamplePipeline(dir, "o3", "\"sample/*.warc.gz\"", "", "");
  std::ofstream(other, std::ios::app) << "[output]\nshuffle_seed = 8\n";
  ASSERT_EQ(testing::RunCrawlproof("run " + other + " --progress off").exit_code, 0);
  EXPECT_NE(testing::ReadFileBytes(dir + "/o3/shards/shard-00000.docs.jsonl"),
            testing::ReadFileBytes(dir + "/o1/shards/shard-00000.docs.jsonl"));
}

// Killed with SIGKILL at each failpoint, then run again: shards, manifest and
// store equal those of an uninterrupted run, byte for byte.
TEST(Run, ExactlyOnceAfterKill) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  ASSERT_EQ(
      testing::RunCrawlproof("run " + WriteSamplePipeline(dir, "whole", "\"sample/*.warc.gz\"") + " --progress off")
          .exit_code,
      0);
  const auto want_files = ShardFiles(dir + "/whole");
  const std::string want_store = StoreDump(dir + "/whole/store");
  for (const char* point : {"tasks-done", "shards-written", "committed", "manifest-written"}) {
    std::string out = std::string("killed-") + point;
    std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\"");
    auto killed =
        testing::RunCrawlproof("run " + pipeline + " --progress off", std::string("CRAWLPROOF_FAILPOINT=") + point);
    EXPECT_NE(killed.exit_code, 0) << point;  // killed by the signal
    auto resumed = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    EXPECT_EQ(ShardFiles(dir + "/" + out), want_files) << point;
    EXPECT_EQ(StoreDump(dir + "/" + out + "/store"), want_store) << point;
  }
}

// Groups of commit_every shards, killed in the second group: the first
// group stays committed, the resumed run redoes the second, and the result
// equals an uninterrupted run with the same grouping.
TEST(Run, ExactlyOnceAcrossGroups) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string grouping = "commit_every = 2\n";
  ASSERT_EQ(testing::RunCrawlproof("run " + WriteSamplePipeline(dir, "g-whole", "\"sample/*.warc.gz\"", "", grouping) +
                                   " --progress off")
                .exit_code,
            0);
  for (const char* point : {"tasks-done:2", "shards-written:2", "committed:2"}) {
    std::string out = std::string("g-killed-") + std::string(point).substr(0, std::string(point).find(':'));
    std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\"", "", grouping);
    auto killed =
        testing::RunCrawlproof("run " + pipeline + " --progress off", std::string("CRAWLPROOF_FAILPOINT=") + point);
    EXPECT_NE(killed.exit_code, 0) << point;
    auto resumed = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    // The resumed run's account describes the whole run (issue 26 §3): its
    // stats are the uninterrupted run's, times aside.
    EXPECT_EQ(StatsWithoutTimes(dir + "/" + out), StatsWithoutTimes(dir + "/g-whole")) << point;
    EXPECT_NE(resumed.out.find("\"processed\":4,"), std::string::npos) << point << ": " << resumed.out;
    EXPECT_EQ(ShardFiles(dir + "/" + out), ShardFiles(dir + "/g-whole")) << point;
    EXPECT_EQ(StoreDump(dir + "/" + out + "/store"), StoreDump(dir + "/g-whole/store")) << point;
  }
}

// Ctrl-C (SIGINT) during a run: the group under way finishes or is dropped,
// no new group starts, exit 2 with a message; the next run resumes and the
// result equals an uninterrupted run.
TEST(Run, InterruptStopsCleanlyAndResumes) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string grouping = "commit_every = 1\n";
  ASSERT_EQ(testing::RunCrawlproof("run " + WriteSamplePipeline(dir, "i-whole", "\"sample/*.warc.gz\"", "", grouping) +
                                   " --progress off")
                .exit_code,
            0);
  // Ctrl-C after the first group's commit: 1 done; during the second group
  // (its tasks finished): that group completes, 2 done.
  for (auto [point, done] : {std::pair{"committed:1:INT", 1}, std::pair{"tasks-done:2:INT", 2}}) {
    std::string out = std::string("i-") + (point[0] == 'c' ? "after-commit" : "mid-group");
    std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\"", "", grouping);
    auto stopped =
        testing::RunCrawlproof("run " + pipeline + " --progress off", std::string("CRAWLPROOF_FAILPOINT=") + point);
    EXPECT_EQ(stopped.exit_code, 2) << point;
    EXPECT_NE(stopped.err.find("interrupted after " + std::to_string(done) + " of 4 shards; the next run resumes"),
              std::string::npos)
        << point << ": " << stopped.err;
    auto resumed = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(resumed.exit_code, 0) << point << ": " << resumed.err;
    EXPECT_EQ(StatsWithoutTimes(dir + "/" + out), StatsWithoutTimes(dir + "/i-whole")) << point;
    EXPECT_EQ(ShardFiles(dir + "/" + out), ShardFiles(dir + "/i-whole")) << point;
    EXPECT_EQ(StoreDump(dir + "/" + out + "/store"), StoreDump(dir + "/i-whole/store")) << point;
  }
}

// kill -9 at random moments of real runs (no hook): whatever the moment, the
// next run completes to the same shards and store.
TEST(Run, KilledAtRandomMomentsThenResumed) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string grouping = "commit_every = 1\n";
  ASSERT_EQ(testing::RunCrawlproof("run " + WriteSamplePipeline(dir, "r-whole", "\"sample/*.warc.gz\"", "", grouping) +
                                   " --progress off")
                .exit_code,
            0);
  const auto want_files = ShardFiles(dir + "/r-whole");
  const std::string want_store = StoreDump(dir + "/r-whole/store");
  for (int delay_ms : {30, 90, 160, 240, 330}) {
    std::string out = "r-" + std::to_string(delay_ms);
    std::string pipeline = WriteSamplePipeline(dir, out, "\"sample/*.warc.gz\"", "", grouping);
    std::string cmd = testing::BinaryDir() + "/crawlproof run " + pipeline +
                      " --progress off > /dev/null 2>&1 & pid=$!; " + "sleep " + std::to_string(delay_ms / 1000.0) +
                      "; kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; true";
    ASSERT_EQ(std::system(("bash -c '" + cmd + "'").c_str()), 0);
    auto resumed = testing::RunCrawlproof("run " + pipeline + " --progress off");
    EXPECT_EQ(resumed.exit_code, 0) << delay_ms << " ms: " << resumed.err;
    EXPECT_EQ(ShardFiles(dir + "/" + out), want_files) << delay_ms << " ms";
    EXPECT_EQ(StoreDump(dir + "/" + out + "/store"), want_store) << delay_ms << " ms";
  }
}

// A second run over more shards processes only the new ones, appends shards
// after the existing ones and deduplicates against what was kept before; a
// copy of a shard that is not in the ledger goes through as unverified only
// with on_missing = "allow".
TEST(Run, IncrementalAndUnverified) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  std::string two = "\"sample/CC-MAIN-2019-12-jwarc.warc.gz\", \"sample/CC-MAIN-2020-34-resiliparse.warc.gz\"";
  std::string pipeline = WriteSamplePipeline(dir, "inc", two);
  ASSERT_EQ(testing::RunCrawlproof("run " + pipeline + " --progress off").exit_code, 0);
  std::string first_manifest = testing::ReadFileBytes(dir + "/inc/shards/manifest.json");
  const std::string first_store = StoreDump(dir + "/inc/store");
  // More sources, including a renamed copy of one already done (not in the ledger).
  fs::copy_file(dir + "/sample/CC-MAIN-2020-34-resiliparse.warc.gz", dir + "/sample/copy-of-2020-34.warc.gz");
  pipeline = WriteSamplePipeline(dir, "inc", "\"sample/*.warc.gz\"");
  auto refused = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(refused.exit_code, 1);  // the copy is quarantined: missing from the ledger
  EXPECT_NE(refused.out.find("\"processed\":3,\"quarantined\":1"), std::string::npos) << refused.out;
  auto quarantined =
      testing::RunCrawlproof("audit --store " + dir + "/inc/store --json --url http://01spb.ru/company/");
  EXPECT_NE(quarantined.out.find("\"status\":\"quarantined\",\"reason\":\"ledger:missing\""), std::string::npos)
      << quarantined.out;
  EXPECT_NE(quarantined.out.find("\"status\":\"in-shard\""), std::string::npos) << quarantined.out;
  std::string manifest = testing::ReadFileBytes(dir + "/inc/shards/manifest.json");
  // The first run's shards come first, unchanged.
  std::string first_shards = first_manifest.substr(first_manifest.find("\"shards\""));
  first_shards = first_shards.substr(0, first_shards.rfind("}\n  ]"));
  EXPECT_NE(manifest.find(first_shards), std::string::npos);
  EXPECT_EQ(testing::RunCrawlproof("shards verify " + dir + "/inc/shards/manifest.json").exit_code, 0);

  // on_missing = "allow" (a fresh output): the copy's documents are
  // unverified, and duplicates of the first run's.
  std::string allow = WriteSamplePipeline(dir, "allow", two);
  ASSERT_EQ(testing::RunCrawlproof("run " + allow + " --progress off").exit_code, 0);
  allow = WriteSamplePipeline(dir, "allow", "\"sample/*.warc.gz\"", "on_missing = \"allow\"\n");
  auto r = testing::RunCrawlproof("run " + allow + " --progress off");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"unverified\":1"), std::string::npos) << r.out;
  // The copy has the same WARC-Record-IDs: a second sighting of the same
  // records, kept apart from the first (which stays in its shard).
  auto dup = testing::RunCrawlproof("audit --store " + dir + "/allow/store --json --url http://01spb.ru/company/");
  EXPECT_NE(dup.out.find("\"status\":\"duplicate\",\"reason\":\"same-record\""), std::string::npos) << dup.out;
  EXPECT_NE(dup.out.find("\"verification\":\"unverified\""), std::string::npos) << dup.out;
  EXPECT_NE(dup.out.find("\"status\":\"in-shard\""), std::string::npos) << dup.out;
  // Compacting between runs (every table file rewritten, now with the band
  // filters) changes no entry, and the index still answers the next run.
  const std::string before_compact = StoreDump(dir + "/allow/store");
  auto compact = testing::RunCrawlproof("store compact " + dir + "/allow/store");
  ASSERT_EQ(compact.exit_code, 0) << compact.err;
  EXPECT_NE(compact.err.find("compacted " + dir + "/allow/store"), std::string::npos) << compact.err;
  EXPECT_EQ(StoreDump(dir + "/allow/store"), before_compact);
  // The same pages under new record ids (a later crawl of the same URLs):
  // near duplicates of what the first runs kept, found through the store's index.
  ASSERT_EQ(std::system(("python3 " + kSource + "/tests/pipelines/renumber_records.py " + dir +
                         "/sample/CC-MAIN-2020-34-resiliparse.warc.gz " + dir + "/sample/recrawl-2020-34.warc.gz")
                            .c_str()),
            0);
  r = testing::RunCrawlproof("run " + allow + " --progress off");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"processed\":1"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"earlier_run_duplicates\":0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"kept\":0"), std::string::npos) << r.out;
  dup = testing::RunCrawlproof("audit --store " + dir + "/allow/store --json --url http://01spb.ru/company/");
  EXPECT_NE(dup.out.find("\"reason\":\"dedup:minhash:earlier_run\""), std::string::npos) << dup.out;
  (void)first_store;
}

// A shard whose bytes differ from its ledger entry is quarantined whole.
TEST(Run, MismatchQuarantinesTheWholeShard) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  const std::string victim = dir + "/sample/CC-MAIN-2020-34-resiliparse.warc.gz";
  std::string bytes = testing::ReadFileBytes(victim);
  bytes[bytes.size() / 2] ^= 0x01;  // one bit inside a compressed member
  std::ofstream(victim, std::ios::binary) << bytes;
  std::string pipeline = WriteSamplePipeline(dir, "q", "\"sample/*.warc.gz\"");
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.out.find("\"quarantined\":1"), std::string::npos) << r.out;
  std::string sidecars;
  for (const auto& [name, data] : ShardFiles(dir + "/q"))
    if (name.find(".docs.jsonl") != std::string::npos) sidecars += data;
  std::string dump = StoreDump(dir + "/q/store");
  EXPECT_NE(dump.find("\"state\":\"quarantined\",\"verification\":\"mismatch\""), std::string::npos);
  // None of its documents reached a shard.
  size_t quarantined = 0;
  for (size_t pos = 0; (pos = dump.find("\"reason\":\"ledger:mismatch\"", pos)) != std::string::npos; ++pos)
    ++quarantined;
  EXPECT_GT(quarantined, 10u);
  EXPECT_EQ(sidecars.find("01spb.ru"), std::string::npos);
  // on_mismatch = "fail": nothing is committed.
  std::string fail = WriteSamplePipeline(dir, "f", "\"sample/*.warc.gz\"", "on_mismatch = \"fail\"\n");
  auto f = testing::RunCrawlproof("run " + fail + " --progress off");
  EXPECT_EQ(f.exit_code, 2);
  EXPECT_NE(f.err.find("not committed"), std::string::npos) << f.err;
}

// A crawl's listing (paths_file + prefix) over real HTTP, without a ledger
// (on_missing = "allow": unverified), bounded by --max-shards.
TEST(Run, PathsFileOverHttpWithMaxShards) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  testing::TestServer a(testing::ReadFileBytes(dir + "/sample/CC-MAIN-2019-12-jwarc.warc.gz"));
  testing::TestServer b(testing::ReadFileBytes(dir + "/sample/CC-MAIN-2024-22-whirlwind.warc.gz"));
  std::ofstream(dir + "/warc.paths") << a.port() << "/crawl-data/one.warc.gz\n"
                                     << b.port() << "/crawl-data/two.warc.gz\n";
  std::string toml =
      "[run]\noutput = \"http-out\"\ncommit_every = 1\n[source]\npaths_file = \"warc.paths\"\n"
      "prefix = \"http://127.0.0.1:\"\n[ledger]\non_missing = \"allow\"\n[filter]\nlanguages = []\n"
      "[tokenize]\ntokenizer = \"" +
      kSource + "/data/tokenizers/deepseek-v3/tokenizer.json\"\n";
  std::ofstream(dir + "/http.toml") << toml;
  auto first = testing::RunCrawlproof("run " + dir + "/http.toml --progress off --max-shards 1");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("\"processed\":1,"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\"unverified\":1,"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("\"remaining\":1,"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("1 new shard left for the next run"), std::string::npos) << first.err;
  auto second = testing::RunCrawlproof("run " + dir + "/http.toml --progress off");
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("\"processed\":1,"), std::string::npos) << second.out;
  auto doc = testing::RunCrawlproof("audit --store " + dir + "/http-out/store --url http://commoncrawl.org/ --json");
  EXPECT_NE(doc.out.find("\"file\":\"http://127.0.0.1:" + std::to_string(a.port()) + "/crawl-data/one.warc.gz\""),
            std::string::npos)
      << doc.out;
  EXPECT_NE(doc.out.find("\"status\":\"unverified\""), std::string::npos) << doc.out;
  auto third = testing::RunCrawlproof("run " + dir + "/http.toml --progress off");
  EXPECT_NE(third.out.find("\"nothing_new\":true"), std::string::npos) << third.out;
}

// The pipeline files we ship check out; mistakes are named with file and key.
TEST(Run, CheckPipelineFiles) {
  for (const char* f : {"sample.toml", "commoncrawl.toml"}) {
    auto r = testing::RunCrawlproof("run --check " + kSource + "/pipelines/" + f);
    EXPECT_EQ(r.exit_code, 0) << f << ": " << r.err;
  }
  std::string dir = testing::MakeTempDir();
  std::ofstream(dir + "/bad.toml") << "[run]\noutput = \"o\"\n[source]\npaths = [\"x\"]\n[ledger]\non_missing = "
                                      "\"allow\"\n[dedup]\nthreshhold = 0.8\n";
  auto r = testing::RunCrawlproof("run --check " + dir + "/bad.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.toml: dedup.threshhold is not a known option"), std::string::npos) << r.err;
  std::ofstream(dir + "/noledger.toml") << "[run]\noutput = \"o\"\n[source]\npaths = [\"x\"]\n";
  r = testing::RunCrawlproof("run --check " + dir + "/noledger.toml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("on_missing = \\\"allow\\\""), std::string::npos) << r.err;
}

TEST(Run, OneRunPerStore) {
  std::string dir = testing::MakeTempDir();
  CopySample(dir);
  std::string pipeline = WriteSamplePipeline(dir, "lock", "\"sample/*.warc.gz\"");
  ASSERT_EQ(testing::RunCrawlproof("run " + pipeline + " --progress off").exit_code, 0);
  auto holder = store::ProvenanceStore::OpenForReading(dir + "/lock/store");  // holds RocksDB's lock
  ASSERT_TRUE(holder.ok());
  auto r = testing::RunCrawlproof("run " + pipeline + " --progress off");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("is in use by another run"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace crawlproof

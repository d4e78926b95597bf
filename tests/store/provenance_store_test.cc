// The provenance store's two ways of committing a batch (one synced write
// batch; sorted table files ingested) leave the same entries, a key put
// again takes its latest value, and a reader following the store sees an
// ingested commit whole.
#include "store/provenance_store.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "dedup/index.h"
#include "tests/support/test_paths.h"

namespace crawlproof::store {
namespace {

constexpr uint32_t kNumPerm = 4;

std::unique_ptr<ProvenanceStore> OpenStore(const std::string& dir) {
  auto st = ProvenanceStore::Open(dir, "test-params", kNumPerm);
  EXPECT_TRUE(st.ok()) << st.status().message();
  return st.ok() ? std::move(*st) : nullptr;
}

// Documents [from, to) of a made-up run `run`, with positions, URLs, index
// entries, a source state and the manifest; `version` changes every value.
void PutDocuments(ProvenanceStore* st, ProvenanceStore::Batch* b, int from, int to, int version) {
  std::vector<dedup::IndexedDocument> kept;
  for (int i = from; i < to; ++i) {
    const std::string id = "doc-" + std::to_string(i * 7919 % 100003);
    b->PutDocument(id, "{\"v\":" + std::to_string(version) + ",\"i\":" + std::to_string(i) + "}",
                   "https://example.org/" + std::to_string(i % 97) + "/" + id);
    b->PutPosition(static_cast<uint64_t>(i / 100), static_cast<uint64_t>(i % 100), id);
    if (i % 3 == 0) kept.push_back({id, {uint64_t(i) * 11, uint64_t(i) * 13}, {1, 2, 3, uint64_t(i)}});
  }
  ASSERT_TRUE(st->DedupIndexFor(b)->Add(kept).ok());
  b->PutIngest("s3://bucket/file-" + std::to_string(from),
               "{\"state\":\"done\",\"v\":" + std::to_string(version) + "}");
  b->PutManifest("{\"upto\":" + std::to_string(to) + "}");
}

TEST(ProvenanceStore, IngestedAndWrittenCommitsHoldTheSameEntries) {
  const std::string root = testing::MakeTempDir();
  auto written = OpenStore(root + "/written");
  auto ingested = OpenStore(root + "/ingested");
  ASSERT_TRUE(written && ingested);
  // The same changes: in batches too small to ingest, and in two that are
  // ingested (the second rewrites half of the first's keys).
  for (int v = 0; v < 2; ++v) {
    const int from = v * 5000, to = from + 10000;
    for (int at = from; at < to; at += 500) {
      ProvenanceStore::Batch b;
      PutDocuments(written.get(), &b, at, at + 500, v);
      ASSERT_TRUE(written->Commit(&b).ok());
    }
    ProvenanceStore::Batch b;
    for (int at = from; at < to; at += 500) PutDocuments(ingested.get(), &b, at, at + 500, v);
    ASSERT_TRUE(ingested->CommitByIngestion(&b).ok());
    EXPECT_EQ(b.size(), 0u);
  }
  auto a = written->Dump(), b = ingested->Dump();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->size(), b->size());
  EXPECT_TRUE(*a == *b) << "the two stores differ";
  EXPECT_EQ(written->dedup_documents(), ingested->dedup_documents());
  auto doc = ingested->Document("doc-" + std::to_string(7000 * 7919 % 100003));
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ(**doc, "{\"v\":1,\"i\":7000}");  // the second commit's value
  EXPECT_FALSE(std::filesystem::exists(root + "/ingested/crawlproof-ingest"));
  // Reopened, the entries are there (the ingestion is durable).
  ingested.reset();
  auto reader = ProvenanceStore::OpenForReading(root + "/ingested");
  ASSERT_TRUE(reader.ok());
  auto again = (*reader)->Dump();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(*again == *a);
}

TEST(ProvenanceStore, FollowerSeesAnIngestedCommitWhole) {
  const std::string root = testing::MakeTempDir();
  auto st = OpenStore(root + "/store");
  ASSERT_TRUE(st);
  auto follower = ProvenanceStore::OpenFollower(root + "/store", root + "/scratch");
  ASSERT_TRUE(follower.ok()) << follower.status().message();
  ProvenanceStore::Batch b;
  PutDocuments(st.get(), &b, 0, 3000, 0);
  ASSERT_TRUE(st->CommitByIngestion(&b).ok());
  EXPECT_FALSE((*follower)->Manifest()->has_value());
  ASSERT_TRUE((*follower)->CatchUp().ok());
  auto m = (*follower)->Manifest();
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ(**m, "{\"upto\":3000}");
  auto at = (*follower)->DocumentAt(29, 99);
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ(**at, "doc-" + std::to_string(2999 * 7919 % 100003));
}

// Entry files written without a store (as a task of a distributed run
// writes them) and ingested later; a family the batch does not touch has
// no file.
TEST(ProvenanceStore, EntryFilesWrittenApartAreIngested) {
  const std::string root = testing::MakeTempDir();
  auto st = OpenStore(root + "/store");
  ASSERT_TRUE(st);
  ProvenanceStore::Batch b;
  b.PutDocument("a", "{\"x\":1}", "https://a/");
  b.PutDocument("a", "{\"x\":2}", "https://a/");
  b.PutPosition(0, 0, "a");
  auto files = ProvenanceStore::WriteEntryFiles(&b, root + "/entries", "group-000000");
  ASSERT_TRUE(files.ok()) << files.status().message();
  ASSERT_EQ(files->size(), 3u);  // provenance, by_url, by_position
  EXPECT_EQ((*files)[0].family, "provenance");
  EXPECT_EQ((*files)[0].entries, 1u);
  EXPECT_EQ((*files)[0].path, root + "/entries/group-000000.provenance.sst");
  ASSERT_TRUE(st->IngestEntryFiles(*files).ok());
  auto doc = st->Document("a");
  ASSERT_TRUE(doc.ok() && doc->has_value());
  EXPECT_EQ(**doc, "{\"x\":2}");
  auto at = st->DocumentAt(0, 0);
  ASSERT_TRUE(at.ok() && at->has_value());
  EXPECT_EQ(**at, "a");
  EXPECT_EQ(st->DocumentsWithUrl("https://a/")->size(), 1u);
  // Written and ingested commits in turn: each sees the one before.
  for (int v = 3; v < 6; ++v) {
    ProvenanceStore::Batch next;
    next.PutDocument("a", "{\"x\":" + std::to_string(v) + "}", "https://a/");
    ASSERT_TRUE((v % 2 ? st->Commit(&next) : st->CommitByIngestion(&next)).ok());
    auto now = st->Document("a");
    ASSERT_TRUE(now.ok() && now->has_value());
    EXPECT_EQ(**now, "{\"x\":" + std::to_string(v) + "}");
  }
  // Files written apart whose key ranges overlap (two groups' documents)
  // are ingested together.
  ProvenanceStore::Batch one, two;
  auto id = [](int i) { return std::string("d").append(std::to_string(i)); };
  for (int i = 0; i < 100; ++i) (i % 2 ? one : two).PutDocument(id(i), "{}", "https://d/" + id(i));
  auto f1 = ProvenanceStore::WriteEntryFiles(&one, root + "/entries", "one");
  auto f2 = ProvenanceStore::WriteEntryFiles(&two, root + "/entries", "two");
  ASSERT_TRUE(f1.ok() && f2.ok());
  f1->insert(f1->end(), f2->begin(), f2->end());
  ASSERT_TRUE(st->IngestEntryFiles(*f1).ok());
  for (int i = 0; i < 100; ++i) {
    auto d = st->Document(id(i));
    ASSERT_TRUE(d.ok() && d->has_value()) << i;
  }
  // Batches appended: one file per family, a key in both takes the
  // appended batch's value.
  ProvenanceStore::Batch first, second;
  first.PutDocument("m", "{\"v\":1}", "");
  second.PutDocument("m", "{\"v\":2}", "");
  second.PutPosition(9, 9, "m");
  first.Append(&second);
  EXPECT_EQ(second.size(), 0u);
  auto merged = ProvenanceStore::WriteEntryFiles(&first, root + "/entries", "merged");
  ASSERT_TRUE(merged.ok() && merged->size() == 2u);
  ASSERT_TRUE(st->IngestEntryFiles(*merged).ok());
  auto m = st->Document("m");
  ASSERT_TRUE(m.ok() && m->has_value());
  EXPECT_EQ(**m, "{\"v\":2}");
  // A file of a family the store has not: refused, nothing ingested.
  std::vector<ProvenanceStore::EntryFile> bad = {{"nope", root + "/x.sst", 0}};
  EXPECT_FALSE(st->IngestEntryFiles(bad).ok());
}

}  // namespace
}  // namespace crawlproof::store

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>

#include "ingest/cdxj.h"
#include "ingest/paths_listing.h"
#include "tests/ingest/read_all.h"
#include "tests/support/test_paths.h"

namespace crawlproof::ingest {
namespace {

using testing::FixturePath;

TEST(PathsListing, ReadsCommonCrawlWarcPathsWithPrefixAndLimit) {
  auto all = ReadPathsListing(FixturePath("warc/cc_CC-MAIN-2025-33.warc.paths.gz"));
  ASSERT_TRUE(all.ok()) << all.status().message();
  EXPECT_EQ(all->size(), 100000u);
  EXPECT_EQ(all->front().rfind("crawl-data/CC-MAIN-2025-33/segments/", 0), 0u) << all->front();
  PathsListingOptions o;
  o.prefix = "https://data.commoncrawl.org";
  o.limit = 3;
  auto few = ReadPathsListing(FixturePath("warc/cc_CC-MAIN-2025-33.warc.paths.gz"), o);
  ASSERT_TRUE(few.ok());
  ASSERT_EQ(few->size(), 3u);
  EXPECT_EQ((*few)[0], "https://data.commoncrawl.org/" + (*all)[0]);
}

TEST(Cdxj, ParsesRealIndexLines) {
  auto e = ParseCdxjLine(
      R"(com,example)/ 20240712000000 {"url": "https://example.com/", "mime": "text/html", "status": "200", "digest": "ABC", "length": "1234", "offset": "5678", "filename": "crawl-data/x.warc.gz"})");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->offset, 5678u);
  EXPECT_EQ(e->length, 1234u);
  EXPECT_EQ(e->filename, "crawl-data/x.warc.gz");
  EXPECT_FALSE(ParseCdxjLine("com,example)/ 2024 {\"url\": 1}").ok());
}

TEST(Cdxj, SurtKey) {
  EXPECT_EQ(SurtKey("http://www.Example.com/A?b=1"), "com,example)/a?b=1");
  EXPECT_EQ(SurtKey("https://sub.example.org"), "org,example,sub)/");
  EXPECT_EQ(SurtKey("http://example.com:80/x#frag"), "com,example)/x");
}

// Our SURT keys equal Common Crawl's on every line of two real indexes
// (query arguments sorted, percent-encoding normalised, www. dropped).
TEST(Cdxj, SurtKeysEqualCommonCrawls) {
  for (const char* file :
       {"warc/cdxtk_CC-MAIN-2024-30_cdx-00187_excerpt.cdxj", "warc/warcbench_test-crawl_index.cdxj"}) {
    std::string text = testing::ReadFileBytes(FixturePath(file));
    size_t lines = 0, pos = 0;
    while (pos < text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      auto e = ParseCdxjLine(std::string_view(text).substr(pos, nl - pos));
      pos = nl + 1;
      if (!e.ok()) continue;
      EXPECT_EQ(SurtKey(e->url), e->surt) << e->url;
      ++lines;
    }
    EXPECT_GT(lines, 10u) << file;
  }
  EXPECT_EQ(SurtKey("http://www2.example.com/"), "com,example)/");
}

TEST(Cdxj, LookupInTheCommonCrawlExcerpt) {
  std::string index = FixturePath("warc/cdxtk_CC-MAIN-2024-30_cdx-00187_excerpt.cdxj");
  std::string first = testing::ReadFileBytes(index);
  auto line = first.substr(0, first.find('\n'));
  auto entry = ParseCdxjLine(line);
  ASSERT_TRUE(entry.ok()) << entry.status().message();
  auto found = LookupCdxj(index, entry->url);
  ASSERT_TRUE(found.ok());
  ASSERT_GE(found->size(), 1u);
  EXPECT_EQ(found->front().offset, entry->offset);
  EXPECT_EQ(found->front().filename, entry->filename);
  auto none = LookupCdxj(index, "http://no.such.host.invalid/");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

// A ZipNum index built from the real CDXJ lines (members of 50 lines, the
// layout of Common Crawl's cc-index): lookups through cluster.idx equal the
// linear scan of the same lines.
TEST(ZipNum, LookupEqualsLinearScan) {
  std::string excerpt = FixturePath("warc/cdxtk_CC-MAIN-2024-30_cdx-00187_excerpt.cdxj");
  std::string text = testing::ReadFileBytes(excerpt);
  std::vector<std::string> lines;
  for (size_t pos = 0, nl; pos < text.size(); pos = nl + 1) {
    nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    if (nl > pos) lines.push_back(text.substr(pos, nl - pos));
  }
  ASSERT_GT(lines.size(), 1000u);
  std::string dir = testing::MakeTempDir();
  std::ofstream cdx(dir + "/cdx-00000.gz", std::ios::binary);
  std::ofstream cluster(dir + "/cluster.idx", std::ios::binary);
  uint64_t offset = 0;
  for (size_t i = 0, block = 0; i < lines.size(); i += 50, ++block) {
    std::string plain;
    for (size_t j = i; j < std::min(lines.size(), i + 50); ++j) plain += lines[j] + "\n";
    std::string member = testing::Deflate(plain);
    cdx << member;
    std::string first = lines[i].substr(0, lines[i].find(' ', lines[i].find(' ') + 1));
    cluster << first << "\tcdx-00000.gz\t" << offset << "\t" << member.size() << "\t" << block << "\n";
    offset += member.size();
  }
  cdx.close();
  cluster.close();
  size_t checked = 0;
  for (size_t i = 0; i < lines.size(); i += 37) {
    auto e = ParseCdxjLine(lines[i]);
    ASSERT_TRUE(e.ok());
    auto linear = LookupCdxj(excerpt, e->url);
    auto zipnum = LookupCdxj(dir + "/cluster.idx", e->url);
    ASSERT_TRUE(zipnum.ok()) << zipnum.status().message();
    ASSERT_TRUE(linear.ok());
    ASSERT_FALSE(zipnum->empty()) << e->url;
    ASSERT_EQ(zipnum->size(), linear->size()) << e->url;
    for (size_t k = 0; k < linear->size(); ++k) {
      EXPECT_EQ((*zipnum)[k].offset, (*linear)[k].offset);
      EXPECT_EQ((*zipnum)[k].filename, (*linear)[k].filename);
    }
    ++checked;
  }
  EXPECT_GT(checked, 25u);
  auto none = LookupCdxj(dir + "/cluster.idx", "http://zzzz.invalid/");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

}  // namespace
}  // namespace crawlproof::ingest

#include <gtest/gtest.h>

#include "ingest/cdxj.h"
#include "ingest/paths_listing.h"
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

}  // namespace
}  // namespace crawlproof::ingest

#include "extract/document.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "ingest/warc_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::extract {
namespace {

struct Extracted {
  std::vector<Document> docs;
  std::map<std::string, int> skipped;
};

Extracted ExtractAll(const std::string& path, const ExtractOptions& options = {}) {
  Extracted out;
  auto reader = ingest::WarcReader::Open(path);
  EXPECT_TRUE(reader.ok()) << path;
  ingest::WarcRecord rec;
  while (true) {
    auto r = (*reader)->Next(&rec);
    if (!r.ok()) continue;
    if (!*r) break;
    auto o = ExtractRecord(rec, path, options);
    if (o.ok) {
      out.docs.push_back(std::move(o.doc));
    } else {
      ++out.skipped[o.skip_reason];
    }
  }
  return out;
}

TEST(Documents, RealCommonCrawlRecordsInSeveralLanguages) {
  auto e = ExtractAll(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/data/sample.warc.gz");
  ASSERT_EQ(e.docs.size(), 16u);
  EXPECT_EQ(e.skipped["type:request"], 17);
  EXPECT_EQ(e.skipped["type:metadata"], 16);
  EXPECT_EQ(e.skipped["type:warcinfo"], 1);
  std::map<std::string, int> langs;
  for (const auto& d : e.docs) {
    ++langs[d.lang];
    EXPECT_EQ(d.id.size(), 36u);  // the record's UUID
    EXPECT_EQ("<urn:uuid:" + d.id + ">", d.record_id);
    EXPECT_GE(d.lang_score, 0.5);
    EXPECT_LE(d.lang_score, 1.0);
    EXPECT_FALSE(d.text.empty());
  }
  std::map<std::string, int> expected = {{"de", 2}, {"en", 1}, {"nl", 1}, {"ru", 1}, {"zh", 10}, {"zh-Hant", 1}};
  EXPECT_EQ(langs, expected);
}

// The markup hook sees every HTML page once, as UTF-8 (the sample holds
// GB2312 and windows-1251 pages), before its text is extracted.
TEST(Documents, TheMarkupHookSeesEveryPageAsUtf8) {
  ExtractOptions o;
  std::vector<std::string> pages;
  o.on_html = [&](std::string_view html) { pages.emplace_back(html); };
  auto e = ExtractAll(std::string(CRAWLPROOF_TEST_SOURCE_DIR) + "/data/sample.warc.gz", o);
  EXPECT_EQ(e.docs.size(), 16u);
  ASSERT_GE(pages.size(), e.docs.size());  // pages left without text are seen too
  for (const auto& html : pages) {
    EXPECT_NE(html.find('<'), std::string::npos);
    // Valid UTF-8 throughout.
    for (size_t i = 0; i < html.size();) {
      unsigned char c = static_cast<unsigned char>(html[i]);
      size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
      ASSERT_NE(n, 0u) << "byte " << i;
      for (size_t k = 1; k < n; ++k) ASSERT_EQ(static_cast<unsigned char>(html[i + k]) >> 6, 2) << "byte " << i + k;
      i += n;
    }
  }
}

TEST(Documents, SelectionReasonsAndWetText) {
  std::string base = testing::FixturePath("commoncrawl-2014/CC-MAIN-20140820021334-00006-ip-10-180-136-8.ec2.internal");
  auto warc = ExtractAll(base + ".warc");
  EXPECT_EQ(warc.docs.size(), 3u);
  EXPECT_EQ(warc.skipped["mime:none"] + warc.skipped["type:request"] + warc.skipped["type:metadata"] +
                warc.skipped["type:warcinfo"],
            10);
  // The WET file of the same crawl: conversion records as they are.
  auto wet = ExtractAll(base + ".warc.wet");
  ASSERT_EQ(wet.docs.size(), 3u);
  EXPECT_EQ(wet.skipped["type:warcinfo"], 1);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(wet.docs[i].url, warc.docs[i].url);
    EXPECT_EQ(wet.docs[i].lang, "en");
    // Main content is a part of what Common Crawl's full-page text holds.
    EXPECT_LT(warc.docs[i].text.size(), wet.docs[i].text.size());
  }
  EXPECT_NE(wet.docs[0].text.find("This image has been viewed 2550 times."), std::string::npos);
  EXPECT_NE(warc.docs[0].text.find("This image has been viewed 2550 times."), std::string::npos);
}

TEST(Documents, IdsAreStable) {
  EXPECT_EQ(DocumentId("<urn:uuid:C4C112A5-3503-4483-ABF8-51A0DD86DD53>", "u", "d", 1),
            "c4c112a5-3503-4483-abf8-51a0dd86dd53");
  std::string other = DocumentId("<urn:x-other:42>", "u", "d", 1);
  EXPECT_EQ(other.size(), 33u);
  EXPECT_EQ(other[0], 'r');
  EXPECT_EQ(other, DocumentId("<urn:x-other:42>", "elsewhere", "later", 99));
  std::string arc = DocumentId("", "http://example.com/", "2014-02-16T05:02:21Z", 171);
  EXPECT_EQ(arc[0], 'a');
  EXPECT_NE(arc, DocumentId("", "http://example.com/", "2014-02-16T05:02:21Z", 172));
}

TEST(Documents, HtmlSniffing) {
  EXPECT_TRUE(LooksLikeHtml("\xEF\xBB\xBF  <!DOCTYPE html><html>"));
  EXPECT_TRUE(LooksLikeHtml("\n<HTML>"));
  EXPECT_TRUE(LooksLikeHtml("<p>para"));
  EXPECT_FALSE(LooksLikeHtml("%PDF-1.4"));
  EXPECT_FALSE(LooksLikeHtml("<?xml version=\"1.0\"?><rss>"));
  EXPECT_FALSE(LooksLikeHtml("<pre"));
}

}  // namespace
}  // namespace crawlproof::extract

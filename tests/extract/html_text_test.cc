#include "extract/html_text.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "ingest/http_response.h"
#include "ingest/warc_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::extract {
namespace {

// The HTML body of the first 200 response in a WARC fixture.
std::string FirstHtml(const std::string& fixture) {
  auto reader = ingest::WarcReader::Open(testing::FixturePath(fixture));
  EXPECT_TRUE(reader.ok());
  ingest::WarcRecord rec;
  while (true) {
    auto r = (*reader)->Next(&rec);
    if (!r.ok()) continue;
    if (!*r) break;
    if (rec.type != ingest::WarcType::kResponse) continue;
    auto http = ingest::ParseHttpResponse(rec.block);
    if (http.ok() && http->status == 200) return std::string(http->Body());
  }
  return "";
}

TEST(HtmlText, TitleIsThePagesNotAnEmbeddedSvgs) {
  std::string html = FirstHtml("warc/iawc_title-extraction-embedded-SVG.warc");
  ASSERT_NE(html.find("<svg"), std::string::npos);
  HtmlText t = ExtractHtmlText(html);
  EXPECT_EQ(t.title, "Testing title extraction with embedded SVG");
  EXPECT_EQ(t.text, "This is body text...");
}

TEST(HtmlText, WhitespaceAndBlocksOfARealPage) {
  // internetarchive/warc's html2text spacing page: inline elements join words,
  // block elements end lines.
  std::string html = FirstHtml("warc/iawc_text-extraction-test.warc");
  ASSERT_FALSE(html.empty());
  HtmlText all = ExtractHtmlText(html, {.main_content = false});
  EXPECT_NE(all.text.find("around inline elements (here <b>): \xC2\xAB"
                          "foobarfoo\xC2\xBB\n"),
            std::string::npos)
      << all.text;
  EXPECT_NE(all.text.find("\nat <br/>first\nsecond line\n"), std::string::npos) << all.text;
  EXPECT_NE(all.text.find("\nat <div/>first line\ndiv element\nsecond line\n"), std::string::npos) << all.text;
  EXPECT_NE(all.text.find("comments: nospace"), std::string::npos) << all.text;
  EXPECT_EQ(all.text.find("  "), std::string::npos) << all.text;
}

TEST(HtmlText, EntitiesAreDecoded) {
  std::string out;
  AppendDecodedEntities("a &amp; b &lt;p&gt; caf&eacute; &#x1F600; &#128; &#0; &nbsp;x &notit; &ampx &unknown; & x",
                        &out);
  EXPECT_EQ(out,
            "a & b <p> caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC \xEF\xBF\xBD \xC2\xA0x \xC2\xACit; &x &unknown; & x");
}

TEST(HtmlText, ScriptsStylesCommentsAndHiddenTextAreDropped) {
  HtmlText t = ExtractHtmlText(
      "<html lang=de><head><title>T &amp; U</title><style>p{color:red}</style></head><body>"
      "<script>var s = '</p>';</script><!-- a comment <p>x</p> --><noscript>enable js</noscript>"
      "<template><p>tpl</p></template><p>Eins <b>zwei</b> drei</p><div hidden>secret</div>"
      "<div style=\"display: none\">gone</div><span aria-hidden=\"true\">icon</span>"
      "<p>vier<br>f&uuml;nf</p><pre>a  b\n  c</pre></body></html>",
      {.main_content = false});
  EXPECT_EQ(t.title, "T & U");
  EXPECT_EQ(t.lang, "de");
  EXPECT_EQ(t.text, "Eins zwei drei\nvier\nf\xC3\xBCnf\na  b\n  c");
}

// A page with the usual furniture around one article.
const char* kNewsPage =
    "<html><body><header class=site-header><a href=/>Home</a> <a href=/news>News</a></header>"
    "<nav><ul><li><a href=/a>Politics</a></li><li><a href=/b>Sport</a></li></ul></nav>"
    "<div id=cookie-banner>We use cookies to improve your experience. Accept all cookies?</div>"
    "<article><h1>Rivers rise after the storm</h1>"
    "<p>Heavy rain fell across the valley for three days, and the river rose above its banks on Sunday "
    "evening, flooding the lower town.</p><p>By Monday morning the water had begun to fall, and residents "
    "returned to clear the mud from their houses and shops.</p>"
    "<div class=share-buttons><a href=#>Share on Facebook</a></div></article>"
    "<aside><h3>Most read</h3><p>Another story that is also quite long but sits in the sidebar of the page.</p>"
    "</aside><footer>Copyright 2024 Example News. All rights reserved. Privacy policy.</footer></body></html>";

TEST(HtmlText, MainContentDropsNavigationBannersAndFooters) {
  HtmlText t = ExtractHtmlText(kNewsPage);
  EXPECT_EQ(t.text,
            "Rivers rise after the storm\n"
            "Heavy rain fell across the valley for three days, and the river rose above its banks on Sunday "
            "evening, flooding the lower town.\n"
            "By Monday morning the water had begun to fall, and residents returned to clear the mud from their "
            "houses and shops.");
  HtmlText all = ExtractHtmlText(kNewsPage, {.main_content = false});
  EXPECT_NE(all.text.find("Politics"), std::string::npos);
  EXPECT_NE(all.text.find("We use cookies"), std::string::npos);
  EXPECT_NE(all.text.find("Copyright 2024"), std::string::npos);
}

TEST(HtmlText, LinkListsAreDropped) {
  HtmlText t = ExtractHtmlText(
      "<div><p>This paragraph has enough words in it to count as real content for the extractor.</p>"
      "<p><a href=1>one link</a> <a href=2>another link</a> and</p>"
      "<p>Another paragraph that has enough words in it to count as real content too.</p></div>");
  EXPECT_EQ(t.text.find("one link"), std::string::npos) << t.text;
  EXPECT_EQ(t.blocks_kept, 2u);
}

TEST(HtmlText, PathologicalPagesStayLinear) {
  auto time = [](const std::string& html, HtmlExtractOptions o = {}) {
    auto t0 = std::chrono::steady_clock::now();
    HtmlText t = ExtractHtmlText(html, o);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_LT(s, 5.0);  // a hang guard, not a benchmark
    return t;
  };
  // 200,000 nested elements, then text, then their end tags.
  std::string deep;
  for (int i = 0; i < 200000; ++i) deep += "<div><span>";
  deep += "deep words here";
  for (int i = 0; i < 200000; ++i) deep += "</span></div>";
  deep += "<p>after the nest</p>";
  HtmlText d = time(deep, {.main_content = false});
  EXPECT_EQ(d.text, "deep words here\nafter the nest");
  // 20 MB on one line, and a body cut at max_html_bytes.
  std::string line(20 << 20, 'x');
  for (size_t i = 100; i < line.size(); i += 100) line[i] = ' ';
  HtmlText l = time("<p>" + line + "</p>", {.main_content = false, .max_html_bytes = 32 << 20});
  EXPECT_EQ(l.text.size(), line.size());
  HtmlText cut = time("<p>" + line + "</p>", {.main_content = false, .max_html_bytes = 1 << 20});
  EXPECT_TRUE(cut.truncated);
  EXPECT_LT(cut.text.size(), size_t{1} << 20);
  // Unterminated constructs swallow the rest, as browsers do, without looping.
  EXPECT_EQ(time("<p>before</p><!-- never closed <p>x</p>", {.main_content = false}).text, "before");
  EXPECT_EQ(time("<p>before</p><a href=\"never closed>text", {.main_content = false}).text, "before");
  EXPECT_EQ(time("<p>before</p><script>for(;;){}", {.main_content = false}).text, "before");
  // A million unmatched end tags and stray '<'.
  std::string stray;
  for (int i = 0; i < 1000000; ++i) stray += "</b>< ";
  EXPECT_FALSE(time(stray, {.main_content = false}).text.empty());
}

}  // namespace
}  // namespace crawlproof::extract

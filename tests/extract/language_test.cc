// Language identification: what CLD2 is shown (code, numbers, URLs left out)
// and what it answers on real translated pages, mixed ones included.
#include "extract/language.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "extract/document.h"
#include "extract/html_text.h"
#include "filter/filters.h"
#include "ingest/warc_reader.h"
#include "tests/support/test_paths.h"

namespace crawlproof::extract {
namespace {

TEST(LanguageSample, LeavesOutWordsThatCarryNoLanguage) {
  const std::string text =
      "Führen Sie apt-get --fix-missing aus, siehe https://www.debian.org/doc/ oder /etc/apt/sources.list.\n"
      "int main(void) { return EXIT_SUCCESS; }\n"
      "Version 3.2.1 von foo_bar() kam 2023 heraus; HTML und CSS.\n";
  const std::string sample = LanguageSample(text, 4096);
  EXPECT_EQ(sample, "Führen Sie apt-get aus, siehe oder\nVersion von kam heraus; und\n");
}

TEST(LanguageSample, LeavesOutCodeSpansAndKeepsScriptsWithoutSpaces) {
  const std::string prose = "これは日本語の文章です。gcc、g++、make を使います。";
  const std::string code = "for (int i = 0; i < n; ++i) sum += x[i];";
  const std::string text = prose + "\n" + code + "\n" + prose;
  const std::pair<size_t, size_t> span(prose.size() + 1, prose.size() + 1 + code.size());
  const std::string sample = LanguageSample(text, 4096, std::span(&span, 1));
  EXPECT_EQ(sample.find("sum"), std::string::npos) << sample;
  EXPECT_EQ(sample.find("g++"), std::string::npos) << sample;
  EXPECT_NE(sample.find("これは日本語の文章です。 gcc、、 make を使います。"), std::string::npos) << sample;
}

TEST(LanguageSample, SpreadsALongTextOverWindows) {
  std::string text;
  for (int i = 0; i < 400; ++i) text += "Dies ist ein deutscher Satz über das Installieren von Debian.\n";
  for (int i = 0; i < 400; ++i) text += "Ceci est une phrase française sur l'installation de Debian.\n";
  const std::string sample = LanguageSample(text, 4096);
  EXPECT_LE(sample.size(), 4096u);
  EXPECT_NE(sample.find("deutscher"), std::string::npos);
  EXPECT_NE(sample.find("française"), std::string::npos);  // not only the start of the text
}

TEST(HtmlText, CodeBlocksAreMarked) {
  HtmlText h = ExtractHtmlText(
      "<body><p>Ein Satz, der deutsch ist und lang genug bleibt.</p><pre>int main() {\n  return 0;\n}</pre>"
      "<p>Noch ein Satz mit <code>ls -l</code> darin, ebenfalls deutsch.</p></body>");
  ASSERT_EQ(h.code_spans.size(), 1u) << h.text;
  EXPECT_EQ(h.text.substr(h.code_spans[0].first, h.code_spans[0].second - h.code_spans[0].first),
            "int main() {\n  return 0;\n}");
}

TEST(Language, KnownCodesAreCld2s) {
  const auto& codes = KnownLanguageCodes();
  for (const char* c : {"en", "de", "zh", "zh-Hant", "ja", "sr-ME"})
    EXPECT_TRUE(std::binary_search(codes.begin(), codes.end(), c)) << c;
  for (const char* c : {"eng", "und", "german", ""})
    EXPECT_FALSE(std::binary_search(codes.begin(), codes.end(), c)) << c;
}

// Real pages of Debian's translated documentation (tests/data/
// translated-docs.warc.gz, crawled by scripts/make-corpus --multilingual):
// 40 fully translated pages in 20 languages, and 6 whose translation left
// whole paragraphs in English (bench/language-eval compares each with its
// English original to tell them apart).
struct Page {
  const char* path;
  const char* lang;  // the language the URL names
  bool mixed;
};
constexpr Page kPages[] = {
    {"/install/ca/apas02.html", "ca", false},
    {"/install/ca/ch02s04.html", "ca", false},
    {"/install/cs/apbs03.html", "cs", false},
    {"/install/cs/ch01s07.html", "cs", false},
    {"/install/da/apas02.html", "da", false},
    {"/install/da/ch02s03.html", "da", false},
    {"/debref/apa.de.html", "de", false},
    {"/install/de/ch01s02.html", "de", false},
    {"/install/el/apas02.html", "el", false},
    {"/install/el/ch02s03.html", "el", false},
    {"/install/en/", "en", false},
    {"/lilypond/internals/paper_002dcolumn_002dinterface.html", "en", false},
    {"/debref/pr01.es.html", "es", false},
    {"/install/es/ch02s03.html", "es", false},
    {"/devref/fr/l10n.html", "fr", false},
    {"/install/fr/ch01s08.html", "fr", false},
    {"/debref/apa.id.html", "id", false},
    {"/install/id/ch02s01.html", "id", false},
    {"/debref/apa.it.html", "it", false},
    {"/install/it/ch01s02.html", "it", false},
    {"/faq/ja/nextrelease.ja.html", "ja", false},
    {"/install/ja/ch01s08.html", "ja", false},
    {"/faq/ko/basic-defs.ko.html", "ko", false},
    {"/install/ko/ch01s07.html", "ko", false},
    {"/faq/nl/basic-defs.nl.html", "nl", false},
    {"/install/nl/ch01s08.html", "nl", false},
    {"/faq/pt/basic-defs.pt.html", "pt", false},
    {"/install/pt/ch01s07.html", "pt", false},
    {"/install/ro/apas02.html", "ro", false},
    {"/install/ro/ch02s03.html", "ro", false},
    {"/install/ru/", "ru", false},
    {"/install/ru/ch01s04.html", "ru", false},
    {"/install/sv/apas02.html", "sv", false},
    {"/install/sv/ch01s03.html", "sv", false},
    {"/install/vi/apcs01.html", "vi", false},
    {"/install/vi/ch01s01.html", "vi", false},
    {"/debref/ch07.zh-cn.html", "zh", false},
    {"/install/zh_CN/ch01s01.html", "zh", false},
    {"/debref/ch07.zh-tw.html", "zh-Hant", false},
    {"/debref/pr01.zh-tw.html", "zh-Hant", false},
    {"/devref/it/new-maintainer.html", "it", true},
    {"/install/cs/ch04s02.html", "cs", true},
    {"/install/da/ch06s04.html", "da", true},
    {"/install/ru/ch06s05.html", "ru", true},
    {"/install/vi/apcs03.html", "vi", true},
    {"/install/vi/ch04s02.html", "vi", true},
};

TEST(Language, RealTranslatedPagesIn20Languages) {
  const std::string path = testing::TestDataPath("translated-docs.warc.gz");
  auto reader = ingest::WarcReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().message();
  std::map<std::string, Document> by_path;
  ingest::WarcRecord rec;
  while (true) {
    auto r = (*reader)->Next(&rec);
    ASSERT_TRUE(r.ok()) << r.status().message();
    if (!*r) break;
    auto o = ExtractRecord(rec, path);
    if (!o.ok) continue;
    std::string url = o.doc.url;
    by_path[url.substr(url.find('/', url.find("//") + 2))] = std::move(o.doc);
  }
  ASSERT_EQ(by_path.size(), std::size(kPages));
  std::set<std::string> languages;
  auto filter = filter::MakeLanguageFilter({.languages = {}, .min_score = 0.65});
  for (const Page& p : kPages) {
    ASSERT_TRUE(by_path.count(p.path)) << p.path;
    const Document& d = by_path[p.path];
    languages.insert(p.lang);
    EXPECT_GE(d.lang_score, 0.5) << p.path;
    EXPECT_LE(d.lang_score + d.lang2_share, 1.0 + 1e-9) << p.path;
    if (!p.mixed) {
      EXPECT_EQ(d.lang, p.lang) << p.path;
    } else {
      // Either language may lead; the other one, when named, is the second.
      EXPECT_TRUE(d.lang == p.lang || d.lang == "en") << p.path << ": " << d.lang;
      if (!d.lang2.empty()) {
        EXPECT_EQ(std::set<std::string>({d.lang, d.lang2}), std::set<std::string>({p.lang, "en"})) << p.path;
        EXPECT_GE(d.lang2_share, 0.2) << p.path;
      }
    }
    // languages = [] keeps every page: all of them are language.
    filter::FilterDocument fd;
    fd.lang = d.lang;
    fd.lang_score = d.lang_score;
    fd.lang2 = d.lang2;
    fd.lang2_share = d.lang2_share;
    filter::Decision decision;
    filter->Apply(&fd, &decision);
    EXPECT_TRUE(decision.keep) << p.path << ": " << decision.reason;
  }
  EXPECT_EQ(languages.size(), 20u);
  // A mixed page leads with one language and names the other.
  const Document& mixed = by_path["/install/vi/apcs03.html"];
  EXPECT_FALSE(mixed.lang2.empty());
}

TEST(Language, EnglishOnlyFilterDropsAMixedPageLedByAnotherLanguage) {
  auto english = filter::MakeLanguageFilter({.languages = {"en"}, .min_score = 0.65});
  filter::FilterDocument fd;
  fd.lang = "vi";
  fd.lang_score = 0.55;
  fd.lang2 = "en";
  fd.lang2_share = 0.45;
  filter::Decision d;
  english->Apply(&fd, &d);
  EXPECT_FALSE(d.keep);
  EXPECT_EQ(d.reason, "language:not_allowed");
  auto both = filter::MakeLanguageFilter({.languages = {"vi", "en"}, .min_score = 0.65});
  filter::Decision d2;
  both->Apply(&fd, &d2);
  EXPECT_TRUE(d2.keep) << d2.reason;
  auto vietnamese = filter::MakeLanguageFilter({.languages = {"vi"}, .min_score = 0.65});
  filter::Decision d3;
  vietnamese->Apply(&fd, &d3);
  EXPECT_FALSE(d3.keep);
  EXPECT_EQ(d3.reason, "language:low_score");
}

}  // namespace
}  // namespace crawlproof::extract
